/// An optional field of the JSON documents: `null` when it has no value, never left out,
/// so that a script can read every documented field of schema 1 without testing for it
/// first (synthesized `Encodable` leaves a nil optional out).
@propertyWrapper
struct NullWhenAbsent<Value: Encodable>: Encodable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

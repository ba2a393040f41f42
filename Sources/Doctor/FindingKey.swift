import Support

/// Which failure a finding is, finer than its id: several LD002 findings share the id, one
/// per missing library and requester. The planner matches blockers and fixes by this key.
/// Compared and hashed by the names' bytes: two libraries whose names are canonically
/// equivalent text (`libé.so`, `libe\u{301}.so`) are two failures.
public struct FindingKey: Hashable, Sendable {
    public var rule: Rule
    /// The library (empty when the finding names none).
    public var library: String
    /// The first object that needs it (empty when none).
    public var requester: String

    public static func == (a: FindingKey, b: FindingKey) -> Bool {
        a.rule == b.rule && a.library.hasSameBytes(as: b.library) && a.requester.hasSameBytes(as: b.requester)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(rule)
        hasher.combine(TextKey(library))
        hasher.combine(TextKey(requester))
    }
}

extension Finding {
    public var key: FindingKey { FindingKey(rule: rule, library: library ?? "", requester: neededBy.first ?? "") }
}

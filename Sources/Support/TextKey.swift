/// A `String` as a table key, hashed by `SeededByteHash` (eight bytes at a time) instead of
/// `String`'s byte-wise SipHash: for the loader model's tables of names and directories,
/// which a resolution consults for every library and every search directory. Equal when the
/// bytes are, as file names are to the kernel (not `String`'s canonical equivalence).
public struct TextKey: Hashable, Sendable {
    public let string: String

    @inlinable
    public init(_ string: String) {
        self.string = string
    }

    @inlinable
    public static func == (lhs: TextKey, rhs: TextKey) -> Bool { SeededByteHash.sameBytes(lhs.string, rhs.string) }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(SeededByteHash.hash(string, seed: 0))
    }

    @inlinable
    public func _rawHashValue(seed: Int) -> Int {
        Int(truncatingIfNeeded: SeededByteHash.hash(string, seed: UInt64(UInt(bitPattern: seed))))
    }
}

extension String {
    /// `count` spaces (none for a count below one): an indent or a column's padding, written
    /// as bytes at once. `String(repeating: " ", count:)` appended a one-space string `count`
    /// times, some 2,000 instructions an indent, and a report makes dozens.
    public static func blanks(_ count: Int) -> String {
        guard count > 0 else { return "" }
        return String(unsafeUninitializedCapacity: count) { buffer in
            buffer.initialize(repeating: UInt8(ascii: " "))
            return count
        }
    }
}

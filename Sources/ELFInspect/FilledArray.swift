extension Array {
    /// `count` copies of `value`, as `Array(repeating:count:)` makes them, but sized through
    /// `reserveCapacity`, which the compiler specialises for the element type:
    /// `Array(repeating:count:)` allocates through a stdlib function that is never
    /// specialised and looks the storage's type up at run time, ~700 instructions an array
    /// (paid per library where a table of that library is made).
    @inlinable
    public static func filled(with value: Element, count: Int) -> [Element] {
        var array: [Element] = []
        array.reserveCapacity(count)
        array.append(contentsOf: repeatElement(value, count: count))
        return array
    }
}

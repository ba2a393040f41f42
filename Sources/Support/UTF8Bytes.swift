extension String {
    /// Calls `body` with the string's UTF-8 bytes: in place for a native string (every string
    /// ofdoctor builds), copied only for one that is not contiguous.
    @inlinable @inline(__always)
    public func withUTF8Bytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let result = utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return result }
        // A small string (up to 15 bytes: most names) has no storage to offer: `withUTF8`
        // reads it from a copy on the stack (an array of it cost an allocation a name). Not
        // for every string: the copy of a large one is a retain and a release.
        var text = self
        return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }
}

extension String {
    /// Calls `body` with the string's UTF-8 bytes: in place for a native string (every string
    /// ofdoctor builds), copied only for one that is not contiguous.
    @inlinable @inline(__always)
    public func withUTF8Bytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let result = utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return result }
        return Array(utf8).withUnsafeBytes(body)
    }
}

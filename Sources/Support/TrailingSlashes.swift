extension String {
    /// A path without its trailing slashes, `/` itself kept: `/usr/lib//` is `/usr/lib`,
    /// `//` is `/`. Byte-wise, as the kernel and the loader read a path (a `Character` can
    /// end in `/`: `"\u{600}/"` is one). `LocalRoot`, search paths and image names share it.
    package var droppingTrailingSlashes: String {
        let bytes = utf8, slash = UInt8(ascii: "/")
        var end = bytes.endIndex
        while bytes.distance(from: bytes.startIndex, to: end) > 1, bytes[bytes.index(before: end)] == slash {
            end = bytes.index(before: end)
        }
        return String(self[..<end])
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Path text read as the kernel and the loader read it: byte by byte. `String`'s own
/// `hasPrefix`, `split` and `firstIndex(of:)` work on characters, and a character can
/// swallow a separator: `"/\u{301}lib"` (a combining mark after the slash) starts with the
/// character "/́", not "/", and `"\u{600}/x"` (a prepended mark) holds no "/" character at
/// all. Every separator here is ASCII, so each index found is also a character boundary
/// of the UTF-8 text (a multi-byte sequence never holds an ASCII byte).
///
/// On `String` only, not `StringProtocol`: a generic helper is dispatched at run time, and
/// the runtime's first look-up of each of its conformances scanned every conformance record
/// of the binary (a quarter million instructions a check).
extension String {
    /// The first byte is `/`: an absolute path.
    @inlinable package var startsWithSlash: Bool { utf8.first == PathBytes.slash }

    /// The last byte is `/`.
    @inlinable package var endsWithSlash: Bool { utf8.last == PathBytes.slash }

    /// Some byte is `/`.
    @inlinable package var containsSlash: Bool { containsByte(PathBytes.slash) }

    /// Some byte is `byte` (an ASCII one).
    @inlinable package func containsByte(_ byte: UInt8) -> Bool {
        // memchr(3) over the bytes: iterating `utf8` cost ~20 instructions a byte.
        withUTF8Bytes { bytes in bytes.baseAddress.map { memchr($0, Int32(byte), bytes.count) != nil } ?? false }
    }

    /// The first bytes are `prefix`'s (strncmp; `hasPrefix` compares characters, and
    /// "lib\u{301}x" does not start with the character "b").
    @inlinable package func hasBytePrefix(_ prefix: String) -> Bool {
        var mine = utf8.makeIterator()
        for byte in prefix.utf8 { guard mine.next() == byte else { return false } }
        return true
    }

    /// The last bytes are `suffix`'s.
    @inlinable package func hasByteSuffix(_ suffix: String) -> Bool {
        let count = utf8.count, length = suffix.utf8.count
        guard length <= count else { return false }
        var mine = utf8[utf8.index(utf8.startIndex, offsetBy: count - length)...].makeIterator()
        for byte in suffix.utf8 { guard mine.next() == byte else { return false } }
        return true
    }

    /// Where the last `/` byte is.
    @inlinable package var lastSlashIndex: Index? { utf8.lastIndex(of: PathBytes.slash) }

    /// The part after the last `/` byte (all of it when there is none).
    @inlinable package var afterLastSlash: Substring {
        guard let slash = lastSlashIndex else { return self[...] }
        return self[utf8.index(after: slash)...]
    }

    /// The text before and after the first `byte` (an ASCII one: `=` of `NAME=VALUE`, which a
    /// value starting with a combining mark would hide from `firstIndex(of: "=")`).
    @inlinable package func splitAtFirst(_ byte: UInt8) -> (before: Substring, after: Substring)? {
        guard let at = utf8.firstIndex(of: byte) else { return nil }
        return (self[..<at], self[utf8.index(after: at)...])
    }

    /// The parts between the bytes `isSeparator` picks (each an ASCII byte), in order.
    package func split(bytes isSeparator: (UInt8) -> Bool, omittingEmpty: Bool = true) -> [String] {
        // Over the contiguous UTF-8 bytes: the `utf8` view's own iteration and slicing cost
        // a thousand instructions a path. Each part is a valid UTF-8 slice, decoded as it is.
        var text = self
        return text.withUTF8 { bytes in
            var parts: [String] = []
            var start = 0
            for (at, byte) in bytes.enumerated() where isSeparator(byte) {
                if !omittingEmpty || start != at {
                    parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self))
                }
                start = at + 1
            }
            if !omittingEmpty || start != bytes.count {
                parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self))
            }
            return parts
        }
    }

    /// The parts between `/` bytes (empty ones left out unless asked for).
    package func slashSeparated(omittingEmpty: Bool = true) -> [String] {
        split(bytes: { $0 == PathBytes.slash }, omittingEmpty: omittingEmpty)
    }
}

extension String {
    /// A path without its trailing slashes, `/` itself kept: `/usr/lib//` is `/usr/lib`,
    /// `//` is `/`. `LocalRoot`, search paths and image names share it.
    package var droppingTrailingSlashes: String {
        var end = utf8.endIndex
        while utf8.distance(from: utf8.startIndex, to: end) > 1, utf8[utf8.index(before: end)] == PathBytes.slash {
            end = utf8.index(before: end)
        }
        return String(self[..<end])
    }
}

@usableFromInline package enum PathBytes {
    @usableFromInline package static let slash = UInt8(ascii: "/")
}

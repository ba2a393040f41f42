#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension String {
    /// Whether `needle`'s UTF-8 bytes occur in this string's: a plain byte search for
    /// file names and paths. (The standard library's `contains(_:)` for strings matches
    /// Unicode-aware through the regex engine, thousands of instructions a call; a walk
    /// over 100,000 files asks this of every name.)
    package func containsBytes(_ needle: String) -> Bool {
        firstByteOffset(of: needle) != nil
    }

    /// The UTF-8 offset of the first occurrence of `needle`'s bytes in this string's, nil
    /// when there is none (0 for an empty needle). As `containsBytes`; `firstRange(of:)`
    /// goes through the string-processing searcher, whose first use costs a runtime
    /// conformance scan.
    package func firstByteOffset(of needle: String) -> Int? {
        withUTF8Bytes { ByteSearch.firstOffset(of: Array(needle.utf8), in: $0) }
    }
}

package enum ByteSearch {
    /// The offset of the first occurrence of `needle` in `haystack`, nil when there is none
    /// (0 for an empty needle): memchr(3) for the needle's byte at `anchor` (its rarest, for
    /// a caller that knows), memcmp(3) for the whole needle where it stops.
    package static func firstOffset(of needle: [UInt8], in haystack: UnsafeRawBufferPointer, anchor: Int = 0) -> Int? {
        guard !needle.isEmpty else { return 0 }
        precondition(needle.indices.contains(anchor), "the anchor is a byte of the needle")
        guard let base = haystack.baseAddress, haystack.count >= needle.count else { return nil }
        let last = haystack.count - needle.count   // the last offset a match can start at
        var at = 0
        return needle.withUnsafeBytes { pattern -> Int? in
            while at <= last {
                guard let hit = memchr(base + at + anchor, Int32(needle[anchor]), last - at + 1) else { return nil }
                let offset = base.distance(to: UnsafeRawPointer(hit)) - anchor
                if memcmp(base + offset, pattern.baseAddress!, pattern.count) == 0 { return offset }
                at = offset + 1
            }
            return nil
        }
    }
}

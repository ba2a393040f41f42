/// Path text read as the kernel and the loader read it: byte by byte. `String`'s own
/// `hasPrefix`, `split` and `firstIndex(of:)` work on characters, and a character can
/// swallow a separator: `"/\u{301}lib"` (a combining mark after the slash) starts with the
/// character "/́", not "/", and `"\u{600}/x"` (a prepended mark) holds no "/" character at
/// all. Every separator here is ASCII, so each index found is also a character boundary
/// of the UTF-8 text (a multi-byte sequence never holds an ASCII byte).
extension StringProtocol {
    /// The first byte is `/`: an absolute path.
    package var startsWithSlash: Bool { utf8.first == PathBytes.slash }

    /// Some byte is `/`.
    package var containsSlash: Bool { utf8.contains(PathBytes.slash) }

    /// The first bytes are `prefix`'s (strncmp; `hasPrefix` compares characters, and
    /// "lib\u{301}x" does not start with the character "b").
    package func hasBytePrefix(_ prefix: String) -> Bool { utf8.starts(with: prefix.utf8) }

    /// Some byte is `byte` (an ASCII one).
    package func containsByte(_ byte: UInt8) -> Bool { utf8.contains(byte) }

    /// The parts between the bytes `isSeparator` picks (each an ASCII byte), in order.
    package func split(bytes isSeparator: (UInt8) -> Bool, omittingEmpty: Bool = true) -> [SubSequence] {
        var parts: [SubSequence] = []
        var start = utf8.startIndex, at = start
        while at != utf8.endIndex {
            if isSeparator(utf8[at]) {
                if !omittingEmpty || start != at { parts.append(self[start..<at]) }
                start = utf8.index(after: at)
            }
            at = utf8.index(after: at)
        }
        if !omittingEmpty || start != utf8.endIndex { parts.append(self[start..<utf8.endIndex]) }
        return parts
    }

    /// The text before and after the first `byte` (an ASCII one: `=` of `NAME=VALUE`, which a
    /// value starting with a combining mark would hide from `firstIndex(of: "=")`).
    package func splitAtFirst(_ byte: UInt8) -> (before: SubSequence, after: SubSequence)? {
        guard let at = utf8.firstIndex(of: byte) else { return nil }
        return (self[..<at], self[utf8.index(after: at)...])
    }

    /// The parts between `/` bytes (empty ones left out unless asked for).
    package func slashSeparated(omittingEmpty: Bool = true) -> [SubSequence] {
        split(bytes: { $0 == PathBytes.slash }, omittingEmpty: omittingEmpty)
    }

}

extension StringProtocol where UTF8View: BidirectionalCollection {
    /// The last byte is `/`.
    package var endsWithSlash: Bool { utf8.last == PathBytes.slash }

    /// The last bytes are `suffix`'s.
    package func hasByteSuffix(_ suffix: String) -> Bool { utf8.reversed().starts(with: suffix.utf8.reversed()) }

    /// Where the last `/` byte is.
    package var lastSlashIndex: Index? { utf8.lastIndex(of: PathBytes.slash) }

    /// The part after the last `/` byte (all of it when there is none).
    package var afterLastSlash: SubSequence {
        guard let slash = lastSlashIndex else { return self[startIndex...] }
        return self[utf8.index(after: slash)...]
    }
}

package enum PathBytes {
    package static let slash = UInt8(ascii: "/")
}

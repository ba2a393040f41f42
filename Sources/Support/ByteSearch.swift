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
        let pattern = Array(needle.utf8)
        guard let first = pattern.first else { return 0 }
        let bytes = Array(utf8)
        guard bytes.count >= pattern.count else { return nil }
        var at = 0
        while at <= bytes.count - pattern.count {
            if bytes[at] == first {
                var k = 1
                while k < pattern.count && bytes[at + k] == pattern[k] { k += 1 }
                if k == pattern.count { return at }
            }
            at += 1
        }
        return nil
    }
}

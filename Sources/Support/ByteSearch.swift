extension String {
    /// Whether `needle`'s UTF-8 bytes occur in this string's: a plain byte search for
    /// file names and paths. (The standard library's `contains(_:)` for strings matches
    /// Unicode-aware through the regex engine, thousands of instructions a call; a walk
    /// over 100,000 files asks this of every name.)
    package func containsBytes(_ needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        guard let first = pattern.first else { return true }
        let bytes = Array(utf8)
        guard bytes.count >= pattern.count else { return false }
        var at = 0
        while at <= bytes.count - pattern.count {
            if bytes[at] == first {
                var k = 1
                while k < pattern.count && bytes[at + k] == pattern[k] { k += 1 }
                if k == pattern.count { return true }
            }
            at += 1
        }
        return false
    }
}

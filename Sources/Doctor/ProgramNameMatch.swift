import Support

/// The name a person most likely meant when the one typed names no program: the closest of
/// the names at hand by edit distance (insertions, deletions, substitutions and swaps of
/// two neighbouring bytes, each one edit), letter case ignored. Pure: the caller lists the
/// names.
public enum ProgramNameMatch {
    /// How many edits a name of `length` bytes may be from the typed one: one for short
    /// names (`gbd` for `gdb`; two edits would make `ls` of `cd`), two from eight bytes on.
    static func allowedEdits(_ length: Int) -> Int { length < 8 ? 1 : 2 }

    /// The names of `candidates` within the allowed edits of `typed`, closest first (ties in
    /// their order); none when `typed` is shorter than three bytes (every short name is an
    /// edit or two from another) or is itself among them.
    public static func ranked(_ typed: String, among candidates: [String]) -> [String] {
        let target = lowered(typed)
        guard target.count >= 3, !candidates.contains(where: { $0.hasSameBytes(as: typed) }) else { return [] }
        let limit = allowedEdits(target.count)
        var close: [(name: String, edits: Int, caseEdits: Int, order: Int)] = []
        for (order, candidate) in candidates.enumerated() {
            let folded = lowered(candidate)
            guard abs(folded.count - target.count) <= limit else { continue }
            let edits = distance(target, folded)
            guard edits <= limit else { continue }
            // (between two at the same distance, the one whose letter case matches more first)
            close.append((candidate, edits, distance(Array(typed.utf8), Array(candidate.utf8)), order))
        }
        return close.sorted { ($0.edits, $0.caseEdits, $0.order) < ($1.edits, $1.caseEdits, $1.order) }.map(\.name)
    }

    static func lowered(_ text: String) -> [UInt8] {
        text.utf8.map { $0 >= 0x41 && $0 <= 0x5a ? $0 + 0x20 : $0 }
    }

    /// The optimal-string-alignment distance between two byte strings.
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        // Three rows of the table: the one before the previous serves the swaps.
        var before = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { value = min(value, before[j - 2] + 1) }
                current[j] = value
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[b.count]
    }
}

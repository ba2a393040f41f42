import Support
import Testing

/// Support's concrete `joined(separator:)` (chosen over the standard library's generic one
/// wherever the elements are `String`s) and `Dictionary.modify`: the same answers as the
/// plain spellings they replace.
@Suite("string joining and store-if-absent, as the standard library spells them")
struct StringJoiningTests {
    @Test("joins as a fold of the parts would, for arrays and slices, empty and multi-byte parts included",
          arguments: [[], [""], ["a"], ["", ""], ["lib", "usr", "x86_64-linux-gnu"], ["é", "\u{1F600}", "", "a b"]] as [[String]])
    func joins(parts: [String]) {
        for separator in ["", ", ", "/", "\u{301}"] {
            let folded = parts.enumerated().reduce("") { $0 + ($1.offset == 0 ? "" : separator) + $1.element }
            #expect(parts.joined(separator: separator) == folded)
            #expect(parts[...].joined(separator: separator) == folded)
            if parts.count > 1 {
                #expect(parts.dropFirst().joined(separator: separator) == Array(parts.dropFirst()).joined(separator: separator))
            }
        }
        #expect(parts.joined() == parts.reduce("", +))
    }

    @Test("modify stores the default only for a new key and lets the body change what is stored")
    func modify() {
        var first: [String: Int] = [:]
        for (name, index) in [("libz.so.1", 3), ("libc.so.6", 1), ("libz.so.1", 0), ("libc.so.6", 5)] {
            first.modify(name, default: index) { _ in }
        }
        #expect(first == ["libz.so.1": 3, "libc.so.6": 1])
        var lowest: [String: Int] = [:]
        for (name, index) in [("a", 4), ("a", 2), ("a", 9)] {
            lowest.modify(name, default: index) { $0 = min($0, index) }
        }
        #expect(lowest == ["a": 2])
    }
}

@testable import Doctor
import Testing

/// The edit distance behind "did you mean": values any textbook on the
/// optimal-string-alignment distance gives, and the ranking a person expects.
@Suite("ProgramNameMatch: the name a slip away")
struct ProgramNameMatchTests {
    @Test("the optimal-string-alignment distance", arguments: [
        ("kitten", "sitting", 3), ("gbd", "gdb", 1), ("ca", "abc", 3), ("", "abc", 3), ("abc", "", 3),
        ("abc", "abc", 0), ("FeatureExtractoin", "FeatureExtraction", 1), ("flaw", "lawn", 2), ("ab", "ba", 1),
    ])
    func distance(a: String, b: String, expected: Int) {
        #expect(ProgramNameMatch.distance(Array(a.utf8), Array(b.utf8)) == expected)
        #expect(ProgramNameMatch.distance(Array(b.utf8), Array(a.utf8)) == expected)
    }

    @Test("closest first, letter case ignored but preferred; short names and far ones get none")
    func ranking() {
        let names = ["gdb", "gcc", "FeatureExtraction", "featureextraction2", "ls", "cd", "python3", "python3.8"]
        #expect(ProgramNameMatch.ranked("gbd", among: names) == ["gdb"])
        #expect(ProgramNameMatch.ranked("featureextraction", among: names) == ["FeatureExtraction", "featureextraction2"])
        #expect(ProgramNameMatch.ranked("FeatureExtractoin", among: names).first == "FeatureExtraction")
        #expect(ProgramNameMatch.ranked("pyhton3", among: names) == ["python3"])
        #expect(ProgramNameMatch.ranked("lx", among: names).isEmpty, "two bytes: every short name is a slip from another")
        #expect(ProgramNameMatch.ranked("gdb", among: names).isEmpty, "the name itself is there")
        #expect(ProgramNameMatch.ranked("zzzq", among: names).isEmpty)
        #expect(ProgramNameMatch.ranked("gxx", among: names).isEmpty, "two edits from gcc: too far for a three-byte name")
    }
}

import Support
import Testing

/// The byte search the candidate search, the planner and the library index use on names
/// and paths: plain UTF-8 bytes, whatever the characters around them.
@Suite("byte search in names and paths")
struct ByteSearchTests {
    @Test("the first UTF-8 offset of a needle, nil when absent", arguments: [
        ("libwebp.so.7", ".so.", 7 as Int?),
        ("libfoo.so.so.1", ".so.", 6),
        ("aaab", "aab", 1),
        ("libé.so.1", ".so.", 5),          // é is two bytes
        ("/a/\u{301}lib", "/", 0),
        ("x\u{301}/y", "/", 3),             // a `/` after a combining mark is still a byte of its own
        ("libz.so", ".so.", nil),
        ("ab", "abc", nil),
        ("anything", "", 0),
        ("", "x", nil),
    ])
    func firstOffset(haystack: String, needle: String, offset: Int?) {
        #expect(haystack.firstByteOffset(of: needle) == offset)
        #expect(haystack.containsBytes(needle) == (offset != nil))
    }

    @Test("anchored on any byte of the needle, the same first offset as anchored on its first")
    func anchored() {
        let haystacks = ["release version 2.36.", "GNU C Library release release version 2.31", "vvvv release versio", "", "release version "]
        for haystack in haystacks {
            let bytes = Array(haystack.utf8), needle = Array("release version ".utf8)
            let plain = bytes.withUnsafeBytes { ByteSearch.firstOffset(of: needle, in: $0) }
            #expect(plain == haystack.firstByteOffset(of: "release version "), "\(haystack)")
            for anchor in needle.indices {
                #expect(bytes.withUnsafeBytes { ByteSearch.firstOffset(of: needle, in: $0, anchor: anchor) } == plain,
                        "\(haystack), anchor \(anchor)")
            }
        }
    }
}

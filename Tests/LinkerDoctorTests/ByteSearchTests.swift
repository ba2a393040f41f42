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
}

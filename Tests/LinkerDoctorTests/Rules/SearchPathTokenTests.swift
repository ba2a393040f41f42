import Testing
@testable import LoaderModel

/// `$ORIGIN`, `$LIB` and `$PLATFORM` as glibc's `is_dst` and `_dl_dst_substitute` read them:
/// byte by byte, a name continued only by an ASCII letter, digit or `_`. (The rule root
/// `combining-names` checks the same against the real loader.)
@Suite("dynamic string tokens, byte by byte")
struct SearchPathTokenTests {
    static let platform = LoaderPlatform(glibc: GlibcVersion(2, 36), glibcHWCaps: [], legacySubdirectories: [])

    @Test("each token, its ${} form, and what is not a token",
          arguments: [
            ("$ORIGIN/../lib", "/app/bin/../lib"),
            ("${ORIGIN}x", "/app/binx"),
            ("$ORIGINX", "$ORIGINX"),
            ("$ORIGIN_", "$ORIGIN_"),
            ("$ORIGIN7", "$ORIGIN7"),
            ("$ORIGIN-1", "/app/bin-1"),
            ("$ORIGIN\u{301}", "/app/bin\u{301}"),        // a combining mark does not continue the name
            ("$ORIGINé", "/app/biné"),
            ("\u{600}$LIB", "\u{600}lib/x86_64-linux-gnu"),   // nor does a mark before `$` hide it
            ("$\u{301}ORIGIN", "$\u{301}ORIGIN"),
            ("${ORIGIN", "${ORIGIN"),
            ("${ORIGIN}}", "/app/bin}"),
            ("$FOO/$PLATFORM", "$FOO/x86_64"),
            ("$$LIB", "$lib/x86_64-linux-gnu"),
            ("${LIB}", "lib/x86_64-linux-gnu"),
            ("$", "$"),
            ("", ""),
          ])
    func expands(_ text: String, _ expected: String) {
        let expanded = SearchPath.expandTokens(text, origin: "/app/bin", platform: Self.platform)
        #expect(expanded.map { Array($0.utf8) } == Array(expected.utf8))
    }

    @Test("an element that needs $ORIGIN where it is unknown is dropped; one without it is not")
    func unknownOrigin() {
        #expect(SearchPath.expandTokens("$ORIGIN/lib", origin: nil, platform: Self.platform) == nil)
        #expect(SearchPath.expandTokens("${ORIGIN}", origin: nil, platform: Self.platform) == nil)
        #expect(SearchPath.expandTokens("$ORIGINAL/lib", origin: nil, platform: Self.platform) == "$ORIGINAL/lib")
    }

    @Test("lists split on the separator bytes, whatever mark follows them")
    func listSplits() {
        let path = SearchPath(parsing: "/a:\u{301}b:/c;/d\u{600}:/e", source: .libraryPath, origin: nil, platform: Self.platform,
                              workingDirectory: "/w")
        #expect(path.directories.map { Array($0.utf8) } == ["/a", "/w/\u{301}b", "/c", "/d\u{600}", "/e"].map { Array($0.utf8) })
        #expect(path.unsafeElements == ["\u{301}b"])
        let runpath = SearchPath(parsing: "/\u{301}lib:/x;y", source: .runpath(owner: "/p"), origin: nil, platform: Self.platform,
                                 workingDirectory: "/w")
        #expect(runpath.directories.map { Array($0.utf8) } == ["/\u{301}lib", "/x;y"].map { Array($0.utf8) })
        #expect(runpath.unsafeElements.isEmpty)
    }
}

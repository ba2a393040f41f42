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

@Suite("trailing slashes dropped byte-wise, `/` kept")
struct TrailingSlashesTests {
    @Test("every trailing slash goes, nothing else; `/` and `//` are `/`",
          arguments: [("/usr/lib//", "/usr/lib"), ("/", "/"), ("//", "/"), ("", ""), ("lib/", "lib"), ("a", "a"),
                      ("/a/./", "/a/."), ("\u{600}/", "\u{600}"), ("/é\u{301}//", "/é\u{301}"), ("/\u{10FF2F}/", "/\u{10FF2F}")])
    func drops(_ input: String, _ expected: String) {
        #expect(Array(input.droppingTrailingSlashes.utf8) == Array(expected.utf8))
    }
}

@Suite("path text read byte by byte, as the kernel and the loader read it")
struct PathBytesTests {
    @Test("a slash is found whatever mark precedes or follows it, where characters hide it")
    func slashes() {
        let combining = "/\u{301}lib/x", prepended = "\u{600}/x"
        #expect(!combining.hasPrefix("/") && combining.startsWithSlash)      // the character is "/́"
        #expect(prepended.firstIndex(of: "/") == nil && prepended.containsSlash)
        #expect(combining.slashSeparated().map { Array($0.utf8) } == ["\u{301}lib", "x"].map { Array($0.utf8) })
        #expect(prepended.slashSeparated().map { Array($0.utf8) } == ["\u{600}", "x"].map { Array($0.utf8) })
        #expect("/a//b/".slashSeparated(omittingEmpty: false) == ["", "a", "", "b", ""])
        #expect("x\u{600}/".endsWithSlash && String("a/\u{301}b".afterLastSlash) == "\u{301}b")
        #expect("".slashSeparated().isEmpty && !"".startsWithSlash && "".afterLastSlash.isEmpty)
    }

    @Test("prefixes and suffixes are bytes: lib\\u{301}x.so starts with lib, as ldconfig's strncmp says")
    func affixes() {
        #expect(!"lib\u{301}x.so".hasPrefix("lib") && "lib\u{301}x.so".hasBytePrefix("lib"))
        #expect(!"x\u{600}.so".hasSuffix(".so") && "x\u{600}.so".hasByteSuffix(".so"))
        #expect(!"libx.so".hasBytePrefix("libx.so.1") && !"so".hasByteSuffix(".so"))
        #expect("a:\u{301}b".containsByte(UInt8(ascii: ":")) && !"a:\u{301}b".contains(":"))
        let assignment = "LD_LIBRARY_PATH=\u{301}lib=x"
        #expect(assignment.firstIndex(of: "=") != nil && "A=\u{301}b".firstIndex(of: "=") == nil)   // "=́" is one character
        #expect(assignment.splitAtFirst(UInt8(ascii: "=")).map {
            [Array($0.before.utf8), Array($0.after.utf8)] } == [Array("LD_LIBRARY_PATH".utf8), Array("\u{301}lib=x".utf8)])
        #expect("NAME".splitAtFirst(UInt8(ascii: "=")) == nil)
        #expect("a:\u{301}b;c".split(bytes: { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ";") }).map { Array($0.utf8) }
                == ["a", "\u{301}b", "c"].map { Array($0.utf8) })
    }
}

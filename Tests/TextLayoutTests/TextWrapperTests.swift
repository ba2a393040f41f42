import Testing
import TextLayout

@Suite("TextWrapper: words into lines of a terminal's width")
struct TextWrapperTests {
    static let prose = "The loader checks every version need before it binds a symbol, prints each one missing, and stops."

    @Test("no line is wider than the width, and the words come back unchanged in order", arguments: [20, 33, 40, 60, 80])
    func fitsAndKeepsWords(width: Int) {
        let lines = TextWrapper(width: width).wrap(Self.prose)
        #expect(lines.allSatisfy { TextWrapper.columns($0) <= width }, "\(lines)")
        #expect(lines.joined(separator: " ").split(separator: " ") == Self.prose.split(separator: " "))
        #expect(lines.count > 1)
    }

    @Test("the first line starts with its label, the others under the hanging indent")
    func hangingIndent() {
        let lines = TextWrapper(width: 40).wrap(Self.prose, first: "    why:    ", indent: String(repeating: " ", count: 12))
        #expect(lines[0].hasPrefix("    why:    The"))
        for line in lines.dropFirst() {
            #expect(line.hasPrefix(String(repeating: " ", count: 12)) && line.dropFirst(12).first != " ", "\(line)")
        }
        #expect(lines.allSatisfy { $0.count <= 40 })
    }

    @Test("text that fits stays one line, trailing spaces of a bare label are dropped")
    func fitsOnOneLine() {
        #expect(TextWrapper(width: 80).wrap("a b c", first: "x: ") == ["x: a b c"])
        #expect(TextWrapper(width: 80).wrap("", first: "label:   ") == ["label:"])
    }

    @Test("a command in backquotes stays on one line, whole, even past the width; the prose around it wraps as before")
    func commandsWhole() {
        let command = "`docker pull pytorch/pytorch:2.0.1-cuda11.7-cudnn8-devel && docker save -o pytorch.tar pytorch/pytorch:2.0.1-cuda11.7-cudnn8-devel`,"
        let text = "On a machine with network: " + command + " then copy the file into the folder and check its size."
        let lines = TextWrapper(width: 60).wrap(text, first: "fix: ", indent: "     ")
        #expect(lines.contains("     " + command), "\(lines)")
        #expect(lines.filter { $0.contains("`") }.count == 1, "\(lines)")
        #expect(lines.filter { !$0.contains("`") }.allSatisfy { TextWrapper.columns($0) <= 60 }, "\(lines)")
        // Two commands in a paragraph, and a space run inside one, kept as typed.
        let two = TextWrapper(width: 20).wrap("run `a  b c d e f g h` and `i j k l m n o p q`")
        #expect(two.contains { $0.contains("`a  b c d e f g h`") } && two.contains { $0.contains("`i j k l m n o p q`") }, "\(two)")
    }

    @Test("a word moved left to end at the last column keeps the indent's marks (a tree's │ guides), giving up only its blanks")
    func movedLeftKeepsGuides() {
        let word = "/lib/x86_64-linux-gnu/libc.so.6"
        let lines = TextWrapper(width: 40).wrap("libc.so.6 => " + word + " [ld.so.cache]", first: "│   └── ", indent: "│         ")
        #expect(lines.contains("│        " + word), "\(lines)")
        #expect(lines.allSatisfy { $0.hasPrefix("│") }, "\(lines)")
        #expect(lines.allSatisfy { TextWrapper.columns($0) <= 40 }, "\(lines)")
        // A blank indent still gives all of itself.
        #expect(TextWrapper(width: 20).wrap("a " + String(repeating: "x", count: 19), indent: "      ") == ["a", " " + String(repeating: "x", count: 19)])
    }

    @Test("a newline starts a new paragraph under the indent")
    func paragraphs() {
        #expect(TextWrapper(width: 80).wrap("one\ntwo", first: "- ", indent: "  ") == ["- one", "  two"])
    }

    @Test("spaces between words on one line are kept (alignment), and dropped at a break")
    func alignmentSpaces() {
        #expect(TextWrapper(width: 80).wrap("this shell:    eval") == ["this shell:    eval"])
        #expect(TextWrapper(width: 12).wrap("aaaa     bbbbbbbbbb") == ["aaaa", "bbbbbbbbbb"])
    }

    @Test("a word is never cut; one too wide for the indent moves left to end at the last column")
    func longWordMovesLeft() {
        let path = "/usr/lib/x86_64-linux-gnu/libopencv_imgcodecs.so.406"   // 52 columns
        let lines = TextWrapper(width: 60).wrap("needed by \(path) here", first: "    why:       ", indent: String(repeating: " ", count: 15))
        #expect(lines.contains { $0.hasSuffix(path) && $0.count == 60 }, "\(lines)")
        #expect(lines.allSatisfy { $0.count <= 60 })
        #expect(lines.joined(separator: " ").contains(path))
    }

    @Test("only a word longer than the whole width goes past it, alone on its line")
    func wordLongerThanWidth() {
        let word = String(repeating: "x", count: 30)
        let lines = TextWrapper(width: 20).wrap("a \(word) b", indent: "  ")
        #expect(lines == ["a", "  " + word, "  b"])
    }

    @Test("a label with no room for its first word stands alone, the word under it")
    func labelAlone() {
        let word = String(repeating: "y", count: 15)
        #expect(TextWrapper(width: 20).wrap(word, first: "    label:   ", indent: "     ") == ["    label:", "     " + word])
    }

    @Test("a command keeps working when pasted: every line but the last ends in a continuation")
    func commandContinuations() {
        let words = ["ofdoctor", "fix", "--apply", "--root", "/srv/images/unpacked/root", "--env", "LD_LIBRARY_PATH=/opt/conda/lib"]
        let lines = TextWrapper(width: 40).command(words, first: "  make it: ", indent: "      ")
        #expect(lines.count > 1)
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix(" \\") })
        #expect(!(lines.last ?? "").hasSuffix("\\"))
        #expect(lines.allSatisfy { $0.count <= 40 }, "\(lines)")
        let rejoined = lines.map { $0.hasSuffix(" \\") ? String($0.dropLast(2)) : $0 }.joined(separator: " ")
        #expect(rejoined.split(separator: " ").dropFirst(2).map(String.init) == words)
    }

    @Test("a command word as wide as the line keeps it: the continuation loses its space before it goes past the edge")
    func tightContinuation() {
        let word = String(repeating: "r", count: 19)
        let lines = TextWrapper(width: 20).command(["cmd", word, "end"], first: "", indent: "  ")
        #expect(lines == ["cmd \\", word + "\\", "  end"], "\(lines)")
        #expect(lines.allSatisfy { $0.count <= 20 })
    }

    @Test("escape sequences take no columns")
    func escapesAreInvisible() {
        #expect(TextWrapper.columns("\u{1B}[31m✗\u{1B}[0m LD003") == 7)
        let red = "\u{1B}[1mbold\u{1B}[0m"
        #expect(TextWrapper(width: 9).wrap("\(red) \(red)") == ["\(red) \(red)"])
    }

    @Test("a combining mark joins the character before it; Latin-1 letters take one column each")
    func combiningMarks() {
        #expect(TextWrapper.columns("libe\u{301}.so") == 7)
        #expect(TextWrapper.columns("libé.so ÿ") == 9)
        #expect(TextWrapper.columns("a\u{200D}b") == 2)
    }

    @Test("counting up to a limit answers as counting whole: plain text, tree prefixes, escapes, marks")
    func columnsExceedingALimit() {
        let texts = ["", "libz.so.1", String(repeating: "│   ", count: 500) + "└── libg.so.1",
                     "\u{1B}[31m✗\u{1B}[0m LD003 " + String(repeating: "x", count: 90),
                     String(repeating: "e\u{301}", count: 60), "a\u{200D}b libé.so ÿ"]
        for text in texts {
            let whole = TextWrapper.columns(text)
            for limit in Set([0, 1, 39, 40, 79, 80, whole - 1, whole, whole + 1]) where limit >= 0 {
                #expect(TextWrapper.columns(text, exceed: limit) == (whole > limit), "\(text.prefix(20)) limit \(limit)")
            }
        }
    }

    @Test("ASCII and non-ASCII lines break at the same spaces, runs of spaces kept on a line")
    func asciiAndUnicodeAgree() {
        let ascii = "  lib1.so.1   => /usr/lib/x86_64-linux-gnu/lib1.so.1 [default path]"
        let other = "  lib✓.so.1   => /usr/lib/x86_64-linux-gnu/lib✓.so.1 [default path]"
        for width in [10, 30, 50, 80] {
            let a = TextWrapper(width: width).wrap(ascii, indent: "    ")
            let b = TextWrapper(width: width).wrap(other, indent: "    ")
            let tick = { (line: String) in String(line.map { $0 == "1" ? "✓" : $0 }) }
            #expect(a.map(tick) == b.map(tick), "\(a)")
        }
        #expect(TextWrapper(width: 80).wrap(ascii) == [ascii])
        #expect(TextWrapper(width: 30).wrap("a  b") == ["a  b"])
        // A tree line (box drawing next to spaces) breaks as its ASCII spelling does.
        let tree = "│   └── libpython3.11.so.1.0 => /usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0 [default path]"
        let plain = "|   `-- libpython3.11.so.1.0 => /usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0 [default path]"
        for width in [20, 40, 60] {
            let a = TextWrapper(width: width).wrap(tree, indent: "│     ").map(TextWrapper.columns)
            let b = TextWrapper(width: width).wrap(plain, indent: "|     ").map(TextWrapper.columns)
            #expect(a == b, "\(width)")
        }
    }

    @Test("a space with a combining mark after it is one character, not a place to break")
    func spaceWithCombiningMark() {
        #expect(TextWrapper(width: 4).wrap("aaa \u{301}b") == ["aaa \u{301}b"])
        #expect(TextWrapper(width: 4).wrap("aaa b") == ["aaa", "b"])
        // Dashes and box drawing next to spaces are characters of their own.
        #expect(TextWrapper.columns("a — b │ c") == 9)
        #expect(TextWrapper(width: 5).wrap("aaa — bbb") == ["aaa —", "bbb"])
        #expect(TextWrapper.columns("x\u{200D}y — \u{1B}[1mz\u{1B}[0m") == 6)
    }
}

@Suite("TerminalWidth, ColourPolicy and ShortenedList")
struct TerminalTextTests {
    @Test("COLUMNS wins, then the terminal's width, then 80")
    func width() {
        #expect(TerminalWidth.choose(columns: "60", terminal: 120) == 60)
        #expect(TerminalWidth.choose(columns: nil, terminal: 120) == 120)
        #expect(TerminalWidth.choose(columns: nil, terminal: nil) == 80)
        #expect(TerminalWidth.choose(columns: "wide", terminal: nil) == 80)
        #expect(TerminalWidth.choose(columns: "0", terminal: nil) == 80)
        #expect(TerminalWidth.choose(columns: "-5", terminal: 100) == 100)
        #expect(TerminalWidth.choose(columns: "3", terminal: nil) == TerminalWidth.minimum)
    }

    @Test("colour only on a terminal, never with NO_COLOR or TERM=dumb")
    func colour() {
        #expect(ColourPolicy.enabled(isTerminal: true, noColor: nil, term: "xterm-256color"))
        #expect(!ColourPolicy.enabled(isTerminal: false, noColor: nil, term: "xterm"))
        #expect(!ColourPolicy.enabled(isTerminal: true, noColor: "1", term: "xterm"))
        #expect(ColourPolicy.enabled(isTerminal: true, noColor: "", term: "xterm"))
        #expect(!ColourPolicy.enabled(isTerminal: true, noColor: nil, term: "dumb"))
    }

    @Test("a long list shows its first items and a count; verbose shows all")
    func shortened() {
        let list = ShortenedList(["a", "b", "c", "d", "e"], limit: 2, noun: "directory", plural: "directories")
        #expect(list.text(verbose: false) == "a, b and 3 more directories")
        #expect(list.text(verbose: true) == "a, b, c, d, e")
        #expect(ShortenedList(["a", "b", "c"], limit: 2, noun: "x").text(verbose: false) == "a, b, c")
        #expect(ShortenedList(["a", "b", "c", "d"], limit: 2, noun: "symbol").text(verbose: false) == "a, b and 2 more symbols")
    }
}

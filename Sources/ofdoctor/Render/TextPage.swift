#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Quoting
import TextLayout
import Support

/// Lines of text for a person, each wrapped to the output's width: paragraphs with a
/// hanging indent, `label:` blocks whose text lines up under the label's end, and shell
/// commands that keep working when pasted (` \` continuations).
struct TextPage {
    let style: Style
    let wrapper: TextWrapper
    /// Lists show whole (`--verbose`) instead of their first items and a count.
    let verbose: Bool
    private(set) var lines: [String] = []
    /// Some list was shortened: the page ends by saying how to see it whole.
    private(set) var shortened = false

    /// Where a finding's labelled lines start, and how wide their labels are.
    static let margin = "    "
    static let labelWidth = 11   // "candidate: "

    init(style: Style, width: Int, verbose: Bool = false) {
        self.style = style
        wrapper = TextWrapper(width: width)
        self.verbose = verbose
    }

    /// The page for standard output: its colour policy and width.
    static func standardOutput(verbose: Bool = false) -> TextPage {
        TextPage(style: .forStandardOutput(), width: OutputWidth.standardOutput(), verbose: verbose)
    }

    mutating func blank() { lines.append("") }

    mutating func paragraph(_ text: String, first: String = "", indent: String = "") {
        lines += wrapper.wrap(text, first: first, indent: indent)
    }

    /// `    label:     text`, the text's later lines (and each newline's paragraph) under its start.
    mutating func labelled(_ label: String, _ text: String) {
        let first = Self.margin + label.padding(to: Self.labelWidth)
        lines += wrapper.wrap(text, first: first, indent: String.blanks(first.count))
    }

    /// `  label  command…`: a command a person can paste, quoted words made safe for a terminal.
    mutating func command(_ words: [String], first: String, indent: String? = nil) {
        let visible = words.map(TerminalEscape.command)
        lines += wrapper.command(visible, first: first, indent: indent ?? String.blanks(first.count + 2))
    }

    /// `items` shortened to `limit` (unless verbose), noting that the page must say so.
    mutating func list(_ items: [String], limit: Int, noun: String, plural: String? = nil, separator: String = ", ") -> String {
        let list = ShortenedList(items, limit: limit, noun: noun, plural: plural)
        if list.isShortened && !verbose { shortened = true }
        return list.text(verbose: verbose, separator: separator)
    }

    mutating func noteShortened() { if !verbose { shortened = true } }

    /// The page as one string; a shortened page ends with how to see it whole.
    var text: String {
        var all = lines
        if shortened {
            all += [""] + wrapper.wrap("Long lists are shortened: --verbose shows them whole (JSON always has them).")
        }
        return all.joined(separator: "\n")
    }
}

extension String {
    /// The string followed by spaces up to `width` columns (at least one space after it).
    func padding(to width: Int) -> String {
        let columns = TextWrapper.columns(self)
        return self + String.blanks(Swift.max(1, width - columns))
    }
}

/// How wide a line of standard output may be: `COLUMNS`, else the terminal's width, else 80.
enum OutputWidth {
    static func standardOutput() -> Int {
        var size = winsize()
        let terminal = isatty(STDOUT_FILENO) == 1 && ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 ? Int(size.ws_col) : nil
        return TerminalWidth.choose(columns: ProcessEnvironment.value("COLUMNS"), terminal: terminal)
    }
}

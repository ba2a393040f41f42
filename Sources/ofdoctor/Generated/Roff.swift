/// Text for a man(7) page: what roff would read as an escape, a request or a typographic
/// hyphen is written so that it prints as typed (`--root` must paste as two ASCII dashes).
enum Roff {
    /// `text` with `` `code` `` spans in bold.
    static func text(_ text: some StringProtocol) -> String {
        let parts = text.split(separator: "`", omittingEmptySubsequences: false)
        guard parts.count % 2 == 1 else { return escape(text) }   // an unpaired backquote stays as it is
        return parts.enumerated().map { index, part in index % 2 == 1 ? bold(part) : escape(part) }.joined()
    }

    static func bold(_ text: some StringProtocol) -> String { "\\fB" + escape(text) + "\\fR" }
    static func italic(_ text: some StringProtocol) -> String { "\\fI" + escape(text) + "\\fR" }

    /// `\` as `\e` (roff's escape character), `-` as `\-` (a minus, not a hyphen), dashes by name,
    /// other non-ASCII characters as `\[uXXXX]`.
    static func escape(_ text: some StringProtocol) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            case "\u{2014}": out += "\\(em"
            case "\u{2013}": out += "\\(en"
            // ✗ (the text output's error mark) has no glyph in groff's ASCII and PostScript
            // devices; its multiplication sign does.
            case "\u{2717}": out += "\\(mu"
            // groff reads its input as Latin-1: any other non-ASCII character by its code point.
            case _ where !scalar.isASCII:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\[u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A text line that roff will not take for a request (`.` or `'` first) nor break
    /// before (a leading space).
    static func line(_ text: String) -> String {
        let trimmed = String(text.drop { $0 == " " })
        return trimmed.hasPrefix(".") || trimmed.hasPrefix("'") ? "\\&" + trimmed : trimmed
    }
}

import ELFInspect

/// The one quoting function for POSIX sh (dash, bash, busybox): a word in single quotes.
///
/// Inside single quotes no byte is special but `'` itself (XCU 2.2.2), so the bytes go in
/// unchanged and each `'` becomes `'\''` (close, escaped quote, reopen). It works on the
/// UTF-8 bytes, never on Characters: `'` followed by U+0301 is one Character, and a
/// Character-wise replace leaves that quote open (issue 15).
public enum ShellQuote {
    /// `bytes` as one shell word; a NUL byte cannot be an argument or a variable's value.
    public static func word(_ bytes: some Collection<UInt8>, subject: @autoclosure () -> String) throws(QuoteError) -> [UInt8] {
        var out: [UInt8] = [quote]
        out.reserveCapacity(bytes.count + 2)
        for byte in bytes {
            switch byte {
            case 0: throw QuoteError(.shell, subject: subject(), reason: .nul)
            case quote: out += [quote, UInt8(ascii: "\\"), quote, quote]
            default: out.append(byte)
            }
        }
        out.append(quote)
        return out
    }

    /// `text` as one shell word. A byte of a name that is not UTF-8 stays a byte: the
    /// result carries it as `ByteString` does, and `ByteString.bytes` of the script gives
    /// the bytes a shell must read.
    public static func word(_ text: String, subject: @autoclosure () -> String) throws(QuoteError) -> String {
        ByteString.decode(try word(ByteString.bytes(text), subject: subject()))
    }

    /// `export NAME='value'`, or `unset NAME` for no value: one line of a script to source.
    public static func exportLine(name: String, value: String?) throws(QuoteError) -> String {
        let name = try VariableName.checked(name, for: .shell)
        guard let value else { return "unset \(name)" }
        return "export \(name)=" + (try word(value, subject: "the value of \(name)"))
    }

    /// For reading, not running: `text` bare when no byte of it is special to a shell,
    /// else quoted as `word` would; a NUL is left for the terminal escaping to show.
    /// A word holding what a terminal cannot show as it is (a control character, a byte
    /// that is not UTF-8, a bidirectional override) is written `$'…'` (`ansiC`): escaped in
    /// printable ASCII, so it shows safely and pastes as its own bytes into bash, zsh or ksh.
    public static func display(_ text: String) -> String {
        if !text.isEmpty && text.utf8.allSatisfy(isPlain) { return text }
        if text.unicodeScalars.contains(where: { $0 != "\\" && TerminalEscape.needsEscape($0) }) { return ansiC(text) }
        return (try? word(text, subject: "")) ?? "'\(text)'"
    }

    /// `text` as a `$'…'` word (bash, zsh, ksh; POSIX.1-2024): every byte outside printable
    /// ASCII as `\xHH` (two digits: bash reads at most two), `\` and `'` escaped. Not for
    /// scripts (dash before 0.5.13 has no `$'…'`): `word` writes the bytes themselves.
    public static func ansiC(_ text: String) -> String {
        var out = "$'"
        for byte in ByteString.bytes(text) {
            switch byte {
            case UInt8(ascii: "\\"): out += "\\\\"
            case quote: out += "\\'"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out + "'"
    }

    private static let quote = UInt8(ascii: "'")

    private static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("/._-+:,@%=".utf8).contains(byte)
        }
    }
}

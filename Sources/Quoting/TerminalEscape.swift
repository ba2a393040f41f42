import ELFInspect

/// Text for a terminal with everything the terminal would act on made visible: the C0
/// controls (ESC starts CSI and OSC sequences that move the cursor, retitle the window or
/// write the clipboard), DEL, the C1 controls U+0080–U+009F (U+009B is CSI on some
/// terminals) and the bidirectional overrides (text that displays in another order than
/// it reads). Each shows as `\xHH` or `\uHHHH`; `\` itself shows as `\\`, so an escape
/// always means an escaped byte. A byte of a name that is not UTF-8 (`ByteString`) shows
/// as `\xHH` too.
public enum TerminalEscape {
    public static func visible(_ text: String) -> String {
        // Printable ASCII without `\` (nearly every path and name) passes as it is: one pass
        // over the bytes instead of one over the scalars, for every line of a tree.
        let printable = text.utf8.withContiguousStorageIfAvailable { bytes in
            !bytes.contains { $0 < 0x20 || $0 > 0x7E || $0 == 0x5C }
        }
        if printable == true { return text }
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if let byte = ByteString.escapedByte(scalar) {
                out.append(contentsOf: "\\x\(hex(UInt32(byte), digits: 2))".unicodeScalars)
            } else if scalar == "\\" {
                out.append(contentsOf: #"\\"#.unicodeScalars)
            } else if scalar.value < 0x80 && needsEscape(scalar) {
                out.append(contentsOf: "\\x\(hex(scalar.value, digits: 2))".unicodeScalars)
            } else if needsEscape(scalar) {
                out.append(contentsOf: "\\u\(hex(scalar.value, digits: 4))".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// A word of a command a person pastes, already quoted for the shell (`ShellQuote`): as
    /// it is when a `\` is all that `visible` would change — the quoting's own backslashes
    /// (`'it'\''s'`), doubled, would paste as other words. A word with anything else to show
    /// cannot be pasted as it is anyway, and shows as `visible` shows it.
    public static func command(_ word: String) -> String {
        word.unicodeScalars.contains { $0 != "\\" && needsEscape($0) } ? visible(word) : word
    }

    /// True for what a terminal must not be sent as it is (C0/C1 controls, `\\`, bidirectional
    /// overrides and isolates, bytes that are not UTF-8).
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x5C, 0x202A...0x202E, 0x2066...0x2069: return true
        case 0x10_FF00...0x10_FFFF: return ByteString.escapedByte(scalar) != nil
        default: return false
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}

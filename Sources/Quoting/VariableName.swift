/// Environment variable names every output accepts: a POSIX shell's `export NAME=…`
/// (XBD 3.235, `[A-Za-z_][A-Za-z0-9_]*`), a Dockerfile `ENV` key, a dotenv key.
public enum VariableName {
    public static func isValid(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// `name`, or the error that `language` cannot take it.
    public static func checked(_ name: String, for language: QuoteError.Language) throws(QuoteError) -> String {
        guard isValid(name) else { throw QuoteError(language, subject: "the variable name \(name)", reason: .notAName) }
        return name
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}

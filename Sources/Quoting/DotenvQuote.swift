import ELFInspect

/// The one writer of dotenv lines: `NAME=value`, the value as it is, no quoting.
///
/// Two readers are targeted, and a value is written only when both read it back byte for
/// byte; otherwise it is refused:
/// - `docker run --env-file` (docker/cli opts/file.go `parseKeyValueFile`): one variable a
///   line, the value taken literally after the first `=`, no quotes or escapes at all;
///   lines end at `\n` (a `\r` before it is dropped), and a file with bytes that are not
///   UTF-8 is refused. So a newline cannot be represented.
/// - python-dotenv (`dotenv/parser.py`): a value starting with `'` or `"` is unquoted,
///   leading and trailing whitespace is stripped, whitespace then `#` starts a comment,
///   `\r` also ends a line, and `${NAME}` is expanded.
public enum DotenvQuote {
    /// `NAME=value`, or the reason the readers would not give `value` back.
    public static func line(name: String, value: some Collection<UInt8>) throws(QuoteError) -> String {
        let name = try VariableName.checked(name, for: .dotenv)
        let subject = "the value of \(name)"
        func refuse(_ reason: QuoteError.Reason) -> QuoteError { QuoteError(.dotenv, subject: subject, reason: reason) }
        if value.contains(0) { throw refuse(.nul) }
        if value.contains(UInt8(ascii: "\n")) { throw refuse(.newline) }
        if value.contains(UInt8(ascii: "\r")) { throw refuse(.carriageReturn) }
        guard let text = String(validating: value, as: UTF8.self), !ByteString.containsEscape(text) else {
            throw refuse(.invalidUTF8)
        }
        let scalars = Array(text.unicodeScalars)
        if let first = scalars.first, first == "'" || first == "\"" {
            throw refuse(.readersDisagree("it starts with a quote, which python-dotenv removes and docker --env-file keeps"))
        }
        if let first = scalars.first, let last = scalars.last, isPythonSpace(first) || isPythonSpace(last) {
            throw refuse(.readersDisagree("it starts or ends with whitespace, which python-dotenv strips and docker --env-file keeps"))
        }
        for (index, scalar) in scalars.enumerated() where index > 0 && scalar == "#" && isPythonSpace(scalars[index - 1]) {
            throw refuse(.readersDisagree("it holds whitespace before a `#`, which python-dotenv reads as a comment"))
        }
        let bytes = Array(text.utf8)
        if zip(bytes, bytes.dropFirst()).contains(where: { $0 == UInt8(ascii: "$") && $1 == UInt8(ascii: "{") }) {
            throw refuse(.readersDisagree("it holds `${`, which python-dotenv expands"))
        }
        return "\(name)=\(text)"
    }

    /// `NAME=value` for a String value.
    public static func line(name: String, value: String) throws(QuoteError) -> String {
        try line(name: name, value: Array(value.utf8))
    }

    /// Python's `str.isspace` (and `\s` of its `re`): what python-dotenv strips.
    static func isPythonSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ELFInspect

/// The one quoting function for Dockerfile lines, as BuildKit's parser reads them
/// (moby/buildkit frontend/dockerfile/parser/parser.go `Parse`, line_parsers.go
/// `parseWords`, `parseNameVal`, `parseJSON`; shell/lex.go `processSingleQuote`).
///
/// - `RUN` takes the exec form, a JSON array: `["/bin/sh", "-c", SCRIPT]`. JSON carries
///   any byte but NUL, needs no escape token (the `# escape=` directive cannot change it),
///   and is never scanned for heredocs or line continuations inside the array.
/// - `ENV NAME='value'`: inside single quotes the lexer takes every character as it is,
///   `$` included; a `'` is written `'"'"'` (a double-quoted `'`), which needs no escape
///   token either. A newline ends the instruction, so it is refused, as is a NUL.
/// Every line stays under the parser's 64 KiB line limit (bufio.MaxScanTokenSize).
public enum DockerfileQuote {
    /// BuildKit's longest line: bufio.Scanner's 64 KiB buffer, less the newline.
    public static let lineLimit = 65_535

    /// `ENV NAME='value'`.
    public static func env(name: String, value: String) throws(QuoteError) -> String {
        let name = try VariableName.checked(name, for: .dockerfile)
        return try singleQuoted(value, after: "ENV \(name)=", subject: "the value of \(name)")
    }

    /// `USER 'spec'`: the instruction's word goes through the same lexer as `ENV`'s value
    /// (quotes removed, `$` expanded outside single quotes), so it is quoted the same way.
    public static func user(_ spec: String) throws(QuoteError) -> String {
        try singleQuoted(spec, after: "USER ", subject: "the user \(spec)")
    }

    /// `instruction` then `value` in single quotes, where the lexer takes every character
    /// as it is; a `'` is written `'"'"'`. A newline would end the instruction and a NUL cannot
    /// be read: both refused, as is a byte that is not UTF-8 (BuildKit reads U+FFFD).
    private static func singleQuoted(_ value: String, after instruction: String, subject: String) throws(QuoteError) -> String {
        guard !ByteString.containsEscape(value) else { throw QuoteError(.dockerfile, subject: subject, reason: .invalidUTF8) }
        var out = Array((instruction + "'").utf8)
        for byte in value.utf8 {
            switch byte {
            case 0: throw QuoteError(.dockerfile, subject: subject, reason: .nul)
            case UInt8(ascii: "\n"): throw QuoteError(.dockerfile, subject: subject, reason: .newline)
            case UInt8(ascii: "'"): out += Array(#"'"'"'"#.utf8)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "'"))
        return try limited(String(decoding: out, as: UTF8.self), subject: subject)
    }

    /// `RUN ["/bin/sh","-c",script]`: the script runs as written, with no Dockerfile
    /// processing in between.
    public static func run(shellScript script: String) throws(QuoteError) -> String {
        guard !script.utf8.contains(0) else { throw QuoteError(.dockerfile, subject: "the RUN script", reason: .nul) }
        guard !ByteString.containsEscape(script) else { throw QuoteError(.dockerfile, subject: "the RUN script", reason: .invalidUTF8) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        guard let json = try? encoder.encode(["/bin/sh", "-c", script]) else {
            throw QuoteError(.dockerfile, subject: "the RUN script", reason: .invalidUTF8)
        }
        return try limited("RUN " + String(decoding: json, as: UTF8.self), subject: "the RUN script")
    }

    /// Checks that `bytes` are UTF-8 (BuildKit's lexer decodes runes; a bad byte becomes
    /// U+FFFD) and gives them back as a String for `env` or `run`.
    public static func text(_ bytes: some Collection<UInt8>, subject: @autoclosure () -> String) throws(QuoteError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self), !ByteString.containsEscape(text) else {
            throw QuoteError(.dockerfile, subject: subject(), reason: .invalidUTF8)
        }
        return text
    }

    private static func limited(_ line: String, subject: String) throws(QuoteError) -> String {
        guard line.utf8.count <= lineLimit else { throw QuoteError(.dockerfile, subject: subject, reason: .lineTooLong(limit: lineLimit)) }
        return line
    }
}

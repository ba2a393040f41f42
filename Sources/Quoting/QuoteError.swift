/// A text an output language cannot carry as it is. It is refused, never written: a
/// generated script that reads back something else is worse than none.
public struct QuoteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The languages ofdoctor writes for another program to read.
    public enum Language: String, Sendable {
        case shell = "a shell script"
        case dockerfile = "a Dockerfile"
        case dotenv = "a dotenv file"
    }

    /// What in the text the language cannot carry.
    public enum Reason: Equatable, Sendable {
        /// A NUL byte: arguments and environment variables are C strings (execve(2)).
        case nul
        /// A line feed, where the language ends an instruction or variable with it.
        case newline
        /// A carriage return, which line readers drop or split at.
        case carriageReturn
        /// Bytes that are not UTF-8, which the reader refuses or replaces.
        case invalidUTF8
        /// Not `[A-Za-z_][A-Za-z0-9_]*` (POSIX XBD 3.235), the names every reader takes.
        case notAName
        /// Longer than the reader's longest line.
        case lineTooLong(limit: Int)
        /// A second reader of the format would read another value; says why.
        case readersDisagree(String)
    }

    public var language: Language
    /// What was being written: "the value of LD_PRELOAD", "the link /usr/lib/…".
    public var subject: String
    public var reason: Reason

    public init(_ language: Language, subject: String, reason: Reason) {
        self.language = language
        self.subject = subject
        self.reason = reason
    }

    public var description: String {
        "cannot write \(TerminalEscape.visible(subject)) into \(language.rawValue): \(why); nothing was printed (--format json carries any value)"
    }

    private var why: String {
        switch reason {
        case .nul: return "it contains a NUL byte, which no argument or environment variable can hold"
        case .newline:
            switch language {
            case .dockerfile: return "it contains a newline, which would end the Dockerfile instruction"
            case .dotenv: return "it contains a newline, and docker --env-file reads one variable per line"
            case .shell: return "it contains a newline, which would start another line of ld.so.conf"
            }
        case .carriageReturn: return "it contains a carriage return, which line readers drop or split at"
        case .invalidUTF8: return "it is not valid UTF-8, which the reader refuses or replaces"
        case .notAName: return "it is not a variable name a shell accepts ([A-Za-z_][A-Za-z0-9_]*)"
        case .lineTooLong(let limit): return "the line would be longer than the reader's limit of \(limit) bytes"
        case .readersDisagree(let detail): return detail
        }
    }
}

import Doctor
import ELFInspect
import Quoting
import RootFS

extension ProfileScript {
    /// The settings of the root's `/etc/profile.d/ofdoctor.sh`, read back (nil: no script,
    /// or not one ofdoctor wrote). Lets `check` tell "the root is fixed, this environment is
    /// not" from "nothing was applied yet".
    public static func settings(in root: RootView) -> [EnvironmentSetting]? {
        // (ofdoctor writes a few lines: a file past a mebibyte is someone else's, and is not copied)
        guard let bytes = try? root.contents(of: path), bytes.count <= 1 << 20 else { return nil }
        return settings(parsing: Array(bytes.buffer))
    }

    /// `export NAME=WORD` and `unset NAME` commands, one a line, and `#` comments; WORD in
    /// POSIX shell quoting (single-quoted runs, backslash escapes, plain bytes), which may
    /// span lines: a value can hold a newline, and `fix --format sh` appends one such
    /// command per run. Read byte by byte as a shell does; nil when the text is not such a
    /// script (not ofdoctor's, or holding what ofdoctor never writes).
    public static func settings(parsing bytes: [UInt8]) -> [EnvironmentSetting]? {
        var reader = CommandReader(bytes: bytes)
        guard reader.skipHeader() else { return nil }
        var result: [EnvironmentSetting] = []
        while reader.skipBlanksAndComments() {
            guard let setting = reader.command() else { return nil }
            result.append(setting)
        }
        return result
    }

    /// The commands of a profile script after its header, read as a POSIX shell reads them.
    struct CommandReader {
        let bytes: [UInt8]
        var at = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        static let newline = UInt8(ascii: "\n")

        /// Past the first line, when it is ofdoctor's header.
        mutating func skipHeader() -> Bool {
            guard bytes.starts(with: FileHeader.mark.utf8) else { return false }
            skipLine()
            return true
        }

        /// Past empty lines and comments: true when a command follows.
        mutating func skipBlanksAndComments() -> Bool {
            while at < bytes.count {
                switch bytes[at] {
                case Self.newline: at += 1
                case UInt8(ascii: "#"): skipLine()
                default: return true
                }
            }
            return false
        }

        /// The command here, through its end; nil when it is not one ofdoctor writes.
        mutating func command() -> EnvironmentSetting? {
            if take("unset ") {
                guard let name = name(endingAt: Self.newline) else { return nil }
                return EnvironmentSetting(name: name, value: nil)
            }
            guard take("export "), let name = name(endingAt: UInt8(ascii: "=")), let value = word() else { return nil }
            return EnvironmentSetting(name: name, value: ByteString.decode(value))
        }

        /// A variable name up to `end` (consumed; the end of the text ends a name too).
        private mutating func name(endingAt end: UInt8) -> String? {
            let start = at
            while at < bytes.count && bytes[at] != end { at += 1 }
            let name = String(decoding: bytes[start..<at], as: UTF8.self)
            if at < bytes.count { at += 1 }
            return VariableName.isValid(name) ? name : nil
        }

        /// One shell word up to an unquoted newline (consumed) or the end, as its bytes.
        private mutating func word() -> [UInt8]? {
            var out: [UInt8] = []
            while at < bytes.count {
                let byte = bytes[at]
                switch byte {
                case Self.newline:
                    at += 1
                    return out
                case UInt8(ascii: "'"):
                    guard let close = bytes[(at + 1)...].firstIndex(of: UInt8(ascii: "'")) else { return nil }
                    out += bytes[(at + 1)..<close]
                    at = close + 1
                case UInt8(ascii: "\\"):
                    // A backslash-newline is a line continuation: it stands for nothing.
                    guard at + 1 < bytes.count else { return nil }
                    if bytes[at + 1] != Self.newline { out.append(bytes[at + 1]) }
                    at += 2
                case UInt8(ascii: "\""), UInt8(ascii: "$"), UInt8(ascii: "`"), UInt8(ascii: " "), UInt8(ascii: "\t"),
                     UInt8(ascii: ";"), UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "<"), UInt8(ascii: ">"),
                     UInt8(ascii: "("), UInt8(ascii: ")"):
                    return nil   // not something ofdoctor writes
                default:
                    out.append(byte)
                    at += 1
                }
            }
            return out
        }

        private mutating func take(_ prefix: String) -> Bool {
            guard bytes[at...].starts(with: prefix.utf8) else { return false }
            at += prefix.utf8.count
            return true
        }

        private mutating func skipLine() {
            while at < bytes.count && bytes[at] != Self.newline { at += 1 }
            at += 1
        }
    }
}

extension DoctorReport {
    /// True when all that is left is an environment change the root's profile script already
    /// makes: `fix --apply` ran, and only the caller's environment (this shell, the image's
    /// `ENV` that `docker exec` uses) still has the harmful value.
    public func isOnlyEnvironmentLeft(profile settings: [EnvironmentSetting]?) -> Bool {
        guard status == .fixable, let plan, let settings,
              plan.actions.allSatisfy({ if case .env = $0.action { return true } else { return false } })
        else { return false }
        return plan.environment.allSatisfy { name, value in
            settings.last(where: { $0.name == name })?.value == value
        }
    }
}

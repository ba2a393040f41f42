import Doctor
import RootFS

extension ProfileScript {
    /// The settings of the root's `/etc/profile.d/ofdoctor.sh`, read back (nil: no script,
    /// or not one ofdoctor wrote). Lets `check` tell "the root is fixed, this environment is
    /// not" from "nothing was applied yet".
    public static func settings(in root: RootView) -> [EnvironmentSetting]? {
        guard let bytes = try? root.contents(of: path) else { return nil }
        return settings(parsing: String(decoding: bytes.buffer, as: UTF8.self))
    }

    /// `export NAME=WORD` and `unset NAME` lines, WORD in POSIX shell quoting (single-quoted
    /// runs, backslash escapes, plain bytes); nil when the text is not such a script.
    static func settings(parsing text: String) -> [EnvironmentSetting]? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.first?.hasPrefix("# Written by ofdoctor") == true else { return nil }
        var result: [EnvironmentSetting] = []
        for line in lines.dropFirst() where !line.hasPrefix("#") {
            if line.hasPrefix("unset ") {
                result.append(EnvironmentSetting(name: String(line.dropFirst(6)), value: nil))
                continue
            }
            guard line.hasPrefix("export "), let eq = line.firstIndex(of: "=") else { return nil }
            let name = String(line[line.index(line.startIndex, offsetBy: 7)..<eq])
            guard let value = unquote(Array(line[line.index(after: eq)...].utf8)) else { return nil }
            result.append(EnvironmentSetting(name: name, value: value))
        }
        return result
    }

    /// One shell word back to its bytes.
    static func unquote(_ word: [UInt8]) -> String? {
        var out: [UInt8] = []
        var i = 0
        while i < word.count {
            switch word[i] {
            case UInt8(ascii: "'"):
                guard let close = word[(i + 1)...].firstIndex(of: UInt8(ascii: "'")) else { return nil }
                out += word[(i + 1)..<close]
                i = close + 1
            case UInt8(ascii: "\\"):
                guard i + 1 < word.count else { return nil }
                out.append(word[i + 1])
                i += 2
            case UInt8(ascii: "\""), UInt8(ascii: "$"), UInt8(ascii: "`"), UInt8(ascii: " "), UInt8(ascii: ";"):
                return nil   // not something ofdoctor writes
            default:
                out.append(word[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
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

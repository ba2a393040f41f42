/// `/etc/profile.d/ofdoctor.sh`: the environment part of a fix, for login shells of the
/// root (an environment fix cannot reach the caller's shell, design.md "Fixes").
public enum ProfileScript {
    public static let path = RootPath("/etc/profile.d/ofdoctor.sh")

    /// The script's text: `export NAME='value'` or `unset NAME`, one a line.
    public static func contents(_ settings: [EnvironmentSetting]) -> String {
        var lines = ["# Written by ofdoctor fix --apply; `ofdoctor undo` removes it."]
        for setting in settings {
            if let value = setting.value {
                lines.append("export \(setting.name)=\(shellQuoted(value))")
            } else {
                lines.append("unset \(setting.name)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// POSIX single quotes: nothing inside is special except `'`, written `'\''`.
    public static func shellQuoted(_ value: String) -> String {
        "'" + value.replacingAll("'", with: "'\\''") + "'"
    }

    /// A name a POSIX shell accepts in `export` (XCU 3.235): `[A-Za-z_][A-Za-z0-9_]*`.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.isASCIILetter else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0.isASCIILetter || ("0"..."9").contains($0) }
    }

    /// `settings` with `changes` laid over them: a name keeps its place, new names go last.
    static func merged(_ settings: [EnvironmentSetting], with changes: [EnvironmentSetting]) -> [EnvironmentSetting] {
        var result = settings
        for change in changes {
            if let at = result.firstIndex(where: { $0.name == change.name }) {
                result[at] = change
            } else {
                result.append(change)
            }
        }
        return result
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}

extension String {
    fileprivate func replacingAll(_ old: Character, with new: String) -> String {
        var result = ""
        for c in self { if c == old { result += new } else { result.append(c) } }
        return result
    }
}

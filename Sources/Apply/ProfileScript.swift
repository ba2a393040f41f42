import Doctor
import Quoting
import RootFS
import Support

/// `/etc/profile.d/ofdoctor.sh`: the environment part of a fix, for login shells of the
/// root (an environment fix cannot reach the caller's shell, design.md "Fixes").
public enum ProfileScript {
    public static let path = RootPath("/etc/profile.d/ofdoctor.sh")
    /// The first line: what marks the file as ofdoctor's (`ProfileScript+Reading`).
    public static let header = FileHeader.apply

    /// The script's text: `export NAME='value'` or `unset NAME`, one a line, quoted by
    /// `ShellQuote` (every login shell of the root sources it).
    public static func contents(_ settings: [EnvironmentSetting]) throws(ApplyError) -> String {
        var lines = [header]
        for setting in settings {
            do {
                lines.append(try ShellQuote.exportLine(name: setting.name, value: setting.value))
            } catch {
                throw .invalidAction(error.description)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A name a POSIX shell accepts in `export` (XCU 3.235): `[A-Za-z_][A-Za-z0-9_]*`.
    public static func isValidName(_ name: String) -> Bool {
        VariableName.isValid(name)
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

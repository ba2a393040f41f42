#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Doctor
import Quoting
import Support

/// A first word that is no command where one was meant: `ofdoctor chek /bin/ls`. check, the
/// default command, takes `chek` for its program, and ArgumentParser's usage error is about
/// the word after it (`Unexpected argument '/bin/ls'`), which is not what was mistyped.
struct UnknownCommand {
    let word: String
    /// The command `word` is a slip away from (`ProgramNameMatch`), if any.
    let suggestion: String?

    /// Nil unless the command line failed to parse with its first word naming no command,
    /// no option, no file (from this directory) and no program (on this process's `PATH`, or
    /// `--root`'s default `PATH`), and more words following it: then it meant a command.
    init?(_ arguments: [String], commands: [String]) {
        guard arguments.count > 1, let first = arguments.first, !first.isEmpty, !first.hasPrefix("-"),
              !first.containsSlash, !commands.contains(first) else { return nil }
        let suggestion = ProgramNameMatch.ranked(first, among: commands).first
        if Self.namesFileOrProgram(first, arguments: arguments) { return nil }
        // (an image's files are not read for a usage error: only a slip of a command counts)
        if arguments.contains(where: { $0 == "--image" || $0.hasPrefix("--image=") }), suggestion == nil { return nil }
        word = first
        self.suggestion = suggestion
    }

    /// `no command 'chek'; did you mean 'check'?`, control bytes shown escaped.
    var message: String {
        let named = TerminalEscape.visible(word)
        return "no command '\(named)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
    }

    private static func namesFileOrProgram(_ word: String, arguments: [String]) -> Bool {
        if access(word, F_OK) == 0 { return true }
        func directories(_ list: String) -> [String] {
            list.split(bytes: { $0 == UInt8(ascii: ":") }).filter(\.startsWithSlash)
        }
        var searched = directories(ProcessEnvironment.value("PATH") ?? "")
        if let root = rootArgument(arguments), !root.isEmpty {
            let base = root.droppingTrailingSlashes
            searched += (directories(ProgramLocation.defaultSearchPath) + ProgramLocation.defaultDirectories).map { base + $0 }
        }
        return searched.contains { access($0 + "/" + word, X_OK) == 0 }
    }

    /// `--root DIR` or `--root=DIR`, as given.
    private static func rootArgument(_ arguments: [String]) -> String? {
        for (index, argument) in arguments.enumerated() {
            if argument == "--root", index + 1 < arguments.count { return arguments[index + 1] }
            if argument.hasPrefix("--root=") { return String(argument.dropFirst(7)) }
        }
        return nil
    }
}

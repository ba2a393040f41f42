import ArgumentParser
import Support

/// The requests answered before the commands are parsed, where swift-argument-parser's own
/// answer is not the design's: `help NAME` for a name that is no command (it printed the
/// general help, exit 0: a usage error, 64), the bash completion script (file names as the
/// fallback), the man page (`--generate-manual`, from the same definitions as `--help`), and
/// `--version` alone (the same text; ArgumentParser's parse cost more than a `check /bin/true`).
enum BuiltinRequest {
    case completionScript(CompletionShell)
    case manualPage
    case version

    /// The request `arguments` make, nil for an ordinary command line; throws a usage error
    /// for `help` with an unknown command.
    static func parse(_ arguments: [String]) throws -> BuiltinRequest? {
        if arguments.first == "help" { try checkHelpNames(Array(arguments.dropFirst())) }
        if arguments == ["--generate-manual"] { return .manualPage }
        if arguments == ["--version"] { return .version }
        let shellName: String?
        if arguments.count == 2 && arguments[0] == "--generate-completion-script" {
            shellName = arguments[1]
        } else if arguments.count == 1 && arguments[0].hasPrefix("--generate-completion-script=") {
            shellName = String(arguments[0].dropFirst("--generate-completion-script=".count))
        } else {
            shellName = nil
        }
        // Other shells, and names it does not know, stay with ArgumentParser.
        if let shellName, shellName == "bash", let shell = CompletionShell(rawValue: shellName) { return .completionScript(shell) }
        return nil
    }

    /// `help check` is fine; `help nonexistent` names no command.
    static func checkHelpNames(_ names: [String]) throws {
        var commands: [any ParsableCommand.Type] = Ofdoctor.configuration.subcommands
        var path: [String] = []
        for name in names where !name.hasPrefix("-") {
            path.append(name)
            var known: [String] = []
            var next: (any ParsableCommand.Type)?
            for command in commands {
                let commandName = command.configuration.commandName ?? ""
                known.append(commandName)
                if commandName == name { next = command }
            }
            guard let next else {
                throw ValidationError("no command '\(path.joined(separator: " "))'"
                    + (known.isEmpty ? "" : "; the commands are \(known.joined(separator: ", "))"))
            }
            commands = next.configuration.subcommands
        }
    }

    func text() throws -> String {
        switch self {
        case .completionScript(let shell):
            return CompletionScript.text(for: shell)
        case .manualPage:
            return ManualPage(tree: try CommandTree.decode(Ofdoctor._dumpHelp()), version: OfdoctorVersion.string).render()
        case .version:
            return OfdoctorVersion.string + "\n"
        }
    }
}

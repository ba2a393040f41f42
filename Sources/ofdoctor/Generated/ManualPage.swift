import Support

/// ofdoctor(1) in man(7) macros, made from the command tree that `--help` is made from:
/// every command with its abstract, discussion and options, and the root discussion's
/// titled blocks ("Exit status:", "Examples:") as sections of their own. `make man` writes
/// it to docs/ofdoctor.1; `make install` writes it from the installed binary.
struct ManualPage {
    let tree: CommandTree
    let version: String
    /// Sections no definition holds.
    var seeAlso = ["ld.so(8)", "ldconfig(8)", "ldd(1)"]

    typealias Command = CommandTree.Command
    typealias Argument = CommandTree.Argument

    func render() -> String {
        let root = tree.command
        let name = root.commandName
        // ArgumentParser's own `help` command is left out, as `--help` leaves it out.
        let commands = (root.subcommands ?? []).filter { $0.shouldDisplay != false && $0.commandName != "help" }
        let general = root.shownArguments
        let shared = sharedArguments(commands, excluding: general)
        let description = Self.splitTitledBlocks(root.discussion ?? "")

        var out = [".TH \(name.uppercased()) 1 \"\" \"\(name) \(version)\" \"User Commands\""]
        out += [".SH NAME", "\(Roff.escape(name)) \\- \(Roff.text(Self.lowercasingFirst(root.abstract ?? "")))"]

        out.append(".SH SYNOPSIS")
        out += [".B \(Roff.escape(name))"] + general.map(synopsis)
        for command in commands {
            out += [".br", ".B \(Roff.escape(name + " " + command.commandName))"]
            out += command.shownArguments.filter { !general.contains($0) }.map(synopsis)
        }

        out.append(".SH DESCRIPTION")
        out += Self.body(description.text)
        if let fallback = root.defaultSubcommand {
            out += [".PP", "With no command, \(Roff.bold(fallback)) runs."]
        }

        out.append(".SH COMMANDS")
        for command in commands {
            out.append(".SS \"\(Roff.escape(name + " " + command.commandName))\"")
            out.append(Roff.line(Roff.text(command.abstract ?? "")))
            if let discussion = command.discussion, !discussion.isEmpty { out += Self.body(discussion) }
            let specific = command.shownArguments.filter { argument in
                !general.contains(argument) && !shared.contains { $0.argument == argument }
            }
            if !specific.isEmpty {
                out += [".PP", "Options of \(Roff.bold(command.commandName)):"]
                for argument in specific { out += entry(argument, commands: nil) }
            }
        }

        out.append(".SH OPTIONS")
        out.append("The options most commands take, each with the commands that take it; then those every command takes.")
        for (argument, users) in shared {
            out += entry(argument, commands: users.count == commands.count ? nil : users)
        }
        for argument in general { out += entry(argument, commands: nil) }

        for block in description.blocks {
            out.append(".SH \(Roff.escape(block.title.uppercased()))")
            out += Self.definitionsOrLiteral(block.lines)
        }
        out.append(".SH SEE ALSO")
        out.append(seeAlso.map { reference in
            guard let open = reference.firstIndex(of: "(") else { return Roff.escape(reference) }
            return ".BR \(reference[..<open]) \(reference[open...])"
        }.joined(separator: ",\n"))
        return out.joined(separator: "\n") + "\n"
    }

    /// Arguments that most commands take alike (the target options, BINARY), each with the
    /// commands that take it, in order of first appearance; the others are listed under
    /// their command.
    func sharedArguments(_ commands: [Command], excluding general: [Argument]) -> [(argument: Argument, commands: [String])] {
        var found: [(argument: Argument, commands: [String])] = []
        for command in commands {
            for argument in command.shownArguments where !general.contains(argument) {
                if let index = found.firstIndex(where: { $0.argument == argument }) {
                    found[index].commands.append(command.commandName)
                } else {
                    found.append((argument, [command.commandName]))
                }
            }
        }
        return found.filter { 2 * $0.commands.count > commands.count }
    }

    /// `[--format text|json]`, `[--env NAME=VALUE ...]`, `[BINARY]`, `[-- ARGS ...]`.
    func synopsis(_ argument: Argument) -> String {
        var word = heading(argument)
        if argument.isRepeating && !argument.isPostTerminator { word += " ..." }
        return argument.isOptional || argument.isRepeating ? "[\(word)]" : word
    }

    /// The term of an option's entry: `-a, --all`, `--root DIR`, `BINARY`, `-- ARGS ...`.
    func heading(_ argument: Argument) -> String {
        let value: String
        if let values = argument.allValues, !values.isEmpty {
            value = values.map(Roff.italic).joined(separator: "|")
        } else {
            value = Roff.italic(argument.valueName ?? "VALUE")
        }
        switch argument.kind {
        case "positional":
            return argument.isPostTerminator ? "\(Roff.bold("--")) \(value) ..." : value
        case "flag":
            return names(argument)
        default:
            return names(argument) + " " + value
        }
    }

    /// `-a, --all`: the short spelling first, as getopt's manuals write it.
    func names(_ argument: Argument) -> String {
        let names = argument.names ?? []
        return (names.filter { $0.kind == "short" } + names.filter { $0.kind != "short" }).map { Roff.bold($0.spelled) }.joined(separator: ", ")
    }

    func entry(_ argument: Argument, commands: [String]?) -> [String] {
        var text = Roff.text(argument.abstract ?? "")
        if argument.kind == "option", let value = argument.defaultValue, !value.isEmpty {
            text += " Default: \(Roff.escape(value))."
        }
        if let discussion = argument.discussion, !discussion.isEmpty { text += " " + Roff.text(discussion) }
        if let commands { text += " (\(commands.map(Roff.escape).joined(separator: ", ")))" }
        return [".TP", heading(argument), Roff.line(text)]
    }

    // MARK: - discussions

    struct TitledBlock {
        var title: String
        var lines: [String]
    }

    /// The root discussion's paragraphs that are a title line ("Exit status:") and indented
    /// lines become sections; the rest stays the description.
    static func splitTitledBlocks(_ discussion: String) -> (text: String, blocks: [TitledBlock]) {
        var kept: [String] = []
        var blocks: [TitledBlock] = []
        for paragraph in discussion.components(separatedBy: "\n\n") {
            let lines = paragraph.split(separator: "\n").map(String.init)
            if let first = lines.first, first.hasSuffix(":"), !first.hasPrefix(" "), lines.count > 1,
               lines.dropFirst().allSatisfy({ $0.hasPrefix("  ") }) {
                blocks.append(TitledBlock(title: String(first.dropLast()), lines: Array(lines.dropFirst())))
            } else {
                kept.append(paragraph)
            }
        }
        return (kept.joined(separator: "\n\n"), blocks)
    }

    /// Paragraphs as `.PP`; indented lines (examples) kept as they are, unfilled.
    static func body(_ text: String) -> [String] {
        var out: [String] = []
        for paragraph in text.components(separatedBy: "\n\n") where !paragraph.isEmpty {
            out.append(".PP")
            var literal = false
            for line in paragraph.split(separator: "\n").map(String.init) {
                let indented = line.hasPrefix("  ")
                if indented != literal {
                    out += indented ? [".RS 4", ".nf"] : [".fi", ".RE"]
                    literal = indented
                }
                out.append(Roff.line(Roff.text(line)))
            }
            if literal { out += [".fi", ".RE"] }
        }
        return out
    }

    /// A block whose every line is `TERM  meaning` (two or more spaces between) as a
    /// definition list, any other as unfilled lines.
    static func definitionsOrLiteral(_ lines: [String]) -> [String] {
        let pairs = lines.map { line -> (String, String)? in
            let text = line.drop { $0 == " " }
            guard let gap = text.firstRange(of: "  ") else { return nil }
            return (String(text[..<gap.lowerBound]), String(text[gap.upperBound...].drop { $0 == " " }))
        }
        if pairs.allSatisfy({ $0 != nil }) {
            return pairs.compactMap { $0 }.flatMap { [".TP", Roff.bold($0.0), Roff.line(Roff.text($0.1))] }
        }
        return [".nf"] + lines.map { Roff.line(Roff.text($0)) } + [".fi"]
    }

    static func lowercasingFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}

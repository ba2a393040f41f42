import Apply
import Doctor
import Quoting
import RootFS
import Support


/// Plans as text, as a shell script and as Dockerfile lines. Every name and path from the
/// root goes through the one quoting function of the language it is written in; a value
/// the language cannot carry is a `QuoteError`, and nothing is printed.
enum PlanText {
    /// One action for a person to read (not to run): words quoted only where a shell
    /// would need it, then made safe for the terminal by the caller.
    static func describe(_ action: FixAction) -> String {
        switch action {
        case .symlink(let path, let target): return "ln -s \(ShellQuote.display(target)) \(ShellQuote.display(path.string))"
        case .ldconfig: return "ldconfig"
        case .env(let name, let value?): return "\(name)=\(ShellQuote.display(value))"
        case .env(let name, nil): return "unset \(name)"
        case .conf(let path, let dirs): return "write \(path.string) (\(dirs.map(ShellQuote.display).joined(separator: ", ")))"
        }
    }

    /// One action as a command a person can paste, in shell words (quoted where a shell needs
    /// it): with `root`, another root on this machine, its paths are placed under it and
    /// ldconfig is `ldconfig -r ROOT`, so nothing pasted can change this machine's own files.
    /// Link targets stay as they are: the root's loader reads them inside the root.
    static func commandWords(_ action: FixAction, root: String?) -> [String] {
        func place(_ path: String) -> String { ShellQuote.display((root ?? "") + path) }
        switch action {
        case .symlink(let path, let target): return ["ln", "-s", ShellQuote.display(target), place(path.string)]
        case .ldconfig: return root.map { ["ldconfig", "-r", ShellQuote.display($0)] } ?? ["ldconfig"]
        case .env(let name, let value?): return ["export", ShellQuote.display("\(name)=\(value)")]
        case .env(let name, nil): return ["unset", ShellQuote.display(name)]
        case .conf(let path, let dirs):
            // One directory a line, as ldconfig reads the file. printf's `%s` takes each word
            // as it is; dash's echo reads backslashes in it (`\n`, `\c`, `\0nnn`).
            return ["printf", "'%s\\n'"] + dirs.map(ShellQuote.display) + [">", place(path.string)]
        }
    }

    /// An idempotent POSIX sh script; with another root, every path is under
    /// `$OFDOCTOR_ROOT` (the root given, unless set when the script runs) and `ldconfig -r`
    /// is the host's. `ldconfig`: the root's own, when it has one (else found on `PATH`).
    /// The plan's paths are real paths of the root (`FixPlan.placed`, `profile` too): the
    /// host's shell follows no link of the root on the way, and the script stops, before it
    /// writes, where one has appeared since. A conf file or profile script that is there
    /// and is not ofdoctor's (its first line) stops it too, as `fix --apply` refuses it.
    static func shell(_ plan: FixPlan, root: String, hostRoot: Bool, ldconfig: String? = nil,
                      profile: RootPath = ProfileScript.path, personSteps: [Blocker] = []) throws(QuoteError) -> String {
        var lines = ["#!/bin/sh", "# ofdoctor fix plan: safe to run twice."]
        if !hostRoot { lines.append("# For a copy of the root elsewhere: OFDOCTOR_ROOT=/path/to/copy sh THIS-SCRIPT") }
        lines.append("set -eu")
        if !hostRoot { lines.append("[ -n \"${OFDOCTOR_ROOT:-}\" ] || OFDOCTOR_ROOT=" + (try ShellQuote.word(root, subject: "the root \(root)"))) }
        let writesFiles = plan.actions.contains {
            switch $0.action { case .env, .conf: return true; case .symlink, .ldconfig: return false }
        }
        if writesFiles { lines += Self.ownedFunction }
        if !plan.environment.isEmpty { lines += Self.holdsFunction }
        if !hostRoot && plan.actions.contains(where: { $0.action != .ldconfig }) { lines += Self.insideFunction }
        // A path inside the root: `"$OFDOCTOR_ROOT"'/usr/lib/…'` (the root's own bytes never
        // reach the shell's parser: only the variable's name does).
        func place(_ path: String) throws(QuoteError) -> String {
            (hostRoot ? "" : "\"$OFDOCTOR_ROOT\"") + (try ShellQuote.word(path, subject: "the path \(path)"))
        }
        func inside(_ path: String) throws(QuoteError) -> [String] {
            hostRoot ? [] : ["ofdoctor_inside " + (try ShellQuote.word(path, subject: "the path \(path)"))]
        }
        // (the script keeps no journal: its files say so, not that `ofdoctor undo` removes them)
        let header = try ShellQuote.word(FileHeader.script, subject: "ofdoctor's header")
        for planned in plan.actions {
            lines.append("# fixes \(planned.fixes.map(\.rawValue).joined(separator: ", "))")
            switch planned.action {
            case .symlink(let path, let target):
                let link = try place(path.string)
                lines += try inside(path.string)
                lines.append("[ -L \(link) ] || ln -s -- \(try ShellQuote.word(target, subject: "the link target \(target)")) \(link)")
            case .ldconfig:
                lines.append(hostRoot ? try ldconfigWord(ldconfig) : "ldconfig -r \"$OFDOCTOR_ROOT\"")
            case .env(let name, let value):
                let file = try place(profile.string)
                let line = try ShellQuote.word(try ShellQuote.exportLine(name: name, value: value), subject: "the profile line for \(name)")
                lines += try inside(profile.string)
                lines.append("mkdir -p \(try place(profile.parent.string))")
                lines.append("ofdoctor_owned \(file)")
                lines.append("[ -e \(file) ] || printf '%s\\n' \(header) > \(file)")
                lines.append("ofdoctor_holds \(file) \(line) || printf '%s\\n' \(line) >> \(file)")
            case .conf(let path, let dirs):
                let file = try place(path.string)
                lines += try inside(path.string)
                lines.append("ofdoctor_owned \(file)")
                lines.append("printf '%s\\n' \(try words(confLines(dirs, header: FileHeader.script))) > \(file)")
            }
        }
        lines += personComments(personSteps)
        return lines.joined(separator: "\n")
    }

    /// `ofdoctor_owned FILE`: stops the script unless FILE is absent or a regular file whose
    /// first line is ofdoctor's header, as `ProfileScript` reads it (a link is followed by
    /// `>`, a FIFO blocks a read).
    private static let ownedFunction = [
        "ofdoctor_owned() {",
        "\tif [ -L \"$1\" ] || { [ -e \"$1\" ] && [ ! -f \"$1\" ]; }; then",
        "\t\tprintf 'ofdoctor fix: %s is not a regular file: stopped, nothing more changed\\n' \"$1\" >&2; exit 1",
        "\tfi",
        "\t[ -e \"$1\" ] || return 0",
        "\tofdoctor_first=",
        "\tIFS= read -r ofdoctor_first < \"$1\" || :",
        "\tcase $ofdoctor_first in",
        "\t'\(FileHeader.mark)'*) ;;",   // (no quote in it)
        "\t*) printf 'ofdoctor fix: %s is not ofdoctor'\\''s (someone else wrote it): stopped, nothing more changed\\n' \"$1\" >&2; exit 1 ;;",
        "\tesac",
        "}",
    ]

    /// `ofdoctor_holds FILE TEXT`: true when TEXT is whole lines of FILE. Compared in the
    /// shell, byte for byte: a value may hold a newline, which `grep -x` would take as two
    /// patterns, each matching a line of its own. (`printf .` keeps the file's last newlines
    /// from the command substitution.)
    private static let holdsFunction = [
        "ofdoctor_holds() {",
        "\tofdoctor_text=$(cat -- \"$1\" && printf .) || exit 1",
        "\tofdoctor_nl='",
        "'",
        "\tcase \"$ofdoctor_nl${ofdoctor_text%.}\" in",
        "\t*\"$ofdoctor_nl$2$ofdoctor_nl\"*) return 0 ;;",
        "\tesac",
        "\treturn 1",
        "}",
    ]

    /// `ofdoctor_inside PATH`: stops the script unless every directory on the way to PATH
    /// (a path in the root) is a directory of the root and not a link, which this shell
    /// would follow as the host's own, out of the root. Directories still to be made pass.
    private static let insideFunction = [
        "ofdoctor_inside() {",
        "\tofdoctor_at=$OFDOCTOR_ROOT ofdoctor_rest=${1#/}",
        "\twhile :; do",
        "\t\tcase $ofdoctor_rest in */*) ;; *) return 0 ;; esac",
        "\t\tofdoctor_at=$ofdoctor_at/${ofdoctor_rest%%/*} ofdoctor_rest=${ofdoctor_rest#*/}",
        "\t\tif [ -L \"$ofdoctor_at\" ] || { [ -e \"$ofdoctor_at\" ] && [ ! -d \"$ofdoctor_at\" ]; }; then",
        "\t\t\tprintf 'ofdoctor fix: %s is a link or a file, not a directory of the root: stopped, nothing more changed\\n' \"$ofdoctor_at\" >&2; exit 1",
        "\t\tfi",
        "\tdone",
        "}",
    ]

    /// The plan's steps for a person, as comments: one line each (control bytes, newlines
    /// included, shown escaped, so no text from the root can start a line of its own).
    static func personComments(_ steps: [Blocker]) -> [String] {
        guard !steps.isEmpty else { return [] }
        return ["# Not done by this plan; a person must:"] + steps.map { "#   " + TerminalEscape.visible($0.description) }
    }

    /// The lines of ofdoctor's conf file, as `ConfFile` writes it (`header` first).
    private static func confLines(_ directories: [String], header: String) -> [String] {
        ConfFile.contents(directories: directories, header: header).split(separator: "\n").map(String.init)
    }

    /// The `RUN` (exec form) and `ENV` lines that bake the plan into an image; `ldconfig`
    /// is the image's own (`RootLdconfig`), else found on the image's `PATH`.
    /// - Parameter user: the image's `User` when it is not root: the steps that change the root
    ///   run as root (`USER root`), and the user is put back after them.
    /// - Parameter missingTools: what the RUN line needs that the image lacks (`RunLineTools`):
    ///   no RUN line then, but why, and `repairedCopy`, the command that writes the image with
    ///   the changes in a layer of its own.
    static func dockerfile(_ plan: FixPlan, ldconfig: String? = nil, personSteps: [Blocker] = [],
                           user: String? = nil, missingTools: [String] = [], repairedCopy: String? = nil) throws(QuoteError) -> String {
        var run: [String] = []
        var env: [String] = []
        for planned in plan.actions {
            switch planned.action {
            case .symlink(let path, let target):
                let link = try ShellQuote.word(path.string, subject: "the path \(path.string)")
                run.append("{ [ -L \(link) ] || ln -s -- \(try ShellQuote.word(target, subject: "the link target \(target)")) \(link); }")
            case .ldconfig:
                run.append(try ldconfigWord(ldconfig))
            case .conf(let path, let dirs):
                run.append("printf '%s\\n' \(try words(confLines(dirs, header: FileHeader.dockerfile))) > \(try ShellQuote.word(path.string, subject: "the path \(path.string)"))")
            case .env(let name, let value):
                // An image cannot unset a variable; an empty value is what the loader ignores too.
                env.append(try DockerfileQuote.env(name: name, value: value ?? ""))
            }
        }
        var lines = ["# ofdoctor fix plan"]
        if !run.isEmpty, !missingTools.isEmpty {
            let lacks = missingTools.map { "no \($0)" }.joined(separator: ", ")
            lines.append("# The image has \(lacks): a RUN line cannot make these changes in it.")
            if let repairedCopy { lines.append("# A copy of the image with them, in a layer of its own: \(repairedCopy)") }
            for planned in plan.actions {
                switch planned.action {
                case .symlink(let path, let target): lines.append("#   a link " + TerminalEscape.visible(path.string) + " -> " + TerminalEscape.visible(target))
                case .ldconfig: lines.append("#   ld.so.cache rebuilt")
                case .conf(let path, let dirs): lines.append("#   " + TerminalEscape.visible(path.string) + " listing " + TerminalEscape.visible(dirs.joined(separator: ", ")))
                case .env: break
                }
            }
        } else if !run.isEmpty {
            let script = try DockerfileQuote.run(shellScript: run.joined(separator: " && "))
            if let user {
                lines += ["USER root", script, try DockerfileQuote.user(user)]
            } else {
                lines.append(script)
            }
        }
        lines += env
        lines += personComments(personSteps)
        return lines.joined(separator: "\n")
    }

    /// The root's ldconfig as a shell word; bare `ldconfig` when the root has none.
    private static func ldconfigWord(_ path: String?) throws(QuoteError) -> String {
        guard let path else { return "ldconfig" }
        return try ShellQuote.word(path, subject: "the path \(path)")
    }

    private static func words(_ texts: [String]) throws(QuoteError) -> String {
        var out: [String] = []
        for text in texts {
            // One directory a line in ld.so.conf: a newline would add a line of its own.
            guard !text.utf8.contains(UInt8(ascii: "\n")) else { throw QuoteError(.shell, subject: "the directory \(text)", reason: .newline) }
            out.append(try ShellQuote.word(text, subject: "the directory \(text)"))
        }
        return out.joined(separator: " ")
    }
}

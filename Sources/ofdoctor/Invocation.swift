#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Doctor
import Quoting
import Support

/// A command line of ofdoctor a person can paste to take the next step: the same program,
/// root or image, environment and working directory as the command that prints it, with
/// every path made absolute and every word quoted for a POSIX shell.
struct Invocation {
    /// How to start ofdoctor again: the path it was started by, or `ofdoctor` from `PATH`.
    let executable: String
    /// The options that name the target, already quoted words.
    let targetWords: [String]
    let isImage: Bool
    /// Another root on this machine (absolute): where a plan's pasted commands write. Nil
    /// for this machine's own root and for an image.
    let otherRoot: String?
    /// For an image: where `fix --output` should write the repaired copy (beside it, `-fixed` added).
    let fixedImage: String?

    /// `namingProgram`: name `program` even where the command that prints this named none
    /// (it checked the default program, and the next step is about another). `programWord`:
    /// the program as the next command names it instead (`./app`, from the working directory).
    /// `settingEnvironment`: `--env NAME=VALUE` for these names in place of the target's own.
    init(_ target: some TargetDescription, program: ProgramLocation?, namingProgram: Bool = false, programWord: String? = nil,
         settingEnvironment: [(name: String, value: String)] = []) {
        let absolute = TargetOptions.absolute
        let argv0 = CommandLine.arguments.first ?? "ofdoctor"
        executable = argv0.containsSlash ? absolute(argv0) : "ofdoctor"
        var words: [String] = []
        var fixed: String?
        if let image = target.image {
            words += ["--image", absolute(image)]
            fixed = Self.fixedName(absolute(image))
        } else if !target.isHostRoot {
            words += ["--root", target.absoluteRoot]
        }
        if let file = target.environmentFile { words += ["--env-from", absolute(file)] }
        let overridden = Set(settingEnvironment.map(\.name))
        for assignment in target.environmentAssignments where !overridden.contains(String(assignment.prefix { $0 != "=" })) {
            words += ["--env", assignment]
        }
        for (name, value) in settingEnvironment { words += ["--env", name + "=" + value] }
        // (a relative program word needs the directory it is relative to, `/` too, where this
        // machine's own root would take the caller's)
        if target.workingDirectory != "/" || (programWord != nil && target.isHostRoot) {
            words += ["--cwd", target.workingDirectory]
        }
        if let user = target.givenUser { words += ["--user", user] }
        // The program as found inside the root: pasted elsewhere, a relative name would not be.
        if let programWord {
            words.append(programWord)
        } else if target.binary != nil || namingProgram, let program {
            words.append(program.path.string)
        }
        targetWords = words
        isImage = target.image != nil
        otherRoot = target.image == nil && !target.isHostRoot ? target.absoluteRoot : nil
        fixedImage = fixed
    }

    /// `/x/img.tar` → `/x/img-fixed.tar` (`.tar.gz`, `.tgz` kept; a layout directory gets `-fixed`).
    static func fixedName(_ image: String) -> String {
        let path = image.droppingTrailingSlashes
        for suffix in [".tar.gz", ".tgz", ".tar"] where path.hasSuffix(suffix) && path.count > suffix.count {
            return String(path.dropLast(suffix.count)) + "-fixed" + suffix
        }
        return path + "-fixed"
    }

    /// A plan's action as a command to paste, placed in this target's root.
    func actionWords(_ action: FixAction) -> [String] {
        // In an image a variable is the image's `ENV` (an `export` in a RUN line ends with it;
        // an image cannot unset one: empty is what the loader ignores too).
        if isImage, case .env(let name, let value) = action, let line = try? DockerfileQuote.env(name: name, value: value ?? "") {
            return [line]
        }
        return PlanText.commandWords(action, root: otherRoot)
    }

    /// `ofdoctor SUBCOMMAND [extra…] TARGET…`, each word quoted.
    func words(_ subcommand: String, _ extra: String...) -> [String] {
        words(subcommand, extra)
    }

    func words(_ subcommand: String, _ extra: [String]) -> [String] {
        ([executable, subcommand] + extra + targetWords).map(ShellQuote.display)
    }

    /// `ofdoctor SUBCOMMAND [extra…] TARGET…`, quoted, as one line, for a terminal
    /// (`TerminalEscape.command`: it still runs when pasted).
    func command(_ subcommand: String, _ extra: String...) -> String {
        words(subcommand, extra).map(TerminalEscape.command).joined(separator: " ")
    }

    /// The next steps after a failing check, each a label and the command that takes it.
    var fixSteps: [(label: String, words: [String])] {
        if isImage {
            var steps: [(label: String, words: [String])] = []
            if let fixedImage { steps.append(("a repaired copy of the image:", words("fix", "--output", fixedImage))) }
            steps.append(("the Dockerfile lines that fix it:", words("fix", "--format", "dockerfile")))
            return steps
        }
        return [("see the plan:", words("fix")), ("make it:", words("fix", "--apply"))]
    }

    /// The same steps as one sentence, commands in backquotes (control bytes shown escaped).
    var fixStepsSentence: String {
        fixSteps.map { "\($0.label) `\($0.words.map(TerminalEscape.command).joined(separator: " "))`" }.joined(separator: "; ")
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Doctor
import Quoting

/// A command line of ofdoctor a person can paste to take the next step: the same program,
/// root or image, environment and working directory as the command that prints it, with
/// every path made absolute and every word quoted for a POSIX shell.
struct Invocation {
    /// How to start ofdoctor again: the path it was started by, or `ofdoctor` from `PATH`.
    let executable: String
    /// The options that name the target, already quoted words.
    let targetWords: [String]
    let isImage: Bool

    init(_ target: TargetOptions, program: ProgramLocation?) {
        let absolute = TargetOptions.absolute
        let argv0 = CommandLine.arguments.first ?? "ofdoctor"
        executable = argv0.contains("/") ? absolute(argv0) : "ofdoctor"
        var words: [String] = []
        if let image = target.image {
            words += ["--image", absolute(image)]
        } else if !target.isHostRoot {
            words += ["--root", target.absoluteRoot]
        }
        if let file = target.environmentFile { words += ["--env-from", absolute(file)] }
        for assignment in target.environmentAssignments { words += ["--env", assignment] }
        if target.workingDirectory != "/" { words += ["--cwd", target.workingDirectory] }
        // The program as found inside the root: pasted elsewhere, a relative name would not be.
        if target.binary != nil, let program { words.append(program.path.string) }
        targetWords = words
        isImage = target.image != nil
    }

    /// `ofdoctor SUBCOMMAND [extra…] TARGET…`, each word quoted.
    func words(_ subcommand: String, _ extra: String...) -> [String] {
        words(subcommand, extra)
    }

    func words(_ subcommand: String, _ extra: [String]) -> [String] {
        ([executable, subcommand] + extra + targetWords).map(ShellQuote.display)
    }

    /// `ofdoctor SUBCOMMAND [extra…] TARGET…`, quoted, as one line.
    func command(_ subcommand: String, _ extra: String...) -> String {
        words(subcommand, extra).joined(separator: " ")
    }

    /// The next steps after a failing check, each a label and the command that takes it.
    var fixSteps: [(label: String, words: [String])] {
        if isImage { return [("the Dockerfile lines that fix it:", words("fix", "--format", "dockerfile"))] }
        return [("see the plan:", words("fix")), ("make it:", words("fix", "--apply"))]
    }
}

import ArgumentParser
import Quoting

/// Failures that end a command with one line on stderr and the design's exit code.
enum CommandFailure: Error {
    /// The program or the root could not be analysed (exit 3).
    case analysis(String)
    /// The same, with the command of the next step (words already quoted for a shell),
    /// written after the message as it pastes.
    case analysisWithStep(String, command: [String])
    /// An applied action failed (exit 4).
    case apply(String)
}

extension CommandFailure {
    var exitCode: ExitCode {
        switch self {
        case .analysis, .analysisWithStep: return ExitStatus.cannotAnalyse
        case .apply: return ExitStatus.applyFailed
        }
    }
    var message: String {
        switch self {
        case .analysis(let m), .analysisWithStep(let m, _), .apply(let m): return m
        }
    }
    /// The next step's command as a terminal shows it and a shell reads it back.
    var command: String? {
        guard case .analysisWithStep(_, let words) = self else { return nil }
        return words.map(TerminalEscape.command).joined(separator: " ")
    }
}

/// Runs a command body, turning `CommandFailure` into its line and exit code.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as CommandFailure {
        // Messages name paths from the root and the caller: no raw control byte reaches a terminal.
        writeStandardError("ofdoctor: \(TerminalEscape.visible(failure.message))\(failure.command.map { ": " + $0 } ?? "")\n")
        throw failure.exitCode
    }
}

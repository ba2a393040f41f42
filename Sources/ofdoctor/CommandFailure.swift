import ArgumentParser
import Quoting

/// Failures that end a command with one line on stderr and the design's exit code.
enum CommandFailure: Error {
    /// The program or the root could not be analysed (exit 3).
    case analysis(String)
    /// An applied action failed (exit 4).
    case apply(String)
}

extension CommandFailure {
    var exitCode: ExitCode {
        switch self {
        case .analysis: return ExitStatus.cannotAnalyse
        case .apply: return ExitStatus.applyFailed
        }
    }
    var message: String {
        switch self {
        case .analysis(let m), .apply(let m): return m
        }
    }
}

/// Runs a command body, turning `CommandFailure` into its line and exit code.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as CommandFailure {
        // Messages name paths from the root and the caller: no raw control byte reaches a terminal.
        writeStandardError("ofdoctor: \(TerminalEscape.visible(failure.message))\n")
        throw failure.exitCode
    }
}

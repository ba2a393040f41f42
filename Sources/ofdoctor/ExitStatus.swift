import ArgumentParser
import Doctor
import Support
import TextLayout

/// The design's exit codes, in one place: the commands end with them, `--help` and the
/// man page list them from `table`, and README's table names the same codes (a test runs
/// the binary into each one).
enum ExitStatus {
    static let healthy = ExitCode.success
    static let fixable = ExitCode(1)
    static let needsPerson = ExitCode(2)
    static let cannotAnalyse = ExitCode(3)
    static let applyFailed = ExitCode(4)
    /// `verify`: the loader started the program and it failed by itself.
    static let programFailed = ExitCode(5)
    static let usage = ExitCode.validationFailure

    /// Each code with what it means, as `--help` and the man page show them (a line each
    /// within 80 columns).
    static let table: [(code: ExitCode, meaning: String)] = [
        (healthy, "healthy: the loader would start it (verify: it ran and exited 0)"),
        (fixable, "problems found, and the plan fixes every one"),
        (needsPerson, "problems found, and some need a person (the plan fixes the rest)"),
        (cannotAnalyse, "the program, the root or an input file could not be analysed"),
        (applyFailed, "fix --apply: the plan could not be carried out (undo reverts it)"),
        (programFailed, "verify: it started, then failed by itself (exit, signal, --timeout)"),
        (usage, "usage error"),
    ]

    /// The table as a titled block of `--help`'s discussion (the man page's EXIT STATUS).
    static var helpBlock: String {
        "Exit status:\n" + table.map { "  \(String($0.code.rawValue).padding(toLength: 4)) \($0.meaning)" }.joined(separator: "\n")
    }

    static func code(for report: DoctorReport) -> ExitCode {
        switch report.status {
        case .healthy: return healthy
        case .fixable: return fixable
        case .unfixable: return needsPerson
        }
    }

    /// `verify`: what the run showed decides. A library the run missed is the check's code
    /// (1 or 2); one the check did not predict has no automatic fix (2).
    static func code(for run: RunClassification, report: DoctorReport) -> ExitCode {
        switch run.kind {
        case .started: return healthy
        case .programFailed: return programFailed
        case .loaderRefused, .runtimeLibraryMissing, .modelsMissing:
            return report.status == .fixable ? fixable : needsPerson
        }
    }
}

private extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String.blanks(length - count)
    }
}

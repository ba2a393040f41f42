import Apply
import Doctor
import Quoting

/// `fix --apply` as text: each change made, ldconfig's run, where the environment fix
/// reaches, what a person must still do, and the re-check's verdict.
struct FixOutcomeText {
    let outcome: FixOutcome
    let next: Invocation

    /// One line per change and one for ldconfig.
    static func steps(_ applied: ApplyReport) -> [String] {
        var lines = applied.steps.map {
            "\($0.outcome == .alreadyPresent ? "unchanged" : "done     ")  \(TerminalEscape.visible($0.change.summary))"
        }
        if let ldconfig = applied.ldconfig {
            lines.append("ldconfig   \(TerminalEscape.visible(ldconfig.command)) (exit \(ldconfig.status))")
        }
        return lines
    }

    func render() -> String {
        var lines = Self.steps(outcome.applied)
        if !outcome.plan.environment.isEmpty {
            lines += EnvironmentReach(plan: outcome.plan, next: next).lines
        }
        let recheck = outcome.recheck
        if !recheck.blockers.isEmpty {
            lines.append("A person must still:")
            lines += recheck.blockers.map { "  • \(TerminalEscape.visible($0.description))" }
        }
        let envText = outcome.correctedEnvironment.variables.filter { $0.key.hasPrefix("LD_") }
            .map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
        let verdict = recheck.status == .healthy
            ? "the loader will start \(recheck.program.path.string)"
            : "still failing: \(recheck.findings.filter(\.isProblem).map(\.id.rawValue).joined(separator: ", "))"
        lines.append("re-check (with \(envText.isEmpty ? "no LD_ variables" : envText)): \(verdict)")
        return lines.joined(separator: "\n")
    }
}

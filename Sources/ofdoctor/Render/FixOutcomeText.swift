import Apply
import Doctor
import Quoting
import Support
import TextLayout

/// `fix --apply` as text: each change made, ldconfig's run, where the environment fix
/// reaches, what a person must still do, and the re-check's verdict.
struct FixOutcomeText {
    let outcome: FixOutcome
    let next: Invocation
    /// What the plan could not do as it would elsewhere (`DoctorReport.notes` of the check
    /// that made it): said after the changes.
    var notes: [String] = []

    /// A line per change and one for ldconfig.
    static func steps(_ applied: ApplyReport) -> TextPage {
        var page = TextPage.standardOutput()
        for step in applied.steps {
            page.paragraph(TerminalEscape.visible(step.change.summary), first: step.outcome == .alreadyPresent ? "unchanged  " : "done       ",
                           indent: String.blanks(11))
        }
        if let ldconfig = applied.ldconfig {
            page.paragraph("\(TerminalEscape.command(ldconfig.command)) (exit \(ldconfig.status))", first: "ldconfig   ",
                           indent: String.blanks(11))
            // (ldconfig writes where the plan never looked: each link it removed or made, which undo reverts)
            if let lines = applied.ldconfigEffect?.linkLines {
                for line in lines.removed {
                    page.paragraph("ldconfig removed \(TerminalEscape.visible(line)) (its target is gone; undo puts it back)",
                                   first: "           ", indent: String.blanks(11))
                }
                if !lines.made.isEmpty {
                    page.paragraph("ldconfig made or repointed \(lines.made.count) soname link\(lines.made.count == 1 ? "" : "s"): "
                                   + lines.made.map(TerminalEscape.visible).joined(separator: ", "), first: "           ", indent: String.blanks(11))
                }
            }
        }
        return page
    }

    func render() -> String {
        let steps = Self.steps(outcome.applied)
        let plan = outcome.plan, recheck = outcome.recheck
        var after = TextPage.standardOutput()
        FixPlanText.write(notes: notes, to: &after)
        if !plan.environment.isEmpty { EnvironmentReach(plan: plan, next: next).write(to: &after) }
        if !recheck.blockers.isEmpty {
            after.paragraph("A person must still:")
            for blocker in recheck.blockers { after.paragraph(TerminalEscape.visible(blocker.description), first: "  • ", indent: "    ") }
        }
        let envText = outcome.correctedEnvironment.loaderVariables
            .map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
        let verdict = recheck.status == .healthy
            ? "the loader will \(VerdictWords(recheck).infinitive) \(recheck.program.path.string)"
            : "still failing: \(recheck.findings.filter(\.isProblem).map(\.id.rawValue).joined(separator: ", "))"
        after.paragraph(TerminalEscape.visible("re-check (with \(envText.isEmpty ? "no LD_ variables" : envText)): \(verdict)"),
                        indent: "  ")
        return (steps.lines.isEmpty ? "" : steps.text + "\n") + after.text
    }
}

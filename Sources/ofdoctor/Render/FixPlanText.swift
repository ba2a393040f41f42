import Doctor
import Quoting
import Support
import TextLayout

/// `fix` as text: the proven plan for a person, with every text from the root made safe for
/// a terminal, and each step naming every finding it clears.
struct FixPlanText {
    let report: DoctorReport
    let next: Invocation
    /// `fix --apply` already wrote the environment fix to the root's profile script.
    let environmentOnlyLeft: Bool

    func render() -> String {
        var page = TextPage.standardOutput()
        let program = TerminalEscape.visible(report.program.path.string)
        switch report.status {
        case .healthy:
            page.paragraph("\(program): nothing to fix; \(VerdictWords(report).healthy).")
            return page.text
        case .fixable where environmentOnlyLeft:
            page.paragraph("\(program): the root is fixed (fix --apply ran); only the environment is left:")
        case .fixable:
            page.paragraph("Plan for \(program) (proven on a virtual copy of the root):")
        case .unfixable where report.plan == nil:
            page.paragraph("\(program): no automatic fix.")
        case .unfixable:
            page.paragraph("Plan for \(program), for all but what needs a person (proven on a virtual copy of the root: only the person's findings are left):")
        }
        let labels = FindingLabels(report.findings)
        let actions = report.plan?.actions ?? []
        let numberWidth = "\(actions.count).".count
        for (n, planned) in actions.enumerated() {
            let number = "\(n + 1).".padding(to: numberWidth + 1)
            let cleared = labels.labels(clearedBy: planned, in: report.findings)
            // What it fixes as a shell comment, so the step pastes as it is.
            page.command(next.actionWords(planned.action) + ["  # fixes \(cleared.joined(separator: ", "))"],
                         first: "  " + number, indent: String.blanks(2 + number.count + 2))
        }
        Self.write(notes: report.notes, to: &page)
        if !report.blockers.isEmpty {
            page.paragraph("A person must:")
            for blocker in report.blockers { page.paragraph(TerminalEscape.visible(blocker.description), first: "  • ", indent: "    ") }
        }
        if let plan = report.plan {
            if !plan.environment.isEmpty { EnvironmentReach(plan: plan, next: next).write(to: &page) }
            if next.isImage {
                if let fixedImage = next.fixedImage {
                    page.paragraph("Repair the image (a new image; this one stays as it is):")
                    page.command(next.words("fix", "--output", fixedImage), first: "  ")
                }
                page.paragraph("Bake it into the image: these lines go into its Dockerfile:")
                page.command(next.words("fix", "--format", "dockerfile"), first: "  ")
            } else {
                page.command(next.words("fix", "--apply"), first: "Apply it:  ")
                // (undo reverts every plan applied in the root since the last undo, this one too)
                page.command(next.words("undo"), first: "Undo all:  ")
            }
        }
        return page.text
    }

    /// The report's notes (what the plan could not do as usual), a paragraph each.
    static func write(notes: [String], to page: inout TextPage) {
        for note in notes { page.paragraph("Note: " + TerminalEscape.visible(note) + ".", first: "", indent: "  ") }
    }
}

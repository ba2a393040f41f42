import Doctor
import Quoting

/// `fix` as text: the proven plan for a person, with every text from the root made safe
/// for a terminal.
struct FixPlanText {
    let report: DoctorReport
    let next: Invocation
    /// `fix --apply` already wrote the environment fix to the root's profile script.
    let environmentOnlyLeft: Bool

    func render() -> String {
        let program = TerminalEscape.visible(report.program.path.string)
        var lines: [String] = []
        switch report.status {
        case .healthy:
            return "\(program): nothing to fix; the loader will start it."
        case .fixable where environmentOnlyLeft:
            lines.append("\(program): the root is fixed (fix --apply ran); only the environment is left:")
        case .fixable:
            lines.append("Plan for \(program) (proven on a virtual copy of the root):")
        case .unfixable where report.plan == nil:
            lines.append("\(program): no automatic fix.")
        case .unfixable:
            lines.append("Plan for \(program), for all but what needs a person (proven on a virtual copy of the root: only the person's findings are left):")
        }
        for (n, planned) in (report.plan?.actions ?? []).enumerated() {
            lines.append("  \(n + 1). \(TerminalEscape.visible(PlanText.describe(planned.action)))   [fixes \(planned.fixes.map(\.rawValue).joined(separator: ", "))]")
        }
        if !report.blockers.isEmpty {
            lines.append("A person must:")
            lines += report.blockers.map { "  • \(TerminalEscape.visible($0.description))" }
        }
        if let plan = report.plan {
            if !plan.environment.isEmpty { lines += EnvironmentReach(plan: plan, next: next).lines }
            if next.isImage {
                lines.append(TerminalEscape.visible("Bake it into the image: `\(next.command("fix", "--format", "dockerfile"))` prints the lines for its Dockerfile."))
            } else {
                lines.append(TerminalEscape.visible("Apply it with `\(next.command("fix", "--apply"))`; undo with `\(next.command("undo"))`."))
            }
        }
        return lines.joined(separator: "\n")
    }
}

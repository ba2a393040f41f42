import Doctor
import LoaderModel
import Quoting


/// `check` as text, like `brew doctor`: a verdict line, then each finding with its id,
/// what the loader will say, why, and the fix. Every text from the root or the caller
/// shows its control bytes escaped (`TerminalEscape`): a file name can hold ESC.
struct TextReport {
    let report: DoctorReport
    let root: String
    let system: TargetSystem
    let style: Style
    let next: Invocation
    /// `fix --apply` already wrote the environment fix to the root's profile script.
    var environmentOnlyLeft = false

    func render() -> String {
        var lines: [String] = []
        let errors = report.findings.filter(\.isProblem)
        let program = TerminalEscape.visible(report.program.path.string)
        // Model files and companions opened at run time do not stop the loader: say so.
        let later: Set<Rule> = [.modelFileMissing, .modelFileCorrupt, .runtimeCompanionMissing]
        let verb = errors.allSatisfy { later.contains($0.rule) } ? "starts but will fail" : "will not start"
        switch report.status {
        case .healthy:
            lines.append(style.green("✓ ") + style.bold("\(program): the loader will start it") +
                         (report.findings.isEmpty ? "" : " (\(report.findings.count) note\(report.findings.count == 1 ? "" : "s"))"))
        case .fixable where environmentOnlyLeft:
            lines.append(style.red("✗ ") + style.bold("\(program) \(verb) with this environment: the root is fixed, the environment is not"))
            lines += EnvironmentReach(plan: report.plan ?? FixPlan(), next: next).lines
        case .fixable:
            lines.append(style.red("✗ ") + style.bold("\(program) \(verb): \(count(errors.count, "problem")), all fixable") +
                         " — " + next.fixSteps)
        case .unfixable:
            let fixable = errors.filter(\.fixable).count
            lines.append(style.red("✗ ") + style.bold("\(program) \(verb): \(count(errors.count, "problem")), \(errors.count - fixable) need\(errors.count - fixable == 1 ? "s" : "") a person") +
                         (report.plan == nil ? "" : " — the plan fixes the other \(fixable): " + next.fixSteps))
        }
        lines.append(style.dim("  root \(v(root)) · \(environmentText(report.environment)) · \(v(system.glibcSource)) · \(report.diagnosis.graph.objects.count) objects"))
        for note in system.notes { lines.append(style.dim("  note: \(v(note))")) }
        for finding in report.findings {
            lines.append("")
            let mark: String
            switch finding.severity {
            case .error: mark = style.red("✗")
            case .warning: mark = style.yellow("!")
            case .info: mark = style.blue("i")
            }
            lines.append("\(mark) \(style.bold(v(finding.id.rawValue)))  \(v(finding.summary))")
            if let message = finding.loaderMessage { lines.append("    loader: \(style.dim(v(message)))") }
            lines.append("    why:    \(v(finding.explanation))")
            let fixes = (report.plan?.actions ?? []).filter { $0.fixes.contains(finding.id) }
            if !fixes.isEmpty {
                lines.append("    fix:    " + fixes.map { v(PlanText.describe($0.action)) }.joined(separator: "; "))
            } else if let remedy = finding.remedy {
                lines.append("    fix:    \(v(remedy))")
            }
            for candidate in finding.candidates {
                lines.append("    candidate: \(v(candidate.path)) (\(candidate.kind.rawValue))\(candidate.note.map { ": \(v($0))" } ?? "")")
            }
        }
        if !report.blockers.isEmpty {
            lines.append("")
            lines.append(style.bold("A person must:"))
            for blocker in report.blockers { lines.append("  • \(v(blocker.description))") }
        }
        return lines.joined(separator: "\n")
    }

    /// Text from the root or the caller, made safe for a terminal.
    func v(_ text: String) -> String { TerminalEscape.visible(text) }

    func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    func environmentText(_ environment: LoaderEnvironment) -> String {
        let vars = environment.variables.filter { $0.key.hasPrefix("LD_") }.sorted { $0.key < $1.key }
        return vars.isEmpty ? "no LD_ variables" : vars.map { v("\($0.key)=\($0.value)") }.joined(separator: " ")
    }
}

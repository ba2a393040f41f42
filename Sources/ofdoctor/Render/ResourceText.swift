import Preflight
import Quoting

/// `resources` as text: a verdict line, then each finding with why and the fix. Names and
/// claims come from the user's files: shown, never obeyed.
struct ResourceText {
    let report: ResourceReport
    let style: Style

    func render() -> String {
        let problems = report.findings.filter { $0.severity != .info }
        var lines = [problems.isEmpty
            ? style.green("✓ ") + style.bold("\(report.directory): ready for docker build")
            : style.red("✗ ") + style.bold("\(report.directory): \(problems.count) problem\(problems.count == 1 ? "" : "s") to fix before docker build")]
        let v = TerminalEscape.visible
        for finding in report.findings {
            let mark = finding.severity == .error ? style.red("✗") : finding.severity == .warning ? style.yellow("!") : style.blue("i")
            lines.append("\n\(mark) \(style.bold(finding.id))  \(v(finding.path)): \(v(finding.summary))")
            lines.append("    why: \(v(finding.explanation))")
            lines.append("    fix: \(v(finding.remedy))")
        }
        return lines.joined(separator: "\n")
    }
}

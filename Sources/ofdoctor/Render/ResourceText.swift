import Preflight
import Quoting

/// `resources` as text: a verdict line, then each finding with why and the fix, wrapped to
/// the output's width. Names and claims come from the user's files: shown, never obeyed.
struct ResourceText {
    let report: ResourceReport

    func render() -> String {
        var page = TextPage.standardOutput()
        let style = page.style
        let problems = report.findings.filter { $0.severity != .info }
        let directory = TerminalEscape.visible(report.directory)
        if problems.isEmpty {
            page.paragraph(style.bold("\(directory): ready for docker build"), first: style.green("✓ "), indent: "  ")
        } else {
            page.paragraph(style.bold("\(directory): \(problems.count) problem\(problems.count == 1 ? "" : "s") to fix before docker build"),
                           first: style.red("✗ "), indent: "  ")
        }
        let v = TerminalEscape.visible
        for finding in report.findings {
            let mark = finding.severity == .error ? style.red("✗") : finding.severity == .warning ? style.yellow("!") : style.blue("i")
            page.blank()
            page.paragraph("\(v(finding.path)): \(v(finding.summary))", first: "\(mark) \(style.bold(finding.id.rawValue))  ",
                           indent: TextPage.margin)
            page.labelled("why:", v(finding.explanation))
            page.labelled("fix:", v(finding.remedy))
        }
        return page.text
    }
}

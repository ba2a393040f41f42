#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Archive
import ArgumentParser
import Quoting
import Preflight

struct Resources: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resources",
        abstract: "Preflight docker_resources/ before the 1–3 hour image build: every item present and what it claims to be.",
        discussion: """
        Checks the seed's checklist: the pytorch docker-save archive, the DeepSpeech zip, the \
        pretrained weights (hashes in their names verified) and the OpenFace source tree. Large \
        files are read streaming, with a progress bar on a terminal.

        Examples:
          ofdoctor resources                       # ./docker_resources
          ofdoctor resources /data/docker_resources --format json
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: ArgumentHelp("The folder to check.", valueName: "DIR"), completion: .directory) var directory: String = "docker_resources"
    @Option(help: "text or json.") var format: Format = .text

    struct Document: Encodable {
        var schema = 1
        var directory: String
        var status: String
        var findings: [Item]
        struct Item: Encodable {
            var id: String, severity: String, path: String, summary: String, explanation: String, remedy: String
        }
    }

    func run() throws {
        try reportingFailures {
            let check: ResourceCheck
            do throws(ResourceReadError) { check = try ResourceCheck(path: directory) } catch {
                throw CommandFailure.analysis(error.description)
            }
            let bar = ProgressBar(enabled: isatty(STDERR_FILENO) == 1 && format == .text)
            let report: ResourceReport
            do throws(ResourceReadError) {
                report = try check.run { done, total in bar.show(done, total) }
            } catch {
                bar.finish()
                throw CommandFailure.analysis(error.description)
            }
            bar.finish()
            switch format {
            case .json:
                let items = report.findings.map {
                    Document.Item(id: $0.id, severity: $0.severity.rawValue, path: $0.path, summary: $0.summary,
                                  explanation: $0.explanation, remedy: $0.remedy)
                }
                print(try JSONReport.encode(Document(directory: report.directory, status: report.exitCode == 0 ? "ready" : "problems", findings: items)))
            case .text:
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
                for finding in report.findings {
                    let mark = finding.severity == .error ? style.red("✗") : finding.severity == .warning ? style.yellow("!") : style.blue("i")
                    // Names and claims come from the user's files: shown, never obeyed.
                    let v = TerminalEscape.visible
                    page.blank()
                    page.paragraph("\(v(finding.path)): \(v(finding.summary))", first: "\(mark) \(style.bold(finding.id))  ",
                                   indent: TextPage.margin)
                    page.labelled("why:", v(finding.explanation))
                    page.labelled("fix:", v(finding.remedy))
                }
                print(page.text)
            }
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }
    }
}

/// A one-line progress bar on stderr, redrawn at most every 1% (terminal only).
final class ProgressBar: @unchecked Sendable {
    let enabled: Bool
    private var lastPercent = -1

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ done: UInt64, _ total: UInt64) {
        guard enabled, total > 0 else { return }
        let percent = Int(min(100, done * 100 / total))
        guard percent != lastPercent else { return }
        lastPercent = percent
        let width = 30
        let filled = percent * width / 100
        let line = "\r[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] \(percent)% of \(total / 1_048_576) MiB"
        writeStandardError(line)
    }

    func finish() {
        if enabled && lastPercent >= 0 { writeStandardError("\r\u{1B}[K") }
    }
}

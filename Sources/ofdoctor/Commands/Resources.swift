#if canImport(Glibc)
import Doctor
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Archive
import ArgumentParser
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
            var id: FindingID, severity: String, path: String, summary: String, explanation: String, remedy: String
        }
    }

    func run() throws {
        try reportingFailures {
            let bar = ProgressBar(enabled: isatty(STDERR_FILENO) == 1 && format == .text)
            let report: ResourceReport
            do throws(ResourceReadError) {
                report = try ResourceCheck(path: directory).run { done, total in bar.show(done, total) }
            } catch {
                bar.finish()
                throw CommandFailure.analysis(error.description)
            }
            bar.finish()   // before the report, on the same terminal
            switch format {
            case .json:
                let items = report.findings.map {
                    Document.Item(id: $0.id, severity: $0.severity.rawValue, path: $0.path, summary: $0.summary,
                                  explanation: $0.explanation, remedy: $0.remedy)
                }
                print(try JSONReport.encode(Document(directory: report.directory, status: report.exitCode == 0 ? "ready" : "problems", findings: items)))
            case .text:
                print(ResourceText(report: report).render())
            }
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }
    }
}

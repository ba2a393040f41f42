import ArgumentParser
import Doctor

struct Tree: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tree",
        abstract: "Show the resolution tree: each library with the rule and directory that found it.",
        discussion: """
        Every node a finding is about carries its id (✗ error, ! warning), and the findings \
        follow the tree: the same ones, and the same exit code, as `ofdoctor check`.

        Examples:
          ofdoctor tree /usr/bin/gdb
          ofdoctor tree --root /srv/image --env LD_LIBRARY_PATH=/opt/conda/lib
          ofdoctor tree --format json | jq '.objects[].path'
          ofdoctor tree --format dot | dot -Tsvg > tree.svg
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, dot }

    @OptionGroup var target: TargetOptions
    @Option(help: "text, json or dot (Graphviz).") var format: Format = .text
    @Flag(name: .shortAndLong, help: "Repeat libraries already shown (once more each, without their subtrees) and list every place tried for a library not found (a file skipped on the way to one found is its finding).") var all = false

    func run() throws { try Self.run(target, format: format, all: all) }

    static func run(_ target: some TargetDescription, format: Format, all: Bool) throws {
        try reportingFailures {
            let session = try DoctorSession(target)
            let report = try session.check()
            let graph = report.diagnosis.graph
            switch format {
            case .text:
                let out = OutputBuffer()
                TreeText(graph: graph, style: .forStandardOutput(), showAll: all, findings: report.findings,
                         wrapper: .init(width: OutputWidth.standardOutput())).write { out.line($0) }
                out.flush()
            case .json:
                print(try JSONReport.encode(JSONReport.TreeDocument(report, root: target.rootLabel, system: session.system)))
            case .dot:
                print(TreeDot(graph: graph, findings: report.findings).render())
            }
            throw ExitStatus.code(for: report)
        }
    }
}

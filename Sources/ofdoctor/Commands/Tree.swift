import ArgumentParser
import Doctor

struct Tree: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tree",
        abstract: "Show the resolution tree: each library with the rule and directory that found it.",
        discussion: """
        Examples:
          ofdoctor tree /usr/bin/gdb
          ofdoctor tree --root /srv/image --env LD_LIBRARY_PATH=/opt/conda/lib FeatureExtraction
          ofdoctor tree --format json | jq '.objects[].path'
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, dot }

    @OptionGroup var target: TargetOptions
    @Option(help: "text, json or dot (Graphviz).") var format: Format = .text
    @Flag(name: .shortAndLong, help: "Repeat libraries already shown and list every place tried.") var all = false

    func run() throws {
        try reportingFailures {
            let session = try DoctorSession(target)
            let graph = try session.resolve()
            switch format {
            case .text:
                let out = OutputBuffer()
                TreeText(graph: graph, style: .forStandardOutput(), showAll: all).write { out.line($0) }
                out.flush()
            case .json:
                print(try JSONReport.encode(JSONReport.TreeDocument(graph: graph, root: target.rootLabel, system: session.system,
                                                                    findings: session.missingLibraries(in: graph))))
            case .dot:
                print(TreeDot(graph: graph).render())
            }
        }
    }
}

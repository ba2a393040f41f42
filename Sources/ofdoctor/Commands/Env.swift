import ArgumentParser
import LinkerDoctor

struct Env: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Print the corrected environment for BINARY, to eval or to bake into an image.",
        discussion: """
        Examples:
          eval "$(ofdoctor env)"
          ofdoctor env --format dockerfile >> Dockerfile.final
          ofdoctor env --format json
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case sh, dotenv, dockerfile, json }

    @OptionGroup var target: TargetOptions
    @Option(help: "sh, dotenv, dockerfile or json.") var format: Format = .sh

    struct Document: Encodable {
        var schema = 1
        var environment: [String: String]
        var unset: [String]
    }

    func run() throws {
        try reportingFailures {
            let session = try DoctorSession(target)
            let report = try session.check()
            // The plan's env actions over the current loader variables; healthy: as it is.
            var set: [String: String] = session.environment.variables.filter { $0.key.hasPrefix("LD_") }
            var unset: [String] = []
            for (name, value) in report.plan?.environment ?? [:] {
                if let value {
                    set[name] = value
                } else {
                    set[name] = nil
                    unset.append(name)
                }
            }
            let names = set.keys.sorted()
            switch format {
            case .sh:
                for name in unset.sorted() { print("unset \(name)") }
                for name in names { print("export \(name)=\(PlanText.quote(set[name] ?? ""))") }
            case .dotenv:
                for name in names { print("\(name)=\(set[name] ?? "")") }
            case .dockerfile:
                for name in unset.sorted() { print("ENV \(name)=") }
                for name in names { print("ENV \(name)=\(PlanText.dockerQuote(set[name] ?? ""))") }
            case .json:
                print(try JSONReport.encode(Document(environment: set, unset: unset.sorted())))
            }
            if report.status == .unfixable { throw ExitCode(2) }
        }
    }
}

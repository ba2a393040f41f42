import Apply
import ArgumentParser
import Doctor

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Diagnose BINARY without running it: every reason the loader would refuse it, and the proven fix.",
        discussion: """
        Examples:
          ofdoctor                        # FeatureExtraction, in the container
          ofdoctor check --verbose /usr/bin/gdb
          ofdoctor check --root /srv/image --env-from inspect.json
          ofdoctor check --format json | jq .status

        Exit codes: 0 healthy, 1 fixable, 2 needs a person, 3 cannot analyse.
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @OptionGroup var target: TargetOptions
    @Option(help: "text or json.") var format: Format = .text
    @Flag(name: .shortAndLong, help: "Show long lists whole (directories searched, symbols, versions); JSON always has them.")
    var verbose = false

    func run() throws { try Self.run(target, format: format, verbose: verbose) }

    static func run(_ target: some TargetDescription, format: Format, verbose: Bool) throws {
        try reportingFailures {
            let session = try DoctorSession(target)
            let report = try session.check()
            switch format {
            case .text:
                print(TextReport(report: report, root: target.rootLabel, system: session.system,
                                 next: Invocation(target, program: session.program),
                                 environmentOnlyLeft: report.isOnlyEnvironmentLeft(profile: ProfileScript.settings(in: session.system.root)))
                      .render(on: .standardOutput(verbose: verbose)))
            case .json:
                print(try JSONReport.encode(JSONReport.CheckDocument(report, root: target.rootLabel, system: session.system)))
            }
            throw ExitStatus.code(for: report)
        }
    }
}

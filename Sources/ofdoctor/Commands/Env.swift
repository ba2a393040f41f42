import ArgumentParser
import Doctor
import Quoting
import Support

struct Env: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Print the corrected environment for BINARY, to eval or to bake into an image.",
        discussion: """
        --format dotenv writes NAME=value lines for `docker run --env-file` and python-dotenv, \
        which read them back byte for byte (a value they would read otherwise is refused); \
        docker compose's env_file expands $NAME in a value, so give compose the dockerfile or \
        sh lines instead when a value holds a `$`.

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
            let variables = (report.plan ?? FixPlan()).loaderVariables(from: session.environment)
            // The whole text first: a value the format cannot carry prints nothing at all.
            print(try text(set: variables.set, unset: variables.unset))
            // Nothing to change here while the program still fails: said where eval does not read it.
            if report.status != .healthy, report.plan?.environment.isEmpty ?? true {
                let next = Invocation(target, program: session.program)
                writeStandardError("ofdoctor: no environment change fixes \(TerminalEscape.visible(session.program.path.string)); "
                                   + (report.status == .fixable ? "its plan changes the root: \(next.command("fix"))" : "see \(next.command("check"))") + "\n")
            }
            if report.status == .unfixable { throw ExitStatus.needsPerson }
        }
    }

    /// The environment in the chosen format, each value through that format's quoting.
    func text(set: [String: String], unset: [String]) throws -> String {
        let names = set.keys.sorted()
        var lines: [String] = []
        do {
            switch format {
            case .sh:
                for name in unset { lines.append(try ShellQuote.exportLine(name: name, value: nil)) }
                for name in names { lines.append(try ShellQuote.exportLine(name: name, value: set[name] ?? "")) }
            case .dotenv:
                // Neither dotenv nor a Dockerfile can unset: both set the variable empty,
                // which the loader takes as unset (an empty LD_LIBRARY_PATH searches
                // nothing, an empty LD_PRELOAD names nothing: rtld.c).
                for name in unset { lines.append(try DotenvQuote.line(name: name, value: "")) }
                for name in names { lines.append(try DotenvQuote.line(name: name, value: set[name] ?? "")) }
            case .dockerfile:
                for name in unset { lines.append(try DockerfileQuote.env(name: name, value: "")) }
                for name in names { lines.append(try DockerfileQuote.env(name: name, value: set[name] ?? "")) }
            case .json:
                return try JSONReport.encode(Document(environment: set, unset: unset))
            }
        } catch let error as QuoteError {
            throw CommandFailure.analysis(error.description)
        }
        return lines.joined(separator: "\n")
    }
}

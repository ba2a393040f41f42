#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Quoting
import Doctor
import Support

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Run BINARY (-h, or a real workload after --) with the corrected environment and classify what it prints.",
        discussion: """
        Runs the program inside the root (chroot in a private mount namespace with /proc, as a \
        container would; root only for --root), with the environment `ofdoctor env` gives and a \
        timeout, then sorts the output into loader failures, run-time library failures (dlopen, \
        MKL) and, for FeatureExtraction, "started" or "started; models missing". \
        FeatureExtraction has no help option: -h loads its models and exits.

        Exit 0: it started and exited 0; 1 or 2, as for check: the run failed for a library \
        (the plan fixes it, or a person must act); 5: the loader started it and the program \
        failed by itself (a non-zero exit, a signal, or --timeout), which no fix of ofdoctor's changes.

        Examples:
          ofdoctor verify
          ofdoctor verify --root /srv/image -- -f /data/face.jpg -out_dir /tmp/out
        """)

    @OptionGroup var target: TargetOptions
    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds before the program is stopped (at least 1).", valueName: "SECONDS"))
    var timeout: Int = 60
    @Argument(parsing: .postTerminator, help: ArgumentHelp("Arguments for the program (default -h).", valueName: "ARGS"))
    var arguments: [String] = []

    func validate() throws {
        // `timeout 0` would wait forever, and a negative limit means nothing.
        guard timeout >= 1 else { throw ValidationError("--timeout takes whole seconds, at least 1, not \(timeout)") }
    }

    func run() throws {
        try reportingFailures {
            let session = try DoctorSession(target)
            let report = try session.check()
            let environment = (report.correctedEnvironment ?? session.environment).variables
            let args = arguments.isEmpty ? ["-h"] : arguments
            let result = try execute(session.program, arguments: args, environment: environment)
            let outcome = RunClassification.classify(program: session.program, status: result.status,
                                                     stdout: result.stdout, stderr: result.stderr, timeout: timeout)
            let next = Invocation(target, program: session.program)
            // The program's name, arguments and output come from the root: shown, never obeyed.
            let shown = TerminalEscape.visible("\(session.program.argv0) \(args.joined(separator: " "))")
            print("\(shown) → exit \(result.status): \(TerminalEscape.visible(outcome.summary))")
            for line in outcome.details { print("  \(TerminalEscape.visible(line))") }
            if let advice = Self.advice(outcome, report: report, next: next) { print(advice) }
            throw ExitStatus.code(for: outcome, report: report)
        }
    }

    /// What to do next, by whose failure it was.
    static func advice(_ outcome: RunClassification, report: DoctorReport, next: Invocation) -> String? {
        switch outcome.kind {
        case .started:
            return nil
        case .programFailed:
            return "The loader started it and its libraries were found: this failure is the program's own "
                + "(its arguments, input or data), not something ofdoctor can fix."
        case .loaderRefused, .runtimeLibraryMissing, .modelsMissing:
            switch report.status {
            case .fixable: return "The plan fixes it: \(next.fixStepsSentence)."
            case .unfixable: return TerminalEscape.visible("`\(next.command("check"))` says what a person must do.")
            case .healthy:
                return TerminalEscape.visible("`\(next.command("check"))` predicted that it starts: ofdoctor's model of the loader "
                    + "missed this; please report it with the lines above.")
            }
        }
    }

    struct RunResult {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The program in its root with exactly `environment`: chroot'ed in a private mount
    /// namespace for another root; host tools run with a clean environment so the target's
    /// LD_ variables reach only the target.
    func execute(_ program: ProgramLocation, arguments: [String], environment: [String: String]) throws -> RunResult {
        var command: [String]
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        if target.isHostRoot {
            command = ["/usr/bin/timeout", "--kill-after=5", String(timeout), "/usr/bin/env", "-i"] + assignments + [program.path.string] + arguments
        } else {
            guard getuid() == 0 else { throw CommandFailure.analysis("verify --root needs root (chroot in a private mount namespace)") }
            let script = "mount -t proc proc \"$0/proc\" 2>/dev/null; exec chroot \"$0\" /usr/bin/env -i \"$@\""
            command = ["/usr/bin/timeout", "--kill-after=5", String(timeout), "/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script,
                       target.root] + assignments + [program.path.string] + arguments
        }
        let output: SubprocessOutput
        do throws(SubprocessError) {
            output = try Subprocess.run(command[0], arguments: Array(command.dropFirst()),
                                        environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        } catch {
            throw CommandFailure.analysis(error.description)
        }
        return RunResult(status: output.status, stdout: String(decoding: output.stdout, as: UTF8.self),
                         stderr: String(decoding: output.stderr, as: UTF8.self))
    }
}

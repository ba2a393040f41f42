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

        Examples:
          ofdoctor verify
          ofdoctor verify --root /srv/image -- -f /data/face.jpg -out_dir /tmp/out
        """)

    @OptionGroup var target: TargetOptions
    @Option(help: "Seconds before the program is killed.") var timeout: Int = 60
    @Argument(parsing: .postTerminator, help: "Arguments for the program (default -h).") var arguments: [String] = []

    func run() throws {
        try reportingFailures {
            let session = try DoctorSession(target)
            let report = try session.check()
            let environment = (report.correctedEnvironment ?? session.environment).variables
            let args = arguments.isEmpty ? ["-h"] : arguments
            let result = try execute(session.program, arguments: args, environment: environment)
            let outcome = RunClassification.classify(program: session.program, status: result.status,
                                                     stdout: result.stdout, stderr: result.stderr)
            // The program's name, arguments and output come from the root: shown, never obeyed.
            let shown = TerminalEscape.visible("\(session.program.argv0) \(args.joined(separator: " "))")
            print("\(shown) → exit \(result.status): \(TerminalEscape.visible(outcome.summary))")
            for line in outcome.details { print("  \(TerminalEscape.visible(line))") }
            if !outcome.ok {
                print(report.status == .fixable ? "`ofdoctor fix --apply` has a plan for this." : "See `ofdoctor check` for what a person must do.")
            }
            throw outcome.ok ? ExitCode.success : ExitCode(report.status == .unfixable ? 2 : 1)
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
            command = ["/usr/bin/timeout", String(timeout), "/usr/bin/env", "-i"] + assignments + [program.path.string] + arguments
        } else {
            guard getuid() == 0 else { throw CommandFailure.analysis("verify --root needs root (chroot in a private mount namespace)") }
            let script = "mount -t proc proc \"$0/proc\" 2>/dev/null; exec chroot \"$0\" /usr/bin/env -i \"$@\""
            command = ["/usr/bin/timeout", String(timeout), "/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script,
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

/// What a run's output means, in the doctor's terms.
struct RunClassification {
    var ok: Bool
    var summary: String
    var details: [String]

    static func classify(program: ProgramLocation, status: Int32, stdout: String, stderr: String) -> RunClassification {
        let lines = (stderr + "\n" + stdout).split(whereSeparator: \.isNewline).map(String.init)
        if status == 124 { return RunClassification(ok: false, summary: "timed out", details: []) }
        if let line = lines.first(where: { $0.contains("error while loading shared libraries") || $0.contains("symbol lookup error")
            || ($0.contains("version `") && $0.contains("not found (required by")) || $0.contains("Inconsistency detected by ld.so") }) {
            return RunClassification(ok: false, summary: "the loader refused it", details: [line])
        }
        let runtime = lines.filter { $0.contains("INTEL MKL ERROR") || $0.contains("Intel MKL FATAL ERROR") || $0.contains("cannot open shared object file") }
        if !runtime.isEmpty {
            return RunClassification(ok: false, summary: "started, then a library it opens at run time was not found (dlopen)", details: runtime)
        }
        if program.path.lastComponent == "FeatureExtraction" {
            switch OpenFaceOutputClassifier.classify(stdout: stdout, stderr: stderr, status: status) {
            case .started(let notes):
                return RunClassification(ok: true, summary: "started", details: notes)
            case .modelsMissing(let components, _):
                return RunClassification(ok: false, summary: "started; models missing: \(components.map(\.rawValue).joined(separator: ", "))",
                                         details: ["the loader is fine; see the OF1xx findings of `ofdoctor check` for the model files"])
            case .crashed(let reason, _):
                return RunClassification(ok: false, summary: "started, then crashed", details: [reason])
            case .loaderFailed(let message):
                return RunClassification(ok: false, summary: "the loader refused it", details: [message])
            }
        }
        return RunClassification(ok: status == 0, summary: status == 0 ? "started and exited normally" : "started; the program itself exited with \(status)",
                                 details: Array(lines.suffix(3)))
    }
}

import ArgumentParser
import Doctor
import Quoting
import RootFS
import Support

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Run BINARY (-h, or a real workload after --) with the corrected environment and classify what it prints.",
        discussion: """
        Starts the program itself inside the root (chroot, with process, network and mount namespaces of its own, as a \
        container would; root only for --root; no tool of the root is needed), as --user or the image's User when one is named \
        (a set-ID program then runs in secure-execution mode, as check judged it), \
        with exactly the environment `ofdoctor env` gives and a timeout, then sorts what happened into the kernel's refusal \
        (no interpreter, no execute permission), loader failures, run-time library failures (dlopen, \
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
        // An image is read, never unpacked: there is no root to start the program in, and a
        // run on this machine's own files would say nothing about the image.
        if target.image != nil {
            throw ValidationError("verify runs the program inside a root, and --image is not unpacked: run it in a container of the image, or unpack the image and give --root DIR")
        }
    }

    func run() throws {
        try reportingFailures {
            let session = try DoctorSession(target)
            let run = try session.verify(arguments: arguments.isEmpty ? ["-h"] : arguments, timeout: timeout)
            let (report, outcome, args) = (run.report, run.classification, run.arguments)
            let next = Invocation(target, program: session.program)
            // The program's name, arguments and output come from the root: shown, never obeyed.
            // (each word as a shell would take it back: `-c 'print(1)'`, not `-c print(1)`)
            let shown = ([session.program.argv0] + args).map { TerminalEscape.command(ShellQuote.display($0)) }.joined(separator: " ")
            print("\(shown) → exit \(run.status): \(TerminalEscape.visible(outcome.summary))")
            for line in outcome.details { print("  \(TerminalEscape.visible(line))") }
            // The run had the plan's environment, not the one given: said, since check of the
            // same input fails where this run starts.
            if let corrected = report.correctedEnvironment?.variables, corrected != session.environment.variables {
                let names = Set(corrected.keys).union(session.environment.variables.keys).filter { corrected[$0] != session.environment.variables[$0] }.sorted()
                let changes = names.map { name in corrected[name].map { "\(name)=\($0)" } ?? "\(name) unset" }.joined(separator: ", ")
                print(TerminalEscape.visible("  (run with the plan's environment, as `ofdoctor env` gives it: \(changes))"))
            }
            // A container runtime makes /proc and mounts procfs there; verify writes nothing in
            // the root, so without that directory the loader runs without it.
            let usesOrigin = report.diagnosis.graph.objects.contains { object in
                [object.elf.dynamic?.runpath, object.elf.dynamic?.rpath].contains { $0?.containsBytes("ORIGIN") == true }
                    || (object.elf.dynamic?.needed ?? []).contains { $0.containsBytes("ORIGIN") }
            } || report.diagnosis.graph.missing.contains { $0.name.containsBytes("ORIGIN") }
            let withoutProc = !target.isHostRoot && usesOrigin && !session.system.root.isDirectory(RootPath("/proc"))
            if withoutProc {
                print(TerminalEscape.visible("The root has no /proc directory: a container runtime makes one and mounts procfs there, "
                    + "verify does not write in the root, so this run had none — and without it the loader cannot read /proc/self/exe "
                    + "to expand the program's $ORIGIN. To run it as a container would: ") + TerminalEscape.command("mkdir " + ShellQuote.display(target.absoluteRoot.droppingTrailingSlashes + "/proc"))
                    + ", then verify again.")
            }
            if let advice = Self.advice(outcome, report: report, next: next, withoutProc: withoutProc) { print(advice) }
            // The image's User is unknown to it: the container runtime starts nothing, so this
            // run (as root) shows the program, not the container, and a person must act.
            if let unknown = report.findings.first(where: { $0.rule == .containerUserUnknown }) {
                print(TerminalEscape.visible("This run was as root: as the image's User no container of it starts (LD031, \(unknown.loaderMessage ?? unknown.summary))."))
                throw ExitStatus.needsPerson
            }
            throw ExitStatus.code(for: outcome, report: report)
        }
    }

    /// What to do next, by whose failure it was.
    static func advice(_ outcome: RunClassification, report: DoctorReport, next: Invocation, withoutProc: Bool = false) -> String? {
        switch outcome.kind {
        case .started:
            return nil
        case .programFailed:
            return "The loader started it and its libraries were found: this failure is the program's own "
                + "(its arguments, input or data), not something ofdoctor can fix."
        case .loaderRefused, .runtimeLibraryMissing, .modelsMissing:
            switch report.status {
            case .fixable: return "The plan fixes it: \(next.fixStepsSentence)."
            case .unfixable: return "`\(next.command("check"))` says what a person must do."
            case .healthy:
                // An auditor ofdoctor does not run may have done it (LD030).
                if let audit = report.findings.first(where: { $0.rule == .auditInterface && $0.severity == .warning }) {
                    return "`\(next.command("check"))` predicted that it starts, judging it as if the audit interface "
                        + TerminalEscape.visible(audit.library ?? "") + " changed nothing (LD030): the auditor may have changed what loads. Run it without the auditor to compare."
                }
                if withoutProc {
                    return "`\(next.command("check"))` predicted that it starts in a container, which has /proc: run it with /proc (above) before taking this for a miss of ofdoctor's model."
                }
                return "`\(next.command("check"))` predicted that it starts: ofdoctor's model of the loader "
                    + "missed this; please report it with the lines above."
            }
        }
    }
}

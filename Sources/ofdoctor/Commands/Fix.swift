#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Apply
import ArgumentParser
import Doctor
import LoaderModel
import Quoting
import RootFS
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ELFInspect

struct Fix: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fix",
        abstract: "Print the proven fix plan (dry run), apply it with --apply and check again, or write a repaired image with --image --output.",
        discussion: """
        Every plan is first applied to a virtual copy of the root and checked; a plan that would \
        not make the loader start the program is never offered. --apply never overwrites what it \
        did not create, journals each step in /var/lib/ofdoctor/journal, runs ldconfig \
        (ldconfig -r ROOT for another root) and writes the environment to /etc/profile.d/ofdoctor.sh.

        --image IN --output OUT writes a new image in IN's format: IN's layers unchanged, one \
        more layer with the plan's links and files and the ld.so.cache the image's loader will \
        read, and the plan's environment in the config's Env (docker run and docker exec use it). \
        OUT is checked as written before it is renamed into place; IN is never changed. Exit \
        status describes IN: 1 when OUT fixes everything, 2 when a person is still needed.

        Examples:
          ofdoctor fix                          # the plan, as text
          ofdoctor fix --format sh > fix.sh     # an idempotent script
          ofdoctor fix --format dockerfile      # RUN/ENV lines for Dockerfile.final
          ofdoctor fix --apply && . /etc/profile.d/ofdoctor.sh
          ofdoctor fix --image broken.tar --output fixed.tar && docker load -i fixed.tar
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, sh, json, dockerfile }

    @OptionGroup var target: TargetOptions
    @Option(help: "text, sh, json or dockerfile (the default with --image, which is read-only).") var format: Format?
    @Flag(help: "Apply the plan to the root, then check again.") var apply = false
    @Option(help: ArgumentHelp("With --image: write the repaired image to FILE, in the input's format.", valueName: "FILE"))
    var output: String?

    func validate() throws {
        guard output != nil else { return }
        if target.image == nil { throw ValidationError("--output needs --image: it writes a repaired copy of that image") }
        if apply { throw ValidationError("give --apply (for a root) or --output (for an image), not both") }
        if format != nil { throw ValidationError("--output reports what it wrote as text; leave out --format") }
    }

    func run() throws {
        try reportingFailures {
            let session = try DoctorSession(target)
            let report = try session.check()
            if apply {
                try applyPlan(report, session: session)
                return
            }
            if let output {
                try writeImage(report, session: session, output: output)
                return
            }
            let plan = report.plan ?? FixPlan()
            // The whole text first: a value the format cannot carry prints nothing at all.
            let text: String
            do {
                switch format ?? (target.image != nil ? .dockerfile : .text) {
                case .text: text = planText(report, session: session, next: Invocation(target, program: session.program))
                case .sh:
                    text = try PlanText.shell(plan, root: target.absoluteRoot, hostRoot: target.isHostRoot,
                                              ldconfig: RootLdconfig.path(in: session.system.root), personSteps: report.blockers)
                case .dockerfile:
                    text = try PlanText.dockerfile(plan, ldconfig: RootLdconfig.path(in: session.system.root), personSteps: report.blockers)
                case .json: text = try JSONReport.encode(JSONReport.CheckDocument(report, root: target.rootLabel, system: session.system))
                }
            } catch let error as QuoteError {
                throw CommandFailure.analysis(error.description)
            }
            if format == .sh {
                // A name that is not UTF-8 goes into the script as its own bytes.
                let output = OutputBuffer()
                output.scriptLine(text)
                output.flush()
            } else {
                print(text)
            }
            throw ExitStatus.code(for: report)
        }
    }

    /// The plan for a person, with every text from the root made safe for a terminal, and
    /// each step naming every finding it clears.
    func planText(_ report: DoctorReport, session: DoctorSession, next: Invocation) -> String {
        var page = TextPage.standardOutput()
        let program = TerminalEscape.visible(report.program.path.string)
        switch report.status {
        case .healthy:
            page.paragraph("\(program): nothing to fix; the loader will start it.")
            return page.text
        case .fixable where report.isOnlyEnvironmentLeft(profile: ProfileScript.settings(in: session.system.root)):
            page.paragraph("\(program): the root is fixed (fix --apply ran); only the environment is left:")
        case .fixable:
            page.paragraph("Plan for \(program) (proven on a virtual copy of the root):")
        case .unfixable where report.plan == nil:
            page.paragraph("\(program): no automatic fix.")
        case .unfixable:
            page.paragraph("Plan for \(program), for all but what needs a person (proven on a virtual copy of the root: only the person's findings are left):")
        }
        let labels = FindingLabels(report.findings)
        let actions = report.plan?.actions ?? []
        let numberWidth = "\(actions.count).".count
        for (n, planned) in actions.enumerated() {
            let number = "\(n + 1).".padding(to: numberWidth + 1)
            let cleared = labels.labels(clearedBy: planned, in: report.findings)
            page.paragraph(TerminalEscape.visible(PlanText.describe(planned.action)) + "   [fixes \(cleared.joined(separator: ", "))]",
                           first: "  " + number, indent: String(repeating: " ", count: 2 + number.count + 2))
        }
        if !report.blockers.isEmpty {
            page.paragraph("A person must:")
            for blocker in report.blockers { page.paragraph(TerminalEscape.visible(blocker.description), first: "  • ", indent: "    ") }
        }
        if let plan = report.plan {
            if !plan.environment.isEmpty { EnvironmentReach(plan: plan, next: next).write(to: &page) }
            if next.isImage {
                if let fixedImage = next.fixedImage {
                    page.paragraph("Repair the image (a new image; this one stays as it is):")
                    page.command(next.words("fix", "--output", fixedImage), first: "  ")
                }
                page.paragraph("Bake it into the image: these lines go into its Dockerfile:")
                page.command(next.words("fix", "--format", "dockerfile"), first: "  ")
            } else {
                page.command(next.words("fix", "--apply"), first: "Apply it:  ")
                page.command(next.words("undo"), first: "Undo it:   ")
            }
        }
        return page.text
    }

    func applyPlan(_ report: DoctorReport, session: DoctorSession) throws {
        let next = Invocation(target, program: session.program)
        guard let plan = report.plan else {
            print(planText(report, session: session, next: next))
            throw ExitStatus.code(for: report)
        }
        let root = try target.localRoot()
        let view = RootView(root)
        let applier = PlanApplier(root: root, ldconfig: SystemLdconfig(), scannedDirectories: {
            LdSoConf(root: view).directories.map { RootPath($0.path) }
        }, stepHook: FaultInjection.hook())
        let applied: ApplyReport
        do throws(ApplyError) { applied = try applier.apply(plan) } catch { throw CommandFailure.applying(error) }
        var page = TextPage.standardOutput()
        for step in applied.steps {
            page.paragraph(TerminalEscape.visible(step.change.summary), first: step.outcome == .alreadyPresent ? "unchanged  " : "done       ",
                           indent: String(repeating: " ", count: 11))
        }
        if let ldconfig = applied.ldconfig {
            page.paragraph("\(TerminalEscape.visible(ldconfig.command)) (exit \(ldconfig.status))", first: "ldconfig   ",
                           indent: String(repeating: " ", count: 11))
        }
        if !page.lines.isEmpty { print(page.text) }
        // Check again, in the root as it now is, with the corrected environment.
        var corrected = session.environment
        for (name, value) in plan.environment { corrected = corrected.with(name, value) }
        let system = try target.system()
        let recheck: DoctorReport
        do throws(ResolveError) {
            recheck = try Doctor(system: system).check(session.program, environment: corrected)
        } catch {
            throw CommandFailure.analysis(error.description)
        }
        var after = TextPage.standardOutput()
        if !plan.environment.isEmpty { EnvironmentReach(plan: plan, next: next).write(to: &after) }
        if !recheck.blockers.isEmpty {
            after.paragraph("A person must still:")
            for blocker in recheck.blockers { after.paragraph(TerminalEscape.visible(blocker.description), first: "  • ", indent: "    ") }
        }
        let envText = corrected.variables.filter { $0.key.hasPrefix("LD_") }.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
        after.paragraph(TerminalEscape.visible("re-check (with \(envText.isEmpty ? "no LD_ variables" : envText)): \(recheck.status == .healthy ? "the loader will start \(session.program.path.string)" : "still failing: \(recheck.findings.filter(\.isProblem).map(\.id).joined(separator: ", "))")"),
                        indent: "  ")
        print(after.text)
        throw ExitStatus.code(for: recheck)
    }
}

/// `OFDOCTOR_FAULT_AFTER_STEP=N` kills the process with SIGKILL at the N-th write step of
/// `fix --apply` or `undo`: how the tests prove a killed apply can be completed or undone.
enum FaultInjection {
    static func hook() -> (@Sendable (Int) -> StepDecision)? {
        guard let text = ProcessEnvironment.value("OFDOCTOR_FAULT_AFTER_STEP"), let limit = Int(text) else { return nil }
        return { step in
            if step >= limit { kill(getpid(), SIGKILL) }
            return .proceed
        }
    }
}

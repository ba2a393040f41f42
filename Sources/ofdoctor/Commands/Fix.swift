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
        abstract: "Print the proven fix plan (dry run), or apply it with --apply and check again.",
        discussion: """
        Every plan is first applied to a virtual copy of the root and checked; a plan that would \
        not make the loader start the program is never offered. --apply never overwrites what it \
        did not create, journals each step in /var/lib/ofdoctor/journal, runs ldconfig \
        (ldconfig -r ROOT for another root) and writes the environment to /etc/profile.d/ofdoctor.sh.

        Examples:
          ofdoctor fix                          # the plan, as text
          ofdoctor fix --format sh > fix.sh     # an idempotent script
          ofdoctor fix --format dockerfile      # RUN/ENV lines for Dockerfile.final
          ofdoctor fix --apply && . /etc/profile.d/ofdoctor.sh
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, sh, json, dockerfile }

    @OptionGroup var target: TargetOptions
    @Option(help: "text, sh, json or dockerfile (the default with --image, which is read-only).") var format: Format?
    @Flag(help: "Apply the plan to the root, then check again.") var apply = false

    func run() throws {
        try reportingFailures {
            let session = try DoctorSession(target)
            let report = try session.check()
            if apply {
                try applyPlan(report, session: session)
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

    /// The plan for a person, with every text from the root made safe for a terminal.
    func planText(_ report: DoctorReport, session: DoctorSession, next: Invocation) -> String {
        let program = TerminalEscape.visible(report.program.path.string)
        var lines: [String] = []
        switch report.status {
        case .healthy:
            return "\(program): nothing to fix; the loader will start it."
        case .fixable where report.isOnlyEnvironmentLeft(profile: ProfileScript.settings(in: session.system.root)):
            lines.append("\(program): the root is fixed (fix --apply ran); only the environment is left:")
        case .fixable:
            lines.append("Plan for \(program) (proven on a virtual copy of the root):")
        case .unfixable where report.plan == nil:
            lines.append("\(program): no automatic fix.")
        case .unfixable:
            lines.append("Plan for \(program), for all but what needs a person (proven on a virtual copy of the root: only the person's findings are left):")
        }
        for (n, planned) in (report.plan?.actions ?? []).enumerated() {
            lines.append("  \(n + 1). \(TerminalEscape.visible(PlanText.describe(planned.action)))   [fixes \(planned.fixes.map(\.rawValue).joined(separator: ", "))]")
        }
        if !report.blockers.isEmpty {
            lines.append("A person must:")
            lines += report.blockers.map { "  • \(TerminalEscape.visible($0.description))" }
        }
        if let plan = report.plan {
            if !plan.environment.isEmpty { lines += EnvironmentReach(plan: plan, next: next).lines }
            if next.isImage {
                lines.append(TerminalEscape.visible("Bake it into the image: `\(next.command("fix", "--format", "dockerfile"))` prints the lines for its Dockerfile."))
            } else {
                lines.append(TerminalEscape.visible("Apply it with `\(next.command("fix", "--apply"))`; undo with `\(next.command("undo"))`."))
            }
        }
        return lines.joined(separator: "\n")
    }

    func applyPlan(_ report: DoctorReport, session: DoctorSession) throws {
        let next = Invocation(target, program: session.program)
        guard let plan = report.plan else {
            print(planText(report, session: session, next: next))
            throw ExitStatus.code(for: report)
        }
        let applier = PlanApplier.standard(root: try target.localRoot(), stepHook: FaultInjection.hook())
        let applied: ApplyReport
        do throws(ApplyError) { applied = try applier.apply(plan) } catch { throw CommandFailure.applying(error) }
        for step in applied.steps {
            print("\(step.outcome == .alreadyPresent ? "unchanged" : "done     ")  \(TerminalEscape.visible(step.change.summary))")
        }
        if let ldconfig = applied.ldconfig {
            print("ldconfig   \(TerminalEscape.visible(ldconfig.command)) (exit \(ldconfig.status))")
        }
        // Check again, in the root as it now is, with the corrected environment.
        var corrected = session.environment
        for (name, value) in plan.environment { corrected = corrected.with(name, value) }
        let system = try target.system()
        let recheck: DoctorReport
        do throws(ResolveError) {
            recheck = try Doctor(system: system, rules: Analysis.rules).check(session.program, environment: corrected)
        } catch {
            throw CommandFailure.analysis(error.description)
        }
        if !plan.environment.isEmpty {
            print(EnvironmentReach(plan: plan, next: next).lines.joined(separator: "\n"))
        }
        if !recheck.blockers.isEmpty {
            print("A person must still:")
            for blocker in recheck.blockers { print("  • \(TerminalEscape.visible(blocker.description))") }
        }
        let envText = corrected.variables.filter { $0.key.hasPrefix("LD_") }.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
        print("re-check (with \(envText.isEmpty ? "no LD_ variables" : envText)): \(recheck.status == .healthy ? "the loader will start \(session.program.path.string)" : "still failing: \(recheck.findings.filter(\.isProblem).map(\.id.rawValue).joined(separator: ", "))")")
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

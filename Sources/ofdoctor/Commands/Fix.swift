#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LinkerDoctor

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
            switch format ?? (target.image != nil ? .dockerfile : .text) {
            case .text: print(planText(report))
            case .sh: print(PlanText.shell(plan, root: target.root, hostRoot: target.isHostRoot))
            case .dockerfile: print(PlanText.dockerfile(plan))
            case .json: print(try JSONReport.encode(JSONReport.CheckDocument(report, root: target.rootLabel, system: session.system)))
            }
            throw ExitStatus.code(for: report)
        }
    }

    func planText(_ report: DoctorReport) -> String {
        switch report.status {
        case .healthy:
            return "\(report.program.path.string): nothing to fix; the loader will start it."
        case .unfixable:
            return (["\(report.program.path.string): no plan makes the loader start it. A person must:"]
                    + report.blockers.map { "  • \($0)" }).joined(separator: "\n")
        case .fixable:
            var lines = ["Plan for \(report.program.path.string) (proven on a virtual copy of the root):"]
            for (n, planned) in (report.plan?.actions ?? []).enumerated() {
                lines.append("  \(n + 1). \(PlanText.describe(planned.action))   [fixes \(planned.fixes.joined(separator: ", "))]")
            }
            let rootArgument = target.isHostRoot ? "" : " --root \(target.root)"
            lines.append("Apply it with `ofdoctor fix --apply\(rootArgument)`; undo with `ofdoctor undo\(rootArgument)`.")
            return lines.joined(separator: "\n")
        }
    }

    func applyPlan(_ report: DoctorReport, session: DoctorSession) throws {
        guard report.status == .fixable, let plan = report.plan else {
            print(planText(report))
            throw ExitStatus.code(for: report)
        }
        let root = try target.localRoot()
        let view = RootView(root)
        let applier = PlanApplier(root: root, ldconfig: SystemLdconfig(), scannedDirectories: {
            LdSoConf(root: view).directories.map { RootPath($0.path) }
        }, stepHook: FaultInjection.hook())
        let applied: ApplyReport
        do throws(ApplyError) { applied = try applier.apply(plan) } catch { throw CommandFailure.applying(error) }
        for step in applied.steps {
            print("\(step.outcome == .alreadyPresent ? "unchanged" : "done     ")  \(step.change.summary)")
        }
        if let ldconfig = applied.ldconfig {
            print("ldconfig   \(ldconfig.command) (exit \(ldconfig.status))")
        }
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
        if !plan.environment.isEmpty {
            print("environment written to \(target.isHostRoot ? "" : target.root)/etc/profile.d/ofdoctor.sh; in this shell run:")
            print("  eval \"$(ofdoctor env\(target.isHostRoot ? "" : " --root \(target.root)"))\"   (or: . /etc/profile.d/ofdoctor.sh)")
        }
        let envText = corrected.variables.filter { $0.key.hasPrefix("LD_") }.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
        print("re-check (with \(envText.isEmpty ? "no LD_ variables" : envText)): \(recheck.status == .healthy ? "the loader will start \(session.program.path.string)" : "still failing: \(recheck.findings.filter(\.isProblem).map(\.id).joined(separator: ", "))")")
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

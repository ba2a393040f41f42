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
import Quoting
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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
            let next = Invocation(target, program: session.program)
            if apply, let plan = report.plan {
                let applier = PlanApplier.standard(root: try target.localRoot(), stepHook: FaultInjection.hook())
                let outcome: FixOutcome
                do throws(FixFailure) { outcome = try session.apply(plan, with: applier) } catch {
                    switch error {
                    case .applying(let failure):
                        throw CommandFailure.applying(failure)
                    case .recheck(let applied, let failure):
                        // The changes were made: say which before why the check stopped.
                        print(FixOutcomeText.steps(applied).joined(separator: "\n"))
                        throw CommandFailure.analysis(failure.description)
                    }
                }
                print(FixOutcomeText(outcome: outcome, next: next).render())
                throw ExitStatus.code(for: outcome.recheck)
            }
            // The whole text first: a value the format cannot carry prints nothing at all.
            let text: String
            let chosen = apply ? .text : format ?? (target.image != nil ? .dockerfile : .text)
            do {
                switch chosen {
                case .text:
                    text = FixPlanText(report: report, next: next,
                                       environmentOnlyLeft: report.isOnlyEnvironmentLeft(profile: ProfileScript.settings(in: session.system.root))).render()
                case .sh:
                    text = try PlanText.shell(report.plan ?? FixPlan(), root: target.absoluteRoot, hostRoot: target.isHostRoot,
                                              ldconfig: RootLdconfig.path(in: session.system.root), personSteps: report.blockers)
                case .dockerfile:
                    text = try PlanText.dockerfile(report.plan ?? FixPlan(), ldconfig: RootLdconfig.path(in: session.system.root),
                                                   personSteps: report.blockers)
                case .json: text = try JSONReport.encode(JSONReport.CheckDocument(report, root: target.rootLabel, system: session.system))
                }
            } catch let error as QuoteError {
                throw CommandFailure.analysis(error.description)
            }
            if chosen == .sh {
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

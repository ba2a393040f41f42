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
        abstract: "Print the proven fix plan (dry run), apply it with --apply and check again, or write a repaired image with --image --output.",
        discussion: """
        Every plan is first applied to a virtual copy of the root and checked; a plan that would \
        not make the loader start the program is never offered. --apply never overwrites what it \
        did not create, journals each step in /var/lib/ofdoctor/journal (sealed with your key in \
        ~/.local/state/ofdoctor/journal-key, made on first use, so that only your undo trusts it), \
        runs ldconfig (ldconfig -r ROOT for another root) and writes the environment to \
        /etc/profile.d/ofdoctor.sh.

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
        // An image is read, never written in place: a usage conflict, as verify --image is.
        if apply, target.image != nil {
            throw ValidationError("--image is read-only: `fix --image IN --output OUT` writes a repaired copy; `fix --format dockerfile` prints the lines for its Dockerfile")
        }
        // fix --apply reports what it changed as text (docs/json.md: no JSON document for it);
        // a script or Dockerfile lines would be a plan not applied, not a report of one.
        if apply, let format, format != .text {
            throw ValidationError("--apply reports what it changed as text; leave out --format \(format.rawValue), or drop --apply to print the plan as \(format.rawValue)")
        }
        guard let output else { return }
        if output.isEmpty { throw ValidationError("--output takes a file name for the repaired image, not an empty path") }
        if target.image == nil { throw ValidationError("--output needs --image: it writes a repaired copy of that image") }
        if apply { throw ValidationError("give --apply (for a root) or --output (for an image), not both") }
        if format != nil { throw ValidationError("--output reports what it wrote as text; leave out --format") }
    }

    func run() throws {
        try reportingFailures {
            let session = try DoctorSession(target)
            let report = try session.check()
            let next = Invocation(target, program: session.program)
            if apply, let plan = report.plan {
                let root = try target.localRoot()
                // An earlier apply's variable, which this plan would set otherwise from another
                // starting value: one value cannot be proven for both programs.
                let conflicts = ProfileConflict.find(plan: plan, startingFrom: report.environment,
                                                     profile: ProfileScript.settings(in: session.system.root))
                if !conflicts.isEmpty {
                    let again = Invocation(target, program: session.program, namingProgram: true,
                                           settingEnvironment: conflicts.map { ($0.name, $0.earlier ?? "") })
                    throw CommandFailure.apply(ProfileConflict.message(conflicts) + " Plan from the environment the earlier fix gives: "
                                               + again.command("fix", "--apply"))
                }
                let key: JournalKey
                do throws(ApplyError) {
                    key = try JournalKey.loadOrCreate(environment: ProcessEnvironment.journalKeyVariables)
                } catch { throw CommandFailure.apply(error.description) }   // refused before its first change: 4
                let applier = PlanApplier.standard(root: root, journalKey: key, stepHook: FaultInjection.hook())
                let outcome: FixOutcome
                do throws(FixFailure) { outcome = try session.apply(plan, with: applier) } catch {
                    switch error {
                    case .applying(.needsRoot(let reasons)):
                        // (the whole command, to paste: the script carries the plan to root)
                        throw CommandFailure.apply(ApplyError.needsRoot(reasons: reasons).description + ": "
                                                   + next.command("fix", "--format", "sh"))
                    case .applying(let failure):
                        throw CommandFailure.applying(failure)
                    case .recheck(let applied, let failure):
                        // The changes were made: say which before why the check stopped.
                        let steps = FixOutcomeText.steps(applied)
                        if !steps.lines.isEmpty { print(steps.text) }
                        throw CommandFailure.analysis(failure.description)
                    }
                }
                print(FixOutcomeText(outcome: outcome, next: next, notes: report.notes).render())
                throw ExitStatus.code(for: outcome.recheck)
            }
            if let output {
                try writeImage(report, session: session, output: output)
                return
            }
            // The whole text first: a value the format cannot carry prints nothing at all.
            let plan = report.plan ?? FixPlan()
            let chosen = apply ? .text : format ?? (target.image != nil ? .dockerfile : .text)
            // What a person pastes or a script runs on this machine names real paths of the
            // root (`FixPlan.placed`): a shell here would follow the root's links as this
            // machine's own. (Not for a Dockerfile, which runs inside the image.)
            let root = session.system.root
            let text: String
            do {
                switch chosen {
                case .text:
                    var placed = report
                    placed.plan = report.plan?.placed(in: root)
                    text = FixPlanText(report: placed, next: next,
                                       environmentOnlyLeft: report.isOnlyEnvironmentLeft(profile: ProfileScript.settings(in: root))).render()
                case .sh:
                    text = try PlanText.shell(plan.placed(in: root), root: target.absoluteRoot, hostRoot: target.isHostRoot,
                                              ldconfig: RootLdconfig.path(in: root), profile: root.placement(of: ProfileScript.path),
                                              personSteps: report.blockers)
                case .dockerfile:
                    // (the image's User, when not root, could not write the root)
                    let environment = report.environment
                    let ldconfig = RootLdconfig.path(in: root)
                    let missing = RunLineTools.missing(for: plan, ldconfig: ldconfig, root: root, environment: environment)
                    let copy = next.fixedImage.map { next.command("fix", "--output", $0) }
                    text = try PlanText.dockerfile(plan, ldconfig: ldconfig, personSteps: report.blockers,
                                                   user: environment.identity.uid == 0 ? nil : environment.containerUser,
                                                   missingTools: missing, repairedCopy: copy)
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

import Apply
import Doctor
import LoaderModel
import OpenFace
import Quoting
import RootFS
import Support

/// What every doctor command starts from: the target system, environment and program; and
/// the one library call each command makes with them.
struct DoctorSession {
    /// The applications whose documented failures, data files and messages the doctor knows.
    static let rules: [any ApplicationRules] = [OpenFaceRules()]

    /// `TargetOptions` as parsed, or `QuickCommand`'s plain form.
    let target: any TargetDescription
    let system: TargetSystem
    let environment: LoaderEnvironment
    let program: ProgramLocation

    init(_ target: some TargetDescription) throws {
        self.target = target
        system = try target.system()
        environment = try target.environment(of: system)
        program = try target.program(in: system, environment: environment)
    }

    var doctor: Doctor { Doctor(system: system, rules: Self.rules) }

    /// `check`, `fix`, `env`, `tree`: the report.
    func check() throws -> DoctorReport {
        do throws(ResolveError) {
            let report = try doctor.check(program, environment: environment)
            KeptUntilExit.keep(report)
            return report
        } catch {
            throw failure(error)
        }
    }

    /// Why the program cannot be analysed, with the command of the next step where there is
    /// one: for a path the root lacks, the check of where the root has that program; for a
    /// `#!` script, what starting it comes to in the root, and the check of the program the
    /// loader starts in its place, or the command that takes Windows line ends out of a
    /// script of the chain, or that gives the script an execute bit.
    func failure(_ error: ResolveError) -> CommandFailure {
        if case .programNotFound(let path, let root) = error, let (elsewhere, similar) = programElsewhere(path) {
            let location = ProgramLocation(path: elsewhere, argv0: elsewhere.string, viaPATH: false)
            let text = similar ? "did you mean \(elsewhere.string)? Check it" : "it has \(elsewhere.string), check it"
            return .analysisWithStep("\(path): no such program in \(root); \(text)",
                                     command: Invocation(target, program: location, namingProgram: true).words("check"))
        }
        guard case .notAProgram(let path, .script(let line)) = error else { return .analysis(error.description) }
        let start = ScriptStart.judge(line, script: program.path, root: system.root, environment: environment)
        let message = start.description(script: path)
        if let next = start.program {
            let location = ProgramLocation(path: next, argv0: next.string, viaPATH: false)
            return .analysisWithStep(message, command: Invocation(target, program: location, namingProgram: true).words("check"))
        }
        // A file of the chain edited: where it lies on this machine, or by a line of the
        // image's Dockerfile (RUN runs it with the image's /bin/sh, as pasted here).
        let edit: (file: RootPath, words: (String) -> [String], what: String)
        if let file = start.lineEndRepair {
            edit = (file, ScriptStart.lineEndRepairWords, "remove them")
        } else if start.scriptNeedsExecuteBit {
            edit = (program.path, ScriptStart.executeBitWords, "give it an execute bit")
        } else {
            return .analysis(message)
        }
        guard let resolved = (try? system.root.resolve(edit.file)) ?? nil else { return .analysis(message) }
        if target.image != nil {
            return .analysisWithStep(message + "; \(edit.what) in the image with this Dockerfile line",
                                     command: ["RUN"] + edit.words(resolved.path.string).map(ShellQuote.display))
        }
        let file = target.isHostRoot ? resolved.path.string : target.absoluteRoot.droppingTrailingSlashes + resolved.path.string
        return .analysisWithStep(message + "; \(edit.what)", command: edit.words(file).map(ShellQuote.display))
    }

    /// Where a program given by a path that the root lacks is: the same path without the
    /// root's directory in front (a path on this machine given with `--root`), or a file of
    /// its name on the target's `PATH`, or elsewhere in the root (`ProgramSearch`); else
    /// (`similar`) one whose name is a slip away, in the path's own directory alone: a path
    /// names its directory, and `./apq` is no slip of `/usr/bin/apt`.
    func programElsewhere(_ path: String) -> (path: RootPath, similar: Bool)? {
        if !target.isHostRoot, target.image == nil {
            let root = target.absoluteRoot.droppingTrailingSlashes
            if path.hasBytePrefix(root + "/") {
                let inside = RootPath(String(decoding: path.utf8.dropFirst(root.utf8.count), as: UTF8.self))
                if ProgramLocation.isProgram(inside, system.root) { return (inside, false) }
            }
        }
        let name = String(path.afterLastSlash)
        if let found = ProgramLocation.lookUpOnPath(name, root: system.root, environment: environment)?.path
            ?? ProgramSearch.find(name, root: system.root).first {
            return (found, false)
        }
        return ProgramLocation.similarProgram(to: name, in: [program.path.parent.string], root: system.root).map { ($0, true) }
    }

    /// `verify`: the check, then the program run in its root with `arguments`.
    func verify(arguments: [String], timeout: Int) throws -> ProgramRun {
        do throws(ProgramRunFailure) {
            let run = try doctor.run(program, environment: environment, arguments: arguments,
                                     hostRoot: target.isHostRoot ? nil : target.root, timeout: timeout)
            KeptUntilExit.keep(run)
            return run
        } catch {
            switch error {
            case .analysis(let failure): throw self.failure(failure)
            case .run(let failure): throw CommandFailure.analysis(failure.description)
            }
        }
    }

    /// `fix --apply`: `plan` applied to the root, then the program checked again.
    func apply(_ plan: FixPlan, with applier: PlanApplier) throws(FixFailure) -> FixOutcome {
        let outcome = try applier.apply(plan, to: program, environment: environment, doctor: doctor)
        KeptUntilExit.keep(outcome)
        return outcome
    }
}

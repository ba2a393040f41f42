import Apply
import Doctor
import LoaderModel

/// What every doctor command starts from: the target system, environment and program.
struct DoctorSession {
    let target: TargetOptions
    let system: TargetSystem
    let environment: LoaderEnvironment
    let program: ProgramLocation

    init(_ target: TargetOptions) throws {
        self.target = target
        system = try target.system()
        environment = try target.environment()
        program = try target.program(in: system, environment: environment)
    }

    func check() throws -> DoctorReport {
        do throws(ResolveError) {
            let report = try Doctor(system: system, rules: Analysis.rules).check(program, environment: environment)
            KeptUntilExit.keep(report)
            return report
        } catch {
            throw CommandFailure.analysis(error.description)
        }
    }

    /// `verify`: the check, then the program run in its root with `arguments`.
    func verify(arguments: [String], timeout: Int) throws -> ProgramRun {
        do throws(ProgramRunFailure) {
            let run = try Doctor(system: system, rules: Analysis.rules)
                .run(program, environment: environment, arguments: arguments,
                     hostRoot: target.isHostRoot ? nil : target.root, timeout: timeout)
            KeptUntilExit.keep(run)
            return run
        } catch {
            switch error {
            case .analysis(let failure): throw CommandFailure.analysis(failure.description)
            case .run(let failure): throw CommandFailure.analysis(failure.description)
            }
        }
    }

    /// The load graph alone (`tree`).
    func resolve() throws -> LoadGraph {
        try Analysis.resolve(program, system: system, environment: environment)
    }

    /// The library-not-found findings of `graph`, as `check` names them (`tree --format json`).
    func missingLibraries(in graph: LoadGraph) -> [Finding] {
        FindingCatalog.missingLibraries(graph, argv0: program.argv0, system: system, rules: Analysis.rules)
    }

    /// `fix --apply`: `plan` applied to the root, then the program checked again.
    func apply(_ plan: FixPlan, with applier: PlanApplier) throws(FixFailure) -> FixOutcome {
        let outcome = try applier.apply(plan, to: program, environment: environment,
                                        doctor: Doctor(system: system, rules: Analysis.rules))
        KeptUntilExit.keep(outcome)
        return outcome
    }
}

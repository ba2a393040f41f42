import Apply
import Doctor
import LoaderModel
import OpenFace

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
            throw CommandFailure.analysis(error.description)
        }
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
            case .analysis(let failure): throw CommandFailure.analysis(failure.description)
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

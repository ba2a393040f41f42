import Doctor
import LoaderModel

/// `fix --apply` as one value: what was applied, the environment the plan gives the
/// program, and the check of the root as it now is with that environment.
public struct FixOutcome: Sendable {
    public var plan: FixPlan
    public var applied: ApplyReport
    /// The program's environment with the plan's `env` actions made.
    public var correctedEnvironment: LoaderEnvironment
    /// The check after the change: it decides the exit code.
    public var recheck: DoctorReport
}

/// Why `fix --apply` stopped.
public enum FixFailure: Error, Sendable {
    /// The plan could not be carried out (nothing, or a journaled part, was written).
    case applying(ApplyError)
    /// The plan was applied, and the check of the changed root could not be made.
    case recheck(applied: ApplyReport, ResolveError)
}

extension PlanApplier {
    /// Applies `plan` (from `doctor`'s check of `program` in `environment`), then checks the
    /// program again in the root as it now is (links made, cache rebuilt), with the
    /// environment the plan gives it.
    public func apply(_ plan: FixPlan, to program: ProgramLocation, environment: LoaderEnvironment,
                      doctor: Doctor) throws(FixFailure) -> FixOutcome {
        let applied: ApplyReport
        do throws(ApplyError) { applied = try apply(plan) } catch { throw .applying(error) }
        let corrected = plan.corrected(environment)
        let recheck: DoctorReport
        do throws(ResolveError) {
            recheck = try Doctor(system: doctor.system.reinspected(), rules: doctor.rules).check(program, environment: corrected)
        } catch {
            throw .recheck(applied: applied, error)
        }
        return FixOutcome(plan: plan, applied: applied, correctedEnvironment: corrected, recheck: recheck)
    }
}

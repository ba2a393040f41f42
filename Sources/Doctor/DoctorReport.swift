import LoaderModel

/// What `check` and `fix` report: the findings, the proven plan, and the verdict.
public struct DoctorReport: Sendable {
    public enum Status: String, Sendable, Codable {
        /// The loader would start the program.
        case healthy
        /// Problems found, and the plan fixes every one.
        case fixable
        /// Problems found, and some have no automatic fix.
        case unfixable
    }

    public var program: ProgramLocation
    public var environment: LoaderEnvironment
    public var diagnosis: Diagnosis
    /// The findings: today's, then those that appear only once an earlier fix is made.
    public var findings: [Finding]
    /// The plan, when its simulation shows it fixing something and adding no failure: every
    /// finding when `status` is `fixable`; all but the blockers' when `unfixable`.
    public var plan: FixPlan?
    /// The environment the plan gives the program (after its `env` actions).
    public var correctedEnvironment: LoaderEnvironment?
    /// The diagnosis of the simulated, fixed root.
    public var simulated: Diagnosis?
    public var status: Status
    /// What no plan can fix: what a person must do.
    public var blockers: [Blocker]
    /// How much of the root the search for missing libraries' copies read.
    public var candidateSearch: CandidateSearch.Record?
    /// What the plan could not do as it would elsewhere, and why (`Planner.Outcome.notes`).
    public var notes: [String] = []

    /// The plan's actions that clear `finding`, in plan order.
    public func actions(clearing finding: Finding) -> [PlannedAction] {
        (plan?.actions ?? []).filter { $0.clears(finding) }
    }
}

import LoaderModel
import RootFS

/// What one application's documentation adds to the general loader rules (docs/findings.md):
/// its documented failures named and explained, the libraries it keeps on `LD_LIBRARY_PATH`,
/// libraries of its stack that open companions, its own data files, and its messages. The general rules
/// name no application; `Doctor`, the catalog and the planner ask each rule set given to them.
/// Every requirement has a default that adds nothing, so a rule set says only what it knows.
public protocol ApplicationRules: Sendable {
    /// The application's id and what more the root shows for a general finding (LD002, LD003,
    /// LD004) that is one of its documented failures; `provider` is the copy the loader found,
    /// if any; `system` is nil where only the load graph is at hand.
    func documentedFailure(_ finding: Finding, provider: LoadedObject?, graph: LoadGraph,
                           system: TargetSystem?) -> DocumentedFailure?
    /// The missing-library findings, with those of one cause and one fix made one (listing the
    /// names it covers in `coveredLibraries`).
    func merge(missing findings: [Finding], graph: LoadGraph, system: TargetSystem?) -> [Finding]
    /// A library known to open companions beside its load path, whatever its imports show.
    func companionOpener(soname: String) -> CompanionOpener?
    /// Whether `program` is the application's, with data files `dataCheck` reads (a cheap
    /// test: the doctor reads them on a second CPU meanwhile when it is true).
    func hasDataFiles(_ program: ProgramLocation) -> Bool
    /// The application's data files as `program` would look for them: findings, and the
    /// plan actions that fix some. Nil when `program` is not the application's.
    func dataCheck(program: ProgramLocation, environment: LoaderEnvironment, root: RootView) -> DataCheck?
    /// What a run of `program` (under `verify`) shows, read from the application's own
    /// messages; nil leaves it to the general reading of the exit status.
    func classifyRun(program: ProgramLocation, status: Int32, stdout: String, stderr: String) -> RunClassification?
}

extension ApplicationRules {
    public func documentedFailure(_ finding: Finding, provider: LoadedObject?, graph: LoadGraph,
                                  system: TargetSystem?) -> DocumentedFailure? { nil }
    public func merge(missing findings: [Finding], graph: LoadGraph, system: TargetSystem?) -> [Finding] { findings }
    public func companionOpener(soname: String) -> CompanionOpener? { nil }
    public func hasDataFiles(_ program: ProgramLocation) -> Bool { false }
    public func dataCheck(program: ProgramLocation, environment: LoaderEnvironment, root: RootView) -> DataCheck? { nil }
    public func classifyRun(program: ProgramLocation, status: Int32, stdout: String, stderr: String) -> RunClassification? {
        nil
    }
}

/// A general finding recognised as an application's documented failure.
public struct DocumentedFailure: Equatable, Sendable {
    public var id: FindingID
    /// Appended to the general explanation: the application's cause, as far as the root
    /// shows it (nil: nothing more to say).
    public var note: String?
    /// The package that provides the missing library, when it is known.
    public var package: String?

    public init(id: FindingID, note: String?, package: String? = nil) {
        self.id = id
        self.note = note
        self.package = package
    }
}

/// A library that dlopens companions from its own load directory, and how it says one is missing.
public struct CompanionOpener: Sendable {
    public var id: FindingID
    /// Its error text for the missing `companions` of `loadDirectory`.
    public var message: @Sendable (_ loadDirectory: String, _ companions: [String]) -> String

    public init(id: FindingID, message: @escaping @Sendable (_ loadDirectory: String, _ companions: [String]) -> String) {
        self.id = id
        self.message = message
    }
}

/// What an application's data check found: findings (decided by the check itself, not the
/// planner) and the plan actions that fix some of them.
public struct DataCheck: Sendable {
    public var findings: [Finding]
    public var actions: [PlannedAction]

    public init(findings: [Finding], actions: [PlannedAction]) {
        self.findings = findings
        self.actions = actions
    }
}

extension Array where Element == any ApplicationRules {
    /// The first rule set's answer.
    func documentedFailure(_ finding: Finding, provider: LoadedObject?, graph: LoadGraph,
                           system: TargetSystem?) -> DocumentedFailure? {
        lazy.compactMap { $0.documentedFailure(finding, provider: provider, graph: graph, system: system) }.first
    }

    func companionOpener(soname: String?) -> CompanionOpener? {
        guard let soname else { return nil }
        return lazy.compactMap { $0.companionOpener(soname: soname) }.first
    }
}

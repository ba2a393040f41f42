import LoaderModel
import Support
import RootFS

/// The doctor: diagnoses a program in a root and environment, and plans and proves the fix.
public struct Doctor: Sendable {
    public let system: TargetSystem
    /// What applications add to the general rules (their ids, libraries and data files).
    public let rules: [any ApplicationRules]

    public init(system: TargetSystem, rules: [any ApplicationRules] = []) {
        self.system = system
        self.rules = rules
    }

    public func check(_ program: ProgramLocation, environment: LoaderEnvironment) throws(ResolveError) -> DoctorReport {
        // The data files and the loader are independent readings of the root: the data files
        // are read on a second CPU meanwhile, when there are any.
        var diagnosed: Result<Diagnosis, ResolveError>?
        var data: [DataCheck] = []
        let diagnose = { diagnosed = Result { () throws(ResolveError) in
            try Diagnosis(system: system, program: program, environment: environment, rules: rules)
        } }
        let readData = { data = rules.compactMap { $0.dataCheck(program: program, environment: environment, root: system.root) } }
        if ConcurrentPair.isWorthwhile && rules.contains(where: { $0.hasDataFiles(program) }) {
            ConcurrentPair.run(diagnose, readData)
        } else {
            diagnose()
            readData()
        }
        var diagnosis = try diagnosed!.get()
        PythonHost.refine(&diagnosis, system: system, environment: environment)
        let dataFindings = data.flatMap(\.findings)
        let dataProblems = dataFindings.filter(\.isProblem)
        guard !diagnosis.errors.isEmpty || !dataProblems.isEmpty else {
            var findings = diagnosis.findings + dataFindings
            var none: [Blocker] = []
            Self.namePackages(&findings, &none, system: system)
            return DoctorReport(program: program, environment: environment, diagnosis: diagnosis,
                                findings: findings,
                                plan: nil, correctedEnvironment: nil, simulated: nil, status: .healthy, blockers: [],
                                candidateSearch: nil)
        }
        var outcome = diagnosis.errors.isEmpty
            ? Planner.Outcome(plan: FixPlan(), environment: environment, simulated: diagnosis, laterFindings: [],
                              blockers: [], fixedKeys: [], candidates: [:], candidateSearch: nil)
            : { var planner = Planner(system: system, program: program, rules: rules)
                planner.accessIdentity = diagnosis.graph.accessIdentity
                planner.readAs(environment.reader)
                return planner.plan(from: diagnosis, environment: environment) }()
        // Data files do not involve the loader: their actions join the plan as they are.
        outcome.plan.actions += data.flatMap(\.actions)
        outcome.blockers += dataProblems.filter { !$0.fixable }.map {
            Blocker(findingID: $0.id, summary: $0.summary, remedy: $0.remedy)
        }
        // (the diagnosis's own: later findings are of another graph, the plan's)
        var findings = WaitingReferenceAttribution(root: system.root)
            .refine(diagnosis.findings, graph: diagnosis.graph, candidates: outcome.candidates) + dataFindings
        for var later in outcome.laterFindings where outcome.blockers.contains(where: { $0.findingKey == later.key })
            || outcome.fixedKeys.contains(later.key) {
            later.summary = "once the other fixes are made: " + later.summary
            findings.append(later)
        }
        let dataIDs = Set(dataFindings.map(\.id))
        for i in findings.indices {
            if dataIDs.contains(findings[i].id) { continue }   // their own check decided
            if let library = findings[i].library, findings[i].rule == .libraryNotFound {
                findings[i].candidates = outcome.candidates[TextKey(library)] ?? []
            }
            let key = findings[i].key
            findings[i].fixable = !findings[i].isProblem || outcome.fixedKeys.contains(key)
            if findings[i].isProblem && !findings[i].fixable, let blocker = outcome.blockers.first(where: { $0.findingKey == key }),
               findings[i].remedy == nil || blocker.replacesRemedy {
                findings[i].remedy = blocker.remedy
                for j in findings[i].candidates.indices {
                    if let note = blocker.candidateNotes[findings[i].candidates[j].path] { findings[i].candidates[j].note = note }
                }
            }
        }
        Self.namePackages(&findings, &outcome.blockers, system: system)
        let hasPlan = !outcome.plan.isEmpty
        return DoctorReport(program: program, environment: environment, diagnosis: diagnosis, findings: findings,
                            plan: hasPlan ? outcome.plan : nil,
                            correctedEnvironment: hasPlan ? outcome.environment : nil,
                            simulated: outcome.simulated,
                            status: outcome.blockers.isEmpty && hasPlan ? .fixable : .unfixable,
                            blockers: outcome.blockers, candidateSearch: outcome.candidateSearch, notes: outcome.notes)
    }

    /// A damaged file's remedy names the package to reinstall, and the command, when the
    /// root's dpkg lists the file, or else the conda environment's records, or a Python
    /// distribution's RECORD (its steps for a person say the same).
    static func namePackages(_ findings: inout [Finding], _ blockers: inout [Blocker], system: TargetSystem) {
        let paths = findings.compactMap(\.reinstallPath)
        guard !paths.isEmpty else { return }
        let packages = DpkgFileList(root: system.root).packages(installing: paths)
        // (each kind of record is read only for the files the kinds before it do not list)
        let unlisted = paths.filter { packages[$0] == nil }
        let conda = unlisted.isEmpty ? [:] : CondaMeta(root: system.root).owners(of: unlisted)
        let unowned = unlisted.filter { conda[$0] == nil }
        let distributions = unowned.isEmpty ? [:] : PipRecord(root: system.root).owners(of: unowned)
        for i in findings.indices {
            guard let path = findings[i].reinstallPath, let remedy = findings[i].remedy else { continue }
            let general = FindingCatalog.reinstall(path)
            guard remedy.hasPrefix(general) else { continue }
            let reinstall: String
            if let package = packages[path] {
                reinstall = "Reinstall \(package) (\(DpkgFileList.reinstallCommand(package, fromOutside: system.examinedFromOutside, root: system.root)))"
            } else if let package = conda[path] {
                reinstall = package.reinstallText
            } else if let owner = distributions[path] {
                reinstall = PipRecord.reinstallText(owner, fromOutside: system.examinedFromOutside)
            } else {
                continue
            }
            let named = reinstall + ", the package that installed \(path), or copy it again whole"
                + remedy.dropFirst(general.count)
            findings[i].remedy = named
            for j in blockers.indices where blockers[j].findingKey == findings[i].key && blockers[j].remedy == remedy {
                blockers[j].remedy = named
            }
        }
    }
}

import LoaderModel
import RootFS

/// The doctor: diagnoses a program in a root and environment, and plans and proves the fix.
public struct Doctor: Sendable {
    public let system: TargetSystem

    public init(system: TargetSystem) {
        self.system = system
    }

    public func check(_ program: ProgramLocation, environment: LoaderEnvironment) throws(ResolveError) -> DoctorReport {
        let diagnosis = try Diagnosis(system: system, program: program, environment: environment)
        let models = openFaceModels(program, environment: environment)
        let modelProblems = models.findings.filter(\.isProblem)
        guard !diagnosis.errors.isEmpty || !modelProblems.isEmpty else {
            return DoctorReport(program: program, environment: environment, diagnosis: diagnosis,
                                findings: diagnosis.findings + models.findings,
                                plan: nil, correctedEnvironment: nil, simulated: nil, status: .healthy, blockers: [])
        }
        var outcome = diagnosis.errors.isEmpty
            ? Planner.Outcome(plan: FixPlan(), environment: environment, simulated: diagnosis, laterFindings: [],
                              blockers: [], fixedKeys: [], candidates: [:])
            : Planner(system: system, program: program).plan(from: diagnosis, environment: environment)
        // Model files do not involve the loader: their copies (as links) join the plan as they are.
        for copy in models.copies {
            let clears = models.findings.filter { copy.fixes.contains($0.id) }.map(\.key)
            outcome.plan.actions.append(PlannedAction(.symlink(path: copy.destination, target: copy.source.string),
                                                      fixes: copy.fixes, clears: clears))
        }
        outcome.blockers += modelProblems.filter { !$0.fixable }.map {
            Blocker(findingID: $0.id, summary: $0.summary, remedy: $0.remedy)
        }
        var findings = diagnosis.findings + models.findings
        for var later in outcome.laterFindings where outcome.blockers.contains(where: { $0.findingKey == Planner.key(later) })
            || outcome.fixedKeys.contains(Planner.key(later)) {
            later.summary = "once the other fixes are made: " + later.summary
            findings.append(later)
        }
        let modelIds = Set(models.findings.map(\.id))
        for i in findings.indices {
            if modelIds.contains(findings[i].id) { continue }   // their own check decided
            if let library = findings[i].library, findings[i].rule == .libraryNotFound {
                findings[i].candidates = outcome.candidates[library] ?? []
            }
            let key = Planner.key(findings[i])
            findings[i].fixable = !findings[i].isProblem || outcome.fixedKeys.contains(key)
            if findings[i].isProblem && !findings[i].fixable, findings[i].remedy == nil {
                findings[i].remedy = outcome.blockers.first { $0.findingKey == key }?.remedy
            }
        }
        let hasPlan = !outcome.plan.isEmpty
        return DoctorReport(program: program, environment: environment, diagnosis: diagnosis, findings: findings,
                            plan: hasPlan ? outcome.plan : nil,
                            correctedEnvironment: hasPlan ? outcome.environment : nil,
                            simulated: outcome.simulated,
                            status: outcome.blockers.isEmpty && hasPlan ? .fixable : .unfixable,
                            blockers: outcome.blockers)
    }
}

extension Doctor {
    /// OpenFace's run-time data (issue 9): looked up the way FeatureExtraction does it, from
    /// the working directory, `dirname(argv[0])` and `<prefix>/etc/OpenFace`.
    func openFaceModels(_ program: ProgramLocation, environment: LoaderEnvironment) -> OpenFaceModelReport {
        guard program.path.lastComponent == "FeatureExtraction" else { return OpenFaceModelReport(findings: [], copies: [], locations: [:]) }
        let launch = OpenFaceLaunch(binary: program.path, argv0: program.argv0,
                                    workingDirectory: RootPath(environment.workingDirectory))
        return (try? OpenFaceModelCheck(view: system.root, launch: launch).run())
            ?? OpenFaceModelReport(findings: [], copies: [], locations: [:])
    }
}

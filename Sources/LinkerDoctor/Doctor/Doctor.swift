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
            ? Planner.Outcome(plan: FixPlan(), environment: environment, proven: true, simulated: diagnosis, laterFindings: [],
                              blockers: [], fixed: [], candidates: [:])
            : Planner(system: system, program: program).plan(from: diagnosis, environment: environment)
        // Model files do not involve the loader: their copies (as links) join the plan as they are.
        for copy in models.copies {
            outcome.plan.actions.append(PlannedAction(.symlink(path: copy.destination, target: copy.source.string), fixes: copy.fixes))
            outcome.fixed.formUnion(copy.fixes)
        }
        let modelsBlocked = modelProblems.filter { !$0.fixable }
        if !modelsBlocked.isEmpty {
            outcome.proven = false
            outcome.blockers += modelsBlocked.map { "\($0.id): \($0.summary)" + ($0.remedy.map { " — \($0)" } ?? "") }
        }
        var findings = diagnosis.findings + models.findings
        for var later in outcome.laterFindings {
            later.summary = "once the other fixes are made: " + later.summary
            findings.append(later)
        }
        let modelIds = Set(models.findings.map(\.id))
        for i in findings.indices {
            if modelIds.contains(findings[i].id) { continue }   // their own check decided
            if let library = findings[i].library, findings[i].rule == .libraryNotFound {
                findings[i].candidates = outcome.candidates[library] ?? []
            }
            findings[i].fixable = outcome.proven && (!findings[i].isProblem || outcome.fixed.contains(findings[i].id))
            if !outcome.proven && findings[i].remedy == nil && findings[i].isProblem {
                findings[i].remedy = outcome.blockers.first { $0.hasPrefix(findings[i].id) }.map { String($0.drop(while: { $0 != "—" }).dropFirst(2)) }
            }
        }
        return DoctorReport(program: program, environment: environment, diagnosis: diagnosis, findings: findings,
                            plan: outcome.proven ? outcome.plan : nil,
                            correctedEnvironment: outcome.proven ? outcome.environment : nil,
                            simulated: outcome.simulated, status: outcome.proven ? .fixable : .unfixable,
                            blockers: outcome.proven ? [] : outcome.blockers)
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

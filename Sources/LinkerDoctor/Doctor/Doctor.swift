/// The doctor: diagnoses a program in a root and environment, and plans and proves the fix.
public struct Doctor: Sendable {
    public let system: TargetSystem

    public init(system: TargetSystem) {
        self.system = system
    }

    public func check(_ program: ProgramLocation, environment: LoaderEnvironment) throws(ResolveError) -> DoctorReport {
        let diagnosis = try Diagnosis(system: system, program: program, environment: environment)
        guard !diagnosis.errors.isEmpty else {
            return DoctorReport(program: program, environment: environment, diagnosis: diagnosis, findings: diagnosis.findings,
                                plan: nil, correctedEnvironment: nil, simulated: nil, status: .healthy, blockers: [])
        }
        let outcome = Planner(system: system, program: program).plan(from: diagnosis, environment: environment)
        var findings = diagnosis.findings
        for var later in outcome.laterFindings {
            later.summary = "once the other fixes are made: " + later.summary
            findings.append(later)
        }
        for i in findings.indices {
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

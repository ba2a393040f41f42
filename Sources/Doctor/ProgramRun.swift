import LoaderModel
import RootFS
import Support

/// `verify` as one value: the check, then one run of the program in its root with the
/// environment the plan gives it (the environment as it is when there is no plan), read as
/// whose failure it was.
public struct ProgramRun: Sendable {
    public var report: DoctorReport
    public var arguments: [String]
    /// As the shell reports it: the exit code, 128 + N for signal N; 124 when the time limit
    /// stopped it, as `timeout(1)` reports it.
    public var status: Int32
    public var classification: RunClassification
}

/// Why `verify` could not run the program.
public enum ProgramRunFailure: Error, Sendable {
    case analysis(ResolveError)
    case run(RootedRun.Failure)
}

extension Doctor {
    /// Checks `program`, then runs it with `arguments`.
    /// - Parameter hostRoot: the root's directory on this machine; nil for the host itself.
    public func run(_ program: ProgramLocation, environment: LoaderEnvironment, arguments: [String], hostRoot: String?,
                    timeout: Int) throws(ProgramRunFailure) -> ProgramRun {
        let report: DoctorReport
        do throws(ResolveError) { report = try check(program, environment: environment) } catch { throw .analysis(error) }
        let outcome: RootedRun.Outcome
        // Where the check judged it to start (relative search-path elements mean it).
        let directory = environment.workingDirectory
        guard (try? system.root.resolve(RootPath(directory)))??.entry.kind == .directory else {
            throw .run(.noWorkingDirectory(directory))
        }
        do throws(RootedRun.Failure) {
            // As whoever the check judged it for: a set-ID program's run depends on it.
            outcome = try RootedRun.run(program.path.string, arguments: arguments,
                                        environment: (report.correctedEnvironment ?? environment).variables,
                                        root: hostRoot, user: (environment.identity.uid, environment.identity.gid, environment.identity.groups),
                                        workingDirectory: directory, timeout: timeout)
        } catch {
            throw .run(error)
        }
        switch outcome {
        case .refusedByKernel(let code):
            let refusal = RunClassification.refusedByKernel(program: program, errno: code)
            return ProgramRun(report: report, arguments: arguments, status: refusal.status, classification: refusal.classification)
        case .ran(let output):
            var classification = RunClassification.classify(
                program: program, status: output.status, stdout: String(decoding: output.stdout, as: UTF8.self),
                stderr: String(decoding: output.stderr, as: UTF8.self), stoppedAfter: output.timedOut ? timeout : nil, rules: rules)
            // A signal the check predicted, from a damaged file no plan step repairs (a program
            // or library cut short): the kernel's or the loader's death, not the program's own.
            if classification.kind == .programFailed, !output.timedOut,
               let predicted = report.findings.first(where: { $0.predictsSignal(output.status - 128) && !$0.fixable }) {
                classification = RunClassification(
                    kind: .loaderRefused, summary: "it \(RunClassification.ending(output.status)) as it started, as check predicted (\(predicted.id))",
                    details: [predicted.summary])
            }
            if output.droppedBytes > 0 {
                classification.details.append("(\(output.droppedBytes) bytes of its output, between the first and the last 4 MiB of each stream, were not kept)")
            }
            return ProgramRun(report: report, arguments: arguments, status: output.timedOut ? 124 : output.status,
                              classification: classification)
        }
    }
}

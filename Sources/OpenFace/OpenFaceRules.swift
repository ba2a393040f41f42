import Doctor
import LoaderModel
import RootFS
import Support

/// OpenFace's rules for the doctor: its documented loader failures (OF001–OF005), MKL's
/// companions, and FeatureExtraction's model files (OF1xx).
public struct OpenFaceRules: ApplicationRules {
    public init() {}

    public func documentedFailure(_ finding: Finding, provider: LoadedObject?, graph: LoadGraph,
                                  system: TargetSystem?) -> DocumentedFailure? {
        OpenFaceLibraryFailures.documented(finding, provider: provider, graph: graph, system: system)
    }

    public func merge(missing findings: [Finding], graph: LoadGraph, system: TargetSystem?) -> [Finding] {
        OpenFaceLibraryFailures.merge(findings, graph: graph, system: system)
    }

    public func companionOpener(soname: String) -> CompanionOpener? {
        soname == "libmkl_rt.so.2" ? OpenFaceLibraryFailures.mklOpener : nil
    }

    /// FeatureExtraction reads model files; OpenFace's other programs are not checked for theirs.
    public func hasDataFiles(_ program: ProgramLocation) -> Bool { program.path.lastComponent == "FeatureExtraction" }

    /// FeatureExtraction's model files (issue 9), looked up the way it does it: from the
    /// working directory, `dirname(argv[0])` and `<prefix>/etc/OpenFace`.
    public func dataCheck(program: ProgramLocation, environment: LoaderEnvironment, root: RootView) -> DataCheck? {
        guard hasDataFiles(program) else { return nil }
        let launch = OpenFaceLaunch(binary: program.path, argv0: program.argv0,
                                    workingDirectory: RootPath(environment.workingDirectory))
        guard let report = try? OpenFaceModelCheck(view: root, launch: launch).run() else { return nil }
        return DataCheck(findings: report.findings, actions: report.copies.map { copy in
            let clears = report.findings.filter { copy.fixes.contains($0.id) }.map(\.key)
            return PlannedAction(.symlink(path: copy.destination, target: copy.source.string), fixes: copy.fixes, clears: clears)
        })
    }

    /// FeatureExtraction's run, read from the messages a real build prints
    /// (`OpenFaceOutputClassifier`). A non-zero exit with no model message is left to the
    /// general reading: the program's own failure.
    public func classifyRun(program: ProgramLocation, status: Int32, stdout: String, stderr: String) -> RunClassification? {
        guard program.path.lastComponent == "FeatureExtraction" else { return nil }
        switch OpenFaceOutputClassifier.classify(stdout: stdout, stderr: stderr, status: status) {
        case .started(let notes):
            return RunClassification(kind: .started, summary: "started", details: notes)
        case .modelsMissing(let components, _) where !components.isEmpty:
            return RunClassification(kind: .modelsMissing,
                                     summary: "started; models missing: \(components.map(\.rawValue).joined(separator: ", "))",
                                     details: ["the loader is fine; see the OF1xx findings of `ofdoctor check` for the model files"])
        case .modelsMissing:
            return nil
        case .crashed(let reason, _):
            return RunClassification(kind: .programFailed, summary: "started, then crashed", details: [reason])
        case .loaderFailed(let message):
            return RunClassification(kind: .loaderRefused, summary: "the loader refused it", details: [message])
        }
    }
}

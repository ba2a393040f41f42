import Doctor
import Archive
import Support

/// Preflight of `docker_resources/` before the image build (the seed's step 1): each item of
/// `ResourceChecklist` is present and is what it claims to be. Reads only the host folder
/// it is given; large files are streamed in 1 MiB chunks or walked by seeking.
public struct ResourceCheck {
    public let directory: HostDirectory
    public let checklist: ResourceChecklist

    public init(directory: HostDirectory, checklist: ResourceChecklist = .seed) {
        self.directory = directory
        self.checklist = checklist
    }

    /// Opens `path` (throws `.notADirectory` for exit 3 when it is not a readable folder).
    public init(path: String = "docker_resources", checklist: ResourceChecklist = .seed) throws(ResourceReadError) {
        self.init(directory: try HostDirectory(path: path), checklist: checklist)
    }

    /// Runs every check. `progress(bytesDone, bytesTotal)` is called as bytes are covered.
    public func run(progress: (UInt64, UInt64) -> Void = { _, _ in }) throws(ResourceReadError) -> ResourceReport {
        let total = plannedBytes()
        let findings = try withoutActuallyEscaping(progress, do: { report throws(ResourceReadError) -> [ResourceFinding] in
            let meter = ProgressMeter(total: total, report: report)
            var findings: [ResourceFinding] = []
            findings += try checkDockerImage(meter)
            findings += try checkDeepSpeech(meter)
            findings += try checkWeights(meter)
            findings += checkOpenFaceTree()
            meter.finish()
            return findings
        })
        return ResourceReport(directory: directory.path, findings: findings)
    }

    /// The bytes the checks will cover: every regular file of the checklist.
    private func plannedBytes() -> UInt64 {
        let w = checklist.weightsFolder
        let files = [checklist.pytorchArchive, checklist.deepspeechArchive, w + "/" + checklist.morphableModel,
                     w + "/" + checklist.faceParsingCheckpoint] + checklist.hashNamedCheckpoints.map { w + "/" + $0 }
        return files.reduce(0) { sum, f in
            guard let item = directory.item(f), item.kind == .file else { return sum }
            return sum &+ item.size
        }
    }

    // MARK: common

    /// The file at `path` opened when it exists, is a file and is not empty, HTML or an LFS
    /// pointer; otherwise nil and the finding that says which.
    func openChecked(_ path: String, minimumSize: UInt64 = 0, remedy: String,
                     into findings: inout [ResourceFinding], meter: ProgressMeter) throws(ResourceReadError) -> HostFile? {
        guard let item = directory.item(path) else {
            findings.append(missing(path, remedy: remedy))
            return nil
        }
        guard item.kind == .file else {
            findings.append(ResourceFinding(
                id: .resourceNotARegularFile, severity: .error, path: path, summary: "\(path) is not a regular file",
                explanation: "The checklist expects a file named \(path); this is a \(item.kind == .directory ? "folder" : "special file"). An archive extracted in place leaves a folder of that name.",
                remedy: remedy))
            return nil
        }
        let file = try directory.open(path)
        if let problem = try ContentProblem.sniff(file, minimumSize: minimumSize) {
            findings.append(contentFinding(path, problem, remedy: remedy))
            meter.advance(item.size)
            return nil
        }
        return file
    }

    func missing(_ path: String, remedy: String) -> ResourceFinding {
        let parts = path.slashSeparated()
        let folder = parts.dropLast().joined(separator: "/")
        let name = parts.last ?? ""
        let stem = name.split(separator: ".").first.map(String.init) ?? name
        let near = directory.names(in: folder).filter { $0 != name && $0.hasPrefix(stem) }
        var explanation = "The checklist (seed step 1) needs \(path) in \(directory.path); it is not there."
        if !near.isEmpty {
            explanation += " Similar names are present: \(near.joined(separator: ", ")) (an unfinished download, or a browser's renamed copy?)."
        }
        return ResourceFinding(id: .resourceMissing, severity: .error, path: path, summary: "\(path) is missing",
                               explanation: explanation, remedy: remedy)
    }

    func contentFinding(_ path: String, _ problem: ContentProblem, remedy: String) -> ResourceFinding {
        let id: FindingID
        switch problem {
        case .empty: id = .resourceEmpty
        case .html: id = .resourceIsHTML
        case .lfsPointer: id = .resourceIsLFSPointer
        case .truncated: id = .resourceTooShort
        }
        return ResourceFinding(id: id, severity: .error, path: path, summary: "\(path) \(problem.summary)",
                               explanation: "The build copies \(path) as it is, and the program that loads it fails on these bytes.",
                               remedy: remedy)
    }
}

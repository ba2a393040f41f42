import Archive
import Doctor
import ELFInspect
import RootFS
import Support

/// The model findings for one launch of FeatureExtraction, and the copies that fix them.
public struct OpenFaceModelReport: Equatable, Sendable {
    public var findings: [Finding]
    /// Copies that put a sound model file where the program looks; the lead makes them plan actions.
    public var copies: [ModelFileCopy]
    /// Where each group's anchor file is found, in the program's lookup order (nil: nowhere).
    public var locations: OpenFaceModelLocations
}

/// Where each group's anchor file is found, by group. An array in case order: a dictionary
/// keyed by the group cost a one-time runtime conformance scan (a quarter million
/// instructions) for four entries.
public struct OpenFaceModelLocations: Equatable, Sendable {
    private var bases = [RootPath?](repeating: nil, count: OpenFaceModelGroup.allCases.count)

    public init() {}

    public subscript(group: OpenFaceModelGroup) -> RootPath? {
        get { bases[Self.slot(group)] }
        set { bases[Self.slot(group)] = newValue }
    }

    private static func slot(_ group: OpenFaceModelGroup) -> Int {
        OpenFaceModelGroup.allCases.firstIndex(of: group)!
    }
}

/// Decides, without running the program, whether FeatureExtraction started as `launch`
/// finds each model file, and what it does when one is missing or is not what it claims.
public struct OpenFaceModelCheck: Sendable {
    public let view: RootView
    public let launch: OpenFaceLaunch
    /// More places to take sound copies from (bases laid out like `build/bin`).
    public let additionalSources: [RootPath]
    /// `launch.searchBases`, built once rather than per file looked up.
    private let searchBases: [RootPath]

    public init(view: RootView, launch: OpenFaceLaunch, additionalSources: [RootPath] = []) {
        self.view = view
        self.launch = launch
        self.additionalSources = additionalSources
        searchBases = launch.searchBases
    }

    /// One model file's state at one place.
    enum FileState: Equatable {
        case sound
        case missing
        case corrupt(ContentProblem)
    }

    public func run() throws(RootError) -> OpenFaceModelReport {
        var report = OpenFaceModelReport(findings: [], copies: [], locations: OpenFaceModelLocations())
        for group in OpenFaceModelGroup.allCases { try check(group, into: &report) }
        return report
    }

    // MARK: lookup

    /// The first base whose `rel` exists (`fs::exists` follows links; a dangling one is absent).
    func locate(_ rel: String) throws(RootError) -> RootPath? {
        for base in searchBases {
            if try view.resolve(base.appending(rel)) != nil { return base }
        }
        return nil
    }

    func state(of path: RootPath, minimumSize: UInt64) throws(RootError) -> FileState {
        guard let resolved = try view.resolve(path) else { return .missing }
        guard resolved.entry.kind == .file else { return .corrupt(.empty) }
        // (the size and first bytes only: a model file is megabytes, and its head says what it is)
        let head = try view.head(of: resolved.path, count: ContentProblem.headLength)
        if let problem = ContentProblem.sniff(size: head.size, head: head.bytes, minimumSize: minimumSize) { return .corrupt(problem) }
        return .sound
    }

    /// Places a sound copy of `rel` may be taken from, best first.
    func sourceCandidates(_ rel: String) -> [RootPath] {
        let bases = [launch.binary.parent, launch.installPrefix.appending("bin")] + searchBases + additionalSources
        var paths = bases.map { $0.appending(rel) }
        let trees = [launch.installPrefix.parent, launch.binary.parent.parent.parent]
        for tree in trees {
            for sub in OpenFaceModelCatalog.sourceTreePaths(rel) { paths.append(tree.appending(sub)) }
        }
        var seen = Set<String>()
        return paths.filter { seen.insert($0.string).inserted }
    }

    /// The first sound copy of `rel` other than `destination` itself.
    func soundSource(_ rel: String, excluding destination: RootPath) throws(RootError) -> RootPath? {
        let target = try view.resolve(destination)?.path
        for candidate in sourceCandidates(rel) {
            guard let resolved = try view.resolve(candidate), resolved.path != target else { continue }
            if try state(of: candidate, minimumSize: OpenFaceModelCatalog.minimumSize(rel)) == .sound { return candidate }
        }
        return nil
    }

    // MARK: groups

    private func check(_ group: OpenFaceModelGroup, into report: inout OpenFaceModelReport) throws(RootError) {
        let anchor = OpenFaceModelCatalog.anchor(group)
        guard let base = try locate(anchor) else {
            try anchorMissing(group, into: &report)
            return
        }
        report.locations[group] = base
        var files = [anchor] + OpenFaceModelCatalog.members(group)
        if group == .auPredictors { files += try auDatFiles(base: base) }
        var missing: [String] = []
        var corrupt: [(String, ContentProblem)] = []
        for rel in files {
            switch try state(of: base.appending(rel), minimumSize: OpenFaceModelCatalog.minimumSize(rel)) {
            case .sound: break
            case .missing: missing.append(rel)
            case .corrupt(let problem): corrupt.append((rel, problem))
            }
        }
        for (kind, rels) in OpenFaceModelFindings.partitionMissing(group, missing) {
            var finding = OpenFaceModelFindings.missing(kind, files: rels, base: base, launch: launch)
            try attachCopies(&finding, files: rels, base: base, into: &report)
            report.findings.append(finding)
        }
        for (rel, problem) in corrupt {
            var finding = OpenFaceModelFindings.corrupt(group, file: rel, problem: problem, at: base.appending(rel), launch: launch)
            try attachCopies(&finding, files: [rel], base: base, into: &report)
            report.findings.append(finding)
        }
    }

    /// The anchor is in none of the three places: the whole group has to be put in one.
    private func anchorMissing(_ group: OpenFaceModelGroup, into report: inout OpenFaceModelReport) throws(RootError) {
        let destination = launch.configDirectory
        var files = [OpenFaceModelCatalog.anchor(group)] + OpenFaceModelCatalog.members(group)
        if group == .auPredictors, let source = try soundSource("AU_predictors/AU_all_best.txt", excluding: destination.appending("AU_predictors/AU_all_best.txt")) {
            files += try auDatFiles(listFile: source)
        }
        var finding = OpenFaceModelFindings.anchorMissing(group, launch: launch)
        try attachCopies(&finding, files: files, base: destination, into: &report)
        report.findings.append(finding)
    }

    /// Proposes a copy for each of `files` into `base`; the finding is fixable only when every file has a source.
    private func attachCopies(_ finding: inout Finding, files: [String], base: RootPath,
                              into report: inout OpenFaceModelReport) throws(RootError) {
        var unsourced: [String] = []
        var copies: [ModelFileCopy] = []
        for rel in files {
            let destination = base.appending(rel)
            if let source = try soundSource(rel, excluding: destination) {
                copies.append(ModelFileCopy(source: source, destination: destination, fixes: [finding.id]))
            } else {
                unsourced.append(rel)
            }
        }
        if unsourced.isEmpty && !copies.isEmpty {
            finding.fixable = true
            let list = copies.map { "cp \($0.source) \($0.destination)" }
            finding.remedy = "Copy the sound files found elsewhere in the root (creating folders as needed): " + list.prefix(4).joined(separator: "; ") + (list.count > 4 ? "; … (\(list.count) files)" : "")
            report.copies += copies
        } else if !unsourced.isEmpty {
            finding.remedy = OpenFaceModelFindings.downloadRemedy(unsourced, base: base)
        }
    }

    private func auDatFiles(base: RootPath) throws(RootError) -> [String] {
        try auDatFiles(listFile: base.appending("AU_predictors/AU_all_best.txt"))
    }

    private func auDatFiles(listFile: RootPath) throws(RootError) -> [String] {
        guard try state(of: listFile, minimumSize: 1) == .sound else { return [] }
        let text = String(decoding: try view.head(of: listFile, count: 1 << 16).bytes, as: UTF8.self)
        return OpenFaceModelCatalog.auPredictorFiles(listedIn: text)
    }
}

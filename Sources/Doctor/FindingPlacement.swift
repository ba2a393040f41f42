import LoaderModel
import Support

/// The node of the load graph a finding is about: what `tree` marks with its id.
public enum FindingPlacement: Hashable, Sendable {
    /// The program itself (its interpreter is missing, it is static).
    case program
    /// A loaded object, by position in load order: the copy that lacks versions or symbols,
    /// the library whose search met a skipped file, a library missing companions.
    case object(Int)
    /// A `DT_NEEDED` name the loader cannot open.
    case missing(String)
    /// An `LD_PRELOAD` entry the loader ignores.
    case preload(String)
    /// A `DT_AUXILIARY` name the loader does without.
    case absentAuxiliary(String)
    /// No node: the search path itself, model files, a finding of a later round.
    case none

    /// The findings on each node of `graph`, in the order given.
    public static func map(_ findings: [Finding], in graph: LoadGraph) -> [FindingPlacement: [Finding]] {
        var byPlace: [FindingPlacement: [Finding]] = [:]
        for finding in findings {
            for place in all(finding, in: graph) { byPlace[place, default: []].append(finding) }
        }
        return byPlace
    }

    /// Every node `finding` is about: one, except for a finding that covers several missing
    /// libraries (OF003: all of OpenFace's), or names several loaded ones others may replace
    /// (LD008).
    public static func all(_ finding: Finding, in graph: LoadGraph) -> [FindingPlacement] {
        if finding.rule == .libraryNotFound, !finding.coveredLibraries.isEmpty {
            let names = graph.missing.map(\.name).filter(finding.coveredLibraries.contains)
            if !names.isEmpty { return names.map(FindingPlacement.missing) }
        }
        if finding.rule == .unsafeSearchPath, !finding.exposedObjects.isEmpty {
            let indices = finding.exposedObjects.compactMap { path in graph.objects.first { $0.path.hasSameBytes(as: path) }?.index }
            if !indices.isEmpty { return indices.map(FindingPlacement.object) }
        }
        return [of(finding, in: graph)]
    }

    /// Where `finding` belongs in `graph`.
    public static func of(_ finding: Finding, in graph: LoadGraph) -> FindingPlacement {
        func object(path: String?) -> FindingPlacement? {
            guard let path, let found = graph.objects.first(where: { $0.path.hasSameBytes(as: path) }) else { return nil }
            return .object(found.index)
        }
        func named(_ name: String?) -> FindingPlacement? {
            guard let name else { return nil }
            if graph.missing.contains(where: { $0.name.hasSameBytes(as: name) }) { return .missing(name) }
            if let found = graph.objects.first(where: { $0.names.contains(name) }) { return .object(found.index) }
            return nil
        }
        switch finding.rule {
        case .interpreterNotFound, .interpreterUnusable, .staticExecutable, .programFilter, .programNotExecutable, .programCutShort:
            return .program
        case .preloadIgnored:
            guard let name = finding.library, graph.failedPreloads.contains(where: { $0.name.hasSameBytes(as: name) }) else { return .none }
            return .preload(name)
        case .libraryNotFound, .badCandidate, .staleCache, .danglingSymlink, .wrongClassSkipped:
            return named(finding.library) ?? .none
        case .auxiliaryFilterAbsent:
            guard let name = finding.library, graph.absentAuxiliaries.contains(where: { $0.name.hasSameBytes(as: name) }) else { return .none }
            return .absentAuxiliary(name)
        case .secureExecution, .auditInterface, .containerUserUnknown:
            return .program
        case .isaLevelTooHigh, .bloomFilterAssertion, .dynamicInfoAssertion, .dynamicEntryUnchecked:
            guard let path = finding.resolvedTo, path != graph.executable.path else { return .program }
            return object(path: path) ?? .none
        case .executableStackRefused:
            guard finding.resolvedTo != graph.executable.path else { return .program }
            return named(finding.library) ?? .none
        case .versionFileNotLoaded, .filterCycle, .ifuncInExecutable, .ifuncNotRelocated:
            return object(path: finding.neededBy.first) ?? .none
        case .versionNotFound, .symbolNotFound, .noVersionInformation, .runtimeCompanionMissing, .indirectExternAccess,
             .protectedDirectReference, .copySizeMismatch, .versionRecordUnsupported, .stubLibraryLoaded, .libraryCutShort,
             .loaderLoadedTwice:
            return object(path: finding.resolvedTo) ?? object(path: finding.neededBy.first) ?? .none
        case .unsafeSearchPath, .modelFileMissing, .modelFileCorrupt:
            return .none
        }
    }
}

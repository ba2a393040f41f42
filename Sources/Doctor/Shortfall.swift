import LoaderModel
import Support

/// One cause of version and symbol failures: the loaded object that does not give the objects
/// needing it what they were linked against (a copy from `LD_LIBRARY_PATH` shadowing the
/// system's, an older build), with every failure it causes. A reference that names no library
/// (unversioned) has no known provider: its requester is the cause.
struct Shortfall {
    enum Culprit: Hashable {
        /// The object a version need or versioned reference names (`vn_file`).
        case provider(Int)
        /// The object whose unversioned references no loaded object defines.
        case requester(Int)
    }

    var culprit: Culprit
    /// The name the requesters asked for (`vn_file`), when a provider is the cause.
    var file: String?
    /// `version 'V' not found` needs (fatal ones), in the loader's order.
    var versions: [VersionProblem] = []
    /// References no loaded object binds, as `ldd -r` lists them.
    var symbols: [SymbolProblem] = []

    /// Requesters in the order their first failure appears.
    var requesters: [Int] {
        var seen = Set<Int>()
        return (versions.map(\.requester) + symbols.map(\.requester)).filter { seen.insert($0).inserted }
    }

    /// The fatal version needs and failed lookups of `check`, one shortfall per cause, in the
    /// order the loader meets them (versions are checked before any symbol is bound). Left
    /// out: lookups that wait for a missing library (`WaitedLibrary`: its finding lists them),
    /// and `check_match` assertions (their own finding).
    static func group(_ graph: LoadGraph, check: SymbolCheck) -> [Shortfall] {
        var result: [Shortfall] = []
        var position: [Culprit: Int] = [:]
        func add(_ culprit: Culprit, file: String?, _ update: (inout Shortfall) -> Void) {
            if position[culprit] == nil {
                position[culprit] = result.count
                result.append(Shortfall(culprit: culprit, file: file))
            }
            if let i = position[culprit] { update(&result[i]) }
        }
        for problem in check.versionProblems where problem.kind == .notFound {
            add(.provider(problem.provider), file: problem.file) { $0.versions.append(problem) }
        }
        // (a need of a file nothing loads is its own finding, with its symbols: LD016)
        let unloaded = Set(check.unloadedVersionFiles.map { TextKey($0.file) })
        var waited = WaitedLibrary(graph)
        let byName = SymbolCheck.nameIndex(graph)
        for problem in check.symbolProblems where !problem.assertion {
            if waited.of(problem) != nil { continue }   // the missing library's finding lists it
            if let file = problem.versionFile {
                if unloaded.contains(TextKey(file)) { continue }
                if let provider = byName[TextKey(file)] {
                    add(.provider(provider), file: file) { $0.symbols.append(problem) }
                    continue
                }
            }
            add(.requester(problem.requester), file: nil) { $0.symbols.append(problem) }
        }
        return result
    }
}

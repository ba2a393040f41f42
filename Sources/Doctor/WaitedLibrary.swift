import ELFInspect
import LoaderModel
import Support

/// Which missing library a failed lookup waits for — `ldd -r`, going on past the library in
/// trace mode, lists it as undefined; the loader itself stops at the library. The one its
/// version need names (`vn_file`; also when the loader looks it up unversioned, its index
/// past the table, `VersionTables`); for an unversioned lookup, else its object's first
/// missing library (a guess only when the object lacks two: `WaitingReferenceAttribution`).
/// Nil: the lookup fails for another cause (`Shortfall`). One rule for both sides, so that a
/// lookup is neither lost nor told twice.
struct WaitedLibrary {
    private let graph: LoadGraph
    private let missing: Set<TextKey>
    /// Each object's first missing library, once asked.
    private var firstMissing: [Int: TextKey?] = [:]

    init(_ graph: LoadGraph) {
        self.graph = graph
        missing = Set(graph.missing.map { TextKey($0.name) })
    }

    mutating func of(_ problem: SymbolProblem) -> TextKey? {
        guard !missing.isEmpty else { return nil }
        if let file = problem.versionFile { return missing.contains(TextKey(file)) ? TextKey(file) : nil }
        if let file = Self.neededFile(of: problem, in: graph), missing.contains(TextKey(file)) { return TextKey(file) }
        if firstMissing[problem.requester] == nil {
            firstMissing[problem.requester] = graph.missingDependencies(of: problem.requester).first.map(TextKey.init)
        }
        return firstMissing[problem.requester] ?? nil
    }

    /// The `vn_file` of the version need a reference's symbol names (`DT_VERSYM`), if any.
    static func neededFile(of problem: SymbolProblem, in graph: LoadGraph) -> String? {
        let elf = graph.objects[problem.requester].elf
        guard let raw = elf.versionIndex(ofSymbol: problem.symbolIndex) else { return nil }
        let ndx = raw & VersionSymbolBits.index
        guard ndx >= 2 else { return nil }
        return elf.versionNeeds.first { need in need.entries.contains { $0.index & VersionSymbolBits.index == ndx } }?.file
    }
}

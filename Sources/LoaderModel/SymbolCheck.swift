#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ELFInspect
import Support

/// A `DT_VERNEED` entry the loaded library does not satisfy (elf/dl-version.c `match_symbol`).
public struct VersionProblem: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// `version 'V' not found (required by REQ)`: fatal, exit 1.
        case notFound
        /// The same with `VER_FLG_WEAK`: only a warning.
        case weakNotFound
        /// The needed library defines no versions at all: a warning, then symbols decide.
        case noVersionInformation
    }
    public var requester: Int
    /// The loaded object named by `vn_file`.
    public var provider: Int
    public var file: String
    public var version: String
    public var kind: Kind
}

/// A `DT_VERNEED` entry whose `vn_file` no loaded object is named (its `DT_NEEDED` entry was
/// removed, or renamed by an old patchelf, while the need stayed): ld.so's version check
/// stops there with an internal assertion (elf/dl-version.c `_dl_check_map_versions`:
/// `find_needed` returns nothing), before any relocation; `ldd` and `ld.so --list` too.
public struct UnloadedVersionFile: Equatable, Sendable {
    public var requester: Int
    public var file: String
    /// The versions the entry names.
    public var versions: [String]
    /// How many fatal version problems (`.notFound`, an unsupported `Verdef` record) the
    /// loader printed before it.
    public var versionErrorsBefore: Int

    /// The assertion's line in elf/dl-version.c, as ld.so prints it (measured: 205 in
    /// Debian's 2.31, 204 in its 2.36).
    public static func assertionLine(_ glibc: GlibcVersion) -> Int { glibc >= GlibcVersion(2, 36) ? 204 : 205 }

    /// What ld.so prints (exit 127).
    public static func loaderMessage(_ glibc: GlibcVersion) -> String {
        "Inconsistency detected by ld.so: dl-version.c: \(assertionLine(glibc)): _dl_check_map_versions: Assertion `needed != NULL' failed!"
    }
}

/// A relocation whose symbol no object in the global scope provides.
public struct SymbolProblem: Equatable, Sendable {
    public var requester: Int
    public var symbol: String
    public var version: String?
    /// `vn_file` of the reference's version.
    public var versionFile: String?
    /// Bound at start-up (data, address taken, or BIND_NOW); else at the first call.
    public var atStartup: Bool
    /// The versioned reference met an unversioned object that is its own `vn_file`:
    /// ld.so stops with an assertion (`check_match`), not a lookup error.
    public var assertion: Bool
    /// The symbol's index in the requester's `DT_SYMTAB`.
    public var symbolIndex: Int = 0
}

/// Symbol versions and symbol lookups over a load graph, as glibc does them after loading
/// (elf/dl-version.c, elf/dl-lookup.c `do_lookup_x`, `check_match`). Results are what
/// `ldd -r` reports.
public struct SymbolCheck: Sendable {
    public var versionProblems: [VersionProblem] = []
    /// Version needs of a file nothing loads, in the order the version check meets them.
    public var unloadedVersionFiles: [UnloadedVersionFile] = []
    /// Version records of a version the loader does not know, in the order it meets them.
    public var unsupportedRecords: [UnsupportedVersionRecord] = []
    public var symbolProblems: [SymbolProblem] = []
    /// The program's references to protected definitions glibc checks (2.35 and later), in
    /// the program's symbol order.
    public var protectedReferences: [ProtectedReference] = []
    /// The program's copy relocations of a variable whose size the library changed, in the
    /// program's symbol order.
    public var copySizeMismatches: [CopySizeMismatch] = []
    /// Start-up bindings to an IFUNC of an object not yet relocated (`IFUNCBinding`), in
    /// the order the loader meets them.
    public var ifuncBindings: [IFUNCBinding] = []
    private var ifuncCandidates: [IFUNCCandidate] = []

    /// How lookups find the objects that may define a name; the results are the same.
    public enum LookupStrategy: Sendable {
        /// Walk the whole scope for every name, Bloom filter by Bloom filter, as ld.so does.
        case scan
        /// Visit only the objects the definition index names: linear in the closure, but
        /// building the index reads every symbol's hash-chain word.
        case index
        /// Whichever costs less by an estimate (the default): a small closure's few
        /// references test a few Bloom filters for less than indexing libc's symbols costs.
        case automatic
    }

    /// Whether the lookups (and the definition index) are split over two threads; the
    /// results are the same, in the same order.
    public enum Concurrency: Sendable {
        /// Split when the closure is large enough to pay for a thread and a second CPU is online.
        case automatic
        case never
        /// Split whenever there are two pieces (tests of the split).
        case always

        /// Whether to split work that has two pieces (`possible`) and, left to `.automatic`,
        /// is large enough to pay for a thread (`pays`).
        func splits(possible: Bool, pays: Bool) -> Bool {
            switch self {
            case .automatic: return possible && pays && ConcurrentPair.isWorthwhile
            case .never: return false
            case .always: return possible
            }
        }
    }

    public init(graph: LoadGraph, strategy: LookupStrategy = .automatic, concurrency: Concurrency = .automatic) {
        let scope = graph.objects.map(\.elf)
        var versions = VersionTables(objects: scope, stubFiles: Set(graph.missing.map { TextKey($0.name) }))
        checkVersionNeeds(graph)
        checkSymbols(graph, versions: &versions, strategy: strategy, concurrency: concurrency)
        symbolProblems = Self.inLoaderOrder(symbolProblems, graph: graph)
        Self.placeAmongFailures(&protectedReferences, graph: graph, failures: symbolProblems)
        ifuncBindings = Self.unrelocatedDefiners(ifuncCandidates, graph: graph, failures: symbolProblems)
        ifuncCandidates = []
    }

    /// Of the start-up bindings to IFUNCs in other objects, those whose definer the loader
    /// has not relocated when it relocates the requester (later in `RelocationOrder`; ld.so
    /// relocates itself first), in the order it meets them, each placed among `failures`.
    static func unrelocatedDefiners(_ candidates: [IFUNCCandidate], graph: LoadGraph, failures: [SymbolProblem]) -> [IFUNCBinding] {
        guard !candidates.isEmpty else { return [] }
        var order = LoaderOrder(graph)
        let program = graph.executable.index
        let libc = graph.platform.glibc < RelocationOrder.libcFirstSince ? RelocationOrder.libcObject(in: graph) : nil
        var kept = candidates.compactMap { candidate -> IFUNCBinding? in
            guard order.rank[candidate.definer] > order.rank[candidate.requester],
                  graph.objects[candidate.definer].foundVia != .interpreter, graph.objects[candidate.requester].foundVia != .interpreter,
                  let name = graph.objects[candidate.requester].elf.symbolNameBytes(at: candidate.symbol) else { return nil }
            var binding = IFUNCBinding(requester: candidate.requester, definer: candidate.definer, symbol: ByteString.decode(name),
                                       symbolIndex: candidate.symbol, isFatal: candidate.definer == program)
            binding.resolverCrashes = candidate.definer == libc && graph.objects[candidate.definer].elf.header.machine == 62
            return binding
        }
        guard !kept.isEmpty else { return [] }
        let before = order.failuresBefore(kept.map { ($0.requester, $0.symbolIndex, true) }, failures: failures, in: graph)
        for i in kept.indices { kept[i].failuresBefore = before[i] }
        return kept.sorted { a, b in
            order.key(requester: a.requester, symbol: a.symbolIndex, atStartup: true)
                < order.key(requester: b.requester, symbol: b.symbolIndex, atStartup: true)
        }
    }

    /// Where the loader meets a lookup: the start-up ones first (a lazy one waits for its
    /// call), each group by object in relocation order (`RelocationOrder`), within an
    /// object by its first relocation naming the symbol.
    struct LoaderOrder {
        /// Each object's place in `RelocationOrder`.
        let rank: [Int]
        /// Where each requester's relocations first name the symbols `locate` was given.
        private var positions: [Int: [Int: Int]] = [:]

        init(_ graph: LoadGraph) {
            var rank = [Int](repeating: 0, count: graph.objects.count)
            for (position, object) in RelocationOrder.objects(in: graph).enumerated() { rank[object] = position }
            self.rank = rank
        }

        /// Reads the relocation tables for these (requester, symbol index) pairs, which `key`
        /// then places.
        mutating func locate(_ lookups: [(requester: Int, symbol: Int)], in graph: LoadGraph) {
            positions = Dictionary(grouping: lookups, by: \.requester).mapValues { own in
                graph.objects[own[0].requester].elf.firstRelocationPositions(of: Set(own.map(\.symbol)))
            }
        }

        func key(requester: Int, symbol: Int, atStartup: Bool) -> (Int, Int, Int) {
            (atStartup ? 0 : 1, rank[requester], positions[requester]?[symbol] ?? Int.max)
        }

        /// For each of `lookups`, how many of `failures` the loader meets before it (it stops
        /// at the first). Locates both.
        mutating func failuresBefore(_ lookups: [(requester: Int, symbol: Int, atStartup: Bool)], failures: [SymbolProblem],
                                     in graph: LoadGraph) -> [Int] {
            locate(failures.map { ($0.requester, $0.symbolIndex) } + lookups.map { ($0.requester, $0.symbol) }, in: graph)
            let failed = failures.map { key(requester: $0.requester, symbol: $0.symbolIndex, atStartup: $0.atStartup) }
            return lookups.map { lookup in
                let own = key(requester: lookup.requester, symbol: lookup.symbol, atStartup: lookup.atStartup)
                return failed.filter { $0 < own }.count
            }
        }
    }

    /// Of `objects`, the one the loader relocates first (`RelocationOrder`), and how many
    /// failed lookups it meets at start-up before it does (in the objects relocated before
    /// it; it stops at the first). Nil when `objects` is empty.
    public func firstRelocated(of objects: [Int], in graph: LoadGraph) -> (object: Int, failuresBefore: Int)? {
        guard !objects.isEmpty else { return nil }
        let order = LoaderOrder(graph)
        guard let first = objects.min(by: { order.rank[$0] < order.rank[$1] }) else { return nil }
        let before = symbolProblems.filter { $0.atStartup && order.rank[$0.requester] < order.rank[first] }.count
        return (first, before)
    }

    /// `problems` in the order the loader meets them (`LoaderOrder`).
    static func inLoaderOrder(_ problems: [SymbolProblem], graph: LoadGraph) -> [SymbolProblem] {
        guard problems.count > 1 else { return problems }
        var order = LoaderOrder(graph)
        order.locate(problems.map { ($0.requester, $0.symbolIndex) }, in: graph)
        return problems.enumerated().sorted { a, b in
            func key(_ problem: SymbolProblem) -> (Int, Int, Int) {
                order.key(requester: problem.requester, symbol: problem.symbolIndex, atStartup: problem.atStartup)
            }
            let (ka, kb) = (key(a.element), key(b.element))
            return ka != kb ? ka < kb : a.offset < b.offset
        }.map(\.element)
    }

    // MARK: protected definitions

    /// What the loader checks of the program's copy relocations and canonical PLT entries,
    /// among `references`, once it has found their definitions: a protected definition in a
    /// library (`ProtectedReference`, glibc 2.35+), and a copied variable of another size
    /// (`CopySizeMismatch`). Taken from the strong references the check looks up anyway: a
    /// weak canonical PLT entry, which the loader checks too, is left out; a symbol a
    /// start-up relocation names as well as the jump slot counts as bound at start-up.
    private static func directBindings(_ references: [Reference], graph: LoadGraph, scope: [ELFFile],
                                       definitions: DefinitionIndex?, versions: inout VersionTables)
        -> (protected: [ProtectedReference], sizes: [CopySizeMismatch]) {
        let program = graph.executable.index, elf = scope[program]
        let checksProtected = graph.platform.glibc >= ProtectedReference.since
        let symbolic = elf.dynamic?.symbolic == true ? program : nil
        var protected: [ProtectedReference] = []
        var sizes: [CopySizeMismatch] = []
        // (references come object by object: the program's are one run, usually the first)
        let start = references.firstIndex { $0.object == program } ?? references.endIndex
        for reference in references[start...].prefix(while: { $0.object == program }) {
            // A copy relocation's lookup (past the program), or a PLT-class one of a symbol the
            // program gives a value (its own PLT entry, which that lookup passes over).
            let key = reference.key
            guard key.skipsProgram
                || (checksProtected && !key.takesUndefined && elf.symbolFields(at: reference.symbol).map { $0.value != 0 } == true)
            else { continue }
            let version = versions.version(withID: key.version)
            guard let settled = settlement(key, reference: version, graph: graph, scope: scope, definitions: definitions,
                                           versions: &versions, symbolicFirst: symbolic),
                  settled.found, settled.object != program else { continue }
            let definer = scope[settled.object]
            if key.skipsProgram, let own = elf.symbolSize(at: reference.symbol), let theirs = definer.symbolSize(at: settled.symbol),
               own != theirs {
                sizes.append(CopySizeMismatch(symbol: ByteString.decode(key.name), definer: settled.object,
                                              programSize: own, librarySize: theirs))
            }
            guard checksProtected,
                  definer.symbolFields(at: settled.symbol)?.visibility == SymbolKinds.protectedVisibility else { continue }
            protected.append(ProtectedReference(
                kind: key.skipsProgram ? .copy : .canonicalPLT, symbol: ByteString.decode(key.name), version: version?.name,
                definer: settled.object, refused: definer.needsIndirectExternAccess,
                atStartup: reference.atStartup, symbolIndex: reference.symbol, failuresBefore: 0))
        }
        return (protected, sizes)
    }

    /// Sets each reference's `failuresBefore`: the failed lookups (`failures`, in loader
    /// order) the loader meets before it.
    private static func placeAmongFailures(_ found: inout [ProtectedReference], graph: LoadGraph, failures: [SymbolProblem]) {
        guard !found.isEmpty, !failures.isEmpty else { return }
        let program = graph.executable.index
        var order = LoaderOrder(graph)
        let before = order.failuresBefore(found.map { (program, $0.symbolIndex, $0.atStartup) }, failures: failures, in: graph)
        for i in found.indices { found[i].failuresBefore = before[i] }
    }

    /// Whether every relocation of `elf` is bound at start-up: the environment's
    /// LD_BIND_NOW, or the object's DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW.
    static func bindsNow(_ elf: ELFFile, graph: LoadGraph) -> Bool {
        bindsNow(elf, byEnvironment: graph.bindsNowByEnvironment)
    }

    static func bindsNow(_ elf: ELFFile, byEnvironment: Bool) -> Bool {
        byEnvironment || elf.dynamic.map { d in
            d.bindNow || (d.flags ?? 0) & DynamicFlags.bindNow != 0 || (d.flags1 ?? 0) & DynamicFlags1.now != 0
        } ?? false
    }

    // MARK: version needs

    private mutating func checkVersionNeeds(_ graph: LoadGraph) {
        let byName = Self.nameIndex(graph)
        // A library not found is, to the loader in trace mode, a stub under the name it was
        // needed by, loaded before any copy found later under that name; `find_needed` meets
        // the stub first and the need is not checked (elf/dl-version.c). Outside trace mode
        // the loader has stopped at the missing library already.
        let missing = Set(graph.missing.map { TextKey($0.name) })
        var errors = 0   // fatal version errors printed so far
        for position in graph.objects.indices {
            let elf = graph.objects[position].elf, requester = graph.objects[position].index
            // Only the first Verneed record's version is checked; a bad one ends the check.
            if let first = elf.versionNeeds.first, first.version != 1 {
                unsupportedRecords.append(.init(kind: .need, object: requester, recordVersion: first.version,
                                                versionErrorsBefore: errors))
                return
            }
            for need in elf.versionNeeds where !missing.contains(TextKey(need.file)) {
                guard let provider = byName[TextKey(need.file)] else {
                    unloadedVersionFiles.append(.init(requester: requester, file: need.file, versions: need.entries.map(\.name),
                                                      versionErrorsBefore: errors))
                    continue
                }
                let definitions = graph.objects[provider].elf.versionDefinitions
                for entry in need.entries {
                    if definitions.isEmpty {
                        versionProblems.append(.init(requester: requester, provider: provider, file: need.file,
                                                     version: entry.name, kind: .noVersionInformation))
                        continue
                    }
                    // match_symbol: the definitions in order, each record's version checked
                    // until one matches.
                    var matched = false
                    for definition in definitions {
                        if definition.version != 1 {
                            unsupportedRecords.append(.init(kind: .definition, object: provider, recordVersion: definition.version,
                                                            requester: requester, neededVersion: entry.name,
                                                            versionErrorsBefore: errors))
                            errors += 1
                            matched = true   // (reported; not also as missing)
                            break
                        }
                        if definition.hash == entry.hash && definition.name == entry.name {
                            matched = true
                            break
                        }
                    }
                    if matched { continue }
                    versionProblems.append(.init(requester: requester, provider: provider, file: need.file,
                                                 version: entry.name, kind: entry.isWeak ? .weakNotFound : .notFound))
                    if !entry.isWeak { errors += 1 }
                }
            }
            // Its needs checked, the loader indexes its versions by a DT_VERSYM it lacks.
            if elf.lostForVersionCheck != nil {
                unsupportedRecords.append(.init(kind: .noVersionSymbolTable, object: requester, recordVersion: 0,
                                                versionErrorsBefore: errors))
                return
            }
        }
    }

    /// dl-version.c `find_needed`: the loaded object whose path or a load name is `name`.
    package static func findNeeded(_ name: String, in graph: LoadGraph) -> Int? {
        graph.objects.first { $0.isNamed(name) }?.index
    }

    /// `findNeeded` for every name at once: name → the first object (load order) that
    /// answers to it. One pass instead of a scan per DT_VERNEED entry (quadratic).
    package static func nameIndex(_ graph: LoadGraph) -> [TextKey: Int] {
        var index: [TextKey: Int] = [:]
        index.reserveCapacity(graph.objects.count * 3)   // a path, a name, a soname each
        // By position: `for object in graph.objects` copied each LoadedObject (a dozen
        // references retained and released) to read three of its fields.
        for position in graph.objects.indices {
            let path = graph.objects[position].path, number = graph.objects[position].index
            // The first object keeps a name: `modify` leaves a stored number as it is.
            index.modify(TextKey(path), default: number) { _ in }
            for name in graph.objects[position].names { index.modify(TextKey(name), default: number) { _ in } }
        }
        return index
    }

    // MARK: symbols

    /// One strong undefined reference a relocation makes.
    private struct Reference {
        var object: Int
        var key: ReferenceKey
        var atStartup: Bool
        var symbol: Int
    }

    private mutating func checkSymbols(_ graph: LoadGraph, versions: inout VersionTables, strategy: LookupStrategy,
                                        concurrency: Concurrency) {
        let scope = graph.objects.map(\.elf)   // read per probe: no LoadedObject copies
        // First every reference, so that the definition index holds only the names asked for.
        // With many relocations, each CPU collects the references of half the objects
        // (by their references where read ahead, else relocation count: a program's
        // relative relocations name no symbol, and weighed by relocations it made a half
        // alone): every version table is made first, so both halves read the same ids and
        // neither writes to the tables.
        let relocations = scope.map(\.relocationCount)
        var references: [Reference]
        if concurrency.splits(possible: scope.count >= 2, pays: relocations.reduce(0, +) >= 2 * Self.concurrentReferences) {
            versions.makeEveryTable()
            let weights = scope.allSatisfy(\.hasTablesReadAhead) ? scope.map { $0.undefinedReferences().count } : relocations
            let middle = ConcurrentPair.balancedMiddle(weights)
            var first: [Reference] = [], second: [Reference] = []
            var otherVersions = versions
            ConcurrentPair.run({
                first = Self.references(of: 0..<middle, graph: graph, scope: scope, relocations: relocations, versions: &versions)
            }, {
                second = Self.references(of: middle..<scope.count, graph: graph, scope: scope, relocations: relocations,
                                         versions: &otherVersions)
            })
            references = first
            references += second
        } else {
            references = Self.references(of: scope.indices, graph: graph, scope: scope, relocations: relocations,
                                         versions: &versions)
        }
        let indexes: Bool
        switch strategy {
        case .index: indexes = true
        case .scan: indexes = false
        case .automatic: indexes = Self.indexPays(references: references.count, scope: scope)
        }
        let definitions: DefinitionIndex? = indexes
            ? DefinitionIndex(scope: scope, hashes: references.map(\.key.nameHash), concurrency: concurrency) : nil
        (protectedReferences, copySizeMismatches) = Self.directBindings(references, graph: graph, scope: scope,
                                                                        definitions: definitions, versions: &versions)
        // The lookups are independent: with enough of them, a second CPU takes the names of
        // one `LookupShare`, with its own memo and version tables (interned ids made before
        // the split are the same in both copies). Split by name, each distinct reference is
        // looked up once; split in halves, the last objects' references (the costlier) fell
        // to one thread, which ran twice as long. Problems are kept in reference order.
        guard concurrency.splits(possible: references.count >= 2, pays: references.count >= Self.concurrentReferences) else {
            let found = Self.lookUp(references, share: .all, graph: graph, scope: scope, definitions: definitions,
                                    versions: &versions)
            symbolProblems += found.problems.map(\.element)
            ifuncCandidates = found.ifuncs.map(\.element)
            return
        }
        var first = LookupFindings(), second = LookupFindings()
        var otherVersions = versions
        ConcurrentPair.run({
            first = Self.lookUp(references, share: .hashBitClear, graph: graph, scope: scope, definitions: definitions,
                                versions: &versions)
        }, {
            second = Self.lookUp(references, share: .hashBitSet, graph: graph, scope: scope, definitions: definitions,
                                 versions: &otherVersions)
        })
        symbolProblems += ReferenceOrder.merged(first.problems, second.problems)
        ifuncCandidates = ReferenceOrder.merged(first.ifuncs, second.ifuncs)
    }

    /// A start-up binding to an IFUNC of another object, kept until the relocation order
    /// tells whether that object is relocated yet (most are: libc's, before its users).
    struct IFUNCCandidate {
        var requester: Int
        var definer: Int
        /// The symbol's index in the requester's `DT_SYMTAB`.
        var symbol: Int
    }

    /// The strong undefined references the relocations of the objects at `positions` make,
    /// in object and symbol order.
    private static func references(of positions: Range<Int>, graph: LoadGraph, scope: [ELFFile], relocations: [Int],
                                   versions: inout VersionTables) -> [Reference] {
        // Sized once by the relocation count (a bound): growing copied the array at each
        // doubling, and every copy touched fresh pages (a page fault each).
        var references: [Reference] = []
        references.reserveCapacity(relocations[positions].reduce(0, +))
        for position in positions {
            let elf = scope[position]
            let number = graph.objects[position].index
            let bindNow = bindsNow(elf, graph: graph)
            // The name stays bytes in the file: a `String` is made only for a miss.
            elf.forEachUndefinedReference { undefined in
                let key = ReferenceKey(name: undefined.name, nameHash: undefined.gnuHash,
                                       version: versions.referenceID(of: undefined.symbol, in: number),
                                       skipsProgram: undefined.isCopy, takesUndefined: undefined.onlyOutsidePLTClass)
                references.append(Reference(object: number, key: key, atStartup: undefined.atStartup || bindNow,
                                            symbol: undefined.symbol))
            }
        }
        return references
    }

    /// Whether indexing the scope costs less than the walk: the index reads one chain word
    /// per symbol of the scope, the walk tests one Bloom filter per object and reference
    /// (fewer: repeated references are memoised), each test costing about two chain words.
    static func indexPays(references: Int, scope: [ELFFile]) -> Bool {
        let symbols = scope.reduce(0) { $0 + $1.symbolCount }
        return symbols < 2 * references * scope.count
    }

    /// Reference counts below this are looked up on one thread (a thread costs more).
    static let concurrentReferences = 2_000

    /// What one share of the lookups found, each item with its reference's position.
    private struct LookupFindings {
        var problems: [ReferenceOrder.Item<SymbolProblem>] = []
        var ifuncs: [ReferenceOrder.Item<IFUNCCandidate>] = []
    }

    /// The problems among the references `share` takes, in reference order.
    private static func lookUp(_ references: [Reference], share: LookupShare, graph: LoadGraph, scope: [ELFFile],
                               definitions: DefinitionIndex?, versions: inout VersionTables) -> LookupFindings {
        var found = LookupFindings()
        var memo = ReferenceMemo(expected: share == .all ? references.count : references.count / 2)
        // Read once: `dynamic` is a struct of arrays and strings, copied at each read.
        let symbolic = scope.map { $0.dynamic?.symbolic == true }
        for position in references.indices where share.takes(references[position].key.nameHash) {
            let item = references[position]
            let key = item.key
            let answer: ReferenceMemo.Answer
            var assertion = false
            let known = memo.find(key)
            if let cached = known.answer {
                answer = cached
            } else {
                let result = Self.lookup(key, reference: versions.version(withID: key.version), graph: graph, scope: scope,
                                         definitions: definitions, versions: &versions,
                                         symbolicFirst: symbolic[item.object] ? item.object : nil)
                answer = ReferenceMemo.Answer(found: result.found, ifuncIn: result.ifuncIn)
                assertion = result.assertion
                if !assertion { memo.insert(key, answer, at: known.slot) }
            }
            if answer.found {
                // (kept when bound at start-up in another object; the relocation order decides later)
                if answer.ifuncIn >= 0 && Int(answer.ifuncIn) != item.object && item.atStartup {
                    found.ifuncs.append(.init(position: position, element: IFUNCCandidate(
                        requester: item.object, definer: Int(answer.ifuncIn), symbol: item.symbol)))
                }
                continue
            }
            let reference = versions.version(withID: key.version)
            found.problems.append(.init(position: position, element: SymbolProblem(
                requester: item.object, symbol: ByteString.decode(key.name), version: reference?.name,
                versionFile: reference?.file, atStartup: item.atStartup, assertion: assertion, symbolIndex: item.symbol)))
        }
        return found
    }

    /// A reference as the memo knows it: the name's bytes (in its file's string table),
    /// the version it asks for (`VersionTables.Version.id`, -1 for none), whether the
    /// lookup passes over the executable (a copy relocation's) and whether an undefined
    /// symbol with a value satisfies it (no PLT-class relocation names it). Plain values: a
    /// key is copied and compared without touching a reference count.
    struct ReferenceKey: Equatable {
        let name: UnsafeRawBufferPointer
        let nameHash: UInt32
        let version: Int32
        let skipsProgram: Bool
        let takesUndefined: Bool

        init(name: UnsafeRawBufferPointer, nameHash: UInt32, version: Int32, skipsProgram: Bool = false,
             takesUndefined: Bool = false) {
            self.name = name
            self.nameHash = nameHash
            self.version = version
            self.skipsProgram = skipsProgram
            self.takesUndefined = takesUndefined
        }

        static func == (lhs: ReferenceKey, rhs: ReferenceKey) -> Bool {
            guard lhs.nameHash == rhs.nameHash, lhs.name.count == rhs.name.count, lhs.version == rhs.version,
                  lhs.skipsProgram == rhs.skipsProgram, lhs.takesUndefined == rhs.takesUndefined else { return false }
            guard let a = lhs.name.baseAddress, let b = rhs.name.baseAddress else { return lhs.name.count == 0 }
            return memcmp(a, b, lhs.name.count) == 0
        }
    }

    /// `_dl_lookup_symbol_x` over the global scope (load order). With a definition index,
    /// only the objects it names are visited: the others cannot define the name. A copy
    /// relocation's lookup passes over the executable (the scope's first object), whose
    /// symbol is the copy being filled.
    static func lookup(_ key: ReferenceKey, reference: VersionTables.Version?, graph: LoadGraph, scope: [ELFFile],
                       definitions: DefinitionIndex?, versions: inout VersionTables,
                       symbolicFirst: Int?) -> (found: Bool, assertion: Bool, ifuncIn: Int32) {
        guard let settled = settlement(key, reference: reference, graph: graph, scope: scope, definitions: definitions,
                                       versions: &versions, symbolicFirst: symbolicFirst) else { return (false, false, -1) }
        return (settled.found, settled.assertion, settled.ifunc ? Int32(truncatingIfNeeded: settled.object) : -1)
    }

    /// How a lookup ends in the object that settles it (`do_lookup_x`'s `found_it`).
    struct Settlement {
        var found: Bool
        var assertion: Bool
        /// Where: the object's position in the scope and the symbol's index in its table.
        var object: Int
        var symbol: Int
        /// The definition is an IFUNC (`STT_GNU_IFUNC`, defined).
        var ifunc = false
    }

    /// `lookup`, telling where it ended: nil when no object settles it (not found).
    /// (Inlined: it runs once a reference, and a call with this answer cost a tenth more
    /// than the lookup it wraps.)
    @inline(__always)
    static func settlement(_ key: ReferenceKey, reference: VersionTables.Version?, graph: LoadGraph, scope: [ELFFile],
                           definitions: DefinitionIndex?, versions: inout VersionTables,
                           symbolicFirst: Int?) -> Settlement? {
        let skipped = key.skipsProgram ? 0 : -1
        // The DT_SYMBOLIC object itself first, then the scope without it.
        if let first = symbolicFirst, first != skipped,
           let result = visit(first, key, reference: reference, graph: graph, scope: scope, versions: &versions) {
            return result
        }
        var result: Settlement?
        if let definitions {
            definitions.forEachCandidate(for: key.nameHash) { index in
                if index == symbolicFirst || index == skipped { return true }
                result = visit(index, key, reference: reference, graph: graph, scope: scope, versions: &versions)
                return result == nil
            }
        } else {
            for index in scope.indices where index != symbolicFirst && index != skipped {
                result = visit(index, key, reference: reference, graph: graph, scope: scope, versions: &versions)
                if result != nil { break }
            }
        }
        return result
    }

    /// `do_lookup_x` in one object: the lookup's answer when this object settles it, nil
    /// when the search goes on to the next.
    private static func visit(_ index: Int, _ key: ReferenceKey, reference: VersionTables.Version?, graph: LoadGraph,
                              scope: [ELFFile], versions: inout VersionTables) -> Settlement? {
        let elf = scope[index]
        var versionedCandidates = 0
        var versioned = Settlement(found: true, assertion: false, object: index, symbol: 0)
        var settled: Settlement?
        elf.forEachSymbolIndex(named: key.name, gnuHash: key.nameHash) { candidate in
            guard let symbol = elf.symbolFields(at: candidate), Self.isDefinition(symbol, takesUndefined: key.takesUndefined)
            else { return true }
            let found = Settlement(found: true, assertion: false, object: index, symbol: candidate,
                                   ifunc: symbol.type == SymbolKinds.gnuIndirectFunction
                                       && symbol.sectionIndex != SymbolKinds.undefinedSection)
            guard let raw = elf.versionIndex(ofSymbol: candidate) else {
                // No DT_VERSYM: any reference matches, except the library the need names.
                if let reference, let file = reference.file,
                   graph.objects[index].isNamed(file) {
                    settled = Settlement(found: false, assertion: true, object: index, symbol: candidate)
                } else {
                    settled = found
                }
                return false
            }
            let ndx = raw & VersionSymbolBits.index
            if let reference {
                let own = versions.definition(ndx, in: index, comparedWith: reference)
                if !own.matches && (reference.hidden || own.hash != 0 || raw & VersionSymbolBits.hidden != 0) { return true }
                settled = found
                return false
            }
            if ndx >= 3 {
                if raw & VersionSymbolBits.hidden == 0 {
                    versionedCandidates += 1
                    versioned = found
                }
                return true
            }
            settled = found
            return false
        }
        if let settled { return settled }
        // An unversioned reference takes the sole non-hidden versioned definition.
        if reference == nil && versionedCandidates == 1 { return versioned }
        return nil
    }

    /// `check_match`/`do_lookup_x`: which symbol table entries can satisfy a reference.
    /// `takesUndefined`: the reference is made only by relocations outside the PLT class,
    /// which an undefined symbol with a value (a canonical PLT entry) satisfies too.
    static func isDefinition(_ symbol: SymbolFields, takesUndefined: Bool = false) -> Bool {
        if symbol.value == 0 && symbol.sectionIndex != SymbolKinds.absoluteSection && symbol.type != SymbolKinds.tls {
            return false
        }
        if symbol.sectionIndex == SymbolKinds.undefinedSection && !takesUndefined { return false }
        switch symbol.type {
        case SymbolKinds.noType, SymbolKinds.object, SymbolKinds.function, SymbolKinds.common, SymbolKinds.tls,
             SymbolKinds.gnuIndirectFunction: break
        default: return false
        }
        guard symbol.binding == DynamicSymbol.global || symbol.binding == DynamicSymbol.weak
                || symbol.binding == DynamicSymbol.unique else { return false }
        return symbol.visibility != SymbolKinds.internalVisibility && symbol.visibility != SymbolKinds.hiddenVisibility
    }
}

/// Each object's `l_versions`: version index → (name, hash), from its verdefs and verneeds.
/// Every distinct version of the closure is kept once, under an id; an object's table maps
/// its version indices to ids.
///
/// With a library missing (`ldd`, trace mode: the loader goes on with a stub under its name),
/// the table is as long as the highest index of the object's definitions and of its needs of
/// files that are not stubs (elf/dl-version.c `_dl_check_map_versions` skips a stub's needs
/// when it sizes the table, then stores every need whose index fits). A reference whose
/// index lies past that end reads past the loader's table: measured (2.31, 2.36, 2.41), it
/// finds a zero hash there and is looked up, and printed, unversioned.
struct VersionTables {
    struct Version: Equatable {
        var name: String
        var hash: UInt32
        var hidden: Bool
        var file: String?
        /// The same number for the same (name, hash, hidden, file) in every object of the
        /// closure: what the symbol check's memo keys on, without copying strings.
        var id: Int32 = -1

        func sameVersion(as other: Version) -> Bool {
            hash == other.hash && hidden == other.hidden && name == other.name && file == other.file
        }
    }

    /// An object's version index → id: an array by index for the usual handful of small
    /// indices, sorted pairs when a (hostile) file uses large ones.
    private enum Table {
        case dense([Int32])
        case sparse(VersionIndexMap<Int32>)

        subscript(ndx: UInt16) -> Int32? {
            switch self {
            case .dense(let ids):
                let id = Int(ndx) < ids.count ? ids[Int(ndx)] : -1
                return id < 0 ? nil : id
            case .sparse(let map):
                return map[ndx]
            }
        }
    }

    private let objects: [ELFFile]
    /// The names of missing libraries: the loader's stubs in trace mode.
    private let stubFiles: Set<TextKey>
    /// By object position; made on first use.
    private var tables: [Table?]
    /// Every distinct version met so far, by id.
    private var distinct: [Version] = []
    /// Open addressing on the version hash: id + 1 per slot, 0 when empty; at most half full.
    private var slots = [Int32](repeating: 0, count: 256)
    static let denseLimit = 1024

    init(objects: [ELFFile], stubFiles: Set<TextKey> = []) {
        self.objects = objects
        self.stubFiles = stubFiles
        tables = Array(repeating: nil, count: objects.count)
    }

    /// Makes every object's table now: copies made afterwards then read the same ids and
    /// never write (the symbol check's concurrent halves).
    mutating func makeEveryTable() {
        for object in objects.indices where tables[object] == nil { tables[object] = makeTable(object) }
    }

    /// The id `object` gives version index `ndx`; nil when unset. (Read in place: a
    /// `Table` returned by value was copied, its array retained, per reference.)
    private mutating func id(_ ndx: UInt16, in object: Int) -> Int32? {
        if tables[object] == nil { tables[object] = makeTable(object) }
        return tables[object]?[ndx]
    }

    private mutating func makeTable(_ object: Int) -> Table {
        let elf = objects[object]
        // The largest index first (a stub's needs left out), so that the usual table is
        // filled in place: a list of pairs in between was an allocation a library.
        var largest = 0
        var stubNeed = [Bool]()
        if !stubFiles.isEmpty { stubNeed = elf.versionNeeds.map { stubFiles.contains(TextKey($0.file)) } }
        for (n, need) in elf.versionNeeds.enumerated() where stubNeed.isEmpty || !stubNeed[n] {
            for entry in need.entries { largest = max(largest, Int(entry.index & VersionSymbolBits.index)) }
        }
        for definition in elf.versionDefinitions { largest = max(largest, Int(definition.index & VersionSymbolBits.index)) }
        let dense = largest < Self.denseLimit
        var ids = dense ? [Int32].filled(with: -1, count: largest + 1) : []
        var pairs: [VersionIndexMap<Int32>.Pair] = []
        // In file order: a later entry for the same index replaces an earlier one. A stub's
        // needs are stored only where the table, sized without them, has room.
        func store(_ index: UInt16, _ id: Int32) {
            guard Int(index) <= largest else { return }
            if dense { ids[Int(index)] = id } else { pairs.append(.init(index: index, value: id)) }
        }
        for (n, need) in elf.versionNeeds.enumerated() {
            let stub = !stubNeed.isEmpty && stubNeed[n]
            for entry in need.entries {
                let id = intern(Version(name: entry.name, hash: entry.hash,
                                        hidden: entry.index & VersionSymbolBits.hidden != 0, file: need.file))
                if !stub || Int(entry.index & VersionSymbolBits.index) <= largest { store(entry.index & VersionSymbolBits.index, id) }
            }
        }
        for definition in elf.versionDefinitions {
            // The base version (the file's own name, VER_FLG_BASE) sizes the table but is not
            // stored: "not available for matching a versioned symbol" (dl-version.c), so a
            // definition at its index (1, `*global*`) has hash 0 and binds a versioned
            // reference that is not hidden (dl-lookup.c `check_match`).
            guard !definition.isBase else { continue }
            store(definition.index & VersionSymbolBits.index, intern(Version(name: definition.name, hash: definition.hash,
                                                                            hidden: false, file: nil)))
        }
        return dense ? .dense(ids) : .sparse(VersionIndexMap(pairs))
    }

    /// The id of `version`, given one when it is new.
    private mutating func intern(_ version: Version) -> Int32 {
        var at = slot(for: version)
        if slots[at] != 0 { return slots[at] - 1 }
        if (distinct.count + 1) * 2 > slots.count {
            slots = [Int32](repeating: 0, count: slots.count * 2)
            for known in distinct { slots[slot(for: known)] = known.id + 1 }
            at = slot(for: version)
        }
        var version = version
        version.id = Int32(truncatingIfNeeded: distinct.count)
        distinct.append(version)
        slots[at] = version.id + 1
        return version.id
    }

    /// The slot holding `version`, or the empty one where it goes.
    private func slot(for version: Version) -> Int {
        let mask = slots.count - 1
        var at = Int(truncatingIfNeeded: (UInt64(version.hash) &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
        while slots[at] != 0 && !distinct[Int(slots[at]) - 1].sameVersion(as: version) { at = (at + 1) & mask }
        return at
    }

    /// The version with this id (`Version.id`); nil for -1, an unversioned reference.
    func version(withID id: Int32) -> Version? {
        id >= 0 && Int(id) < distinct.count ? distinct[Int(id)] : nil
    }

    /// The id of the version a reference at symbol `index` of `object` asks for (-1:
    /// unversioned). An id, not the `Version`: no strings are copied per reference.
    mutating func referenceID(of index: Int, in object: Int) -> Int32 {
        guard let raw = objects[object].versionIndex(ofSymbol: index) else { return -1 }
        let ndx = raw & VersionSymbolBits.index
        guard ndx >= 2, let id = id(ndx, in: object) else { return -1 }
        return distinct[Int(id)].hash != 0 ? id : -1
    }

    /// Whether `l_versions[ndx]` of a candidate object has `reference`'s name and hash
    /// (unset: name "" and hash 0), and its hash. No `Version` is copied.
    mutating func definition(_ ndx: UInt16, in object: Int, comparedWith reference: Version) -> (matches: Bool, hash: UInt32) {
        guard let id = id(ndx, in: object) else { return (reference.hash == 0 && reference.name.isEmpty, 0) }
        let hash = distinct[Int(id)].hash
        return (hash == reference.hash && distinct[Int(id)].name == reference.name, hash)
    }
}

import ELFInspect
import LoaderModel
import RootFS
import Support

/// Version and symbol findings: one per cause (`Shortfall`), listing everything it breaks.
extension FindingCatalog {
    /// True when the object was found through a directory of `LD_LIBRARY_PATH`.
    public static func viaLibraryPath(_ object: LoadedObject) -> Bool {
        if case .search(.libraryPath, _) = object.foundVia { return true }
        return false
    }

    static func shortfallFindings(_ graph: LoadGraph, symbols: SymbolCheck, argv0: String, system: TargetSystem?,
                                  rules: [any ApplicationRules] = []) -> [Finding] {
        var result = versionWarnings(graph, symbols: symbols, argv0: argv0)
        for shortfall in Shortfall.group(graph, check: symbols) {
            switch shortfall.culprit {
            case .provider(let provider):
                result.append(providerFinding(shortfall, provider: graph.objects[provider], graph: graph, argv0: argv0, system: system,
                                              rules: rules))
            case .requester(let requester):
                result.append(requesterFinding(shortfall, requester: graph.objects[requester], graph: graph, argv0: argv0, system: system))
            }
        }
        result += assertionFindings(graph, symbols: symbols)
        return result
    }

    /// `N versions`, `1 version`: counts in prose.
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// ` and N more` after the first of `items`, or nothing.
    static func more(_ items: [String]) -> String { items.count > 1 ? " and \(items.count - 1) more" : "" }

    static func references(_ problems: [SymbolProblem], in graph: LoadGraph) -> [SymbolReference] {
        problems.map { SymbolReference(name: $0.symbol, version: $0.version, requester: graph.objects[$0.requester].path) }
    }

    static func lookupText(_ problem: SymbolProblem) -> String {
        problem.symbol + (problem.version.map { ", version \($0)" } ?? "")
    }

    /// When a loaded object the loader never searches (`ELFFile.isUnsearchable`) holds one of
    /// the missing definitions: a sentence saying so, else nothing.
    static func unsearchableNote(_ problems: [SymbolProblem], graph: LoadGraph) -> String {
        unseenDefinition(problems, graph: graph)?.note ?? ""
    }

    /// A loaded object that does define one of the missing symbols, where the loader cannot
    /// see it (the file is damaged): its path, and a sentence saying why.
    static func unseenDefinition(_ problems: [SymbolProblem], graph: LoadGraph) -> (path: String, note: String)? {
        for object in graph.objects where object.elf.isUnsearchable {
            if let symbol = problems.map(\.symbol).first(where: { object.elf.definesByScan($0) }) {
                return (object.path, " \(object.path) does define \(symbol), but it has no usable symbol hash table (DT_GNU_HASH or DT_HASH, or one without buckets), and the loader never looks for a symbol in such an object: the file is damaged, or a tool rewrote it. Reinstall it from its package.")
            }
        }
        // (a file's own versioned definitions, its DT_VERDEF gone: `scanUndefinedReferences`)
        for problem in problems {
            let object = graph.objects[problem.requester]
            if object.elf.hasVersionTable, object.elf.versionDefinitions.isEmpty, object.elf.definesByScan(problem.symbol) {
                return (object.path, " \(object.path) defines \(problem.symbol) itself, under a version its DT_VERSYM names, but has no DT_VERDEF to say which: the loader looks its own reference up through a table of versions that no longer holds that version, and passes the definition over. The file is damaged, or a tool rewrote it. Reinstall it from its package.")
            }
        }
        return nil
    }

    static func bindingText(_ problems: [SymbolProblem]) -> String {
        problems.contains(where: \.atStartup)
            ? "A reference is bound at start-up, so the program does not start."
            : "The references are bound lazily: the program starts and dies at the first call."
    }

    /// One provider that lacks versions or symbols its consumers were linked against.
    static func providerFinding(_ shortfall: Shortfall, provider: LoadedObject, graph: LoadGraph, argv0: String,
                                system: TargetSystem?, rules: [any ApplicationRules] = []) -> Finding {
        let file = shortfall.file ?? provider.soname ?? provider.path
        let requesters = shortfall.requesters.map { graph.objects[$0].path }
        let requesterNames = shortfall.requesters.map { fileName(graph.objects[$0].path) }
        var versionNames: [String] = []
        for problem in shortfall.versions where !versionNames.contains(problem.version) { versionNames.append(problem.version) }
        let lookups = shortfall.symbols.filter(\.atStartup) + shortfall.symbols.filter { !$0.atStartup }
        let via = provider.foundVia.label
        var explanation: String
        let summary: String
        let message: String
        if let first = shortfall.versions.first {
            let were = requesterNames.count == 1 ? "was" : "were"
            explanation = "\(shortList(requesterNames)) \(were) linked against a \(file) that defines \(versionNames.count == 1 ? "version \(first.version)" : "\(versionNames.count) versions it needs"); \(provider.path), the copy the loader found (\(via)), does not define \(versionNames.count == 1 ? "it" : "them"). The loader checks every version need before it binds a symbol, prints each one missing, and stops."
            if !lookups.isEmpty {
                explanation += " \(count(lookups.count, "reference")) to \(versionNames.count == 1 ? "that version" : "those versions") cannot bind either (ldd -r lists \(lookups.count == 1 ? "it as an undefined symbol" : "them as undefined symbols"))."
            }
            let requesterName = first.requester == 0 ? argv0 : graph.objects[first.requester].loaderName
            summary = "version \(first.version)\(more(versionNames)) not found in \(provider.path) (required by \(shortList(requesters)))"
            message = "\(argv0): \(provider.loaderName): version `\(first.version)' not found (required by \(requesterName))"
        } else {
            let first = lookups[0]
            let others = lookups.count == 1 ? "" : ", nor \(count(lookups.count - 1, "more symbol")) that \(shortList(requesterNames)) \(requesterNames.count == 1 ? "references" : "reference")"
            explanation = "No object in the global scope defines \(first.symbol)\(first.version.map { " at version \($0)" } ?? "")\(others); \(provider.path) (\(via)) is the \(file) the loader found, and it lacks \(lookups.count == 1 ? "it" : "them")."
            explanation += " " + bindingText(lookups) + unsearchableNote(lookups, graph: graph)
            let requesterName = first.requester == 0 ? argv0 : graph.objects[first.requester].loaderName
            summary = "\(provider.path) lacks \(first.symbol)\(first.version.map { "@" + $0 } ?? "")\(more(lookups.map(\.symbol))) (required by \(shortList(requesters)))"
            message = "\(argv0): symbol lookup error: \(requesterName): undefined symbol: \(lookupText(first))"
        }
        if viaLibraryPath(provider) {
            explanation += " That copy comes from a directory on LD_LIBRARY_PATH, ahead of the system's directories"
            let cache = system?.cache.map { CacheLookup(cache: $0, platform: graph.platform) }
            if let hidden = cache?.lookup(file), hidden != provider.path {
                explanation += ": it hides \(hidden) (ld.so.cache)."
            } else {
                explanation += "."
            }
        }
        let hasVersions = !shortfall.versions.isEmpty
        var finding = Finding(
            id: hasVersions ? .versionNotFound : .symbolNotFound,
            rule: hasVersions ? .versionNotFound : .symbolNotFound,
            summary: summary, explanation: explanation, loaderMessage: message,
            library: file, symbol: lookups.first?.symbol,
            version: shortfall.versions.first?.version ?? lookups.first?.version,
            neededBy: requesters, resolvedTo: provider.path,
            symbols: references(shortfall.symbols, in: graph),
            versions: shortfall.versions.map { VersionReference(name: $0.version, requester: graph.objects[$0.requester].path) })
        finding.failsAtFirstCall = !hasVersions && !lookups.contains(where: \.atStartup)
        if let documented = rules.documentedFailure(finding, provider: provider, graph: graph, system: system) {
            finding.id = documented.id
            if let note = documented.note { finding.explanation += " " + note }
        }
        return finding
    }

    /// Unversioned references of one object that no loaded object defines.
    static func requesterFinding(_ shortfall: Shortfall, requester: LoadedObject, graph: LoadGraph, argv0: String,
                                 system: TargetSystem? = nil) -> Finding {
        let lookups = shortfall.symbols.filter(\.atStartup) + shortfall.symbols.filter { !$0.atStartup }
        let first = lookups[0]
        let requesterName = requester.index == 0 ? argv0 : requester.loaderName
        let them = lookups.count == 1 ? "it" : "them"
        let undefined = "No object in the global scope defines \(first.symbol)\(lookups.count == 1 ? "" : " or \(lookups.count - 1) more \(lookups.count == 2 ? "symbol" : "symbols") \(requester.path) references")."
        // (where a loaded object does define one, but the loader cannot see it, that is why,
        // and mending that file is the remedy)
        let damaged = unseenDefinition(lookups, graph: graph)
        let unseen = damaged?.note ?? ""
        var explanation = unseen.isEmpty
            ? "\(undefined) The references name no version, so nothing says which library should have \(them): \(requester.path) was linked against a library that defined \(them), and the copy loaded now does not. \(bindingText(lookups))"
            : "The loader finds no definition of " + undefined.dropFirst("No object in the global scope defines ".count) + " \(bindingText(lookups))"
        var remedy = damaged.map { reinstall($0.path) + "." }
        // A Python extension module checked by itself, or a library it loads (torch's `_C`
        // loads libtorch_python.so, which references the C API and is linked without libpython).
        let program = graph.executable
        if requester.index == 0 || lookups.contains(where: { PythonExtensionModule.isCAPI($0.symbol) }),
           let module = PythonExtensionModule(program.elf, path: program.path) {
            (explanation, remedy) = moduleText(module, lookups: lookups, undefined: undefined, path: program.path,
                                               requester: requester.index == 0 ? nil : requester.path)
        }
        // A library of the requester's own that LD_LIBRARY_PATH supplies, hiding a copy of
        // the same soname that defines them all: that copy is the one it was linked against.
        let shadow = damaged == nil ? system.flatMap { shadowingCopy(needed: requester, lacking: lookups, graph: graph, system: $0) } : nil
        if let shadow {
            explanation += " \(shadow.object.path) is the \(shadow.name) the loader found, from a directory on LD_LIBRARY_PATH ahead of the system's directories, and it lacks \(them): it hides \(shadow.hidden), which defines \(them)."
        }
        var finding = Finding(
            id: .symbolNotFound, rule: .symbolNotFound,
            summary: "undefined symbol \(first.symbol)\(more(lookups.map(\.symbol))) (required by \(requester.path))",
            explanation: explanation + unseen,
            loaderMessage: "\(argv0): symbol lookup error: \(requesterName): undefined symbol: \(lookupText(first))",
            library: shadow?.name, symbol: first.symbol, version: first.version, neededBy: [requester.path],
            resolvedTo: shadow?.object.path, remedy: remedy ?? shadow.map { "take \(Resolver.directoryName($0.object.path)) off LD_LIBRARY_PATH, so that the loader finds \($0.hidden)" },
            symbols: references(shortfall.symbols, in: graph))
        finding.failsAtFirstCall = !first.atStartup
        if let damaged, remedy?.hasPrefix(reinstall(damaged.path)) == true { finding.reinstallPath = damaged.path }
        return finding
    }

    /// Of the libraries `requester` needs, the one a directory on `LD_LIBRARY_PATH` supplied
    /// while the copy the loader finds without it (its cache entry, else the first default
    /// directory that has the name) defines every one of `lookups`: unversioned references
    /// name no library, so this is how the copy they were linked against is told apart.
    static func shadowingCopy(needed requester: LoadedObject, lacking lookups: [SymbolProblem], graph: LoadGraph,
                              system: TargetSystem) -> (object: LoadedObject, name: String, hidden: String)? {
        let cache = system.cache.map { CacheLookup(cache: $0, platform: graph.platform) }
        // (a bounded look: the names of the first few references decide)
        let names = Array(Set(lookups.map(\.symbol))).sorted().prefix(16)
        for case let index? in requester.dependencies {
            let object = graph.objects[index]
            guard viaLibraryPath(object), let name = object.soname ?? object.names.first else { continue }
            let hidden = cache?.lookup(name)
                ?? graph.platform.defaultDirectories.first { hasFile(name, in: $0, system: system) }.map { $0 + "/" + name }
            guard let hidden, let real = ((try? system.root.resolve(RootPath(hidden))) ?? nil)?.path.string,
                  !real.hasSameBytes(as: object.realPath),
                  let bytes = try? system.root.contents(of: RootPath(hidden)),
                  let elf = try? ELFFile(bytes: bytes, path: hidden),
                  names.allSatisfy({ elf.definesByScan($0) }) else { continue }
            return (object, name, hidden)
        }
        return nil
    }

    /// A Python extension module checked by itself (`requester` nil), or a library it loads
    /// (`requester`): what the C API references are, and which of the others, if any, must
    /// come from a library.
    static func moduleText(_ module: PythonExtensionModule, lookups: [SymbolProblem], undefined: String,
                           path: String, requester: String? = nil) -> (explanation: String, remedy: String) {
        let python = module.builtFor ?? "the Python it was built for"
        let others = lookups.map(\.symbol).filter { !PythonExtensionModule.isCAPI($0) }
        let whose = requester.map { "\($0) is loaded by \(path), a Python extension module" } ?? "\(path) is a Python extension module"
        var explanation = "\(undefined) \(whose) (it defines \(module.initFunction)): the interpreter that imports it defines Python's C API (its executable or libpython), and the loader on the module alone, as here and in `ldd -r`, cannot find those references."
        var remedy = "Import \(requester == nil ? "it" : path) from \(python), whose interpreter defines the C API"
        if let other = others.first {
            let count = others.count
            explanation += " \(count == 1 ? "One reference is" : "\(count) references are") not Python's (\(other)\(count > 1 ? ", …" : "")): \(count == 1 ? "it" : "they") must come from a library the module or the interpreter loads, and no loaded object defines \(count == 1 ? "it" : "them")."
            remedy += "; \(other)\(count > 1 ? " and \(count - 1) more" : "") must come from a library: install the library version the module was built with, or rebuild the module against the one present"
        }
        return (explanation, remedy + ".")
    }

    /// A versioned reference that met an object with no `DT_VERSYM` that is its own
    /// `vn_file`: ld.so stops with an internal assertion (dl-lookup.c `check_match`).
    static func assertionFindings(_ graph: LoadGraph, symbols: SymbolCheck) -> [Finding] {
        var result: [Finding] = []
        var seen = Set<TextKey>()
        for problem in symbols.symbolProblems where problem.assertion {
            guard seen.insert(TextKey("\(problem.requester)|\(problem.versionFile ?? "")")).inserted else { continue }
            let requester = graph.objects[problem.requester]
            let provider = problem.versionFile.flatMap { SymbolCheck.findNeeded($0, in: graph) }.map { graph.objects[$0] }
            let all = symbols.symbolProblems.filter { $0.assertion && $0.requester == problem.requester && $0.versionFile == problem.versionFile }
            result.append(Finding(
                id: .symbolNotFound, rule: .symbolNotFound,
                summary: "\(provider?.path ?? problem.versionFile ?? "?") has no symbol versions but \(requester.path) needs \(problem.symbol)\(problem.version.map { ", version \($0)" } ?? "") from it",
                explanation: "The library the version need names has no DT_VERSYM at all; glibc treats that as a broken library and stops with an internal assertion (dl-lookup.c check_match).",
                loaderMessage: "Inconsistency detected by ld.so: dl-lookup.c: 107: check_match: Assertion `version->filename == NULL || ! _dl_name_match_p (version->filename, map)' failed!",
                library: problem.versionFile, symbol: problem.symbol, version: problem.version,
                neededBy: [requester.path], resolvedTo: provider?.path, symbols: references(all, in: graph)))
        }
        return result
    }

    /// Weak version needs not met and libraries without version information: warnings, one
    /// per provider and kind.
    static func versionWarnings(_ graph: LoadGraph, symbols: SymbolCheck, argv0: String) -> [Finding] {
        let groups = symbols.versionProblems.filter { $0.kind == .weakNotFound || $0.kind == .noVersionInformation }
            .groupedInOrder { "\($0.provider)|\($0.kind)" }
        return groups.compactMap { problems -> Finding? in
            guard let first = problems.first else { return nil }
            let provider = graph.objects[first.provider]
            var requesterIndices: [Int] = []
            for problem in problems where !requesterIndices.contains(problem.requester) { requesterIndices.append(problem.requester) }
            let requesters = requesterIndices.map { graph.objects[$0].path }
            var names: [String] = []
            for problem in problems where !names.contains(problem.version) { names.append(problem.version) }
            let requesterName = first.requester == 0 ? argv0 : graph.objects[first.requester].loaderName
            let versions = problems.map { VersionReference(name: $0.version, requester: graph.objects[$0.requester].path) }
            if first.kind == .noVersionInformation {
                return Finding(
                    id: .noVersionInformation, rule: .noVersionInformation, severity: .warning,
                    summary: "\(provider.path) has no version information (required by \(shortList(requesters)))",
                    explanation: "\(shortList(requesterIndices.map { fileName(graph.objects[$0].path) })) \(requesters.count == 1 ? "was" : "were") linked against a \(first.file) that versions its symbols (\(count(names.count, "version")) needed); the copy found defines no versions at all. The loader warns and then matches symbols by name only — usually a different build of the library shadowing the one the program was linked with.",
                    loaderMessage: "\(argv0): \(provider.loaderName): no version information available (required by \(requesterName))",
                    library: first.file, version: first.version, neededBy: requesters, resolvedTo: provider.path, versions: versions)
            }
            return Finding(
                id: .versionNotFound, rule: .versionNotFound, severity: .warning,
                summary: "weak version \(first.version)\(more(names)) not in \(provider.path) (required by \(shortList(requesters)))",
                explanation: "The need is marked weak (VER_FLG_WEAK): the loader only warns.",
                loaderMessage: "\(argv0): \(provider.loaderName): weak version `\(first.version)' not found (required by \(requesterName))",
                library: first.file, version: first.version, neededBy: requesters, resolvedTo: provider.path, versions: versions)
        }
    }
}

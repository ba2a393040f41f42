import LoaderModel
import RootFS

/// The catalog: turns what the loader model saw into findings with stable ids (LD…). An
/// application's rules (`ApplicationRules`) may name some of them as its documented failures;
/// `docs/findings.md` has a section per id.
public enum FindingCatalog {
    /// Every finding the load graph and symbol check show, in the order the loader meets them.
    public static func findings(graph: LoadGraph, symbols: SymbolCheck, argv0: String, system: TargetSystem,
                                rules: [any ApplicationRules] = []) -> [Finding] {
        var result: [Finding] = []
        let exe = graph.executable
        if exe.elf.dynamic == nil && exe.elf.interpreter == nil {
            result.append(Finding(
                id: .staticExecutable, rule: .staticExecutable, severity: .info,
                summary: "\(exe.path) is statically linked: it needs no shared libraries",
                explanation: "It has no PT_INTERP and no PT_DYNAMIC, so the kernel starts it without ld.so; nothing can be missing."))
            return result
        }
        if graph.interpreterMissing, let interp = graph.interpreterPath {
            result.append(Finding(
                id: .interpreterNotFound, rule: .interpreterNotFound,
                summary: "the program interpreter \(interp) is not in the root",
                explanation: "The kernel reads PT_INTERP (\(interp)) before any library is looked at; the root has no file there, so execve fails with ENOENT and shells print a baffling 'No such file or directory' for a file that exists.",
                loaderMessage: "\(argv0): cannot execute: required file not found",
                library: interp, neededBy: [exe.path],
                remedy: "Install the C library the program was built for (Debian/Ubuntu: libc6), or run it with that loader."))
        }
        result += preloadFindings(graph)
        result += missingLibraries(graph, argv0: argv0, system: system, rules: rules)
        result += versionFindings(graph, symbols: symbols, argv0: argv0, rules: rules)
        result += symbolFindings(graph, symbols: symbols, argv0: argv0, rules: rules)
        result += trailFindings(graph)
        result += unsafePathFindings(graph)
        result += CompanionCheck.findings(graph, system: system, rules: rules)
        return result
    }

    // MARK: - preload-ignored

    /// `LD_PRELOAD` objects the loader cannot load: it prints an error line, ignores them
    /// and starts the program anyway (elf/rtld.c `do_preload`), so this is a warning.
    static func preloadFindings(_ graph: LoadGraph) -> [Finding] {
        graph.failedPreloads.map { miss in
            // The caught error's text without the errno part the fatal message would append.
            let reason = miss.reason.hasPrefix(openFailure) ? openFailure : miss.reason
            let object = miss.fatalPath ?? miss.name
            let searched = miss.name.contains("/") ? "A name with a slash is opened as that path only." : describeSearch(miss.trail)
            return Finding(
                id: .preloadIgnored, rule: .preloadIgnored, severity: .warning,
                summary: "LD_PRELOAD names \(miss.name), which cannot be loaded (\(reason)): the loader ignores it",
                explanation: "The loader loads LD_PRELOAD objects before the program's own libraries; one it cannot load is reported on stderr and skipped, and the program starts without it (whatever it was meant to change — an allocator, a hook, a shim — is not there). \(searched)",
                loaderMessage: "ERROR: ld.so: object '\(miss.name)' from LD_PRELOAD cannot be preloaded (\(reason)): ignored.",
                library: miss.name, resolvedTo: miss.fatalPath.map { _ in object },
                remedy: "Remove \(miss.name) from LD_PRELOAD, or put the object it names in place.")
        }
    }

    /// The loader's text for a file it could not open (errno's text follows in fatal messages).
    static let openFailure = "cannot open shared object file"

    // MARK: - library-not-found

    /// `library-not-found` (and `bad-candidate`) findings alone: what `tree` reports.
    public static func missingLibraries(_ graph: LoadGraph, argv0: String, system: TargetSystem? = nil,
                                        rules: [any ApplicationRules] = []) -> [Finding] {
        var result: [Finding] = []
        let configured = system.map { configuredDirectories(graph, system: $0) } ?? []
        for miss in graph.missing {
            // In a directory ld.so.conf names, but not in the cache: ldconfig has not run since.
            if let system, let directory = configured.first(where: { hasFile(miss.name, in: $0, system: system) }) {
                let requesters = miss.neededBy.map { graph.objects[$0].path }
                result.append(Finding(
                    id: .staleCache, rule: .staleCache,
                    summary: "\(miss.name) is in \(directory) but not in ld.so.cache",
                    explanation: "\(directory) is listed in ld.so.conf, so the loader finds its libraries only through /etc/ld.so.cache (it is not a default directory); the cache was written before \(miss.name) was put there. \(describeSearch(miss.trail))",
                    loaderMessage: "\(argv0): error while loading shared libraries: \(miss.name): \(miss.reason)",
                    library: miss.name, neededBy: requesters, resolvedTo: directory + "/" + miss.name,
                    remedy: "Run ldconfig (ldconfig -r ROOT for an unpacked image)."))
                continue
            }
            let requesters = miss.neededBy.map { graph.objects[$0].path }
            if let fatal = miss.fatalPath {
                result.append(Finding(
                    id: .badCandidate, rule: .badCandidate,
                    summary: "\(fatal) stops the loader: \(miss.reason)",
                    explanation: "Looking for \(miss.name), ld.so opened \(fatal) and refuses it fatally (\(miss.reason)); it does not go on to later directories, even if a good copy is there (elf/dl-load.c open_verify).",
                    loaderMessage: "\(argv0): error while loading shared libraries: \(fatal): \(miss.reason)",
                    library: miss.name, neededBy: requesters, resolvedTo: fatal,
                    remedy: "Remove or rename \(fatal): it is not a usable shared library."))
                continue
            }
            let searched = describeSearch(miss.trail)
            var finding = Finding(
                id: .libraryNotFound, rule: .libraryNotFound,
                summary: "\(miss.name) not found (needed by \(shortList(requesters)))",
                explanation: "\(miss.name), needed by \(requesters.joined(separator: ", ")), is on none of the loader's search paths. \(searched)",
                loaderMessage: "\(argv0): error while loading shared libraries: \(miss.name): \(miss.reason)",
                library: miss.name, neededBy: requesters)
            if let documented = rules.documentedFailure(finding, provider: nil) {
                finding.id = documented.id
                finding.explanation += " " + documented.note
            }
            result.append(finding)
        }
        return rules.reduce(result) { $1.merge(missing: $0, graph: graph) }
    }

    /// The directories ldconfig scans that are not default directories: only the cache
    /// makes the loader look in them.
    static func configuredDirectories(_ graph: LoadGraph, system: TargetSystem) -> [String] {
        guard !graph.missing.isEmpty else { return [] }
        let defaults = Set(system.platform.defaultDirectories)
        return LdSoConf(root: system.root, glibc: system.platform.glibc).directories.map(\.path).filter { !defaults.contains($0) }
    }

    /// True when the root has a file (or a link to one) named `name` in `directory`.
    static func hasFile(_ name: String, in directory: String, system: TargetSystem) -> Bool {
        ((try? system.root.resolve(RootPath(directory + "/" + name))) ?? nil)?.entry.kind == .file
    }

    static func describeSearch(_ trail: [Attempt]) -> String {
        var bySource: [(String, [String])] = []
        for attempt in trail {
            let label = attempt.source.label
            // hwcaps subdirectories are tried in every directory; name the directory itself.
            let dir = attempt.searchDirectory ?? Resolver.directoryName(attempt.path)
            if let i = bySource.firstIndex(where: { $0.0 == label }) {
                if !bySource[i].1.contains(dir) { bySource[i].1.append(dir) }
            } else {
                bySource.append((label, [dir]))
            }
        }
        guard !bySource.isEmpty else { return "The loader found it in no directory and in no ld.so.cache entry." }
        let parts = bySource.map { "\($0.0): \($0.1.joined(separator: ", "))" }
        return "Searched — " + parts.joined(separator: "; ") + " (with their hwcaps subdirectories), and ld.so.cache."
    }

    static func shortList(_ items: [String]) -> String {
        items.count <= 2 ? items.joined(separator: ", ") : "\(items[0]) and \(items.count - 1) more"
    }

    // MARK: - versions and symbols

    /// True when the object was found through a directory of `LD_LIBRARY_PATH`.
    public static func viaLibraryPath(_ object: LoadedObject) -> Bool {
        if case .search(.libraryPath, _) = object.foundVia { return true }
        return false
    }

    static func versionFindings(_ graph: LoadGraph, symbols: SymbolCheck, argv0: String,
                                rules: [any ApplicationRules]) -> [Finding] {
        var result: [Finding] = []
        var grouped: [String: [VersionProblem]] = [:]
        var order: [String] = []
        for problem in symbols.versionProblems {
            let key = "\(problem.requester)|\(problem.provider)|\(problem.kind)"
            if grouped[key] == nil { order.append(key) }
            grouped[key, default: []].append(problem)
        }
        for key in order {
            guard let problems = grouped[key], let first = problems.first else { continue }
            let requester = graph.objects[first.requester], provider = graph.objects[first.provider]
            let versions = problems.map(\.version)
            let requesterName = first.requester == 0 ? argv0 : requester.path
            switch first.kind {
            case .noVersionInformation:
                result.append(Finding(
                    id: .noVersionInformation, rule: .noVersionInformation, severity: .warning,
                    summary: "\(provider.path) has no version information (required by \(requester.path))",
                    explanation: "\(requester.path) was linked against a \(first.file) that versions its symbols (\(versions.joined(separator: ", "))); the copy found defines no versions at all. The loader warns and then matches symbols by name only — usually a different build of the library shadowing the one the program was linked with.",
                    loaderMessage: "\(argv0): \(provider.path): no version information available (required by \(requesterName))",
                    library: first.file, version: versions.first, neededBy: [requester.path], resolvedTo: provider.path))
            case .weakNotFound:
                result.append(Finding(
                    id: .versionNotFound, rule: .versionNotFound, severity: .warning,
                    summary: "weak version \(versions.joined(separator: ", ")) not in \(provider.path)",
                    explanation: "The need is marked weak (VER_FLG_WEAK): the loader only warns.",
                    loaderMessage: "\(argv0): \(provider.path): weak version `\(first.version)' not found (required by \(requesterName))",
                    library: first.file, version: first.version, neededBy: [requester.path], resolvedTo: provider.path))
            case .notFound:
                var explanation = "\(requester.path) needs \(versions.map { "`\($0)'" }.joined(separator: ", ")) from \(first.file), but the copy the loader found, \(provider.path) (\(provider.foundVia.label)), does not define \(versions.count == 1 ? "it" : "them")."
                if viaLibraryPath(provider) {
                    explanation += " That copy comes from a directory on LD_LIBRARY_PATH and hides the system's \(first.file), which does."
                }
                var finding = Finding(
                    id: .versionNotFound, rule: .versionNotFound,
                    summary: "version \(versions.joined(separator: ", ")) not found in \(provider.path) (required by \(requester.path))",
                    explanation: explanation,
                    loaderMessage: "\(argv0): \(provider.path): version `\(first.version)' not found (required by \(requesterName))",
                    library: first.file, version: first.version, neededBy: [requester.path], resolvedTo: provider.path)
                if let documented = rules.documentedFailure(finding, provider: provider) {
                    finding.id = documented.id
                    finding.explanation += " " + documented.note
                }
                result.append(finding)
            }
        }
        return result
    }

    static func symbolFindings(_ graph: LoadGraph, symbols: SymbolCheck, argv0: String,
                               rules: [any ApplicationRules]) -> [Finding] {
        var result: [Finding] = []
        var grouped: [String: [SymbolProblem]] = [:]
        var order: [String] = []
        let missingNames = Set(graph.missing.map(\.name))
        let failedVersions = Set(symbols.versionProblems.filter { $0.kind == .notFound }.map { "\($0.requester)|\($0.file)" })
        for problem in symbols.symbolProblems {
            // Consequences, not causes: symbols a missing library would provide, and lookups
            // the loader never reaches because the version check failed first (step 4 < 6).
            if let file = problem.versionFile, missingNames.contains(file) || failedVersions.contains("\(problem.requester)|\(file)") { continue }
            if problem.versionFile == nil && graph.objects[problem.requester].dependencies.contains(where: { $0 == nil }) { continue }
            let key = "\(problem.requester)|\(problem.versionFile ?? "")"
            if grouped[key] == nil { order.append(key) }
            grouped[key, default: []].append(problem)
        }
        for key in order {
            guard let all = grouped[key] else { continue }
            let problems = all.filter(\.atStartup) + all.filter { !$0.atStartup }
            guard let first = problems.first else { continue }
            let requester = graph.objects[first.requester]
            let provider = first.versionFile.flatMap { file in SymbolCheck.findNeeded(file, in: graph) }.map { graph.objects[$0] }
            let versionText = first.version.map { ", version \($0)" } ?? ""
            let requesterName = first.requester == 0 ? argv0 : requester.path
            if first.assertion {
                result.append(Finding(
                    id: .symbolNotFound, rule: .symbolNotFound,
                    summary: "\(provider?.path ?? first.versionFile ?? "?") has no symbol versions but \(requester.path) needs \(first.symbol)\(versionText) from it",
                    explanation: "The library the version need names has no DT_VERSYM at all; glibc treats that as a broken library and stops with an internal assertion (dl-lookup.c check_match).",
                    loaderMessage: "Inconsistency detected by ld.so: dl-lookup.c: 107: check_match: Assertion `version->filename == NULL || ! _dl_name_match_p (version->filename, map)' failed!",
                    library: first.versionFile, symbol: first.symbol, version: first.version,
                    neededBy: [requester.path], resolvedTo: provider?.path))
                continue
            }
            let names = problems.map { $0.symbol + ($0.version.map { "@\($0)" } ?? "") }
            var explanation = "No object in the global scope defines \(first.symbol)\(first.version.map { " at version \($0)" } ?? "")"
            if let provider {
                explanation += "; \(provider.path) (\(provider.foundVia.label)) is the \(first.versionFile ?? "") the loader found, and it lacks it"
                if viaLibraryPath(provider) { explanation += " — a copy from LD_LIBRARY_PATH shadowing the system's" }
            }
            explanation += "."
            if problems.count > 1 { explanation += " \(problems.count) references fail in all: \(names.prefix(8).joined(separator: ", "))\(problems.count > 8 ? ", …" : "")." }
            var finding = Finding(
                id: .symbolNotFound, rule: .symbolNotFound,
                summary: "undefined symbol \(first.symbol)\(versionText) (required by \(requester.path))",
                explanation: explanation,
                loaderMessage: "\(argv0): symbol lookup error: \(requesterName): undefined symbol: \(first.symbol)\(versionText)",
                library: first.versionFile, symbol: first.symbol, version: first.version,
                neededBy: [requester.path], resolvedTo: provider?.path)
            if let provider, let documented = rules.documentedFailure(finding, provider: provider) {
                finding.id = documented.id
                finding.explanation += " " + documented.note
            }
            finding.explanation += first.atStartup
                ? " The reference is bound at start-up, so the program does not start."
                : " It is bound lazily: the program starts and dies at the first call."
            result.append(finding)
        }
        return result
    }

    // MARK: - what the trails show

    static func trailFindings(_ graph: LoadGraph) -> [Finding] {
        var result: [Finding] = []
        var seen = Set<String>()
        let trails = graph.objects.map { ($0.names.first ?? $0.path, $0.trail) } + graph.missing.map { ($0.name, $0.trail) }
        for (name, trail) in trails {
            for attempt in trail {
                switch attempt.outcome {
                case .absent, .taken: continue
                default: break
                }
                guard !seen.contains(attempt.path) else { continue }
                switch attempt.outcome {
                case .danglingLink(let target):
                    seen.insert(attempt.path)
                    result.append(Finding(
                        id: .danglingSymlink, rule: .danglingSymlink, severity: .warning,
                        summary: "\(attempt.path) is a dangling symlink (to \(target))",
                        explanation: "Looking for \(name), the loader opened \(attempt.path) (\(attempt.source.label)); the link's target \(target) does not exist, so it was passed over. A package was removed or upgraded without its links.",
                        library: name, resolvedTo: attempt.path,
                        remedy: "Remove the link, or reinstall the package that owns \(target)."))
                case .wrongClass(let cls):
                    seen.insert(attempt.path)
                    result.append(Finding(
                        id: .wrongClassSkipped, rule: .wrongClassSkipped, severity: .warning,
                        summary: "\(attempt.path) is \(cls), skipped",
                        explanation: "The loader found a file named \(name) in \(Resolver.directoryName(attempt.path)) (\(attempt.source.label)) but of the wrong ELF class; it skips it and goes on. If nothing else is found the error reads 'wrong ELF class: \(cls)'.",
                        library: name, resolvedTo: attempt.path,
                        remedy: "Keep 32-bit libraries out of 64-bit search paths."))
                case .wrongMachine(let machine):
                    seen.insert(attempt.path)
                    result.append(Finding(
                        id: .wrongClassSkipped, rule: .wrongClassSkipped, severity: .warning,
                        summary: "\(attempt.path) is for another machine (e_machine \(machine)), skipped",
                        explanation: "The loader silently skips a library built for another architecture and goes on searching.",
                        library: name, resolvedTo: attempt.path))
                case .staleCacheEntry:
                    seen.insert(attempt.path)
                    result.append(Finding(
                        id: .staleCache, rule: .staleCache, severity: .warning,
                        summary: "ld.so.cache names \(attempt.path), which is gone",
                        explanation: "The cache was written before \(attempt.path) was removed; the loader falls back to the default directories. Run ldconfig.",
                        library: name, resolvedTo: attempt.path, fixable: true))
                default:
                    break
                }
            }
        }
        return result
    }

    static func unsafePathFindings(_ graph: LoadGraph) -> [Finding] {
        graph.unsafeSearchPath.map { item in
            Finding(
                id: .unsafeSearchPath, rule: .unsafeSearchPath, severity: .warning,
                summary: "\(item.source.label) element '\(item.element)' searches the working directory",
                explanation: "An empty or relative element of \(item.source.label) is resolved against the directory the program is started in, so what loads depends on where you stand — and anyone who can write there can inject a library.",
                remedy: "Use absolute directories only (no leading, trailing or doubled ':').")
        }
    }
}

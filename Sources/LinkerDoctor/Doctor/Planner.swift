import ELFInspect

/// Builds a fix plan round by round and proves it: each round's actions are laid over the
/// root in memory (`OverlayRoot`, ldconfig simulated by `LdconfigModel`), the program is
/// diagnosed again, and the next round answers what is left. A plan is offered only when
/// the simulated loader starts the program.
public struct Planner: Sendable {
    public let system: TargetSystem
    public let program: ProgramLocation
    /// Where symlinks for libraries outside the search path go: the first multiarch default
    /// directory the loader searches (the seed's documented place).
    public var linkDirectory = "/usr/lib/x86_64-linux-gnu"
    static let maxRounds = 6

    public init(system: TargetSystem, program: ProgramLocation) {
        self.system = system
        self.program = program
        if !system.platform.defaultDirectories.contains(linkDirectory) {
            linkDirectory = system.platform.defaultDirectories.last ?? "/usr/lib"
        }
    }

    public struct Outcome: Sendable {
        public var plan: FixPlan
        public var environment: LoaderEnvironment
        public var proven: Bool
        public var simulated: Diagnosis?
        /// Findings met only in later rounds (e.g. MKL missing once conda leaves LD_LIBRARY_PATH).
        public var laterFindings: [Finding]
        /// Why the rest cannot be fixed automatically.
        public var blockers: [String]
        /// Ids the plan fixes.
        public var fixed: Set<String>
        /// Where the root has each missing library, and whether it can stand in.
        public var candidates: [String: [Candidate]]
    }

    public func plan(from start: Diagnosis, environment: LoaderEnvironment) -> Outcome {
        var actions: [PlannedAction] = []
        var env = environment
        var current = start
        var later: [Finding] = []
        var blockers: [String] = []
        var index: LibraryIndex?
        var candidates: [String: [Candidate]] = [:]
        /// Links to another soname, by the name they provide, so a later failure can undo them.
        var sonameLinks: [String: (action: FixAction, path: String, id: String)] = [:]
        var rejected = Set<String>()
        var withdrawn: [String] = []
        let startKeys = Set(start.findings.map(Self.key))
        for _ in 0..<Self.maxRounds {
            let errors = current.errors
            if errors.isEmpty {
                return Outcome(plan: FixPlan(actions), environment: env, proven: true, simulated: current,
                               laterFindings: later, blockers: [], fixed: Set(actions.flatMap(\.fixes)), candidates: candidates)
            }
            var progress = false
            blockers = []
            // A soname link whose consumers now miss symbols is an ABI break: withdraw it.
            for (name, link) in sonameLinks {
                let consumers = current.graph.objects.filter { $0.elf.dynamic?.needed.contains(name) == true }.map(\.path)
                let broken = errors.filter { $0.rule == .symbolNotFound && $0.neededBy.contains(where: consumers.contains) }
                guard !broken.isEmpty else { continue }
                actions.removeAll { $0.action == link.action }
                if !actions.contains(where: { if case .symlink = $0.action { return true }; return false }) {
                    actions.removeAll { $0.action == .ldconfig }
                }
                rejected.insert(link.path)
                sonameLinks[name] = nil
                let symbols = broken.compactMap(\.symbol).joined(separator: ", ")
                if let i = candidates[name]?.firstIndex(where: { $0.path == link.path }) {
                    candidates[name]?[i].usable = false
                    candidates[name]?[i].note = "lacks \(symbols), which \(consumers.joined(separator: ", ")) imports from \(name): linking it would fail with `undefined symbol: \(broken.first?.symbol ?? "")`"
                }
                withdrawn.append("\(link.id): \(name) is missing and \(link.path) cannot stand in (it lacks \(symbols)) — install a package that provides \(name) (Ubuntu 22.04's libwebp7 for libwebp.so.7), or rebuild the consumer against the library the image has")
                progress = true
            }
            if progress {
                guard let next = try? simulate(actions, environment: env) else { break }
                current = next
                continue
            }
            for finding in errors {
                if !startKeys.contains(Self.key(finding)) && !later.contains(where: { Self.key($0) == Self.key(finding) }) {
                    later.append(finding)
                }
                switch finding.rule {
                case .versionNotFound, .symbolNotFound:
                    if let step = unshadow(finding, in: current, environment: env) {
                        env = step
                        progress = true
                        Self.record(&actions, .env(name: "LD_LIBRARY_PATH", value: env.libraryPath), fixes: finding.id)
                    } else {
                        blockers.append("\(finding.id): \(finding.summary) — rebuild the requester against the library present, or install the library version it was linked with")
                    }
                case .libraryNotFound:
                    if index == nil { index = LibraryIndex(root: system.root) }
                    guard let library = finding.library, let libraries = index else { continue }
                    if candidates[library] == nil { candidates[library] = candidateList(library, index: libraries) }
                    guard let step = provide(library, finding: finding, in: current, environment: env, index: libraries,
                                             rejected: rejected)
                    else {
                        if !withdrawn.contains(where: { $0.hasPrefix(finding.id + ": " + library) }) {
                            blockers.append("\(finding.id): \(library) is nowhere usable in the root — install the package that provides it")
                        }
                        continue
                    }
                    if let link = step.sonameLink { sonameLinks[library] = (link.action, link.path, finding.id) }
                    for action in step.actions { Self.record(&actions, action, fixes: finding.id) }
                    if let newEnv = step.environment {
                        env = newEnv
                        Self.record(&actions, .env(name: "LD_LIBRARY_PATH", value: env.libraryPath), fixes: finding.id)
                    }
                    progress = true
                case .staleCache:
                    Self.record(&actions, .ldconfig, fixes: finding.id)
                    progress = true
                case .runtimeCompanionMissing:
                    guard let loadPath = finding.resolvedTo else { continue }
                    let directory = Resolver.directoryName(loadPath)
                    for candidate in finding.candidates {
                        guard let name = candidate.soname else { continue }
                        Self.record(&actions, .symlink(path: RootPath(directory + "/" + name), target: candidate.path), fixes: finding.id)
                    }
                    progress = true
                default:
                    blockers.append("\(finding.id): \(finding.summary)" + (finding.remedy.map { " — \($0)" } ?? ""))
                }
            }
            guard progress, let next = try? simulate(actions, environment: env) else { break }
            current = next
        }
        return Outcome(plan: FixPlan(actions), environment: env, proven: false, simulated: current,
                       laterFindings: later,
                       blockers: withdrawn + blockers + (withdrawn.isEmpty && blockers.isEmpty ? ["the simulated fix still leaves the loader failing"] : []),
                       fixed: [], candidates: candidates)
    }

    static func key(_ finding: Finding) -> String { "\(finding.rule.rawValue)|\(finding.library ?? "")|\(finding.neededBy.first ?? "")" }

    /// Adds an action, or the finding id to an equal one already planned; one `env` action per
    /// variable (the last value wins) and one `ldconfig`, at the end.
    static func record(_ actions: inout [PlannedAction], _ action: FixAction, fixes id: String) {
        if case .env(let name, _) = action, let i = actions.firstIndex(where: {
            if case .env(let other, _) = $0.action { return other == name }
            return false
        }) {
            actions[i].action = action
            if !actions[i].fixes.contains(id) { actions[i].fixes.append(id) }
            return
        }
        if let i = actions.firstIndex(where: { $0.action == action }) {
            if !actions[i].fixes.contains(id) { actions[i].fixes.append(id) }
            return
        }
        if action == .ldconfig {
            actions.append(PlannedAction(action, fixes: [id]))
        } else {
            let at = actions.firstIndex { $0.action == .ldconfig } ?? actions.endIndex
            actions.insert(PlannedAction(action, fixes: [id]), at: at)
        }
    }

    // MARK: - shadowing

    /// A version or symbol the found copy lacks, where that copy came from `LD_LIBRARY_PATH`:
    /// drop the directory that supplies it, when the library is then found elsewhere.
    func unshadow(_ finding: Finding, in diagnosis: Diagnosis, environment: LoaderEnvironment) -> LoaderEnvironment? {
        guard let resolved = finding.resolvedTo,
              let provider = diagnosis.graph.objects.first(where: { $0.path == resolved }),
              case .search(.libraryPath, let directory) = provider.foundVia,
              let list = environment.libraryPath else { return nil }
        let parsed = SearchPath(parsing: list, source: .libraryPath, origin: nil, platform: system.platform,
                                workingDirectory: environment.workingDirectory)
        let kept = parsed.directories.filter { $0 != directory && !directory.hasPrefix($0 + "/") }
        return environment.with("LD_LIBRARY_PATH", kept.isEmpty ? nil : kept.joined(separator: ":"))
    }

    // MARK: - missing libraries

    struct Step {
        var actions: [FixAction]
        var environment: LoaderEnvironment?
        /// Set when the step links another soname under the missing name.
        var sonameLink: (action: FixAction, path: String)?
    }

    /// The root's copies of `name` (same soname first, ABI-identical) and its other sonames
    /// (an ABI risk: a soname bump declares a break the loader cannot see).
    func candidateList(_ name: String, index: LibraryIndex) -> [Candidate] {
        var result: [Candidate] = []
        for path in index.paths(named: name) {
            let usable = isUsableLibrary(path)
            result.append(Candidate(path: path, soname: name, kind: .sameSoname,
                                    note: usable ? "the same soname, outside the search path" : "not a usable x86-64 library",
                                    usable: usable))
        }
        for other in index.otherSonames(of: name) {
            for path in index.paths(named: other) {
                result.append(Candidate(path: path, soname: other, kind: .otherSoname,
                                        note: "ABI risk: another soname of the library; linked only if it defines every symbol its consumers import",
                                        usable: isUsableLibrary(path)))
            }
        }
        return result
    }

    /// Where the root has `name` and how to make the loader find it: a directory of the
    /// application's own libraries goes on `LD_LIBRARY_PATH`; a single library from a
    /// directory that would shadow system libraries (conda's) is linked into the default
    /// directory; failing both, another soname of the library is linked under this name.
    func provide(_ name: String, finding: Finding, in diagnosis: Diagnosis, environment: LoaderEnvironment,
                 index: LibraryIndex, rejected: Set<String>) -> Step? {
        let searched = Set(diagnosis.graph.missing.first { $0.name == name }?.trail.map { Resolver.directoryName($0.path) } ?? [])
        for path in index.paths(named: name) {
            let directory = Resolver.directoryName(path)
            guard !searched.contains(directory), !rejected.contains(path), isUsableLibrary(path) else { continue }
            if FindingCatalog.openFaceLibraryNames.contains(name) || isPrivateDirectory(directory, index: index) {
                var dirs = environment.libraryPath.map {
                    SearchPath(parsing: $0, source: .libraryPath, origin: nil, platform: system.platform,
                               workingDirectory: environment.workingDirectory).directories
                } ?? []
                if !dirs.contains(directory) { dirs.insert(directory, at: 0) }
                return Step(actions: [], environment: environment.with("LD_LIBRARY_PATH", dirs.joined(separator: ":")))
            }
            var actions: [FixAction] = []
            for companion in [name] + companions(of: name, in: directory, index: index) {
                let link = RootPath(linkDirectory + "/" + companion)
                if (try? system.root.resolveParents(link)) ?? nil != nil { continue }
                actions.append(.symlink(path: link, target: directory + "/" + companion))
            }
            guard !actions.isEmpty else { continue }
            return Step(actions: actions + [.ldconfig], environment: nil)
        }
        // Another soname of the same library, in a directory the loader searches by default.
        for other in index.otherSonames(of: name) {
            for path in index.paths(named: other) {
                let directory = Resolver.directoryName(path)
                guard !rejected.contains(path),
                      system.platform.defaultDirectories.contains(where: { sameDirectory($0, directory) }),
                      isUsableLibrary(path) else { continue }
                let link = RootPath(directory + "/" + name)
                if (try? system.root.resolveParents(link)) ?? nil != nil { continue }
                let action = FixAction.symlink(path: link, target: other)
                return Step(actions: [action, .ldconfig], environment: nil, sonameLink: (action, path))
            }
        }
        return nil
    }

    func sameDirectory(_ a: String, _ b: String) -> Bool {
        guard let ra = try? system.root.resolve(RootPath(a)), let rb = try? system.root.resolve(RootPath(b)) else { return a == b }
        return ra.path == rb.path
    }

    /// An ELF file of the loader's class and machine.
    func isUsableLibrary(_ path: String) -> Bool {
        guard let bytes = try? system.root.contents(of: RootPath(path)) else { return false }
        return CandidateVerdict.judge(bytes.buffer, expecting: .x86_64) == .accept
    }

    /// A directory whose libraries the system does not also have: putting it on the search
    /// path cannot shadow a system library (conda's `lib/` fails this: its libffi would).
    func isPrivateDirectory(_ directory: String, index: LibraryIndex) -> Bool {
        guard let names = try? system.root.names(in: RootPath(directory)) else { return false }
        for name in names where LibraryIndex.isLibraryName(name) {
            for path in index.paths(named: name) where Resolver.directoryName(path) != directory {
                if system.platform.defaultDirectories.contains(where: { sameDirectory($0, Resolver.directoryName(path)) }) {
                    return false
                }
            }
        }
        return true
    }

    /// Libraries `name` opens itself at run time from its own directory (MKL's family),
    /// which must be linked beside it (issue: OF005).
    func companions(of name: String, in directory: String, index: LibraryIndex) -> [String] {
        RuntimeCompanions.family(of: name, in: directory, root: system.root).filter { $0 != name }
    }

    // MARK: - simulation

    /// The diagnosis of the root with `actions` applied in memory.
    public func simulate(_ actions: [PlannedAction], environment: LoaderEnvironment) throws(ResolveError) -> Diagnosis {
        var overlay = OverlayRoot(base: system.root.filesystem)
        var runsLdconfig = false
        for planned in actions {
            switch planned.action {
            case .symlink(let path, let target): overlay.add(.symlink(target), at: path)
            case .conf(let path, let directories):
                overlay.add(.file(FileBytes(Array((directories.joined(separator: "\n") + "\n").utf8))), at: path)
            case .ldconfig: runsLdconfig = true
            case .env: break
            }
        }
        var simulated = system
        simulated.root = RootView(overlay)
        if runsLdconfig {
            let model = LdconfigModel(root: RootView(overlay))
            for change in model.linkChanges {
                switch change {
                case .create(let link, let target), .repoint(let link, _, let target):
                    overlay.add(.symlink(target), at: RootPath(link))
                case .removeDangling:
                    break
                }
            }
            simulated.root = RootView(overlay)
            simulated.cache = model.cache
        }
        return try Diagnosis(system: simulated, program: program, environment: environment)
    }
}

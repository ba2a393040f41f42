import ELFInspect
import LoaderModel
import RootFS
import Support

/// Builds a fix plan round by round and proves it: each round's actions are laid over the
/// root in memory (`OverlayRoot`, ldconfig simulated by `LdconfigModel`), the program is
/// diagnosed again, and the next round answers what is left. A plan is offered only when
/// the simulated loader starts the program.
public struct Planner: Sendable {
    public let system: TargetSystem
    public let program: ProgramLocation
    /// The application's rules, asked by every simulated diagnosis and by `provide`.
    public let rules: [any ApplicationRules]
    /// Where symlinks for libraries outside the search path go: the first multiarch default
    /// directory the loader searches (the seed's documented place).
    public var linkDirectory = "/usr/lib/x86_64-linux-gnu"
    /// The glibc of the ldconfig a plan's `ldconfig -r ROOT` runs when that is the host's
    /// (`TargetSystem.ldconfigRunsOnHost`): read once, when there is something to plan.
    let hostLdconfigGlibc: GlibcVersion?
    /// Whom the loader's opens are checked for (`LoadGraph.accessIdentity`): a copy that user
    /// may not read is no candidate. Nil for root.
    public var accessIdentity: ProcessIdentity?
    /// Whose files a plan may put on the loader's path: a copy another user may change is
    /// never linked, listed or put on LD_LIBRARY_PATH (`ForeignWrite`).
    let administrators: RootAdministrators
    /// Why ldconfig must not run on the root's configuration (an include loop, a FIFO, a file
    /// past what is read: `LdSoConf.ldconfigObstacle`), or nil. Then a plan has no ldconfig
    /// step, which `fix --apply` would refuse: links into the default directory, which the
    /// loader searches without the cache, stand in for the cache's entries.
    var ldconfigObstacle: LdconfigObstacle?
    /// The root's ld.so.conf as ldconfig reads it, read once (the plan's steps are weighed
    /// against it for every missing library).
    let configuration: LdSoConf
    static let maxRounds = 6

    public init(system: TargetSystem, program: ProgramLocation, rules: [any ApplicationRules] = []) {
        self.system = system
        self.program = program
        self.rules = rules
        hostLdconfigGlibc = system.ldconfigRunsOnHost ? GlibcVersion.host() : nil
        administrators = RootAdministrators(root: system.root)
        configuration = LdSoConf(root: system.root, glibc: system.platform.glibc)
        ldconfigObstacle = configuration.ldconfigObstacle
        if !system.platform.defaultDirectories.contains(linkDirectory) {
            linkDirectory = system.platform.defaultDirectories.last ?? "/usr/lib"
        }
    }

    /// ofdoctor reads the root as `reader`: a user other than root may be refused what
    /// ldconfig, run as root, reads (ld.so.conf's files, a directory it scans, a library), and
    /// then no plan that runs ldconfig can be proven: that is an obstacle too.
    public mutating func readAs(_ reader: ProcessIdentity?) {
        guard let reader, reader.uid != 0, ldconfigObstacle == nil else { return }
        let model = LdconfigModel(root: system.root, configuration: configuration, glibc: system.platform.glibc)
        if let path = model.denied.first { ldconfigObstacle = .denied(path) }
    }

    public struct Outcome: Sendable {
        public var plan: FixPlan
        public var environment: LoaderEnvironment
        /// The diagnosis of the root with the plan applied (in memory).
        public var simulated: Diagnosis?
        /// Findings met only in later rounds (e.g. MKL missing once conda leaves LD_LIBRARY_PATH).
        public var laterFindings: [Finding]
        /// What the plan leaves to a person, one step each.
        public var blockers: [Blocker]
        /// The findings the plan fixes, by key: several LD002 share an id.
        public var fixedKeys: Set<FindingKey>
        /// Where the root has each missing library, and whether it can stand in.
        public var candidates: [TextKey: [Candidate]]
        /// How much of the root the candidate search read (nil when nothing was missing).
        public var candidateSearch: CandidateSearch.Record?
        /// What the plan could not do as it would elsewhere, and why (`ldconfigObstacle`).
        public var notes: [String] = []
        /// The files the plan's steps mean the loader to take for missing libraries.
        var providedFiles: [String] = []
    }

    /// Plans round by round. What cannot be fixed becomes a step for a person, and the rest
    /// is still planned: the plan is kept when, on the overlay, every failure left is one of
    /// those steps (a partial plan never adds a failure of its own).
    ///
    /// A copy the plan put in place of a missing library may lack a version or symbol its
    /// consumers need (an older build of the same soname): the plan is made again without
    /// that copy, and the one that leaves a person fewer steps is kept — another copy that
    /// ldconfig alone would link may fix everything.
    public func plan(from start: Diagnosis, environment: LoaderEnvironment) -> Outcome {
        var outcome = planRounds(from: start, environment: environment, rejecting: [:])
        var rejecting: [TextKey: String] = [:]
        for _ in 0..<Self.maxReplans {
            let short = shortCopies(outcome).filter { rejecting[$0.key] == nil }
            guard !short.isEmpty else { break }
            rejecting.merge(short) { first, _ in first }
            let again = planRounds(from: start, environment: environment, rejecting: rejecting)
            guard again.blockers.count < outcome.blockers.count else { break }
            outcome = again
        }
        return outcome
    }

    /// Plans made again at most this often, each without the copies found short before.
    static let maxReplans = 3

    /// The copies the plan provided for a missing library that, with the plan applied, lack a
    /// version or symbol their consumers need: each with what it lacks, for its candidate note.
    func shortCopies(_ outcome: Outcome) -> [TextKey: String] {
        guard let simulated = outcome.simulated, !outcome.providedFiles.isEmpty else { return [:] }
        let provided = Dictionary(outcome.providedFiles.map { (realPath($0), $0) }) { first, _ in first }
        var short: [TextKey: String] = [:]
        func providedFile(_ path: String) -> String? {
            provided[simulated.graph.objects.first { $0.path.hasSameBytes(as: path) }?.realPath ?? realPath(path)]
        }
        for finding in simulated.errors where finding.rule == .versionNotFound || finding.rule == .symbolNotFound {
            // The copy lacks it, or needs it and its own dependency falls short where the plan
            // puts it (a conda library's $ORIGIN, linked into the system directory, finds the
            // system's older dependency there).
            let requesters = finding.neededBy + finding.versions.map(\.requester) + finding.symbols.map(\.requester)
            if finding.resolvedTo.flatMap(providedFile) == nil, let file = requesters.lazy.compactMap(providedFile).first {
                short[TextKey(file)] = "needs \(finding.resolvedTo ?? finding.library ?? "a library"), which falls short of it where the plan would put this copy: "
                    + "with it the loader says \(finding.loaderMessage ?? finding.summary)"
                continue
            }
            guard let resolved = finding.resolvedTo, let file = providedFile(resolved) else { continue }
            var lacks: [String] = []
            for name in finding.versions.map({ "version \($0.name)" }) + finding.symbols.map({ $0.qualifiedName }) where !lacks.contains(name) {
                lacks.append(name)
            }
            let needers = Array(Set(finding.versions.map(\.requester) + finding.symbols.map(\.requester) + finding.neededBy)).sorted()
            short[TextKey(file)] = "lacks \(lacks.isEmpty ? "what its consumers need" : lacks.joined(separator: ", ")), which "
                + "\(needers.joined(separator: ", ")) \(needers.count == 1 ? "needs" : "need"): with it the loader says \(finding.loaderMessage ?? finding.summary)"
        }
        return short
    }

    /// `path` with its links resolved inside the root, or as it is when it leads nowhere.
    func realPath(_ path: String) -> String {
        ((try? system.root.resolve(RootPath(path))) ?? nil)?.path.string ?? path
    }

    /// One planning: `rejecting` holds copies found short by an earlier one, which no step
    /// provides, with what they lack.
    func planRounds(from start: Diagnosis, environment: LoaderEnvironment, rejecting: [TextKey: String]) -> Outcome {
        var actions: [PlannedAction] = []
        var env = environment
        var current = start
        var later: [Finding] = []
        var blockers: [Blocker] = []
        var search: CandidateSearch?
        var candidates: [TextKey: [Candidate]] = [:]
        /// Links to another soname, by the name they provide, so a later failure can undo them.
        var sonameLinks: [TextKey: (action: FixAction, path: String, id: FindingID, key: FindingKey, package: String?)] = [:]
        var rejected = Set(rejecting.keys)
        /// The files the steps mean the loader to take for missing libraries.
        var providedFiles: [String] = []
        /// A person's remedy for a shortfall no step clears, worked out once (it may search the root).
        var remedies: [FindingKey: String?] = [:]
        /// A person's remedy for a library nowhere usable, worked out once, not in every round
        /// (it reads dpkg's lists and the environments' package records).
        var reinstalls: [FindingKey: String] = [:]
        var withdrawn: [Blocker] = []
        /// Missing libraries provided through ldconfig (a conf file, a link it caches, or
        /// ldconfig alone), by name: the finding, and the file the step means the loader to take.
        var throughLdconfig: [TextKey: (finding: Finding, file: String)] = [:]
        /// Names ldconfig must not provide: it files a broken copy under them first.
        var ldconfigRefused = Set<TextKey>()
        let startKeys = Set(start.findings.map(\.key))
        for _ in 0..<Self.maxRounds {
            let errors = current.errors
            if errors.isEmpty { break }
            var progress = false
            blockers = []
            let roundStart = (actions: actions, environment: env)
            // A soname link whose consumers now miss symbols is an ABI break: withdraw it.
            for (key, link) in sonameLinks {
                let name = key.string
                let consumers = current.graph.objects.filter { $0.elf.dynamic?.needed.contains(name) == true }.map(\.path)
                let broken = errors.filter {
                    ($0.rule == .symbolNotFound || $0.rule == .versionNotFound) && $0.neededBy.contains(where: consumers.contains)
                }
                guard !broken.isEmpty else { continue }
                actions.removeAll { $0.action == link.action }
                if !actions.contains(where: { if case .symlink = $0.action { return true }; return false }) {
                    actions.removeAll { $0.action == .ldconfig }
                }
                rejected.insert(TextKey(link.path))
                sonameLinks[key] = nil
                var names: [String] = []
                for finding in broken {
                    for name in finding.symbols.map(\.name) + finding.versions.map(\.name) where !names.contains(name) { names.append(name) }
                }
                let symbols = names.joined(separator: ", ")
                if let i = candidates[key]?.firstIndex(where: { $0.path.hasSameBytes(as: link.path) }) {
                    candidates[key]?[i].usable = false
                    candidates[key]?[i].note = "lacks \(symbols), which \(consumers.joined(separator: ", ")) imports from \(name): linking it would fail with `undefined symbol: \(broken.first?.symbol ?? "")`"
                }
                withdrawn.append(Blocker(
                    findingID: link.id, summary: "\(name) is missing and \(link.path) cannot stand in (it lacks \(symbols))",
                    remedy: "install a package that provides \(name)\(link.package.map { " (\($0) for \(name))" } ?? ""), or rebuild the consumer against the library the image has",
                    findingKey: link.key))
                progress = true
            }
            // A library the plan had ldconfig cache, where ldconfig files a broken copy under its
            // name ahead of the one meant (one cut short in a directory it scans, say): the
            // loader would take that one. The step is taken back and the meant copy's directory
            // goes on LD_LIBRARY_PATH, which the loader searches before the cache.
            for (key, provided) in throughLdconfig {
                let name = key.string
                let meant = realPath(provided.file)
                var taken: (path: String, what: String)?
                if let object = current.graph.objects.first(where: { $0.names.contains { $0.hasSameBytes(as: name) } }) {
                    if case .search(.cache, _) = object.foundVia, !object.realPath.hasSameBytes(as: meant) {
                        let problems = current.errors.filter { $0.resolvedTo?.hasSameBytes(as: object.path) == true } + current.findings.filter {
                            $0.rule == .libraryCutShort && $0.resolvedTo?.hasSameBytes(as: object.path) == true
                        }
                        // (another good copy, a glibc-hwcaps build of the same library, is no reason)
                        if let problem = problems.first { taken = (object.path, problem.summary) }
                    }
                } else if let miss = current.graph.missing.first(where: { $0.name.hasSameBytes(as: name) }),
                          miss.trail.last?.source == .cache, let fatal = miss.fatalPath {
                    taken = (fatal, current.errors.first { $0.resolvedTo?.hasSameBytes(as: fatal) == true }?.summary ?? "it stops the loader")
                }
                guard let taken else { continue }
                throughLdconfig[key] = nil
                ldconfigRefused.insert(key)
                candidates[key, default: []].append(Candidate(
                    path: taken.path, soname: name, kind: .sameSoname,
                    note: "where ldconfig would put \(name), ahead of \(provided.file): \(taken.what)", usable: false))
                for i in actions.indices.reversed() where actions[i].clears.contains(provided.finding.key) {
                    actions[i].clears.removeAll { $0 == provided.finding.key }
                    if actions[i].clears.isEmpty { actions.remove(at: i) }
                }
                if let index = search?.index,
                   let step = provide(name, finding: provided.finding, in: current, environment: env, index: index,
                                      rejected: rejected, ldconfigAllowed: false),
                   let newEnv = step.environment {
                    env = newEnv
                    Self.record(&actions, .env(name: "LD_LIBRARY_PATH", value: env.libraryPath), for: provided.finding)
                }
                progress = true
            }
            if progress {
                guard let next = try? simulate(actions, environment: env, reusing: start.graph) else { break }
                current = next
                continue
            }
            for finding in errors {
                if !startKeys.contains(finding.key) && !later.contains(where: { $0.key == finding.key }) {
                    later.append(finding)
                }
                switch finding.rule {
                case .versionNotFound, .symbolNotFound:
                    // The copy that lacks what its consumers need is no candidate for them
                    // later either (a nodeflib program's LD_LIBRARY_PATH must not bring the
                    // dropped directory back for it).
                    if let bad = finding.resolvedTo {
                        rejected.insert(TextKey(bad))
                        if let object = current.graph.objects.first(where: { $0.path.hasSameBytes(as: bad) }) { rejected.insert(TextKey(object.realPath)) }
                    }
                    if let dropped = takeOffLibraryPath(finding, in: current, environment: &env, actions: &actions) {
                        progress = progress || dropped
                    } else {
                        if remedies[finding.key] == nil {
                            remedies[finding.key] = .some(finding.remedy ?? shortfallRemedy(finding, in: current, environment: env, search: &search))
                        }
                        let remedy = remedies[finding.key] ?? nil
                        blockers.append(Blocker(
                            findingID: finding.id, summary: finding.summary,
                            remedy: remedy ?? "rebuild the requester against the library present, or install the library version it was linked with",
                            findingKey: finding.key))
                    }
                case .libraryNotFound:
                    guard let library = finding.library else { continue }
                    if DriverLibrary.isNVIDIA(library) {
                        blockers.append(Blocker(findingID: finding.id, summary: "\(library) is the NVIDIA driver's: the container runtime provides it",
                                                remedy: DriverLibrary.remedy(library), findingKey: finding.key))
                        continue
                    }
                    var reading = search ?? CandidateSearch(root: system.root, glibc: system.platform.glibc,
                                                                ownDirectories: CandidateSearch.ownDirectories(of: current.graph))
                    reading.find(library) { path in
                        !path.containsBytes("/glibc-hwcaps/") && isUsableLibrary(path)
                            && (FindingCatalog.fileName(path).hasSameBytes(as: library) || declaredSoname(path)?.hasSameBytes(as: library) == true)
                    }
                    search = reading
                    let libraries = reading.index
                    if candidates[TextKey(library)] == nil {
                        candidates[TextKey(library)] = candidateList(library, index: libraries, environment: env).map { candidate in
                            guard let lack = rejecting[TextKey(candidate.path)] else { return candidate }
                            var short = candidate
                            (short.usable, short.note) = (false, lack)
                            return short
                        }
                    }
                    guard let step = provide(library, finding: finding, in: current, environment: env, index: libraries,
                                             rejected: rejected, ldconfigAllowed: !ldconfigRefused.contains(TextKey(library)))
                    else {
                        if !withdrawn.contains(where: { $0.findingKey == finding.key }) {
                            let denied = current.graph.missing.first { $0.name.hasSameBytes(as: library) }?.deniedAttempts ?? []
                            let exposed = exposures((candidates[TextKey(library)] ?? []).filter(\.usable).map(\.path))
                            if !denied.isEmpty {
                                blockers.append(Blocker(findingID: finding.id, summary: "\(library) is there, but \(denied[0].identity) may not open it",
                                                        remedy: FindingCatalog.permissionRemedy(denied), findingKey: finding.key))
                            } else if !exposed.isEmpty {
                                blockers.append(Blocker(findingID: finding.id, summary: "\(library) is there only where other users may change it",
                                                        remedy: foreignWriteRemedy(exposed, libraries: finding.coveredLibraries), findingKey: finding.key,
                                                        replacesRemedy: true))
                            } else {
                                let remedy = reinstalls[finding.key] ?? finding.remedy
                                    ?? reinstallRemedy(library, near: finding.neededBy + finding.searched.flatMap(\.directories))
                                    ?? "install the package that provides \(library)"
                                reinstalls[finding.key] = remedy
                                // (a name with a slash is a path, opened and never searched for)
                                let summary = library.containsSlash ? "\(library) is not where that path leads" : "\(library) is nowhere usable in the root"
                                blockers.append(Blocker(findingID: finding.id, summary: summary, remedy: remedy, findingKey: finding.key))
                            }
                        }
                        continue
                    }
                    if let link = step.sonameLink {
                        let package = rules.documentedFailure(finding, provider: nil, graph: current.graph, system: system)?.package
                        sonameLinks[TextKey(library)] = (link.action, link.path, finding.id, finding.key, package)
                    }
                    for action in step.actions { Self.record(&actions, action, for: finding) }
                    if step.actions.contains(.ldconfig) { throughLdconfig[TextKey(library)] = (finding, step.file) }
                    providedFiles.append(step.file)
                    if let newEnv = step.environment {
                        env = newEnv
                        Self.record(&actions, .env(name: "LD_LIBRARY_PATH", value: env.libraryPath), for: finding)
                    }
                    progress = true
                case .badCandidate, .libraryCutShort:
                    // A broken file met first on LD_LIBRARY_PATH: dropping its directory lets
                    // the search go on to a good copy (proven by the next round's simulation).
                    if let step = dropBadDirectory(finding, environment: env) {
                        env = step
                        progress = true
                        Self.record(&actions, .env(name: "LD_LIBRARY_PATH", value: env.libraryPath), for: finding)
                    } else {
                        blockers.append(Blocker(findingID: finding.id, summary: finding.summary, remedy: finding.remedy,
                                                findingKey: finding.key))
                    }
                case .stubLibraryLoaded:
                    // A stubs directory on LD_LIBRARY_PATH: dropped, so that the search goes on
                    // to the real library (or, for the driver's, to where the container runtime
                    // mounts it: the next round names that step for a person). A stub reached
                    // otherwise (ld.so.conf.d, an RPATH, a link) is in a file ofdoctor did not
                    // make: the remedy says which.
                    if let stub = finding.resolvedTo, DriverLibrary.isLinkTimeStub(stub),
                       let dropped = takeOffLibraryPath(finding, in: current, environment: &env, actions: &actions) {
                        progress = progress || dropped
                    } else {
                        blockers.append(Blocker(findingID: finding.id, summary: finding.summary, remedy: finding.remedy,
                                                findingKey: finding.key))
                    }
                case .staleCache:
                    // A directory whose cache entries the loader would skip (one named x86_64
                    // that this host's ldconfig marks, for a 2.37+ root): its library is linked
                    // into the default directory instead, which every ldconfig caches plainly.
                    // Where ldconfig cannot run, the link alone: the loader finds it without the cache.
                    var linked = false
                    if let path = finding.resolvedTo, let library = finding.library,
                       ldconfigObstacle != nil || !cachesUsably(Resolver.directoryName(path)) {
                        let link = RootPath(linkDirectory + "/" + library)
                        if (try? system.root.resolveParents(link)) ?? nil == nil {
                            Self.record(&actions, .symlink(path: link, target: path), for: finding)
                            linked = true
                        }
                    }
                    if let obstacle = ldconfigObstacle {
                        // (nothing to link: a person mends the configuration, then runs ldconfig)
                        guard linked else {
                            blockers.append(Blocker(findingID: finding.id, summary: finding.summary,
                                                    remedy: obstacle.refusal + "; then run ldconfig", findingKey: finding.key))
                            continue
                        }
                    } else {
                        Self.record(&actions, .ldconfig, for: finding)
                    }
                    progress = true
                case .interpreterNotFound:
                    // The root has the loader elsewhere (a copy made without its /lib64 link):
                    // a link where PT_INTERP names it lets the kernel start it.
                    guard let interpreter = finding.library, let found = interpreterCopy(for: interpreter) else {
                        blockers.append(Blocker(findingID: finding.id, summary: finding.summary, remedy: finding.remedy,
                                                findingKey: finding.key))
                        continue
                    }
                    Self.record(&actions, .symlink(path: RootPath(interpreter), target: found), for: finding)
                    progress = true
                case .runtimeCompanionMissing:
                    guard let loadPath = finding.resolvedTo else { continue }
                    let directory = Resolver.directoryName(loadPath)
                    let exposed = exposures(finding.candidates.map(\.path))
                    guard exposed.isEmpty else {
                        // (the library opens them from its own directory: they go there)
                        let names = finding.candidates.map { $0.soname ?? FindingCatalog.fileName($0.path) }
                        var blocker = Blocker(findingID: finding.id, summary: "\(finding.library ?? "a library")'s companions are there only where other users may change them",
                                              remedy: foreignWriteRemedy(exposed, libraries: names, destination: directory),
                                              findingKey: finding.key, replacesRemedy: true)
                        for (path, write) in exposed { blocker.candidateNotes[path] = Self.foreignWriteNote(write) }
                        blockers.append(blocker)
                        continue
                    }
                    for candidate in finding.candidates {
                        guard let name = candidate.soname else { continue }
                        Self.record(&actions, .symlink(path: RootPath(directory + "/" + name), target: candidate.path), for: finding)
                    }
                    progress = true
                default:
                    blockers.append(Blocker(findingID: finding.id, summary: finding.summary, remedy: finding.remedy,
                                            findingKey: finding.key))
                }
            }
            guard progress, let next = try? simulate(actions, environment: env, reusing: start.graph) else { break }
            creditSideEffects(cleared: errors, after: next, actions: &actions, environment: env, roundStart: roundStart)
            current = next
        }
        // A library path set in one round and taken back in a later one is no step.
        if env.libraryPath == environment.libraryPath {
            actions.removeAll { if case .env("LD_LIBRARY_PATH", _) = $0.action { true } else { false } }
        }
        var outcome = settle(start: start, actions: actions, original: environment, environment: env,
                             current: current, later: later, blockers: withdrawn + blockers, candidates: candidates)
        outcome.candidateSearch = search?.record
        outcome.providedFiles = providedFiles
        return outcome
    }

    /// The outcome of the last round: the plan is kept when every failure the overlay still
    /// shows is a step for a person (one that was there before, or that a fix uncovered and
    /// the planner examined), never one the plan adds unexamined.
    func settle(start: Diagnosis, actions: [PlannedAction], original: LoaderEnvironment,
                environment: LoaderEnvironment, current: Diagnosis, later: [Finding], blockers: [Blocker],
                candidates: [TextKey: [Candidate]]) -> Outcome {
        let startKeys = Set(start.findings.map(\.key))
        let left = current.errors
        let leftKeys = Set(left.map(\.key))
        let examined = startKeys.union(later.map(\.key))
        var blockers = blockers
        let blockedKeys = Set(blockers.compactMap(\.findingKey))
        // Failures no rule blocked and no round removed: a person's too, said as they are.
        for finding in left where !blockedKeys.contains(finding.key) {
            blockers.append(Blocker(findingID: finding.id, summary: finding.summary,
                                    remedy: finding.remedy, findingKey: finding.key))
        }
        let all = start.errors + later
        let fixedKeys = Set(all.map(\.key)).subtracting(leftKeys)
        let keep = !actions.isEmpty && !fixedKeys.isEmpty && leftKeys.isSubset(of: examined)
        guard keep else {
            // No plan: every failure of the root as it is becomes a person's step.
            var kept = blockers.filter { $0.findingKey.map(startKeys.contains) ?? true }
            let keptKeys = Set(kept.compactMap(\.findingKey))
            for finding in start.errors where !keptKeys.contains(finding.key) {
                kept.append(Blocker(findingID: finding.id, summary: finding.summary,
                                    remedy: finding.remedy, findingKey: finding.key))
            }
            return Outcome(plan: FixPlan(), environment: original, simulated: nil, laterFindings: later,
                           blockers: Self.unique(kept), fixedKeys: [], candidates: candidates, candidateSearch: nil,
                           notes: notes)
        }
        var (kept, simulated) = (actions, current)
        Self.truthful(&kept, left: leftKeys, findings: start.findings + later)
        // A step left clearing nothing (its finding went to a person) is dropped, when the
        // plan without it, simulated, leaves the same failures.
        let idle = kept.indices.filter { kept[$0].clears.isEmpty && !actions[$0].clears.isEmpty }
        if !idle.isEmpty {
            let without = kept.indices.filter { !idle.contains($0) }.map { kept[$0] }
            if let check = try? simulate(without, environment: environment), Set(check.errors.map(\.key)) == leftKeys {
                (kept, simulated) = (without, check)
            }
        }
        return Outcome(plan: FixPlan(kept), environment: environment, simulated: simulated, laterFindings: later,
                       blockers: Self.unique(blockers.filter { $0.findingKey.map(leftKeys.contains) ?? true }),
                       fixedKeys: fixedKeys, candidates: candidates, candidateSearch: nil, notes: notes)
    }

    /// `Outcome.notes`.
    var notes: [String] {
        guard let obstacle = ldconfigObstacle else { return [] }
        let opening = obstacle.isDenial ? "ofdoctor cannot foresee ldconfig on this root" : "ldconfig cannot run on this root"
        return ["\(opening): \(obstacle). No plan step runs it: links in \(linkDirectory), which the "
                + "loader searches without ld.so.cache, stand in for its entries"]
    }

    /// Each step names only the findings the proven plan clears: one recorded for a finding
    /// the simulation shows still failing (left to a person) no longer says it fixes it.
    static func truthful(_ actions: inout [PlannedAction], left: Set<FindingKey>, findings: [Finding]) {
        var idOf: [FindingKey: FindingID] = [:]
        for finding in findings where idOf[finding.key] == nil { idOf[finding.key] = finding.id }
        for i in actions.indices {
            let removed = actions[i].clears.filter { left.contains($0) }
            guard !removed.isEmpty else { continue }
            actions[i].clears.removeAll { left.contains($0) }
            let remaining = Set(actions[i].clears.compactMap { idOf[$0] })
            let gone = Set(removed.compactMap { idOf[$0] }).subtracting(remaining)
            actions[i].fixes.removeAll { gone.contains($0) }
        }
    }

    /// A finding a round cleared that no action was planned for (another finding's fix cleared
    /// it too: one environment change for several shadowed libraries) is credited to the
    /// round's actions that clear it: each one whose removal, simulated, brings it back; all of
    /// them when only their combination does.
    func creditSideEffects(cleared before: [Finding], after: Diagnosis, actions: inout [PlannedAction],
                           environment: LoaderEnvironment, roundStart: (actions: [PlannedAction], environment: LoaderEnvironment)) {
        let left = Set(after.errors.map(\.key))
        let gone = before.filter { finding in
            !left.contains(finding.key) && !actions.contains { $0.clears.contains(finding.key) }
        }
        guard !gone.isEmpty else { return }
        let changed = actions.indices.filter { i in !roundStart.actions.contains { $0.action == actions[i].action } }
        guard !changed.isEmpty else { return }
        for finding in gone {
            var credited = changed
            if changed.count > 1 {
                credited = changed.filter { i in
                    var without = actions
                    without.remove(at: i)
                    let isEnv: Bool
                    if case .env = actions[i].action { isEnv = true } else { isEnv = false }
                    guard let diagnosis = try? simulate(without, environment: isEnv ? roundStart.environment : environment) else { return false }
                    return diagnosis.errors.contains { $0.key == finding.key }
                }
                if credited.isEmpty { credited = changed }
            }
            for i in credited {
                if !actions[i].fixes.contains(finding.id) { actions[i].fixes.append(finding.id) }
                actions[i].clears.append(finding.key)
            }
        }
    }

    /// The blockers without repeats: two steps are the same when they read the same.
    static func unique(_ blockers: [Blocker]) -> [Blocker] {
        var seen = Set<Blocker>()
        return blockers.filter {
            seen.insert(Blocker(findingID: $0.findingID, summary: $0.summary, remedy: $0.remedy)).inserted
        }
    }

    /// Adds an action, or the finding id to an equal one already planned; one `env` action per
    /// variable (the last value wins) and one `ldconfig`, at the end.
    static func record(_ actions: inout [PlannedAction], _ action: FixAction, for finding: Finding) {
        let id = finding.id
        func credit(_ i: Int) {
            if !actions[i].fixes.contains(id) { actions[i].fixes.append(id) }
            if !actions[i].clears.contains(finding.key) { actions[i].clears.append(finding.key) }
        }
        if case .env(let name, _) = action, let i = actions.firstIndex(where: {
            if case .env(let other, _) = $0.action { return other == name }
            return false
        }) {
            actions[i].action = action
            credit(i)
            return
        }
        if let i = actions.firstIndex(where: { $0.action == action }) {
            credit(i)
            return
        }
        // One conf file: a second directory joins the first action.
        if case .conf(let path, let directories) = action, let i = actions.firstIndex(where: {
            if case .conf(let other, _) = $0.action { return other == path }
            return false
        }), case .conf(_, let existing) = actions[i].action {
            actions[i].action = .conf(path: path, directories: existing + directories.filter { !existing.contains($0) })
            credit(i)
            return
        }
        if action == .ldconfig {
            actions.append(PlannedAction(action, fixes: [id], clears: [finding.key]))
        } else {
            let at = actions.firstIndex { $0.action == .ldconfig } ?? actions.endIndex
            actions.insert(PlannedAction(action, fixes: [id], clears: [finding.key]), at: at)
        }
    }

    // MARK: - shadowing

    /// A version or symbol the found copy lacks, where that copy came from `LD_LIBRARY_PATH`:
    /// drop the directory that supplies it, when the library is then found elsewhere.
    func unshadow(_ finding: Finding, in diagnosis: Diagnosis, environment: LoaderEnvironment) -> LoaderEnvironment? {
        guard let resolved = finding.resolvedTo,
              let provider = diagnosis.graph.objects.first(where: { $0.path.hasSameBytes(as: resolved) }),
              case .search(.libraryPath, let directory) = provider.foundVia,
              environment.libraryPath != nil else { return nil }
        return withLibraryPath(libraryPathDirectories(environment).filter { !supplies($0, directory) }, in: environment)
    }

    /// Takes the `LD_LIBRARY_PATH` directory `finding`'s object came from off `environment`
    /// and credits the change to the finding: true. False when another finding of this round
    /// already took it off (the same change clears this one too: credited). Nil when the
    /// object did not come from `LD_LIBRARY_PATH`.
    func takeOffLibraryPath(_ finding: Finding, in diagnosis: Diagnosis, environment: inout LoaderEnvironment,
                            actions: inout [PlannedAction]) -> Bool? {
        let step = unshadow(finding, in: diagnosis, environment: environment)
        guard step != nil || isUnshadowed(finding, in: diagnosis, environment: environment) else { return nil }
        if let step { environment = step }
        Self.record(&actions, .env(name: "LD_LIBRARY_PATH", value: environment.libraryPath), for: finding)
        return step != nil
    }

    /// True when the copy behind `finding` came from a directory of `LD_LIBRARY_PATH` that
    /// `environment` no longer has.
    func isUnshadowed(_ finding: Finding, in diagnosis: Diagnosis, environment: LoaderEnvironment) -> Bool {
        guard let resolved = finding.resolvedTo,
              let provider = diagnosis.graph.objects.first(where: { $0.path.hasSameBytes(as: resolved) }),
              case .search(.libraryPath, let directory) = provider.foundVia else { return false }
        return !libraryPathDirectories(environment).contains { supplies($0, directory) }
    }

    /// Whether the loader searches `directory` for the `LD_LIBRARY_PATH` element `element`:
    /// the element itself, or one of its glibc-hwcaps or legacy hwcap subdirectories. Not any
    /// directory below it: `/usr/local/cuda/lib64/stubs` is its own element, and dropping it
    /// leaves `/usr/local/cuda/lib64`.
    func supplies(_ element: String, _ directory: String) -> Bool {
        if element.hasSameBytes(as: directory) { return true }
        guard directory.hasBytePrefix(element + "/") else { return false }
        let rest = String(decoding: directory.utf8.dropFirst(element.utf8.count + 1), as: UTF8.self)
        return rest.hasBytePrefix("glibc-hwcaps/") || system.platform.legacySubdirectories.contains { $0.hasSameBytes(as: rest) }
    }

    /// A file that stops the loader fatally (LD010), met in a directory of `LD_LIBRARY_PATH`
    /// (or one of its hwcaps subdirectories): the environment without that element, so the
    /// search reaches the later copies.
    func dropBadDirectory(_ finding: Finding, environment: LoaderEnvironment) -> LoaderEnvironment? {
        guard let bad = finding.resolvedTo else { return nil }
        let directory = Resolver.directoryName(bad)
        let directories = libraryPathDirectories(environment)
        // The file may lie in an element's glibc-hwcaps or legacy hwcaps subdirectory: the
        // element is what the environment names, so it is what goes.
        guard directories.contains(where: { supplies($0, directory) }) else { return nil }
        return withLibraryPath(directories.filter { !supplies($0, directory) }, in: environment)
    }

    /// The directories of the environment's `LD_LIBRARY_PATH`, as the loader reads them.
    func libraryPathDirectories(_ environment: LoaderEnvironment) -> [String] {
        SearchPath.libraryPathDirectories(of: environment, platform: system.platform)
    }

    /// The step that puts `directory` first on `environment`'s `LD_LIBRARY_PATH` (where it
    /// is already there, the list stays as it is) for the loader to take `file`.
    func libraryPathFirst(_ directory: String, file: String, in environment: LoaderEnvironment) -> Step {
        var directories = libraryPathDirectories(environment)
        if !directories.contains(directory) { directories.insert(directory, at: 0) }
        return Step(actions: [], environment: withLibraryPath(directories, in: environment), file: file)
    }

    /// `environment` with `LD_LIBRARY_PATH` set to `directories` (unset when none are left).
    func withLibraryPath(_ directories: [String], in environment: LoaderEnvironment) -> LoaderEnvironment {
        environment.with("LD_LIBRARY_PATH", directories.isEmpty ? nil : directories.joined(separator: ":"))
    }

    // MARK: - missing libraries

    struct Step {
        var actions: [FixAction]
        var environment: LoaderEnvironment?
        /// Set when the step links another soname under the missing name.
        var sonameLink: (action: FixAction, path: String)?
        /// The file the step means the loader to take.
        var file: String
    }

    /// The root's copies of `name` (same soname first, ABI-identical) and its other sonames
    /// (an ABI risk: a soname bump declares a break the loader cannot see).
    func candidateList(_ name: String, index: LibraryIndex, environment: LoaderEnvironment? = nil) -> [Candidate] {
        // (a directory of LD_LIBRARY_PATH the search never reached: a link loop before it ended the list)
        let unreached = environment.map(libraryPathDirectories) ?? []
        var result: [Candidate] = []
        for path in index.paths(named: name) {
            if DriverLibrary.isLinkTimeStub(path) {
                result.append(Candidate(path: path, soname: declaredSoname(path) ?? name, kind: .sameSoname,
                                        note: "a link-time stub (its directory is stubs): programs link against it, and every call through it fails at run time",
                                        usable: false))
                continue
            }
            let usable = isUsableLibrary(path)
            if let declared = declaredSoname(path), declared != name {
                // Named as the missing library, built as another: ldconfig files it under
                // its own soname, and it may differ as much as another soname does.
                result.append(Candidate(path: path, soname: declared, kind: .otherSoname,
                                        note: "named \(name), but its DT_SONAME is \(declared): ldconfig lists it under that name; an ABI risk, as another soname is",
                                        usable: usable))
                continue
            }
            let place = unreached.contains { sameDirectory($0, Resolver.directoryName(path)) }
                ? "the same soname, in a directory of LD_LIBRARY_PATH the loader did not reach" : "the same soname, outside the search path"
            result.append(Candidate(path: path, soname: name, kind: .sameSoname,
                                    note: usable ? foreignWriteNote(path) ?? place : unusableNote(path),
                                    usable: usable))
        }
        for path in unlinkedSonameFiles(name, index: index) {
            let usable = isUsableLibrary(path)
            result.append(Candidate(path: path, soname: name, kind: .sameSoname,
                                    note: usable ? foreignWriteNote(path) ?? "its DT_SONAME is \(name), but no link of that name leads to it (ldconfig makes one in a directory it scans)"
                                                 : unusableNote(path),
                                    usable: usable))
        }
        for other in index.otherSonames(of: name) {
            for path in index.paths(named: other) where !result.contains(where: { $0.path.hasSameBytes(as: path) }) {
                result.append(Candidate(path: path, soname: other, kind: .otherSoname,
                                        note: "ABI risk: another soname of the library; linked only if it defines every symbol its consumers import",
                                        usable: isUsableLibrary(path)))
            }
        }
        return result
    }

    /// Where the root has `name` and how to make the loader find it, by what reaches every
    /// process first: a directory of the application's own libraries goes into ld.so.conf.d;
    /// a library from another directory (conda's, or a private one ld.so.conf.d cannot
    /// list) is linked into the default directory; failing both, another soname of the
    /// library is linked under this name; only where nothing in the root can work, its
    /// directory goes on `LD_LIBRARY_PATH`.
    /// - Parameter ldconfigAllowed: false when ldconfig would file a broken copy under `name`
    ///   first: only `LD_LIBRARY_PATH`, searched before the cache, then provides it.
    func provide(_ name: String, finding: Finding, in diagnosis: Diagnosis, environment: LoaderEnvironment,
                 index: LibraryIndex, rejected: Set<TextKey>, ldconfigAllowed: Bool = true) -> Step? {
        let trail = diagnosis.graph.missing.first { $0.name.hasSameBytes(as: name) }?.trail ?? []
        // A program in secure-execution mode never sees LD_LIBRARY_PATH: files and ldconfig only.
        let environmentReaches = diagnosis.graph.secureExecution == nil
        guard ldconfigAllowed || environmentReaches else { return nil }
        // A copy no link can reach (its name taken in the link directory): on LD_LIBRARY_PATH,
        // if nothing that lives in the root works.
        var onLibraryPath: Step?
        for path in index.paths(named: name) {
            let directory = Resolver.directoryName(path)
            // A glibc-hwcaps build is for some CPUs only: exposing it as the library would
            // tie the fix to the CPU it is planned on (and glibc < 2.33 never looks there).
            // (A cache entry skipped for a nodeflib requester was not searched: still a place.)
            guard !trail.contains(where: { $0.directoryName == directory && $0.outcome != .nodeflib }), !rejected.contains(TextKey(path)),
                  !directory.containsBytes("/glibc-hwcaps/"),
                  isUsableLibrary(path) else { continue }
            // A directory holding a copy the plan had to drop (it lacks what its consumers
            // need) does not go back on LD_LIBRARY_PATH for another library.
            let holdsRejected = rejected.contains { Resolver.directoryName($0.string).hasSameBytes(as: directory) }
            // In a default directory and still not found: its requester is linked with
            // -z nodefaultlib, for which the loader skips the default directories and the
            // cache's entries in them. Only LD_LIBRARY_PATH reaches it there (last, so that
            // it shadows nothing).
            if system.platform.defaultDirectories.contains(where: { sameDirectory($0, directory) }) {
                guard environmentReaches else { continue }
                var dirs = libraryPathDirectories(environment)
                // Appended last, it brings a dropped copy back only for a name no directory
                // before it has (the simulation proves the rest).
                guard !rejected.contains(where: { bad in
                    Resolver.directoryName(bad.string).hasSameBytes(as: directory)
                        && !dirs.contains { FindingCatalog.hasFile(FindingCatalog.fileName(bad.string), in: $0, system: system) }
                }) else { continue }
                if !dirs.contains(where: { sameDirectory($0, directory) }) { dirs.append(directory) }
                return Step(actions: [], environment: withLibraryPath(dirs, in: environment), file: path)
            }
            // Outside the default directories the plan would put it on the loader's path.
            guard newExposure(path) == nil else { continue }
            let isPrivate = isPrivateDirectory(directory, index: index)
            // A directory of the application's own libraries that shadows nothing: listed in
            // /etc/ld.so.conf.d, so every process (docker exec, cron, any shell) finds it.
            // (ldconfig caches sonames: a file named `name` whose DT_SONAME is another is
            // never found under `name` through the cache; a path or a link finds it.)
            if ldconfigAllowed, isPrivate, (declaredSoname(path) ?? name).hasSameBytes(as: name), let conf = confStep(for: directory, in: diagnosis) {
                return Step(actions: conf, environment: nil, file: path)
            }
            // Links reach every process, LD_LIBRARY_PATH only those started with it: a private
            // directory ld.so.conf.d cannot list (the root's ld.so.conf includes no such
            // file, or the loader would skip its cache entries) gets links too.
            if environmentReaches, !ldconfigAllowed {
                guard !holdsRejected else { continue }
                return libraryPathFirst(directory, file: path, in: environment)
            }
            let family = [name] + companions(of: name, in: directory, index: index)
            guard !family.contains(where: { newExposure(directory + "/" + $0) != nil }) else { continue }
            var actions: [FixAction] = []
            let into = linkDirectory(for: name)
            for companion in family {
                let link = RootPath(into + "/" + companion)
                if (try? system.root.resolveParents(link)) ?? nil != nil { continue }
                actions.append(.symlink(path: link, target: directory + "/" + companion))
            }
            guard !actions.isEmpty else {
                if environmentReaches, onLibraryPath == nil, !holdsRejected {
                    onLibraryPath = libraryPathFirst(directory, file: path, in: environment)
                }
                continue
            }
            return Step(actions: actions + ldconfigStep, environment: nil, file: path)
        }
        // The rest are links and ldconfig.
        guard ldconfigAllowed else { return onLibraryPath }
        // A file that declares the soname under another name (`libfoo.so.1.2.3`) and has no
        // link `name` to it: ldconfig makes that link in a directory it scans; elsewhere the
        // directory goes into ld.so.conf.d (a private one) or a link is made beside the system's.
        // (one where ldconfig alone makes the link first: the smallest change)
        let scanned = ldconfigDirectories()
        let files = soname(name, filesIn: index).map { path in
            (path: path, scanned: scanned.contains { sameDirectory($0, Resolver.directoryName(path)) })
        }
        for (path, isScanned) in files.filter(\.scanned) + files.filter({ !$0.scanned }) {
            let directory = Resolver.directoryName(path)
            guard !rejected.contains(TextKey(path)), !directory.containsBytes("/glibc-hwcaps/"), isUsableLibrary(path) else { continue }
            // (a directory the root's ldconfig scans is on the path already: any ldconfig run
            // makes that link; elsewhere the plan would put the file on the path)
            if isScanned, ldconfigObstacle == nil { return Step(actions: [.ldconfig], environment: nil, file: path) }
            guard newExposure(path) == nil else { continue }
            if isPrivateDirectory(directory, index: index), let conf = confStep(for: directory, in: diagnosis) {
                return Step(actions: conf, environment: nil, file: path)
            }
            let link = RootPath(linkDirectory(for: name) + "/" + name)
            if (try? system.root.resolveParents(link)) ?? nil != nil { continue }
            return Step(actions: [.symlink(path: link, target: path)] + ldconfigStep, environment: nil, file: path)
        }
        // Another soname of the same library, in a directory the loader searches by default.
        for other in index.otherSonames(of: name) {
            for path in index.paths(named: other) {
                let directory = Resolver.directoryName(path)
                guard !rejected.contains(TextKey(path)),
                      system.platform.defaultDirectories.contains(where: { sameDirectory($0, directory) }),
                      isUsableLibrary(path) else { continue }
                let link = RootPath(directory + "/" + name)
                if (try? system.root.resolveParents(link)) ?? nil != nil { continue }
                let action = FixAction.symlink(path: link, target: other)
                return Step(actions: [action] + ldconfigStep, environment: nil, sonameLink: (action, path), file: path)
            }
        }
        return onLibraryPath
    }

    /// For a library no usable copy of is left of: the packages dpkg says installed a file of
    /// that name (it was deleted, or damaged), to reinstall; else the conda package or
    /// Python distribution whose record lists one, in an environment above `places` (the
    /// objects that need it, the directories searched for it). Nil when none does.
    func reinstallRemedy(_ library: String, near places: [String]) -> String? {
        let entries = DpkgFileList(root: system.root).entries(named: library)
        guard !entries.isEmpty else { return environmentRemedy(library, near: places) }
        var packages: [String] = []
        for entry in entries where !packages.contains(entry.package) { packages.append(entry.package) }
        return "reinstall \(packages.joined(separator: " or ")) (\(DpkgFileList.reinstallCommand(packages[0], fromOutside: system.examinedFromOutside, root: system.root))): dpkg lists "
            + listed(entries.map(\.path), among: " among \(packages.count > 1 ? "their" : "its") files")
    }

    /// `reinstallRemedy` from a conda environment's records above `places`, else from pip's
    /// RECORDs: the first package that lists a file named `library`.
    func environmentRemedy(_ library: String, near places: [String]) -> String? {
        // (the remedies' "Reinstall …" as a step, which follows a colon)
        let conda = CondaMeta(root: system.root).entries(named: library, near: places)
        if let package = conda.first?.owner {
            return "r" + package.reinstallText.dropFirst() + ": its record lists " + listed(conda.filter { $0.owner == package }.map(\.path))
        }
        let wheels = PipRecord(root: system.root).entries(named: library, near: places)
        guard let owner = wheels.first?.owner else { return nil }
        return "r" + PipRecord.reinstallText(owner, fromOutside: system.examinedFromOutside).dropFirst()
            + ": its RECORD lists " + listed(wheels.filter { $0.owner == owner }.map(\.path))
    }

    /// "P, Q and 2 more`among`, and it is gone" (or "no copy of it is usable").
    func listed(_ paths: [String], among: String = "") -> String {
        let state = paths.contains { (try? system.root.resolve(RootPath($0))) ?? nil != nil } ? "no copy of it is usable" : "it is gone"
        return "\(paths.prefix(3).joined(separator: ", "))\(paths.count > 3 ? " and \(paths.count - 3) more" : "")\(among), and \(state)"
    }

    /// The ldconfig run that follows a step's links (none where ldconfig must not run).
    var ldconfigStep: [FixAction] { ldconfigObstacle == nil ? [.ldconfig] : [] }

    /// Where the root has the program interpreter `interpreter` (an absolute PT_INTERP) under
    /// its own name, in a directory a C library puts it: a loader whose DT_SONAME is that
    /// name, for this machine. Nil when none is, or the link's directory is missing.
    func interpreterCopy(for interpreter: String) -> String? {
        let link = RootPath(interpreter)
        guard interpreter.startsWithSlash, system.root.isDirectory(link.parent),
              ((try? system.root.resolveParents(link)) ?? nil) == nil else { return nil }
        let name = link.lastComponent
        var directories = ["/lib64", "/usr/lib64"]
        for directory in system.platform.defaultDirectories where !directories.contains(directory) { directories.append(directory) }
        for directory in directories where !directory.hasSameBytes(as: link.parent.string) {
            let path = directory + "/" + name
            if isUsableLibrary(path), declaredSoname(path)?.hasSameBytes(as: name) == true { return path }
        }
        return nil
    }

    /// The file ofdoctor writes its library directories to (one per line).
    public static let confPath = RootPath("/etc/ld.so.conf.d/ofdoctor.conf")

    /// `directory` added to ofdoctor's conf file, then ldconfig: only when ldconfig will read
    /// that file (the root's ld.so.conf includes it) and no library of the directory has a
    /// soname the cache already resolves elsewhere (the cache would then hold two, and the
    /// new one could win).
    func confStep(for directory: String, in diagnosis: Diagnosis) -> [FixAction]? {
        guard ldconfigObstacle == nil, cachesUsably(directory), let names = try? system.root.names(in: RootPath(directory)) else { return nil }
        let cache = system.cache.map { CacheLookup(cache: $0, platform: system.platform) }
        for name in names where LdconfigModel.looksLikeLibrary(name, glibc: system.platform.glibc) {
            // (an entry whose file is gone is stale: ldconfig drops it, and it shadows nothing —
            // the library moved here from there is the usual case)
            if let found = cache?.lookup(name), Resolver.directoryName(found) != directory,
               (try? system.root.resolve(RootPath(found))) ?? nil != nil {
                return nil
            }
        }
        // The file may be there from an earlier `fix --apply`: what it lists stays listed
        // (writing only the new directory would drop those, and break what they fixed).
        let existing = ConfFile.directories(in: system.root, at: Self.confPath)
        let directories = existing.contains(directory) ? existing : existing + [directory]
        let action = FixAction.conf(path: Self.confPath, directories: directories)
        var overlay = OverlayRoot(base: system.root.filesystem)
        overlay.add(.file(FileBytes(ByteString.bytes(ConfFile.contents(directories: directories)))), at: Self.confPath)
        overlay.memoise()
        guard LdSoConf(root: RootView(overlay), glibc: system.platform.glibc).directories.contains(where: { sameDirectory($0.path, directory) }) else { return nil }
        return [action, .ldconfig]
    }

    /// Whether the root's loader takes the cache entries every ldconfig that may run the plan
    /// (the root's own; the host's from outside) writes for `directory`: one named `x86_64`,
    /// `tls` or a platform is marked with legacy hwcap bits by an ldconfig of glibc 2.36 or
    /// older, and a loader of 2.37 or later skips every such entry.
    func cachesUsably(_ directory: String) -> Bool {
        let bits = LdSoCacheLegacyHWCap.bits(ofPath: directory)
        guard bits != 0 else { return true }
        let taken = CacheLookup.legacyHWCap(for: system.platform)
        return ([system.platform.glibc] + (hostLdconfigGlibc.map { [$0] } ?? []))
            .allSatisfy { !LoaderPlatform.hasLegacyHWCaps($0) || taken.accepts(bits) }
    }

    func sameDirectory(_ a: String, _ b: String) -> Bool {
        guard let ra = try? system.root.resolve(RootPath(a)), let rb = try? system.root.resolve(RootPath(b)) else { return a.hasSameBytes(as: b) }
        return ra.path == rb.path   // (RootPath compares bytes)
    }

    /// `soname(_:filesIn:)` as candidates to name: each file once (a `libfoo.so` link and the
    /// `libfoo.so.1.2` it leads to are one file, named by its own path), and none that a link
    /// named `name` leads to (that link is the candidate).
    func unlinkedSonameFiles(_ name: String, index: LibraryIndex) -> [String] {
        func file(_ path: String) -> RootPath? { ((try? system.root.resolve(RootPath(path))) ?? nil)?.path }
        var seen = Set(index.paths(named: name).compactMap(file))
        let paths = soname(name, filesIn: index)
        // (real files first, so a link to one is the duplicate; then the index's order again)
        let ordered = paths.filter { file($0) == RootPath($0) } + paths.filter { file($0) != RootPath($0) }
        let kept = Set(ordered.filter { path in file(path).map { seen.insert($0).inserted } ?? true })
        return paths.filter(kept.contains)
    }

    /// Files of the index named otherwise that declare `name` as their `DT_SONAME`.
    func soname(_ name: String, filesIn index: LibraryIndex) -> [String] {
        index.versionedFiles(of: name).filter { declaredSoname($0)?.hasSameBytes(as: name) == true }
    }

    /// The directories ldconfig scans: the default ones and those the root's ld.so.conf lists.
    func ldconfigDirectories() -> [String] {
        system.platform.defaultDirectories + configuration.directories.map(\.path)
    }

    /// The DT_SONAME the file at `path` declares; nil when it declares none or is no ELF file.
    func declaredSoname(_ path: String) -> String? {
        elfFile(path)?.dynamic?.soname
    }

    /// The ELF file at `path` in the root; nil when it cannot be read as one.
    func elfFile(_ path: String) -> ELFFile? {
        guard let bytes = try? system.root.contents(of: RootPath(path)) else { return nil }
        return try? ELFFile(bytes: bytes, path: path)
    }

    /// Why `isUsableLibrary` refused `path`.
    func unusableNote(_ path: String) -> String {
        do {
            if try system.root.resolve(RootPath(path)) == nil, let target = try? system.root.linkTarget(at: RootPath(path)) {
                return "a dangling symlink (to \(target))"
            }
        } catch .symlinkLoop {
            return "a symbolic link loop (ELOOP): the loader gives up the rest of a search list there"
        } catch {}
        // (read once: its bytes say whether it is cut short, its failure why ofdoctor could not tell)
        var readFailure: Int32?
        do {
            if let (size, end) = PastEndOfFile.cutShort(bytes: try system.root.contents(of: RootPath(path))) {
                return "cut short: \(size) bytes, and its segments run to byte \(end)"
            }
        } catch .io(_, _, let code) {
            readFailure = code
        } catch {}
        if let denial = accessIdentity?.denial(.read, path: RootPath(path), in: system.root) { return "\(denial)" }
        if let readFailure { return "ofdoctor could not read it: \(Errno.describe(readFailure))" }
        return "not a usable x86-64 library"
    }

    /// Who besides the root's administrators may change the file at `path` or a directory
    /// on the way to it (nil: no one).
    func foreignWrite(_ path: String) -> ForeignWrite? {
        administrators.foreignWrite(to: RootPath(path), in: system.root)
    }

    /// `foreignWrite` for a copy a plan would put on the loader's path: nil in a directory
    /// the root's loader or ldconfig searches already (any ldconfig run serves it).
    func newExposure(_ path: String) -> ForeignWrite? {
        // (the ownership walk first: nearly every copy passes it, and the root's ld.so.conf
        // is then not read again)
        guard let write = foreignWrite(path) else { return nil }
        let directory = Resolver.directoryName(path)
        return ldconfigDirectories().contains(where: { sameDirectory($0, directory) }) ? nil : write
    }

    /// The copies among `paths` a plan would newly put on the path, with who may change each.
    func exposures(_ paths: [String]) -> [(path: String, write: ForeignWrite)] {
        paths.compactMap { path in newExposure(path).map { (path, $0) } }
    }

    /// Why a usable copy stays off the loader's path; nil when nothing keeps it off.
    func foreignWriteNote(_ path: String) -> String? {
        newExposure(path).map(Self.foreignWriteNote)
    }

    static func foreignWriteNote(_ write: ForeignWrite) -> String {
        "\(write): the plan leaves it off the loader's path, where whoever may change it would choose what other users' programs load"
    }

    /// What a person does about copies only others may change: copy one where only root
    /// may change it and the loader looks, or take the others' write access away (not
    /// offered for a directory every user may add to, such as /tmp: its mode is meant).
    /// - Parameter libraries: every library of the finding, when it covers several (one
    ///   cause: OpenFace's four), all to be copied.
    /// - Parameter destination: where the copies must go (a library that opens its
    ///   companions from its own directory needs them there); nil: `trustedLibraryDirectory`.
    func foreignWriteRemedy(_ exposed: [(path: String, write: ForeignWrite)], libraries: [String] = [],
                            destination: String? = nil) -> String {
        // One clause per entry others may change, with every copy it is on the way to.
        var writes: [(write: ForeignWrite, paths: [String])] = []
        for (path, write) in exposed {
            if let i = writes.firstIndex(where: { $0.write == write }) { writes[i].paths.append(path) } else { writes.append((write, [path])) }
        }
        let copies = writes.map { "\($0.write) on the way to \($0.paths.joined(separator: ", "))" }.joined(separator: "; ")
        let tighten = writes.contains { $0.write.writer != .everyone || $0.write.mode & 0o1000 == 0 }
            ? ", or make \(writes.count == 1 ? "that" : "each such") entry root's and not writable by others (chown root:root, chmod go-w)" : ""
        let what = libraries.count > 1 ? "the libraries (\(libraries.joined(separator: ", ")))" : "the library"
        return "\(copies): copy \(what) to \(destination ?? trustedLibraryDirectory()), which only root may change and ldconfig reads, then run ldconfig\(tighten); then run ofdoctor fix again"
    }

    /// Where a link named `name` goes: the link directory, or, where a file of that name
    /// already sits there (a 32-bit build the loader skips, say), the first other default
    /// directory that has none — the loader searches them all, in order, and goes past a
    /// file it cannot use. A file there that it can use is no reason: the simulation
    /// proves what the loader takes.
    func linkDirectory(for name: String) -> String {
        func free(_ directory: String) -> Bool {
            system.root.isDirectory(RootPath(directory)) && ((try? system.root.resolveParents(RootPath(directory + "/" + name))) ?? nil) == nil
        }
        if free(linkDirectory) { return linkDirectory }
        for directory in system.platform.defaultDirectories where !sameDirectory(directory, linkDirectory) && free(directory) {
            guard foreignWrite(directory) == nil else { continue }
            return directory
        }
        return linkDirectory
    }

    /// A directory for a person to copy a library to: /usr/local/lib where ldconfig reads
    /// it and only root may change it, else the directory the plan links into.
    func trustedLibraryDirectory() -> String {
        let local = "/usr/local/lib"
        if system.root.isDirectory(RootPath(local)), foreignWrite(local) == nil,
           ldconfigDirectories().contains(where: { sameDirectory($0, local) }) {
            return local
        }
        return linkDirectory
    }

    /// An ELF file of the loader's class and machine, which the program's user may read.
    func isUsableLibrary(_ path: String) -> Bool {
        // (a stub loads, and fails every call: never a library to find)
        guard !DriverLibrary.isLinkTimeStub(path), let bytes = try? system.root.contents(of: RootPath(path)) else { return false }
        if let who = accessIdentity, who.denial(.read, path: RootPath(path), in: system.root) != nil { return false }
        // (a copy cut short kills the loader, or the program, when the part it lacks is touched)
        return CandidateVerdict.judge(bytes.buffer, expecting: .x86_64) == .accept && PastEndOfFile.cutShort(bytes: bytes) == nil
    }

    /// A directory whose libraries the system does not also have: putting it on the search
    /// path cannot shadow a system library (conda's `lib/` fails this: its libffi would).
    func isPrivateDirectory(_ directory: String, index: LibraryIndex) -> Bool {
        guard let names = try? system.root.names(in: RootPath(directory)) else { return false }
        for name in names where LdconfigModel.looksLikeLibrary(name, glibc: system.platform.glibc) {
            for path in index.paths(named: name) where Resolver.directoryName(path) != directory {
                // (a dangling link there is no library, and ldconfig drops it)
                if system.platform.defaultDirectories.contains(where: { sameDirectory($0, Resolver.directoryName(path)) }),
                   isUsableLibrary(path) {
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

    /// The diagnosis of the root with `actions` applied in memory (`PlanEffect`).
    /// - Parameter graph: a load graph of the root itself (the plan's start).
    ///
    /// A plan that runs ldconfig on a root from outside runs the host's (`ldconfig -r`),
    /// while its Dockerfile lines run the root's own: when the two glibcs' ldconfig differ
    /// (a 2.36 host marks `tls/` entries that a 2.41 loader skips), the plan is proven with
    /// each, and an outcome that differs is the one returned.
    public func simulate(_ actions: [PlannedAction], environment: LoaderEnvironment,
                         reusing graph: LoadGraph? = nil) throws(ResolveError) -> Diagnosis {
        let own = try simulate(actions, environment: environment, graph: graph, ldconfig: system.platform.glibc)
        guard let host = hostLdconfigGlibc, !LdconfigModel.behavesAlike(host, system.platform.glibc),
              actions.contains(where: { if case .ldconfig = $0.action { true } else { false } })
        else { return own }
        let hosts = try simulate(actions, environment: environment, graph: graph, ldconfig: host)
        // An error only one of them leaves is the plan's: the host's outcome unless it is
        // no worse than the root's own.
        return Set(hosts.errors.map(\.key)).isSubset(of: own.errors.map(\.key)) ? own : hosts
    }

    private func simulate(_ actions: [PlannedAction], environment: LoaderEnvironment, graph: LoadGraph?,
                          ldconfig glibc: GlibcVersion) throws(ResolveError) -> Diagnosis {
        let effect = PlanEffect(FixPlan(actions), base: system.root.filesystem, glibc: glibc)
        var simulated = system
        simulated.root = RootView(effect.root)
        if let cache = effect.cache { simulated.cache = cache }
        // The effect's root overlays the start's: its own entries have synthetic identities,
        // so a file of `graph` met again by identity is the one already parsed.
        return try Diagnosis(system: simulated, program: program, environment: environment, rules: rules, reusing: graph)
    }
}

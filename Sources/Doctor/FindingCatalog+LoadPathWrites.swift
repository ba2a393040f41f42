import LoaderModel
import RootFS
import Support

/// `unsafe-search-path` (LD008) of another kind: an entry on the way to what the loader
/// reads that a user other than the root's administrators and the program's own user may
/// change — a directory it looks in for a library, or one on the way to a library it loads,
/// or that library's file. That user chooses code the program runs, with the program's
/// privileges: a library of a name the loader looks for, put in such a directory, is found
/// there first; a library it loads can be replaced. `ldd` and libtree do not say.
extension FindingCatalog {
    /// What one entry others may change exposes.
    private struct Exposure {
        var write: ForeignWrite
        /// Search-path directories the loader looked in under it, with the list that led there.
        var directories: [(directory: String, source: SearchSource)] = []
        /// Objects the program loads from under it (the name the loader opened).
        var libraries: [String] = []
        /// The entry is a loaded library's file itself.
        var isLibraryFile = false
        /// Directories ldconfig reads under it (the ld.so.conf line that names each), and the
        /// names the program asks ld.so.cache for that a library put there would answer once
        /// ldconfig runs again.
        var configured: [(directory: String, origin: LdSoConf.Origin, absent: Bool)] = []
        var cacheNames: [String] = []
        /// `cacheNames`, for telling a name already listed in constant time (a hostile
        /// configuration's thousands of directories each expose the same few hundred names).
        var cacheNameKeys: Set<TextKey> = []
        /// The loaded objects among them (their paths), which `tree` marks too.
        var cacheObjects: [String] = []
    }

    static func loadPathWriteFindings(_ graph: LoadGraph, system: TargetSystem) -> [Finding] {
        let root = system.root
        let trusted = RootAdministrators(root: root).trusting(graph.environment.identity)
        var exposures: [Exposure] = []
        var positions: [TextKey: Int] = [:]
        func exposure(of write: ForeignWrite) -> Int {
            let key = TextKey(write.path)
            if let known = positions[key] { return known }
            exposures.append(Exposure(write: write))
            positions[key] = exposures.count - 1
            return exposures.count - 1
        }
        // (one walk a directory: the loaded libraries share a few)
        typealias Reached = (write: ForeignWrite?, resolved: String)
        var directoryWrites: [TextKey: Reached] = [:]
        func reach(_ directory: String) -> Reached {
            let key = TextKey(directory)
            if let known = directoryWrites[key] { return known }
            let found = trusted.reach(RootPath(directory), in: root)
            let reached = (found.write, found.resolved?.string ?? directory)
            directoryWrites[key] = reached
            return reached
        }
        for searched in graph.searchedDirectories {
            if let found = reach(searched.directory).write { exposures[exposure(of: found)].directories.append(searched) }
        }
        // A library: the directory of the name the loader opened (its `$ORIGIN`) and, where
        // a link led elsewhere, the whole way there, then the file's own entry, as the
        // resolution met it. (Not a walk of each path: 57 of them were a twentieth of `check gdb`.)
        var last: (directory: String, reached: Reached)?
        for index in graph.objects.indices.dropFirst() where graph.objects[index].foundVia != .vdso {
            let opened = graph.objects[index].origin ?? Resolver.directoryName(graph.objects[index].path)
            let realPath = graph.objects[index].realPath
            let reached: Reached
            if let last, last.directory.hasSameBytes(as: opened) { reached = last.reached } else {
                reached = reach(opened)
                last = (opened, reached)
            }
            var found = reached.write
            // (a link that leads out of its directory: every directory on its way, each hop's;
            // judged against where the directory really is, so that `bin/../lib` or a linked
            // `/lib` costs one walk, not one a library)
            if found == nil, !Self.isEntry(realPath, of: reached.resolved) {
                found = trusted.foreignWrite(reaching: RootPath(graph.objects[index].path), in: root)
            }
            var isFile = false
            if found == nil, let entry = graph.objects[index].fileEntry, let writer = trusted.writer(of: entry) {
                found = ForeignWrite(path: realPath, mode: entry.mode, writer: writer)
                isFile = true
            }
            guard let found else { continue }
            let position = exposure(of: found)
            exposures[position].libraries.append(graph.objects[index].path)
            if isFile { exposures[position].isLibraryFile = true }
        }
        // A directory ldconfig reads: what another user puts there is in ld.so.cache after the
        // next ldconfig (every library package's install runs it), whether or not the loader
        // looks there today.
        let asked = cacheAskedNames(graph)
        if !asked.isEmpty {
            let conf = LdSoConf(root: root, glibc: system.platform.glibc)
            let configured = conf.directories
            // An entry of a subdirectory that whoever may write DIR may make comes before every
            // plain one of its name: DIR/glibc-hwcaps/LEVEL from glibc 2.33 on, when the loader
            // uses LEVEL; DIR/tls (or DIR/x86_64) up to 2.36, whose cache lookup always takes
            // the TLS hwcap (measured: 2.31 and 2.36 load DIR/tls/NAME from a later DIR).
            let levels = LoaderPlatform.hasGlibcHWCaps(system.platform.glibc) ? system.platform.glibcHWCaps : []
            let subdirectoryOutranks = !levels.isEmpty || LoaderPlatform.hasLegacyHWCaps(system.platform.glibc)
            // Each cache directory's place in the order, found once (a hostile configuration
            // may list a hundred thousand directories).
            var places: [TextKey: Int] = [:]
            for (position, directory) in configured.enumerated() where places[TextKey(directory.path)] == nil {
                places[TextKey(directory.path)] = position
            }
            let cachedFrom = asked.map { $0.cachedFrom.map { places[TextKey($0)] } }
            // `directory` (at `position` in ldconfig's order; nil when absent) exposes each name
            // the cache gives from a directory at a position `outranks` accepts, and each name
            // the cache has no entry for.
            func expose(_ directory: String, origin: LdSoConf.Origin, absent: Bool, position: Int?, outranks: (Int) -> Bool) {
                guard let found = reach(directory).write else { return }
                let names = asked.indices.filter { k in
                    guard let from = cachedFrom[k] else { return true }
                    // (an entry of a directory ldconfig would not read now, or of a glibc-hwcaps
                    // one, which outranks plain entries: no claim)
                    guard let fromPosition = from, configured[fromPosition].glibcHWCaps == nil,
                          fromPosition != position else { return false }
                    return outranks(fromPosition)
                }.map { asked[$0] }
                guard !names.isEmpty else { return }
                let at = exposure(of: found)
                exposures[at].configured.append((directory, origin, absent))
                for name in names where exposures[at].cacheNameKeys.insert(TextKey(name.name)).inserted {
                    exposures[at].cacheNames.append(name.name)
                    if let path = name.path { exposures[at].cacheObjects.append(path) }
                }
            }
            for (position, directory) in configured.enumerated() {
                let beatsEveryPlainEntry = directory.glibcHWCaps.map(levels.contains) ?? subdirectoryOutranks
                expose(directory.path, origin: directory.origin, absent: false, position: position) { beatsEveryPlainEntry || position < $0 }
            }
            // A directory named but not made: whoever may make it fills it, and the next
            // ldconfig reads it in its place in the order.
            for absent in conf.absentDirectories {
                expose(absent.path, origin: absent.origin, absent: true, position: nil) { subdirectoryOutranks || absent.before <= $0 }
            }
        }
        let runner = graph.environment.identity
        return exposures.map { finding($0, runner: runner) }
    }

    /// The names the loader asks ld.so.cache for and takes what it answers: each needed
    /// library it did not find at all; each it took from the cache, with the directory of that
    /// entry; and each it found later, in the default directories, where the cache had nothing
    /// for it. A library found before the cache (RPATH, LD_LIBRARY_PATH, RUNPATH) is
    /// left out (the cache is not asked), as is a preload (in secure mode the cache is not
    /// read for one).
    private static func cacheAskedNames(_ graph: LoadGraph) -> [(name: String, path: String?, cachedFrom: String?)] {
        // (the names it lacks first: a library put there answers them unopposed)
        var result: [(name: String, path: String?, cachedFrom: String?)] = graph.missing.compactMap { missing in
            missing.preloadList == nil && missing.fatalPath == nil && !missing.name.containsSlash ? (missing.name, nil, nil) : nil
        }
        for object in graph.objects.dropFirst() {
            guard let name = object.names.first, !name.containsSlash else { continue }
            switch object.foundVia {
            case .search(.cache, let directory):
                result.append((name, object.path, directory))
            case .search(.defaultDirectories, _):
                guard !object.trail.contains(where: { $0.source == .cache }) else { continue }
                result.append((name, object.path, nil))
            default:
                continue
            }
        }
        return result
    }

    /// `path` names an entry of `directory` itself (`directory/name`, no further slash).
    private static func isEntry(_ path: String, of directory: String) -> Bool {
        var path = path, directory = directory
        let slash = UInt8(ascii: "/")
        // (over the contiguous bytes: the `utf8` view's slicing cost thousands a call)
        return path.withUTF8 { name in
            directory.withUTF8 { parent in
                let start = parent.count == 1 && parent[0] == slash ? 1 : parent.count + 1
                guard name.count > start, parent.indices.allSatisfy({ name[$0] == parent[$0] }),
                      name[start - 1] == slash else { return false }
                return !name[start...].contains(slash)
            }
        }
    }

    private static func finding(_ exposure: Exposure, runner: ProcessIdentity) -> Finding {
        let write = exposure.write
        let who: String
        switch write.writer {
        case .everyone: who = "every user"
        case .owner(let uid): who = "uid \(uid)"
        case .group(let gid): who = "group \(gid)"
        }
        let libraries = exposure.libraries, directories = exposure.directories, configured = exposure.configured
        let summary: String
        if libraries.isEmpty, let first = directories.first {
            summary = "\(write): the loader looks for the program's libraries in \(first.directory)"
                + (directories.count > 1 ? " and \(directories.count - 1) more" : "")
        } else if libraries.isEmpty {
            let names = exposure.cacheNames
            summary = "\(write): ldconfig reads \(configured[0].directory)\(configured[0].absent ? " once it is made" : "")\(configured.count > 1 ? " and \(configured.count - 1) more" : ""), and ld.so.cache answers the program's \(names[0])\(names.count > 1 ? " and \(names.count - 1) more" : "") with what it finds there"
        } else if exposure.isLibraryFile {
            summary = "\(write): the program loads it"
                + (libraries.allSatisfy { $0.hasSameBytes(as: write.path) } ? "" : " (as \(libraries.joined(separator: ", ")))")
        } else {
            summary = "\(write): the program loads \(libraries[0])\(libraries.count > 1 ? " and \(libraries.count - 1) more" : "") from there"
        }
        var explanation = "Whoever may change an entry on the way to what the loader reads chooses code the program runs, as \(runner); \(who) may change \(write.path)."
        if !libraries.isEmpty {
            explanation += " The program loads \(cappedList(libraries)), which \(who) may replace."
        }
        if !directories.isEmpty {
            let places = directories.map { "\($0.directory) (\(sourcePhrase($0.source)))" }
            explanation += " The loader looks in \(cappedList(places)) for the program's libraries: a library put there under a name it looks for is loaded in place of the one it finds later"
                + (libraries.isEmpty ? " (or of one it does not find)." : ".")
        }
        if !configured.isEmpty {
            let places = configured.map { "\($0.directory) (\(configurationPhrase($0.origin))\($0.absent ? "; not made yet, and whoever may make it may fill it" : ""))" }
            explanation += " ldconfig reads \(cappedList(places)) and puts the libraries it finds there in ld.so.cache the next time it runs (installing a library package runs it): a library put there under a name the program asks the cache for — \(cappedList(exposure.cacheNames)) — is then what the loader loads."
        }
        let lists = Set(directories.map { sourcePhrase($0.source) }).sorted()
        var offPath = directories.isEmpty ? ""
            : " and take \(cappedList(directories.map(\.directory))) off \(lists.joined(separator: " and "))"
        // (the directories a configuration file names; ldconfig's own cannot be taken out)
        let listed = configured.filter { $0.origin != .builtin }
        // (by file, in order: a configuration may name thousands, in up to `LdSoConf.maxFiles`)
        var byFile: [(file: String, directories: [String])] = []
        var fileAt: [TextKey: Int] = [:]
        for entry in listed {
            let at = fileAt[TextKey(entry.origin.file)] ?? byFile.count
            if at == byFile.count {
                fileAt[TextKey(entry.origin.file)] = at
                byFile.append((entry.origin.file, []))
            }
            byFile[at].directories.append(entry.directory)
        }
        let takeOut = listed.isEmpty ? nil
            : "take \(cappedList(byFile.map { "\(cappedList($0.directories)) out of \($0.file)" })) (then run ldconfig)"
        if let takeOut { offPath += " and " + takeOut }
        let sharedScratch = write.writer == .everyone && write.mode & 0o1000 != 0
        // (no /usr/local/lib to move to when it is what others may change)
        let usrLocal = "/usr/local/lib"
        let elsewhere = usrLocal.hasSameBytes(as: write.path) || usrLocal.hasBytePrefix(write.path == "/" ? "/" : write.path + "/")
            ? "a directory only root may change (then run ldconfig)" : "a directory only root may change (/usr/local/lib, then run ldconfig)"
        let makeRoots = "Make \(write.path) root's and writable by root alone (as root: chown root:root and chmod go-w\(exposure.isLibraryFile ? "" : ", with -R for what it holds"))"
        let remedy: String
        if libraries.isEmpty && directories.isEmpty {
            // (only ldconfig reads there: nothing loads from it to move)
            remedy = makeRoots + (takeOut.map { ", or " + $0 + "." } ?? ".")
        } else if sharedScratch {
            remedy = "Keep libraries out of \(write.path), where every user may add files: move them to \(elsewhere)\(offPath)."
        } else {
            remedy = makeRoots + ", or move the libraries to \(elsewhere)\(offPath)."
        }
        var finding = Finding(id: .unsafeSearchPath, rule: .unsafeSearchPath, severity: .warning, summary: summary,
                              explanation: explanation, library: write.path, remedy: remedy,
                              searched: SearchedDirectories.grouped(directories.map { ($0.source.label, $0.directory) }
                                                                    + configured.map { ("ldconfig", $0.directory) }))
        finding.exposedObjects = libraries + exposure.cacheObjects.filter { object in !libraries.contains { $0.hasSameBytes(as: object) } }
        return finding
    }

    /// Where ldconfig's list names a directory, as a sentence says it.
    private static func configurationPhrase(_ origin: LdSoConf.Origin) -> String {
        origin == .builtin ? "one of ldconfig's own directories" : "\(origin.file) line \(origin.line)"
    }

    /// The list a directory came from, as a sentence names it.
    private static func sourcePhrase(_ source: SearchSource) -> String {
        switch source {
        case .rpath(let owner): return "the RPATH of \(owner)"
        case .runpath(let owner): return "the RUNPATH of \(owner)"
        case .libraryPath: return "LD_LIBRARY_PATH"
        case .cache: return "ld.so.cache"
        case .defaultDirectories: return "the loader's default path"
        }
    }
}

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
    }

    static func loadPathWriteFindings(_ graph: LoadGraph, root: RootView) -> [Finding] {
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
        let runner = graph.environment.identity
        return exposures.map { finding($0, runner: runner) }
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
        let libraries = exposure.libraries, directories = exposure.directories
        let summary: String
        if libraries.isEmpty {
            summary = "\(write): the loader looks for the program's libraries in \(directories[0].directory)"
                + (directories.count > 1 ? " and \(directories.count - 1) more" : "")
        } else if exposure.isLibraryFile {
            summary = "\(write): the program loads it"
                + (libraries.allSatisfy { $0.hasSameBytes(as: write.path) } ? "" : " (as \(libraries.joined(separator: ", ")))")
        } else {
            summary = "\(write): the program loads \(libraries[0])\(libraries.count > 1 ? " and \(libraries.count - 1) more" : "") from there"
        }
        var explanation = "Whoever may change an entry on the way to what the loader reads chooses code the program runs, as \(runner); \(who) may change \(write.path)."
        if !libraries.isEmpty {
            explanation += " The program loads \(libraries.joined(separator: ", ")), which \(who) may replace."
        }
        if !directories.isEmpty {
            let places = directories.map { "\($0.directory) (\(sourcePhrase($0.source)))" }
            explanation += " The loader looks in \(places.joined(separator: ", ")) for the program's libraries: a library put there under a name it looks for is loaded in place of the one it finds later"
                + (libraries.isEmpty ? " (or of one it does not find)." : ".")
        }
        let lists = Set(directories.map { sourcePhrase($0.source) }).sorted()
        let offPath = directories.isEmpty ? ""
            : " and take \(directories.map(\.directory).joined(separator: ", ")) off \(lists.joined(separator: " and "))"
        let sharedScratch = write.writer == .everyone && write.mode & 0o1000 != 0
        let remedy = sharedScratch
            ? "Keep libraries out of \(write.path), where every user may add files: move them to a directory only root may change (/usr/local/lib, then run ldconfig)\(offPath)."
            : "Make \(write.path) root's and writable by root alone (as root: chown root:root and chmod go-w\(exposure.isLibraryFile ? "" : ", with -R for what it holds")), or move the libraries to a directory only root may change (/usr/local/lib, then run ldconfig)\(offPath)."
        var finding = Finding(id: .unsafeSearchPath, rule: .unsafeSearchPath, severity: .warning, summary: summary,
                              explanation: explanation, library: write.path, remedy: remedy,
                              searched: SearchedDirectories.grouped(directories.map { ($0.source.label, $0.directory) }))
        finding.exposedObjects = libraries
        return finding
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

import RootFS

extension Journal {
    /// True for what `RootView` hands the applier: absolute, no `//`, `.`, `..`, NUL or
    /// trailing `/` — a real path inside the root, which `ConfinedRoot` then reaches
    /// without following a link.
    static func isRealPath(_ path: String) -> Bool {
        path.startsWithSlash && (path == "/" || path.slashSeparated(omittingEmpty: false).dropFirst()
            .allSatisfy { ConfinedRoot.isPlainComponent(String($0)) })
    }

    /// Refuses the whole journal when one path in it is not a real path inside the root,
    /// or a temporary name is not the one ofdoctor builds beside its file (a journal that
    /// names `/etc/passwd` as a temporary would have undo delete it). `journal` is the
    /// journal's own path, for the message.
    func checkPaths(journal: String) throws(ApplyError) {
        func require(_ path: String, _ what: String = "") throws(ApplyError) {
            guard Self.isRealPath(path) else {
                throw .journalOutsideRoot(path: journal, entry: path,
                                          reason: "is not a plain absolute path inside the root\(what) (`..`, `.`, NUL, `//` or relative)")
            }
        }
        func requirePlain<Value>(_ table: LinkTable<Value>) throws(ApplyError) {
            for directory in table.directories {
                try require(directory.path)
                for link in directory.links where !ConfinedRoot.isPlainComponent(link.name) {
                    throw .journalOutsideRoot(path: journal, entry: directory.path + "/" + link.name, reason: "is not one name inside its directory")
                }
            }
        }
        for directory in createdDirectories { try require(directory) }
        for entry in entries {
            switch entry.change {
            case .directory(let path):
                try require(path)
            case .link(let path, let target, _, let temporary):
                try require(path)
                guard !target.isEmpty, !target.utf8.contains(0) else {
                    throw .journalOutsideRoot(path: journal, entry: path, reason: "has an empty link target or one holding NUL")
                }
                if let temporary { try requireTemporary(temporary, for: path, journal: journal) }
            case .file(let path, _, _, _, let temporary, _):
                try require(path)
                try requireTemporary(temporary, for: path, journal: journal)
            case .ldconfig(let snapshot):
                for file in snapshot.files { try require(file.path) }
                for directory in snapshot.absentDirectories { try require(directory) }
                try requirePlain(snapshot.links)
            }
            if let effect = entry.effect { try requirePlain(effect.links) }
            for file in entry.effect?.files ?? [] { try require(file.path) }
        }
    }

    private func requireTemporary(_ temporary: String, for path: String, journal: String) throws(ApplyError) {
        guard temporary == Self.temporary(for: RootPath(path)).string else {
            throw .journalOutsideRoot(path: journal, entry: temporary, reason: "is not the temporary name ofdoctor uses for \(path)")
        }
    }

    /// The name a replacement for `path` is built under, in the same directory (so `rename(2)` is atomic).
    static func temporary(for path: RootPath) -> RootPath {
        path.parent.appending("." + path.lastComponent + ".ofdoctor-tmp")
    }

    /// Every path the journal names, for the check that none passes through a link now.
    var allPaths: [String] {
        var paths = createdDirectories
        for entry in entries {
            switch entry.change {
            case .directory(let path), .link(let path, _, _, _), .file(let path, _, _, _, _, _):
                paths.append(path)
            case .ldconfig(let snapshot):
                paths += snapshot.files.map(\.path) + snapshot.absentDirectories + snapshot.links.directories.map(\.path)
            }
            paths += (entry.effect?.links.directories ?? []).map(\.path)
        }
        return paths
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import RootFS

/// The journal file: read and checked, created with its directories (staged, so a kill
/// leaves nothing half made), appended to record by record, removed by `undo`.
extension ApplySession {
    /// Reads the journal when there is one, after clearing what a run killed while
    /// creating or removing it left behind.
    func loadJournal() throws(ApplyError) -> Bool {
        let place: (real: RootPath, missing: [RootPath])
        do { place = try locate(Journal.path) } catch {
            // A parent that is a file or a link to nothing holds no journal (`fix --apply`
            // then fails to create one there, and says why).
            if case .notADirectory = error { return false }
            throw error
        }
        try removeStaging(for: place.missing)
        guard place.missing.isEmpty, let found = try entry(place.real) else { return false }
        guard found.kind == .file else {
            throw .journalCorrupt(path: place.real.string, line: 1, reason: "it is not a regular file", holds: [])
        }
        let contents = try bytes(place.real)
        let records = try JournalFile.verify(contents, path: place.real.string, key: key)
        let loaded = try Journal.decode(records: records, of: contents, path: place.real.string)
        try checkNoLinks(loaded, journal: place.real.string)
        try checkWrittenHere(loaded, journal: place.real)
        journal = loaded
        journalRecords = records
        journalPath = place.real
        // A kill while the journal was being replaced leaves its temporary: ours by name.
        try clearTemporary(temporary(for: place.real), ours: true)
        return true
    }

    /// Refuses the whole journal when a path in it now passes through a symbolic link
    /// (a parent made a link after apply, or a journal shipped in the root): its paths are
    /// real paths, so a link on the way means the tree is not the one it describes.
    private func checkNoLinks(_ journal: Journal, journal path: String) throws(ApplyError) {
        for entry in Set(journal.allPaths) {
            let place = RootPath(entry)
            do throws(ConfinementFailure) {
                close(try confined.openDirectory(place.parent))
            } catch {
                switch error {
                case .missing, .notDirectory: continue
                case .link(let link):
                    throw .journalOutsideRoot(path: path, entry: entry, reason: "passes through \(link.string), now a symbolic link (it could lead out of the root)")
                case .badComponent:
                    throw .journalOutsideRoot(path: path, entry: entry, reason: "is not a plain path inside the root")
                case .system(let p, let op, let code):
                    throw .system(path: p.string, operation: op, errno: code)
                }
            }
        }
    }

    /// Refuses a journal found in another directory than the one it was written in: one
    /// copied from another root, or a copy of the whole root. Its changes were made there,
    /// and what looks like them here (a link to the same target, a file with the same
    /// bytes) was made by someone else, so `undo` must not delete it.
    private func checkWrittenHere(_ journal: Journal, journal path: RootPath) throws(ApplyError) {
        guard let directory = try entry(path.parent), directory.kind == .directory,
              directory.identity.inode == journal.directoryInode else {
            throw .journalElsewhere(path: path.string, directory: path.parent.string)
        }
    }

    /// The inode number of the directory `path` (`RootEntry.identity`).
    private func directoryInode(_ path: RootPath) throws(ApplyError) -> UInt64 {
        guard let found = try entry(path), found.kind == .directory else { throw .notADirectory(path: path.string) }
        return found.identity.inode
    }

    /// Creates the journal. When its directories are missing they are built under a
    /// staging name with the journal inside, then renamed into place: a kill leaves either
    /// a journal that lists them or a staging directory the next run removes.
    func createJournal() throws(ApplyError) {
        let place = try locate(Journal.path)
        let created = place.missing.map(\.string)
        let inode: UInt64
        let header: [UInt8]
        if let top = place.missing.first, let staging = stagingPath(for: place.missing) {
            let rebase = { (path: RootPath) in RootPath(staging.string + path.string.dropFirst(top.string.count)) }
            try perform(staging) { (at) throws(WriteFailure) in try writer.makeDirectory(at, mode: 0o755) }
            for directory in place.missing.dropFirst() {
                let staged = rebase(directory)
                try perform(staged) { (at) throws(WriteFailure) in try writer.makeDirectory(at, mode: 0o755) }
            }
            let stagedJournal = rebase(place.real)
            // (rename(2) keeps the inode: the staged directory's is the one it will have)
            inode = try directoryInode(stagedJournal.parent)
            header = Journal.headerLine(createdDirectories: created, directoryInode: inode)
            let contents = JournalFile.encode([header], secret: try secret())
            try perform(stagedJournal) { (at) throws(WriteFailure) in
                try writer.createFile(at, contents: contents, mode: 0o644)
            }
            try syncDirectory(stagedJournal.parent)
            try checkpoint()
            try perform(staging, top, reportedAs: top) { (from, to) throws(WriteFailure) in try writer.rename(from, to: to) }
            try syncDirectory(top.parent)
        } else {
            inode = try directoryInode(place.real.parent)
            header = Journal.headerLine(createdDirectories: created, directoryInode: inode)
            let contents = JournalFile.encode([header], secret: try secret())
            try perform(place.real) { (at) throws(WriteFailure) in
                try writer.createFile(at, contents: contents, mode: 0o644)
            }
            try syncDirectory(place.real.parent)
        }
        journal = Journal(createdDirectories: created, directoryInode: inode)
        journalRecords = [header]
        journalPath = place.real
        try checkpoint()
    }

    /// Removes the journal and the directories made for it. Only when they hold nothing
    /// else are they renamed away in one step; otherwise the journal alone goes.
    func removeJournal() throws(ApplyError) -> [String] {
        guard let path = journalPath else { return [] }
        let created = journal.createdDirectories.map { RootPath($0) }
        if let top = created.first, let staging = stagingPath(for: created), try holdsOnlyJournal(created, journal: path) {
            try perform(top, staging, reportedAs: top) { (from, to) throws(WriteFailure) in try writer.rename(from, to: to) }
            try syncDirectory(top.parent)
            journalPath = nil
            try checkpoint()
            try removeTree(staging)
            try syncDirectory(staging.parent)
            return []
        }
        try unlink(path)
        journalPath = nil
        var leftAlone: [String] = []
        for directory in created.reversed() {
            guard try entry(directory)?.kind == .directory else { continue }
            if try !removeDirectory(directory) { leftAlone.append("\(directory.string): not empty; left in place") }
        }
        return leftAlone
    }

    /// The staging name for the outermost of `missing` directories: beside it.
    private func stagingPath(for missing: [RootPath]) -> RootPath? {
        missing.first.map { $0.parent.appending(".ofdoctor-staging") }
    }

    private func holdsOnlyJournal(_ created: [RootPath], journal: RootPath) throws(ApplyError) -> Bool {
        for (index, directory) in created.enumerated() {
            let inside = index + 1 < created.count ? created[index + 1] : journal
            guard inside.parent == directory, try names(directory) == [inside.lastComponent] else { return false }
        }
        return true
    }

    private func removeStaging(for missing: [RootPath]) throws(ApplyError) {
        guard let staging = stagingPath(for: missing), let found = try entry(staging) else { return }
        guard found.kind == .directory else { throw .exists(path: staging.string) }
        try removeTree(staging)
        try syncDirectory(staging.parent)
    }

    /// Deletes a staging tree: only ofdoctor's directories and journal are ever in one.
    private func removeTree(_ directory: RootPath) throws(ApplyError) {
        for name in try names(directory) {
            let path = directory.appending(name)
            if try entry(path)?.kind == .directory {
                try removeTree(path)
            } else {
                try perform(path) { (at) throws(WriteFailure) in try writer.unlink(at) }
            }
        }
        try perform(directory) { (at) throws(WriteFailure) in try writer.removeDirectory(at) }
    }

    /// Journals the intent to make `change`, before making it.
    func begin(_ change: JournalChange) throws(ApplyError) -> Int {
        if journalPath == nil { try createJournal() }
        let seq = journal.nextSeq
        try append(Journal.recordLine(seq: seq, phase: .intent, change: change))
        journal.addIntent(seq: seq, change: change)
        try checkpoint()
        return seq
    }

    /// Journals how change `seq` ended (`done`, `failed`, `undone`).
    func end(_ seq: Int, phase: Journal.Phase, ldconfig: LdconfigResult? = nil, effect: LdconfigEffect? = nil,
             error: String? = nil) throws(ApplyError) {
        try append(Journal.recordLine(seq: seq, phase: phase, ldconfig: ldconfig, effect: effect, error: error))
        if let at = journal.entries.firstIndex(where: { $0.seq == seq }) {
            journal.end(entryAt: at, phase: phase, ldconfig: ldconfig, effect: effect, error: error)
        }
        try checkpoint()
    }

    /// Adds a record: the whole journal, closed again, replaces the old one atomically.
    private func append(_ line: [UInt8]) throws(ApplyError) {
        guard let path = journalPath else {
            throw .journalCorrupt(path: Journal.path.string, line: 0, reason: "no journal is open", holds: [])
        }
        let records = journalRecords + [line]
        try replaceFile(path, contents: JournalFile.encode(records, secret: try secret()), mode: 0o644, temporary: temporary(for: path), ours: true)
        journalRecords = records
    }
}

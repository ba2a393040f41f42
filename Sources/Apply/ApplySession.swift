#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import RootFS

/// The state of one `apply` or `undo`: the journal as read and written so far, and the
/// step-hook counter. Every read and write goes through here: paths are resolved inside
/// the root by `RootView`, then reached from the root's descriptor by `ConfinedRoot`,
/// which refuses a link on the way, so none can land outside it.
final class ApplySession {
    let root: LocalRoot
    let confined: ConfinedRoot
    let view: RootView
    let writer: any FileSystemWriter
    let hook: (@Sendable (Int) -> StepDecision)?
    private var point = 0
    var journal = Journal(createdDirectories: [])
    /// The journal's real path, once it exists.
    private(set) var journalPath: RootPath?
    /// The journal's records (JSON, header first), as the file holds them.
    private var journalRecords: [[UInt8]] = []

    init(root: LocalRoot, writer: any FileSystemWriter, hook: (@Sendable (Int) -> StepDecision)?) throws(ApplyError) {
        self.root = root
        do { confined = try ConfinedRoot(root) } catch { throw .root(error) }
        self.view = RootView(confined)
        self.writer = writer
        self.hook = hook
    }

    /// A point where a kill could strike: asks the hook whether to stop here.
    func checkpoint() throws(ApplyError) {
        let current = point
        point += 1
        if hook?(current) == .crash { throw .stoppedByHook(point: current) }
    }

    // MARK: Reading

    func entry(_ path: RootPath) throws(ApplyError) -> RootEntry? {
        do { return try confined.entry(at: path) } catch { throw Self.error(error) }
    }

    func linkTarget(_ path: RootPath) throws(ApplyError) -> String {
        do { return try confined.linkTarget(at: path) } catch { throw Self.error(error) }
    }

    func bytes(_ path: RootPath) throws(ApplyError) -> [UInt8] {
        do { return try confined.contents(of: path).bytes } catch { throw Self.error(error) }
    }

    func names(_ directory: RootPath) throws(ApplyError) -> [String] {
        do { return try confined.names(in: directory).sorted() } catch { throw Self.error(error) }
    }

    func resolve(_ path: RootPath) throws(ApplyError) -> RootView.Resolved? {
        do { return try view.resolve(path) } catch { throw Self.error(error) }
    }

    /// A read refused because a link appeared on the way says so; other errors pass.
    static func error(_ error: RootError) -> ApplyError {
        if case .io(let path, ConfinedRoot.linkOperation, ELOOP) = error { return .linkInPath(path: path) }
        return .root(error)
    }

    static func error(_ failure: ConfinementFailure) -> ApplyError {
        switch failure {
        case .link(let p): return .linkInPath(path: p.string)
        case .missing(let p): return .system(path: p.string, operation: "openat", errno: ENOENT)
        case .notDirectory(let p): return .notADirectory(path: p.string)
        case .badComponent(let p): return .invalidAction("\(p) is not a plain path inside the root")
        case .system(let p, let op, let code): return .system(path: p.string, operation: op, errno: code)
        }
    }

    /// The real path of the directory `path`, and the directories to create, outermost
    /// first, when it is missing. A parent that is a file or a dangling link is refused.
    func locateDirectory(_ path: RootPath) throws(ApplyError) -> (real: RootPath, missing: [RootPath]) {
        if let resolved = try resolve(path) {
            guard resolved.entry.kind == .directory else { throw .notADirectory(path: path.string) }
            return (resolved.path, [])
        }
        // Only a plain missing name is created; `..` past a missing directory means nothing.
        guard !path.isRoot, !path.components.contains("..") else { throw .notADirectory(path: path.string) }
        let parent = try locateDirectory(path.parent)
        let candidate = parent.real.appending(path.lastComponent)
        if parent.missing.isEmpty, try entry(candidate) != nil { throw .notADirectory(path: candidate.string) }
        return (candidate, parent.missing + [candidate])
    }

    /// Where a new name `path` really goes: its parent's real path plus the last component.
    func locate(_ path: RootPath) throws(ApplyError) -> (real: RootPath, missing: [RootPath]) {
        let name = path.lastComponent
        guard !path.isRoot, !name.isEmpty, name != ".." else { throw .invalidAction("\(path) does not name a file") }
        let parent = try locateDirectory(path.parent)
        return (parent.real.appending(name), parent.missing)
    }

    /// The name a replacement for `path` is built under, in the same directory (so `rename(2)` is atomic).
    func temporary(for path: RootPath) -> RootPath {
        Journal.temporary(for: path)
    }

    // MARK: Writing

    /// Runs one writing call on `path`, reached from the root's descriptor.
    func perform(_ path: RootPath, _ body: (ConfinedName) throws(WriteFailure) -> Void) throws(ApplyError) {
        let result: Result<Void, WriteFailure>
        do throws(ConfinementFailure) { result = try confined.at(path, body) } catch { throw Self.error(error) }
        if case .failure(let failure) = result { throw ApplyError.from(failure, path: path.string) }
    }

    /// Runs a call on two names (`renameat`, `linkat`); errors name `path`.
    func perform(_ first: RootPath, _ second: RootPath, reportedAs path: RootPath,
                 _ body: (ConfinedName, ConfinedName) throws(WriteFailure) -> Void) throws(ApplyError) {
        let a: ConfinedName, b: ConfinedName
        do throws(ConfinementFailure) {
            a = try confined.openParent(of: first)
            do { b = try confined.openParent(of: second) } catch {
                close(a.directory)
                throw error
            }
        } catch { throw Self.error(error) }
        defer { close(a.directory); close(b.directory) }
        do { try body(a, b) } catch { throw ApplyError.from(error, path: path.string) }
    }

    func makeDirectory(_ path: RootPath) throws(ApplyError) {
        try perform(path) { (at) throws(WriteFailure) in try writer.makeDirectory(at, mode: 0o755) }
        try syncDirectory(path.parent)
    }

    func syncDirectory(_ path: RootPath) throws(ApplyError) {
        try perform(path) { (at) throws(WriteFailure) in try writer.syncDirectory(at) }
    }

    func unlink(_ path: RootPath) throws(ApplyError) {
        try perform(path) { (at) throws(WriteFailure) in try writer.unlink(at) }
        try syncDirectory(path.parent)
    }

    /// `rmdir(2)`; false when the directory is not empty (someone else's files are in it).
    func removeDirectory(_ path: RootPath) throws(ApplyError) -> Bool {
        do {
            try perform(path) { (at) throws(WriteFailure) in try writer.removeDirectory(at) }
        } catch {
            if case .system(_, _, ENOTEMPTY) = error { return false }
            if case .exists = error { return false }
            throw error
        }
        try syncDirectory(path.parent)
        return true
    }

    /// Removes a temporary name left by a killed run; refuses one ofdoctor cannot vouch for.
    func clearTemporary(_ temporary: RootPath, ours: Bool) throws(ApplyError) {
        guard try entry(temporary) != nil else { return }
        let journaled = journal.live.contains {
            switch $0.change {
            case .link(_, _, _, let t?), .file(_, _, _, _, let t, _): return t == temporary.string
            default: return false
            }
        }
        guard ours || journaled else { throw .exists(path: temporary.string) }
        try unlink(temporary)
    }

    /// A new symlink: `symlink(2)` fails rather than replace anything.
    func createLink(_ path: RootPath, target: String) throws(ApplyError) {
        try perform(path) { (at) throws(WriteFailure) in try writer.symlink(target, at: at) }
        try syncDirectory(path.parent)
    }

    /// Repoints a symlink: the new one is made under `temporary`, then renamed over it.
    func replaceLink(_ path: RootPath, target: String, temporary: RootPath, ours: Bool = false) throws(ApplyError) {
        try clearTemporary(temporary, ours: ours)
        try perform(temporary) { (at) throws(WriteFailure) in try writer.symlink(target, at: at) }
        try perform(temporary, path, reportedAs: path) { (from, to) throws(WriteFailure) in try writer.rename(from, to: to) }
        try syncDirectory(path.parent)
    }

    /// A new file, written whole under `temporary` and published with `link(2)`, which
    /// fails rather than replace a file that appeared meanwhile.
    func createFile(_ path: RootPath, contents: [UInt8], mode: UInt32, temporary: RootPath) throws(ApplyError) {
        try clearTemporary(temporary, ours: false)
        try perform(temporary) { (at) throws(WriteFailure) in try writer.createFile(at, contents: contents, mode: mode) }
        try perform(temporary, path, reportedAs: path) { (from, to) throws(WriteFailure) in try writer.link(from, as: to) }
        try unlink(temporary)
    }

    /// Replaces a file with new bytes: written under `temporary`, then renamed over it.
    func replaceFile(_ path: RootPath, contents: [UInt8], mode: UInt32, temporary: RootPath, ours: Bool = false) throws(ApplyError) {
        try clearTemporary(temporary, ours: ours)
        try perform(temporary) { (at) throws(WriteFailure) in try writer.createFile(at, contents: contents, mode: mode) }
        try perform(temporary, path, reportedAs: path) { (from, to) throws(WriteFailure) in try writer.rename(from, to: to) }
        try syncDirectory(path.parent)
    }

    // MARK: The journal

    /// Reads the journal when there is one, after clearing what a run killed while
    /// creating or removing it left behind.
    func loadJournal() throws(ApplyError) -> Bool {
        let place = try locate(Journal.path)
        try removeStaging(for: place.missing)
        guard place.missing.isEmpty, let found = try entry(place.real) else { return false }
        guard found.kind == .file else {
            throw .journalCorrupt(path: place.real.string, line: 1, reason: "it is not a regular file", holds: [])
        }
        let contents = try bytes(place.real)
        let loaded = try Journal.decode(contents, path: place.real.string)
        try checkNoLinks(loaded, journal: place.real.string)
        journal = loaded
        journalRecords = (try? JournalFile.verify(contents, path: place.real.string)) ?? []
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

    /// Creates the journal. When its directories are missing they are built under a
    /// staging name with the journal inside, then renamed into place: a kill leaves either
    /// a journal that lists them or a staging directory the next run removes.
    func createJournal() throws(ApplyError) {
        let place = try locate(Journal.path)
        let header = Journal.headerLine(createdDirectories: place.missing.map(\.string))
        if let top = place.missing.first, let staging = stagingPath(for: place.missing) {
            let rebase = { (path: RootPath) in RootPath(staging.string + path.string.dropFirst(top.string.count)) }
            try perform(staging) { (at) throws(WriteFailure) in try writer.makeDirectory(at, mode: 0o755) }
            for directory in place.missing.dropFirst() {
                let staged = rebase(directory)
                try perform(staged) { (at) throws(WriteFailure) in try writer.makeDirectory(at, mode: 0o755) }
            }
            let stagedJournal = rebase(place.real)
            try perform(stagedJournal) { (at) throws(WriteFailure) in
                try writer.createFile(at, contents: JournalFile.encode([header]), mode: 0o644)
            }
            try syncDirectory(stagedJournal.parent)
            try checkpoint()
            try perform(staging, top, reportedAs: top) { (from, to) throws(WriteFailure) in try writer.rename(from, to: to) }
            try syncDirectory(top.parent)
        } else {
            try perform(place.real) { (at) throws(WriteFailure) in
                try writer.createFile(at, contents: JournalFile.encode([header]), mode: 0o644)
            }
            try syncDirectory(place.real.parent)
        }
        journal = Journal(createdDirectories: place.missing.map(\.string))
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
        journal.entries.append(Journal.Entry(seq: seq, change: change, phase: .intent, ldconfig: nil, error: nil, undone: false))
        try checkpoint()
        return seq
    }

    /// Journals how change `seq` ended (`done`, `failed`, `undone`).
    func end(_ seq: Int, phase: Journal.Phase, ldconfig: LdconfigResult? = nil, effect: LdconfigEffect? = nil,
             error: String? = nil) throws(ApplyError) {
        try append(Journal.recordLine(seq: seq, phase: phase, ldconfig: ldconfig, effect: effect, error: error))
        if let at = journal.entries.firstIndex(where: { $0.seq == seq }) {
            if phase == .undone {
                journal.entries[at].undone = true
            } else {
                journal.entries[at].phase = phase
                journal.entries[at].ldconfig = ldconfig
                journal.entries[at].effect = effect
                journal.entries[at].error = error
            }
        }
        try checkpoint()
    }

    /// Adds a record: the whole journal, closed again, replaces the old one atomically.
    private func append(_ line: [UInt8]) throws(ApplyError) {
        guard let path = journalPath else {
            throw .journalCorrupt(path: Journal.path.string, line: 0, reason: "no journal is open", holds: [])
        }
        let records = journalRecords + [line]
        try replaceFile(path, contents: JournalFile.encode(records), mode: 0o644, temporary: temporary(for: path), ours: true)
        journalRecords = records
    }
}

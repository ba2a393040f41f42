#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The state of one `apply` or `undo`: the journal as read and written so far, and the
/// step-hook counter. Every write goes through here, on real paths inside the root
/// (parents resolved by `RootView`), so none can land outside it.
final class ApplySession {
    let root: LocalRoot
    let view: RootView
    let writer: any FileSystemWriter
    let hook: (@Sendable (Int) -> StepDecision)?
    private var point = 0
    var journal = Journal(createdDirectories: [])
    /// The journal's real path, once it exists.
    private(set) var journalPath: RootPath?
    /// The journal's complete lines when its last one was torn by a kill: written back
    /// before the next record, which would otherwise be glued to the torn one.
    private var intactJournal: [UInt8]?

    init(root: LocalRoot, writer: any FileSystemWriter, hook: (@Sendable (Int) -> StepDecision)?) {
        self.root = root
        self.view = RootView(root)
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
        do { return try root.entry(at: path) } catch { throw .root(error) }
    }

    func linkTarget(_ path: RootPath) throws(ApplyError) -> String {
        do { return try root.linkTarget(at: path) } catch { throw .root(error) }
    }

    func bytes(_ path: RootPath) throws(ApplyError) -> [UInt8] {
        do { return try root.contents(of: path).bytes } catch { throw .root(error) }
    }

    func names(_ directory: RootPath) throws(ApplyError) -> [String] {
        do { return try root.names(in: directory).sorted() } catch { throw .root(error) }
    }

    func resolve(_ path: RootPath) throws(ApplyError) -> RootView.Resolved? {
        do { return try view.resolve(path) } catch { throw .root(error) }
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
        path.parent.appending("." + path.lastComponent + ".ofdoctor-tmp")
    }

    // MARK: Writing

    func perform(_ path: RootPath, _ body: () throws(WriteFailure) -> Void) throws(ApplyError) {
        do { try body() } catch { throw ApplyError.from(error, path: path.string) }
    }

    func makeDirectory(_ path: RootPath) throws(ApplyError) {
        try perform(path) { () throws(WriteFailure) in try writer.makeDirectory(root.hostPath(path), mode: 0o755) }
        try syncDirectory(path.parent)
    }

    func syncDirectory(_ path: RootPath) throws(ApplyError) {
        try perform(path) { () throws(WriteFailure) in try writer.syncDirectory(root.hostPath(path)) }
    }

    func unlink(_ path: RootPath) throws(ApplyError) {
        try perform(path) { () throws(WriteFailure) in try writer.unlink(root.hostPath(path)) }
        try syncDirectory(path.parent)
    }

    /// `rmdir(2)`; false when the directory is not empty (someone else's files are in it).
    func removeDirectory(_ path: RootPath) throws(ApplyError) -> Bool {
        do {
            try writer.removeDirectory(root.hostPath(path))
        } catch {
            if error.errno == ENOTEMPTY || error.errno == EEXIST { return false }
            throw ApplyError.from(error, path: path.string)
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
        try perform(path) { () throws(WriteFailure) in try writer.symlink(target, at: root.hostPath(path)) }
        try syncDirectory(path.parent)
    }

    /// Repoints a symlink: the new one is made under `temporary`, then renamed over it.
    func replaceLink(_ path: RootPath, target: String, temporary: RootPath, ours: Bool = false) throws(ApplyError) {
        try clearTemporary(temporary, ours: ours)
        try perform(temporary) { () throws(WriteFailure) in try writer.symlink(target, at: root.hostPath(temporary)) }
        try perform(path) { () throws(WriteFailure) in
            try writer.rename(root.hostPath(temporary), to: root.hostPath(path))
        }
        try syncDirectory(path.parent)
    }

    /// A new file, written whole under `temporary` and published with `link(2)`, which
    /// fails rather than replace a file that appeared meanwhile.
    func createFile(_ path: RootPath, contents: [UInt8], mode: UInt32, temporary: RootPath) throws(ApplyError) {
        try clearTemporary(temporary, ours: false)
        try perform(temporary) { () throws(WriteFailure) in
            try writer.createFile(root.hostPath(temporary), contents: contents, mode: mode)
        }
        try perform(path) { () throws(WriteFailure) in try writer.link(root.hostPath(temporary), as: root.hostPath(path)) }
        try unlink(temporary)
    }

    /// Replaces a file with new bytes: written under `temporary`, then renamed over it.
    func replaceFile(_ path: RootPath, contents: [UInt8], mode: UInt32, temporary: RootPath, ours: Bool = false) throws(ApplyError) {
        try clearTemporary(temporary, ours: ours)
        try perform(temporary) { () throws(WriteFailure) in
            try writer.createFile(root.hostPath(temporary), contents: contents, mode: mode)
        }
        try perform(path) { () throws(WriteFailure) in
            try writer.rename(root.hostPath(temporary), to: root.hostPath(path))
        }
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
            throw .journalCorrupt(path: place.real.string, line: 1, reason: "not a regular file")
        }
        let contents = try bytes(place.real)
        journal = try Journal.decode(contents, path: place.real.string)
        journalPath = place.real
        if let last = contents.last, last != UInt8(ascii: "\n") {
            let intact = Array(contents[..<(contents.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0)])
            intactJournal = intact.isEmpty ? Journal.headerLine(createdDirectories: []) : intact
        }
        return true
    }

    /// Creates the journal. When its directories are missing they are built under a
    /// staging name with the journal inside, then renamed into place: a kill leaves either
    /// a journal that lists them or a staging directory the next run removes.
    func createJournal() throws(ApplyError) {
        let place = try locate(Journal.path)
        let header = Journal.headerLine(createdDirectories: place.missing.map(\.string))
        if let top = place.missing.first, let staging = stagingPath(for: place.missing) {
            let rebase = { (path: RootPath) in RootPath(staging.string + path.string.dropFirst(top.string.count)) }
            try perform(staging) { () throws(WriteFailure) in try writer.makeDirectory(root.hostPath(staging), mode: 0o755) }
            for directory in place.missing.dropFirst() {
                let staged = rebase(directory)
                try perform(staged) { () throws(WriteFailure) in try writer.makeDirectory(root.hostPath(staged), mode: 0o755) }
            }
            let stagedJournal = rebase(place.real)
            try perform(stagedJournal) { () throws(WriteFailure) in
                try writer.createFile(root.hostPath(stagedJournal), contents: header, mode: 0o644)
            }
            try syncDirectory(stagedJournal.parent)
            try checkpoint()
            try perform(top) { () throws(WriteFailure) in try writer.rename(root.hostPath(staging), to: root.hostPath(top)) }
            try syncDirectory(top.parent)
        } else {
            try perform(place.real) { () throws(WriteFailure) in
                try writer.createFile(root.hostPath(place.real), contents: header, mode: 0o644)
            }
            try syncDirectory(place.real.parent)
        }
        journal = Journal(createdDirectories: place.missing.map(\.string))
        journalPath = place.real
        try checkpoint()
    }

    /// Removes the journal and the directories made for it. Only when they hold nothing
    /// else are they renamed away in one step; otherwise the journal alone goes.
    func removeJournal() throws(ApplyError) -> [String] {
        guard let path = journalPath else { return [] }
        let created = journal.createdDirectories.map { RootPath($0) }
        if let top = created.first, let staging = stagingPath(for: created), try holdsOnlyJournal(created, journal: path) {
            try perform(top) { () throws(WriteFailure) in try writer.rename(root.hostPath(top), to: root.hostPath(staging)) }
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
                try perform(path) { () throws(WriteFailure) in try writer.unlink(root.hostPath(path)) }
            }
        }
        try perform(directory) { () throws(WriteFailure) in try writer.removeDirectory(root.hostPath(directory)) }
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
    func end(_ seq: Int, phase: Journal.Phase, ldconfig: LdconfigResult? = nil, error: String? = nil) throws(ApplyError) {
        try append(Journal.recordLine(seq: seq, phase: phase, ldconfig: ldconfig, error: error))
        if let at = journal.entries.firstIndex(where: { $0.seq == seq }) {
            if phase == .undone {
                journal.entries[at].undone = true
            } else {
                journal.entries[at].phase = phase
                journal.entries[at].ldconfig = ldconfig
                journal.entries[at].error = error
            }
        }
        try checkpoint()
    }

    private func append(_ line: [UInt8]) throws(ApplyError) {
        guard let path = journalPath else { throw .journalCorrupt(path: Journal.path.string, line: 0, reason: "no journal open") }
        if let intact = intactJournal {
            try replaceFile(path, contents: intact, mode: 0o644, temporary: temporary(for: path), ours: true)
            intactJournal = nil
        }
        try perform(path) { () throws(WriteFailure) in try writer.append(root.hostPath(path), contents: line) }
    }
}

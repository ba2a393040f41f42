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
    /// Seals the journal written and checks the one read.
    let key: JournalKey
    private var point = 0
    var journal = Journal(createdDirectories: [])
    /// The journal's real path, once it exists.
    var journalPath: RootPath?
    /// The journal's records (JSON, header first), as the file holds them.
    var journalRecords: [[UInt8]] = []

    init(root: LocalRoot, writer: any FileSystemWriter, key: JournalKey,
         hook: (@Sendable (Int) -> StepDecision)?) throws(ApplyError) {
        self.root = root
        self.key = key
        do { confined = try ConfinedRoot(root) } catch { throw .root(error) }
        self.view = RootView(confined)
        self.writer = writer
        self.hook = hook
    }

    /// The secret to seal the journal with (a journal is only written after one was made
    /// or checked with it).
    func secret() throws(ApplyError) -> [UInt8] {
        guard let secret = key.secret else { throw .journalKey(path: key.location, reason: "there is none") }
        return secret
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
}

import LoaderModel
import RootFS

/// An entry on the way to a file that someone other than the root's administrators may
/// change: a directory the path is looked up in (whoever may write it may put another file
/// or link in its place) or the file itself. A fix that puts such a file on the loader's
/// path — a link beside the system's libraries, its directory in ld.so.conf.d (ld.so.cache
/// serves it to every program, set-user-ID ones included), LD_LIBRARY_PATH in every login
/// shell — hands that user what other users' programs load.
public struct ForeignWrite: Equatable, Sendable, CustomStringConvertible {
    public enum Writer: Equatable, Sendable {
        /// A user other than the administrators owns it (an owner may always chmod).
        case owner(uid: UInt32)
        /// Its group may write it, and that group is not the administrators'.
        case group(gid: UInt32)
        /// Every user may write it (a sticky directory too: anyone may add to it).
        case everyone
    }

    public var path: String
    public var mode: UInt32
    public var writer: Writer

    /// "every user may write /tmp (mode 1777)", "uid 1000 owns /home/ann/lib (mode 0755)".
    public var description: String {
        let octal = String(mode & 0o7777, radix: 8)
        let mode = "mode " + String(repeating: "0", count: max(0, 4 - octal.count)) + octal
        switch writer {
        case .owner(let uid): return "uid \(uid) owns \(path) (\(mode))"
        case .group(let gid): return "group \(gid) may write \(path) (\(mode))"
        case .everyone: return "every user may write \(path) (\(mode))"
        }
    }
}

/// Who may change the root's system files: root, the owner of the root's `/` (an image
/// unpacked by a user is that user's throughout, and tells nothing about its users), and
/// Debian's `staff` group where the root's /etc/group has one (Debian and Ubuntu make
/// `/usr/local/lib/python3.X/dist-packages` 2775 root:staff; their policy names the group
/// as one that may change /usr/local, whose programs come first on everyone's PATH).
public struct RootAdministrators: Sendable {
    public var uids: Set<UInt32> = [0]
    public var gids: Set<UInt32> = [0]

    /// Where `staff` is looked up, when a group other than these may write something (read
    /// then, not for every check: most roots have no such entry on the loader's way).
    private let root: RootView

    public init(root: RootView) {
        self.root = root
        if let owner = (try? root.filesystem.entry(at: .root))??.owner {
            uids.insert(owner.uid)
            gids.insert(owner.gid)
        }
    }

    func isAdministrators(group gid: UInt32) -> Bool {
        if gids.contains(gid) { return true }
        guard let staff = AccountFile(root: root, path: "/etc/group").entry(name: "staff") else { return false }
        return UInt32(staff[2]) == gid
    }

    /// The first entry on the way to `path` — each directory it is looked up in (through
    /// links), then the file it leads to — that someone else may change. Nil when there is
    /// none, or when the path leads nowhere. An entry whose owner the root does not say (a
    /// file a plan adds in memory) is judged by its mode alone.
    public func foreignWrite(to path: RootPath, in root: RootView) -> ForeignWrite? {
        guard let lookup = try? root.lookup(path), let found = lookup.resolved else { return nil }
        for step in lookup.searched + [found] {
            if let write = foreignWrite(step.path, step.entry) { return write }
        }
        return nil
    }

    /// These administrators and `runner`, the user a program runs as: what it may change,
    /// it may change anyway.
    public func trusting(_ runner: ProcessIdentity) -> RootAdministrators {
        var trusted = self
        trusted.uids.insert(runner.uid)
        trusted.gids.insert(runner.gid)
        return trusted
    }

    /// What others may change on the way to `path` as it is now: each directory it is
    /// looked up in, then what it leads to; for a path that leads nowhere, the directories up
    /// to the one that lacks the next name (whoever may write that one may make the rest).
    /// A sticky directory others may write (`/tmp`) counts only where the next name is not
    /// there: the kernel lets only an entry's owner (or the directory's) remove or rename it.
    /// (The planner is stricter, `foreignWrite(to:in:)`: a fix must not stand on `/tmp`,
    /// where what is there now may be gone, and its name free, tomorrow.)
    public func foreignWrite(reaching path: RootPath, in root: RootView) -> ForeignWrite? {
        reach(path, in: root).write
    }

    /// `foreignWrite(reaching:in:)`, and the real path `path` leads to (nil where it leads
    /// nowhere), from one walk.
    public func reach(_ path: RootPath, in root: RootView) -> (write: ForeignWrite?, resolved: RootPath?) {
        guard let lookup = try? root.lookup(path) else { return (nil, nil) }
        let steps = lookup.searched + (lookup.resolved.map { [$0] } ?? [])
        for k in steps.indices {
            guard let write = foreignWrite(steps[k].path, steps[k].entry) else { continue }
            if case .owner = write.writer { return (write, lookup.resolved?.path) }
            let sticky = steps[k].entry.kind == .directory && steps[k].entry.mode & 0o1000 != 0
            // (the next entry there is judged by its own owner and mode)
            if sticky, k + 1 < steps.count, steps[k + 1].path.parent == steps[k].path { continue }
            return (write, lookup.resolved?.path)
        }
        return (nil, lookup.resolved?.path)
    }

    func foreignWrite(_ path: RootPath, _ entry: RootEntry) -> ForeignWrite? {
        writer(of: entry).map { ForeignWrite(path: path.string, mode: entry.mode, writer: $0) }
    }

    /// Who else may change this entry, if anyone.
    func writer(of entry: RootEntry) -> ForeignWrite.Writer? {
        // (a link's own mode means nothing; the directory holding it is judged)
        guard entry.kind == .directory || entry.kind == .file else { return nil }
        if entry.mode & 0o002 != 0 { return .everyone }
        if let owner = entry.owner, !uids.contains(owner.uid) { return .owner(uid: owner.uid) }
        if entry.mode & 0o020 != 0, let owner = entry.owner, !isAdministrators(group: owner.gid) { return .group(gid: owner.gid) }
        return nil
    }
}

import ELFInspect
import LoaderModel
import RootFS

/// What a plan's actions make of a root, path by path, computed in memory: its links and
/// conf files where they really land (parents resolved inside the root as it stands at
/// that step, missing directories created), then, when it runs ldconfig, the soname links
/// ldconfig makes or removes and the cache it writes (`LdconfigModel`, for the root's own
/// glibc). The planner proves a plan on `root`; `fix --image --output` writes `changes`
/// and the cache into a layer of their own. One reading of the actions for both.
public struct PlanEffect: Sendable {
    public enum Change: Equatable, Sendable {
        /// A directory that was missing (mode 0755).
        case directory
        case symlink(target: String)
        case file(contents: [UInt8], mode: UInt32)
        /// ldconfig deleted a dangling soname link.
        case removed
    }

    /// What each changed real path became.
    public struct Changes: Sendable {
        private var byPath: [RootPath: Change] = [:]

        public subscript(path: RootPath) -> Change? {
            get { byPath[path] }
            set { byPath[path] = newValue }
        }
    }

    /// The root with the plan applied.
    public private(set) var root: OverlayRoot
    /// Real paths, in the order first changed, and what each became.
    public private(set) var order: [RootPath] = []
    public private(set) var changes = Changes()
    /// The cache ldconfig writes; nil when the plan runs no ldconfig.
    public private(set) var cache: LdSoCache?
    /// Real paths where the plan writes over something already there that is not what it
    /// writes: `fix --apply` refuses those (it never overwrites what it did not create), and
    /// so does a written image. The simulation lays the plan over them all the same.
    public private(set) var conflicts: [RootPath] = []

    /// - Parameters:
    ///   - confContents: the text of a conf file listing these directories.
    ///   - glibc: the glibc whose ldconfig runs (nil: read from the root).
    public init(_ plan: FixPlan, base: any RootFilesystem,
                confContents: ([String]) -> String = { ConfFile.contents(directories: $0) },
                glibc: GlibcVersion? = nil) {
        root = OverlayRoot(base: base)
        var runsLdconfig = false
        for planned in plan.actions {
            switch planned.action {
            case .symlink(let path, let target): write(.symlink(target: target), at: path)
            case .conf(let path, let directories):
                write(.file(contents: ByteString.bytes(confContents(directories)), mode: 0o644), at: path)
            case .ldconfig: runsLdconfig = true
            case .env: break
            }
        }
        guard runsLdconfig else {
            root.memoise()
            return
        }
        root.memoise()   // for the configuration's walks; the links recorded next drop it
        let model = LdconfigModel(root: RootView(root), glibc: glibc)
        for change in model.linkChanges {
            switch change {
            case .create(let link, let target), .repoint(let link, _, let target):
                guard let real = place(RootPath(link)) else { continue }
                record(.symlink(target: target), at: real)
            case .removeDangling(let link, _):
                guard let real = place(RootPath(link), createParents: false) else { continue }
                order.append(real)
                changes[real] = .removed
                root.remove(at: real)
            }
        }
        cache = model.cache
        // ldconfig writes its cache readable by everyone whatever the old one's mode (elf/cache.c
        // `save_cache` chmods it 0644): a user an unreadable cache shut out reads the new one.
        let cachePath = RootPath("/etc/ld.so.cache")
        if let old = (try? RootView(root).resolve(cachePath)) ?? nil, old.entry.mode & 0o444 != 0o444 {
            root.add(.file(FileBytes(model.cache.encodedNewFormat(generator: "ofdoctor"))), at: cachePath)
        }
        root.memoise()
    }

    /// Writes a plan's link or file at `path`: unchanged when the same thing is there,
    /// a conflict when something else is.
    private mutating func write(_ change: Change, at path: RootPath) {
        guard let real = place(path) else {
            conflicts.append(path)
            return
        }
        // `real`'s parent is a real directory: its own entry is what `lstat` finds.
        let found = real.lastComponent == ".." ? ((try? RootView(root).resolveParents(real)) ?? nil)?.entry
                                               : (try? root.entry(at: real)) ?? nil
        if let found {
            switch (change, found.kind) {
            case (.symlink(let target), .symlink) where (try? root.linkTarget(at: real)) == target:
                return
            case (.file(let contents, _), .file) where (try? root.contents(of: real).bytes) == contents:
                return
            default:
                if changes[real] == nil { conflicts.append(real) }
            }
        }
        record(change, at: real)
    }

    private mutating func record(_ change: Change, at real: RootPath) {
        switch change {
        case .symlink(let target): root.add(.symlink(target), atRealPath: real)
        case .file(let contents, _): root.add(.file(FileBytes(contents)), atRealPath: real)
        case .directory: root.add(.directory, atRealPath: real)
        case .removed: root.remove(at: real)
        }
        if changes[real] == nil { order.append(real) }
        changes[real] = change
    }

    /// Where a new name `path` really goes: its parent resolved in the root as it is now,
    /// missing directories created (recorded) on the way. Nil when a parent is a file or a
    /// dangling link, or `..` climbs past a missing directory.
    private mutating func place(_ path: RootPath, createParents: Bool = true) -> RootPath? {
        guard !path.isRoot, let parent = directory(path.parent, create: createParents) else { return nil }
        return parent.appending(path.lastComponent)
    }

    private mutating func directory(_ path: RootPath, create: Bool) -> RootPath? {
        if let resolved = (try? RootView(root).resolve(path)) ?? nil {
            return resolved.entry.kind == .directory ? resolved.path : nil
        }
        guard create, !path.isRoot, !path.components.contains(".."),
              let parent = directory(path.parent, create: true) else { return nil }
        let real = parent.appending(path.lastComponent)
        guard ((try? root.entry(at: real)) ?? nil) == nil else { return nil }   // a dangling link or a file
        record(.directory, at: real)
        return real
    }
}

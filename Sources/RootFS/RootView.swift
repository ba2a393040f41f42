#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ELFInspect
import Support

/// Path resolution inside a root, as `chroot(2)` makes the kernel do it: absolute
/// symlink targets start again at the root, `..` at the root stays there, and at most
/// `maxSymlinks` links are followed (`ELOOP`, path_resolution(7)). This is the one
/// place that confines paths; everything else asks it.
public struct RootView: Sendable {
    public let filesystem: any RootFilesystem
    /// Linux's limit on links followed in one lookup (`MAXSYMLINKS`, 40).
    public static let maxSymlinks = 40

    public init(_ filesystem: any RootFilesystem) {
        self.filesystem = filesystem
    }

    public var label: String { filesystem.label }

    /// Where a path leads once every link in it is followed.
    public struct Resolved: Equatable, Sendable {
        /// The real path: no symlinks, no `.` or `..`.
        public var path: RootPath
        public var entry: RootEntry

        package init(path: RootPath, entry: RootEntry) {
            self.path = path
            self.entry = entry
        }
    }

    /// Follows every symlink in `path`, the last one included. Nil when the path, or a
    /// link's target, does not exist (a dangling link) or passes through a non-directory.
    public func resolve(_ path: RootPath) throws(RootError) -> Resolved? {
        try remembered(path, followLast: true)
    }

    /// `walk` from `/`, or its answer kept by the filesystem's memo.
    private func remembered(_ path: RootPath, followLast: Bool) throws(RootError) -> Resolved? {
        guard let memo = filesystem.resolutions else { return try walk(path, followLast: followLast).resolved }
        return try remembered(path, followLast: followLast, memo: memo, depth: 0).resolved
    }

    /// What a walk from `/` ends with: where it led and how many links it followed on the way.
    struct Walk {
        var resolved: Resolved?
        var followed: Int
    }

    /// The kept answer, or one worked out from the parent's (kept too) by one more step:
    /// the same answer as a walk from `/`, without walking the shared directories again.
    /// Whenever the step cannot say (a `..` last, a link loop, an error on the way), the walk
    /// decides. `depth` counts the links the steps went through, which bounds a loop's recursion.
    private func remembered(_ path: RootPath, followLast: Bool, memo: ResolutionMemo, depth: Int) throws(RootError) -> Walk {
        if let known = memo.answer(path, followLast: followLast) { return known }
        let answer: Walk
        if depth < Self.maxSymlinks, let step = try? stepFromParent(path, followLast: followLast, memo: memo, depth: depth) {
            answer = step
        } else {
            answer = try walk(path, followLast: followLast)
        }
        memo.keep(answer, for: path, followLast: followLast)
        return answer
    }

    /// `path` from its parent's answer: the walk from `/` takes the parent's components first
    /// (a link among them followed, as `followLast` does), then the last one. Nil when only
    /// the walk can answer.
    private func stepFromParent(_ path: RootPath, followLast: Bool, memo: ResolutionMemo, depth: Int) throws(RootError) -> Walk? {
        guard !path.isRoot else { return nil }
        let (parentPath, name) = path.parentAndName
        guard name != "..", name != ".", !name.isEmpty else { return nil }
        let parent = try remembered(parentPath, followLast: true, memo: memo, depth: depth)
        guard let directory = parent.resolved, directory.entry.kind == .directory else {
            return Walk(resolved: nil, followed: parent.followed)   // missing, or ENOTDIR
        }
        let candidate = directory.path.appendingComponent(name)
        guard let entry = try filesystem.entry(at: candidate) else { return Walk(resolved: nil, followed: parent.followed) }
        guard followLast, entry.kind == .symlink else {
            return Walk(resolved: Resolved(path: candidate, entry: entry), followed: parent.followed)
        }
        // The walk goes on with the target's components from the directory (from `/` when
        // absolute): the answer of that path, with its links added to the count.
        let target = try filesystem.linkTarget(at: candidate)
        let next = target.startsWithSlash ? RootPath(target) : directory.path.appending(target)
        let rest = try remembered(next, followLast: true, memo: memo, depth: depth + 1)
        let followed = parent.followed + 1 + rest.followed
        guard followed <= Self.maxSymlinks else { return nil }   // the walk meets the limit: ELOOP
        return Walk(resolved: rest.resolved, followed: followed)
    }

    /// `directory/name` where `directory` is already a resolved real directory (no links):
    /// one `lstat` of the last component instead of a walk from `/`, the same answer as
    /// `resolve`. A link to a plain name in the same directory (`libz.so.1 -> libz.so.1.3`,
    /// the usual case) is followed the same way; `.`, `..`, names with `/` and links
    /// anywhere else take the full walk, with the links followed so far counted.
    public func resolve(_ name: String, inResolvedDirectory directory: RootPath) throws(RootError) -> Resolved? {
        let original = name
        var name = name
        var followed = 0
        while true {
            if name.isEmpty || name == "." || name == ".." || name.utf8.contains(UInt8(ascii: "/")) {
                return try walk(directory.appending(name), followLast: true, followed: followed,
                                reportedAs: directory.appending(original)).resolved
            }
            let path = directory.appendingComponent(name)
            guard let entry = try filesystem.entry(at: path) else { return nil }
            guard entry.kind == .symlink else { return Resolved(path: path, entry: entry) }
            followed += 1
            if followed > Self.maxSymlinks { throw .symlinkLoop(path: directory.appending(original).string) }
            let target = try filesystem.linkTarget(at: path)
            if target.startsWithSlash {
                return try walk(RootPath(target), followLast: true, followed: followed,
                                reportedAs: directory.appending(original)).resolved
            }
            name = target
        }
    }

    /// Like `lstat(2)`: parents resolved, the last component itself not followed.
    public func resolveParents(_ path: RootPath) throws(RootError) -> Resolved? {
        try remembered(path, followLast: false)
    }

    /// The contents of the file `path` leads to.
    public func contents(of path: RootPath) throws(RootError) -> FileBytes {
        guard let target = try resolve(path) else { throw .notFound(path: path.string) }
        guard target.entry.kind == .file else { throw .io(path: path.string, operation: "read", errno: 21) }
        return try filesystem.contents(of: target.path, listedSize: target.entry.size)
    }

    /// The size and first `count` bytes of the file `path` leads to.
    public func head(of path: RootPath, count: Int) throws(RootError) -> FileHead {
        guard let target = try resolve(path) else { throw .notFound(path: path.string) }
        guard target.entry.kind == .file else { throw .io(path: path.string, operation: "read", errno: 21) }
        return try filesystem.head(of: target.path, count: count)
    }

    /// The names in the directory `path` leads to; empty when it is absent or not a directory.
    public func names(in path: RootPath) throws(RootError) -> [String] {
        guard let target = try resolve(path), target.entry.kind == .directory else { return [] }
        return try filesystem.names(in: target.path)
    }

    /// The text a symlink at `path` holds (parents resolved first).
    public func linkTarget(at path: RootPath) throws(RootError) -> String? {
        guard let link = try resolveParents(path), link.entry.kind == .symlink else { return nil }
        return try filesystem.linkTarget(at: link.path)
    }

    /// Where `path` leads (every link followed) and every directory the lookup searched on
    /// the way (real path and entry), in order, repeats included: what a permission check of
    /// the lookup needs. Slower than `resolve` (always a walk from `/`).
    public func lookup(_ path: RootPath) throws(RootError) -> (searched: [Resolved], resolved: Resolved?) {
        var searched: [Resolved] = []
        let walked = try walk(path, followLast: true, visit: { searched.append(Resolved(path: $0, entry: $1)) })
        return (searched, walked.resolved)
    }

    /// As `lookup`, and for a path ofdoctor itself may not follow to its end (run as a user
    /// other than root, it may not search a directory on the way): then the directories
    /// searched up to the one whose lookup was denied (EACCES), that one last, and `denied`.
    public func lookupUpToDenial(_ path: RootPath) throws(RootError) -> (searched: [Resolved], resolved: Resolved?, denied: Bool) {
        var searched: [Resolved] = []
        do {
            let walked = try walk(path, followLast: true, visit: { searched.append(Resolved(path: $0, entry: $1)) })
            return (searched, walked.resolved, false)
        } catch .io(_, _, EACCES) where !searched.isEmpty {
            return (searched, nil, true)
        }
    }

    public func isDirectory(_ path: RootPath) -> Bool {
        (try? resolve(path))??.entry.kind == .directory
    }

    /// - Parameters:
    ///   - followed: links already followed on the way to `path` (they count to the limit).
    ///   - reportedAs: the path named in a loop error (default: `path`).
    ///   - visit: called with each directory a component is looked up in (its real path and
    ///     entry), in order: the kernel asks for search permission there (`may_lookup`).
    private func walk(_ path: RootPath, followLast: Bool, followed alreadyFollowed: Int = 0,
                      reportedAs: RootPath? = nil, visit: ((RootPath, RootEntry) -> Void)? = nil) throws(RootError) -> Walk {
        var pending = Array(path.components.reversed())
        var resolved: [String] = []
        // `resolved` joined, kept in step with it: building each prefix from the array
        // again (and normalising it) made the walk quadratic in the path's depth.
        var prefix = ""
        var followed = alreadyFollowed
        var current = RootEntry(kind: .directory, size: 0, identity: FileIdentity(device: 0, inode: 0), mode: 0o755)
        guard let rootEntry = try filesystem.entry(at: .root) else { throw .badRoot(path: filesystem.label) }
        current = rootEntry
        while let component = pending.popLast() {
            if component.isEmpty { continue }
            if let visit, current.kind == .directory { visit(RootPath(alreadyNormal: prefix.isEmpty ? "/" : prefix), current) }
            if component == "." { continue }
            if component == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
                prefix = resolved.isEmpty ? "" : "/" + resolved.joined(separator: "/")
                current = try filesystem.entry(at: RootPath(prefix.isEmpty ? "/" : prefix)) ?? current
                continue
            }
            guard current.kind == .directory else { return Walk(resolved: nil, followed: followed) }   // ENOTDIR
            // `prefix` is normal and `component` one plain name (not empty, `.` or `..`).
            let candidate = RootPath(alreadyNormal: prefix + "/" + component)
            guard let entry = try filesystem.entry(at: candidate) else { return Walk(resolved: nil, followed: followed) }
            if entry.kind == .symlink && (followLast || !pending.isEmpty) {
                followed += 1
                if followed > Self.maxSymlinks { throw .symlinkLoop(path: (reportedAs ?? path).string) }
                let target = try filesystem.linkTarget(at: candidate)
                if target.startsWithSlash {
                    resolved.removeAll()
                    prefix = ""
                    guard let top = try filesystem.entry(at: .root) else { throw .badRoot(path: filesystem.label) }
                    current = top
                }
                pending.append(contentsOf: RootPath.components(of: target).reversed())
                continue
            }
            resolved.append(component)
            prefix = candidate.string
            current = entry
        }
        return Walk(resolved: Resolved(path: RootPath(prefix.isEmpty ? "/" : prefix), entry: current), followed: followed)
    }
}

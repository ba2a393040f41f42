import ELFInspect
import RootFS

/// The root as ldconfig leaves it while it runs: the links it has made or removed so far
/// lie over the base, so later directories see them (ldconfig works in place, in order).
struct LdconfigLinkOverlay: RootFilesystem {
    let base: any RootFilesystem
    /// Real (parent-resolved) path → link text of links made.
    var created: [RootPath: String] = [:]
    /// Real paths of links removed.
    var removed: Set<RootPath> = []

    var label: String { base.label }

    func entry(at path: RootPath) throws(RootError) -> RootEntry? {
        if !created.isEmpty, let target = created[path] {
            // A synthetic identity: nothing compares a link's own inode.
            return RootEntry(kind: .symlink, size: target.utf8.count,
                             identity: FileIdentity(device: UInt64.max, inode: UInt64(truncatingIfNeeded: path.hashValue)),
                             mode: 0o777)
        }
        if !removed.isEmpty && removed.contains(path) { return nil }
        return try base.entry(at: path)
    }

    func linkTarget(at path: RootPath) throws(RootError) -> String {
        if let target = created[path] { return target }
        if removed.contains(path) { throw .notFound(path: path.string) }
        return try base.linkTarget(at: path)
    }

    func names(in directory: RootPath) throws(RootError) -> [String] {
        var names = try base.names(in: directory)
        if !removed.isEmpty {
            names = names.filter { !removed.contains(directory.appending($0)) || created[directory.appending($0)] != nil }
        }
        for path in created.keys.sorted() where path.parent == directory && !names.contains(path.lastComponent) {
            names.append(path.lastComponent)
        }
        return names
    }

    func contents(of path: RootPath) throws(RootError) -> FileBytes {
        try base.contents(of: path)
    }

    mutating func makeLink(at path: RootPath, target: String) {
        removed.remove(path)
        created[path] = target
    }

    mutating func removeLink(at path: RootPath) {
        created[path] = nil
        removed.insert(path)
    }
}

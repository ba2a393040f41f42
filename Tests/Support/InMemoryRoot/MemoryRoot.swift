import ELFInspect
import RootFS

/// A root filesystem held in memory, for unit tests of the loader model and the doctor
/// without gcc, root or a directory on disk: regular files (with permission bits),
/// directories, symlinks (dangling ones and loops included) and hard links. Inode numbers
/// are given in the order entries are made, so every run sees the same identities.
public struct MemoryRoot: RootFilesystem {
    public enum Node: Sendable {
        case file(FileBytes, mode: UInt32)
        case directory(mode: UInt32)
        case symlink(String)
        /// A FIFO, socket or device: neither file nor directory.
        case other
    }

    /// Real path (no symlink among its parents) → node and inode.
    private var nodes: [String: (node: Node, inode: UInt64)] = ["/": (.directory(mode: 0o755), 1)]
    private var children: [String: Set<String>] = [:]
    private var nextInode: UInt64 = 2
    public let label: String

    public init(label: String = "memory-root") {
        self.label = label
    }

    // MARK: - making entries

    /// A regular file at `path` (parents are resolved through the links already made, and
    /// missing ones become directories); it replaces what was there.
    public mutating func file(_ path: String, _ bytes: [UInt8], mode: UInt32 = 0o644) {
        add(.file(FileBytes(bytes), mode: mode), at: path)
    }

    /// A text file.
    public mutating func file(_ path: String, text: String, mode: UInt32 = 0o644) {
        file(path, Array(text.utf8), mode: mode)
    }

    public mutating func directory(_ path: String, mode: UInt32 = 0o755) {
        add(.directory(mode: mode), at: path)
    }

    /// A symbolic link at `path` holding `target` as written (relative or absolute).
    public mutating func symlink(_ path: String, to target: String) {
        add(.symlink(target), at: path)
    }

    public mutating func special(_ path: String) {
        add(.other, at: path)
    }

    /// A second name for the entry at `existing` (same inode, as `link(2)` makes).
    public mutating func hardLink(_ path: String, to existing: String) {
        guard let real = realPath(existing), let found = nodes[real.string] else { return }
        let at = place(path)
        nodes[at.string] = found
        children[at.parent.string, default: []].insert(at.lastComponent)
    }

    /// Removes `path` (the link itself when it is one) and everything below it.
    public mutating func remove(_ path: String) {
        guard let parent = realPath(RootPath(path).parent.string) else { return }
        let at = parent.appending(RootPath(path).lastComponent)
        let prefix = at.string + "/"
        for key in nodes.keys where key == at.string || key.hasPrefix(prefix) { nodes[key] = nil }
        for key in children.keys where key == at.string || key.hasPrefix(prefix) { children[key] = nil }
        children[parent.string]?.remove(at.lastComponent)
    }

    private mutating func add(_ node: Node, at path: String) {
        let at = place(path)
        if case .directory? = nodes[at.string]?.node, case .directory = node { return }
        remove(at.string)
        nodes[at.string] = (node, nextInode)
        nextInode += 1
        children[at.parent.string, default: []].insert(at.lastComponent)
    }

    /// Where `path` lands: its parent resolved (made as directories where missing).
    private mutating func place(_ path: String) -> RootPath {
        let lexical = RootPath(path)
        guard !lexical.isRoot else { return lexical }
        if realPath(lexical.parent.string) == nil { add(.directory(mode: 0o755), at: lexical.parent.string) }
        let parent = realPath(lexical.parent.string) ?? lexical.parent
        return parent.appending(lexical.lastComponent)
    }

    /// The real path `path` leads to, every link followed; nil when it does not exist.
    private func realPath(_ path: String) -> RootPath? {
        (try? RootView(self).resolve(RootPath(path)))??.path
    }

    // MARK: - RootFilesystem

    public func entry(at path: RootPath) throws(RootError) -> RootEntry? {
        guard let (node, inode) = nodes[path.string] else { return nil }
        let identity = FileIdentity(device: 1, inode: inode)
        switch node {
        case .file(let bytes, let mode): return RootEntry(kind: .file, size: bytes.count, identity: identity, mode: mode)
        case .directory(let mode): return RootEntry(kind: .directory, size: 0, identity: identity, mode: mode)
        case .symlink(let target): return RootEntry(kind: .symlink, size: target.utf8.count, identity: identity, mode: 0o777)
        case .other: return RootEntry(kind: .other, size: 0, identity: identity, mode: 0o644)
        }
    }

    public func linkTarget(at path: RootPath) throws(RootError) -> String {
        guard case .symlink(let target)? = nodes[path.string]?.node else {
            throw .io(path: path.string, operation: "readlink", errno: 22)   // EINVAL: not a link
        }
        return target
    }

    public func names(in directory: RootPath) throws(RootError) -> [String] {
        guard let found = nodes[directory.string] else { throw .notFound(path: directory.string) }
        guard case .directory = found.node else { throw .notADirectory(path: directory.string) }
        // Reverse order: code that forgets to sort a listing shows it.
        return (children[directory.string] ?? []).sorted(by: >)
    }

    public func contents(of path: RootPath) throws(RootError) -> FileBytes {
        guard case .file(let bytes, _)? = nodes[path.string]?.node else {
            throw .io(path: path.string, operation: "open", errno: 21)   // EISDIR / not a file
        }
        return bytes
    }
}

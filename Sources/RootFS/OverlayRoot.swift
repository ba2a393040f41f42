import ELFInspect
import Support

/// A root with changes laid over it in memory: what a fix plan would make of the root,
/// examined by the same code as the real thing before anything is written.
public struct OverlayRoot: RootFilesystem {
    public enum Node: Sendable {
        case symlink(String)
        case file(FileBytes)
        case directory
    }

    public let base: any RootFilesystem
    /// Changes keyed by real path (parents already resolved in `base`).
    private var nodes: [RootPath: Node] = [:]
    private var children: [RootPath: Set<TextKey>] = [:]
    /// Real paths of base entries taken away (ldconfig's removal of a dangling link).
    private var removed: Set<RootPath> = []

    /// Set by `memoise()` and dropped by the next change (a copy taken before it keeps its own).
    public private(set) var resolutions: ResolutionMemo?

    public init(base: any RootFilesystem) {
        self.base = base
    }

    /// Keeps the paths `RootView` resolves until the next change, when nothing writes to the
    /// base either (it keeps its own: `CachedRoot`). For an overlay made once and then read
    /// many times: a memo begun afresh at every change would cost more than it saves.
    public mutating func memoise() {
        if base.resolutions != nil { resolutions = ResolutionMemo() }
    }

    public var label: String { base.label }

    /// A file the overlay adds is a link or a conf file, never a program: the base's answer.
    public func executionAttributes(of path: RootPath) -> ExecutionAttributes { base.executionAttributes(of: path) }

    /// Adds a node at `path`; its parent is resolved in the overlay as it stands, and
    /// missing parent directories are added too.
    public mutating func add(_ node: Node, at path: RootPath) {
        let view = RootView(self)
        let parent: RootPath
        if let resolved = try? view.resolve(path.parent), resolved.entry.kind == .directory {
            parent = resolved.path
        } else {
            if !path.parent.isRoot { add(.directory, at: path.parent) }
            parent = (try? view.resolve(path.parent))??.path ?? path.parent
        }
        let real = parent.appending(path.lastComponent)
        changed()
        nodes[real] = node
        removed.remove(real)
        children[parent, default: []].insert(TextKey(path.lastComponent))
    }

    /// Adds a node at the real path `path`, whose parent is a directory of the overlay as it
    /// stands (resolved already): `add(_:at:)` without resolving the parent again.
    public mutating func add(_ node: Node, atRealPath path: RootPath) {
        changed()
        nodes[path] = node
        removed.remove(path)
        children[path.parent, default: []].insert(TextKey(path.lastComponent))
    }

    /// Takes away the entry at the real path `path` (parents already resolved).
    public mutating func remove(at path: RootPath) {
        changed()
        nodes[path] = nil
        children[path.parent]?.remove(TextKey(path.lastComponent))
        removed.insert(path)
    }

    private mutating func changed() {
        resolutions = nil
    }

    public func entry(at path: RootPath) throws(RootError) -> RootEntry? {
        if !nodes.isEmpty, let node = nodes[path] {
            let identity = FileIdentity(device: UInt64.max, inode: UInt64(truncatingIfNeeded: path.hashValue))
            switch node {
            case .symlink(let target): return RootEntry(kind: .symlink, size: target.utf8.count, identity: identity, mode: 0o777)
            case .file(let bytes): return RootEntry(kind: .file, size: bytes.count, identity: identity, mode: 0o644)
            case .directory: return RootEntry(kind: .directory, size: 0, identity: identity, mode: 0o755)
            }
        }
        if !removed.isEmpty && removed.contains(path) { return nil }
        return try base.entry(at: path)
    }

    public func linkTarget(at path: RootPath) throws(RootError) -> String {
        if case .symlink(let target)? = nodes[path] { return target }
        if removed.contains(path) { throw .notFound(path: path.string) }
        return try base.linkTarget(at: path)
    }

    public func names(in directory: RootPath) throws(RootError) -> [String] {
        // A directory the changes leave alone lists as the base's, without a set of its names.
        if removed.isEmpty && children[directory] == nil && nodes[directory] == nil {
            return try base.names(in: directory)
        }
        // By bytes: `é` and `e` + U+0301 are two names in one directory.
        var result = Set<TextKey>()
        if case .directory? = nodes[directory] {} else if let entry = try base.entry(at: directory), entry.kind == .directory {
            result.formUnion(try base.names(in: directory).map(TextKey.init))
        }
        if !removed.isEmpty { result.subtract(result.filter { removed.contains(directory.appending($0.string)) }) }
        result.formUnion(children[directory] ?? [])
        return result.map(\.string)
    }

    public func contents(of path: RootPath) throws(RootError) -> FileBytes {
        if case .file(let bytes)? = nodes[path] { return bytes }
        if removed.contains(path) { throw .notFound(path: path.string) }
        return try base.contents(of: path)
    }

    public func head(of path: RootPath, count: Int) throws(RootError) -> FileHead {
        if case .file(let bytes)? = nodes[path] { return FileHead(of: bytes, count: count) }
        if removed.contains(path) { throw .notFound(path: path.string) }
        return try base.head(of: path, count: count)
    }
}

import Support

/// One path of the merged image filesystem.
struct ImageNode: Equatable, Sendable {
    var kind: RootEntry.Kind
    var mode: UInt32
    /// The symlink text (symlinks only).
    var linkTarget: String = ""
    /// A file's bytes: which layer, and where in that layer's tar (files only).
    var layer: Int = 0
    var offset: Int = 0
    var size: Int = 0
    /// Unique per tar entry; hard links share their target's, as they share an inode.
    var inode: UInt64
    /// As the entry that made it says; a directory implied by a deeper name has root's and time 0.
    var owner = LayerTarOwner()
}

/// The filesystem the layers make once applied in order, as containerd/Docker's layer
/// apply does (image-spec layer.md "Applying Changesets"): each layer's whiteouts first
/// remove from the layers below, then its entries are added. Parents are resolved
/// through symlinks inside the image (the apply runs chrooted), missing directories are
/// implied, and no path can leave the tree: names with `..` are skipped.
struct ImageRootTree: Sendable {
    /// Keyed by bytes (`TextKey`): two names that are the same text but not the same bytes
    /// (`é`, `e` + U+0301) are two files, as they are once the layers are extracted.
    private(set) var nodes: [TextKey: ImageNode] = [:]
    private(set) var children: [TextKey: Set<TextKey>] = [:]
    private var syntheticCount: UInt64 = 1

    /// Linux's limit on links followed in one lookup (`MAXSYMLINKS`).
    private static let maxSymlinks = 40
    private static let opaqueMarker = ".wh..wh..opq"
    private static let whiteoutPrefix = ".wh."

    init() {
        nodes[Self.key([])] = ImageNode(kind: .directory, mode: 0o755, inode: 1)
    }

    mutating func apply(_ entries: [LayerTarEntry], layer: Int) {
        var additions: [(index: Int, path: [String])] = []
        for (index, entry) in entries.enumerated() {
            guard let path = Self.components(entry.name) else { continue }
            guard let last = path.last else {
                if entry.kind == .directory {
                    nodes[Self.key([])]?.mode = entry.mode
                    nodes[Self.key([])]?.owner = entry.owner
                }
                continue
            }
            guard last.hasBytePrefix(Self.whiteoutPrefix) else {
                additions.append((index, path))
                continue
            }
            guard let directory = resolveDirectory(Array(path.dropLast()), create: false) else { continue }
            if last == Self.opaqueMarker {
                for name in children[Self.key(directory)] ?? [] { remove(directory + [name.string]) }
            } else if !last.hasBytePrefix(Self.whiteoutPrefix + Self.whiteoutPrefix) {   // other `.wh..wh.` are aufs bookkeeping
                // (the prefix's bytes dropped: `.wh.` + U+0301… removes the name that starts with the mark)
                let name = String(last[last.utf8.index(last.utf8.startIndex, offsetBy: Self.whiteoutPrefix.utf8.count)...])
                if !name.isEmpty && name != "." && name != ".." { remove(directory + [name]) }
            }
        }
        for (index, path) in additions {
            add(entries[index], at: path, layer: layer, inode: UInt64(layer + 1) << 32 | UInt64(truncatingIfNeeded: index))
        }
    }

    private mutating func add(_ entry: LayerTarEntry, at path: [String], layer: Int, inode: UInt64) {
        guard let name = path.last, let parent = resolveDirectory(Array(path.dropLast()), create: true) else { return }
        let real = parent + [name]
        let existing = nodes[Self.key(real)]
        let node: ImageNode
        switch entry.kind {
        case .directory:
            if existing?.kind == .directory {   // a directory laid over a directory merges with it
                nodes[Self.key(real)]?.mode = entry.mode
                nodes[Self.key(real)]?.owner = entry.owner
                return
            }
            node = ImageNode(kind: .directory, mode: entry.mode, inode: inode, owner: entry.owner)
        case .file:
            node = ImageNode(kind: .file, mode: entry.mode, layer: layer, offset: entry.offset,
                             size: entry.size, inode: inode, owner: entry.owner)
        case .symlink:
            node = ImageNode(kind: .symlink, mode: 0o777, linkTarget: entry.linkName, size: entry.linkName.utf8.count,
                             inode: inode, owner: entry.owner)
        case .other:
            node = ImageNode(kind: .other, mode: entry.mode, inode: inode, owner: entry.owner)
        case .hardLink:
            // The link names an earlier member: same bytes, same inode (tar(5) typeflag '1').
            guard let target = Self.components(entry.linkName), let targetName = target.last,
                  let targetParent = resolveDirectory(Array(target.dropLast()), create: false),
                  targetParent + [targetName] != real,
                  let linked = nodes[Self.key(targetParent + [targetName])],
                  linked.kind == .file || linked.kind == .symlink else { return }
            node = linked
        }
        if existing != nil { remove(real) }
        insert(node, at: real)
    }

    /// Follows `path` as a chain of directories, through symlinks, and returns the real
    /// components; with `create`, missing directories are implied (mkdir -p). Nil when a
    /// component is a file, a link loops, or (without `create`) something is missing.
    private mutating func resolveDirectory(_ path: [String], create: Bool) -> [String]? {
        var pending = Array(path.reversed())
        var resolved: [String] = []
        var followed = 0
        while let component = pending.popLast() {
            if component.isEmpty || component == "." { continue }
            if component == ".." {   // only from link targets: at `/`, `..` stays at `/`
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            let candidate = resolved + [component]
            guard let node = nodes[Self.key(candidate)] else {
                guard create else { return nil }
                insert(ImageNode(kind: .directory, mode: 0o755, inode: nextSyntheticInode()), at: candidate)
                resolved = candidate
                continue
            }
            switch node.kind {
            case .directory:
                resolved = candidate
            case .symlink:
                followed += 1
                guard followed <= Self.maxSymlinks else { return nil }
                if node.linkTarget.startsWithSlash { resolved.removeAll() }
                pending.append(contentsOf: node.linkTarget.slashSeparated().reversed())
            case .file, .other:
                return nil
            }
        }
        return resolved
    }

    private mutating func nextSyntheticInode() -> UInt64 {
        syntheticCount += 1
        return syntheticCount
    }

    private mutating func insert(_ node: ImageNode, at path: [String]) {
        guard let name = path.last else { return }
        nodes[Self.key(path)] = node
        children[Self.key(Array(path.dropLast())), default: []].insert(TextKey(name))
    }

    /// Removes `path` and everything below it (iteratively: a hostile tree may be deep).
    private mutating func remove(_ path: [String]) {
        guard let name = path.last else { return }
        let top = Self.key(path)
        guard nodes[top] != nil else { return }
        children[Self.key(Array(path.dropLast()))]?.remove(TextKey(name))
        var stack = [top]
        while let key = stack.popLast() {
            nodes[key] = nil
            if let names = children.removeValue(forKey: key) {
                for child in names { stack.append(TextKey(key.string + "/" + child.string)) }
            }
        }
    }

    static func key(_ components: [String]) -> TextKey {
        TextKey("/" + components.joined(separator: "/"))
    }

    /// The components of a member name; nil when it has `..` (it could climb out of the
    /// root, so the entry is ignored, as Docker rejects it as a breakout).
    static func components(_ name: String) -> [String]? {
        var parts: [String] = []
        for part in name.slashSeparated() where part != "." {
            if part == ".." { return nil }
            parts.append(String(part))
        }
        return parts
    }
}

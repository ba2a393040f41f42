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
    /// Its `security.capability` attribute (a pax `SCHILY.xattr.security.capability` record,
    /// as Docker writes it); hard links share it with the inode.
    var capabilities: FileCapabilities?
}

/// The filesystem the layers make once applied in order, as containerd's `applyNaive` and
/// moby's `UnpackLayer` apply a layer (image-spec layer.md "Applying Changesets"): member by
/// member in tar order. A whiteout removes what is there when it is met; an opaque marker
/// removes what its directory held before this layer (this layer's own members stay, even
/// those written before the marker); any other member replaces what is at its path, except
/// that a directory laid over a directory merges with it. Parents are resolved through
/// symlinks inside the image (the apply runs chrooted) and missing ones are implied
/// (mkdir -p), for whiteouts too; the last component is never followed. A parent that is a
/// file, a link loop or a dangling link fails the load, as it fails moby's unpack.
///
/// Paths are walked node by node: a member costs what its name and the links it crosses
/// are long, never the depth of the tree squared.
struct ImageRootTree: Sendable {
    /// One node of the tree, where it hangs, and what is below it (directories).
    private struct Slot: Sendable {
        var node: ImageNode
        var parent: Int
        /// Keyed by bytes (`TextKey`): two names that are the same text but not the same bytes
        /// (`é`, `e` + U+0301) are two files, as they are once the layers are extracted.
        var children: [TextKey: Int] = [:]
        /// The last layer that wrote this path or a path below it: an opaque marker keeps these.
        var written = -1
    }

    /// Slot 0 is `/`; a removed subtree's slots stay allocated but unreachable.
    private var slots: [Slot]
    private var syntheticCount: UInt64 = 1

    /// Linux's limit on links followed in one lookup (`MAXSYMLINKS`).
    private static let maxSymlinks = 40
    private static let opaqueMarker = ".wh..wh..opq"
    private static let whiteoutPrefix = ".wh."
    private static let root = 0

    init() {
        slots = [Slot(node: ImageNode(kind: .directory, mode: 0o755, inode: 1), parent: Self.root)]
    }

    // MARK: reading

    /// The node at `path`, whose parents are real directories (`RootFilesystem`'s contract).
    func node(at path: RootPath) -> ImageNode? {
        slot(at: path).map { slots[$0].node }
    }

    /// The names in the directory at `path`; nil when nothing is there.
    func names(at path: RootPath) -> [String]? {
        slot(at: path).map { slots[$0].children.keys.map(\.string) }
    }

    private func slot(at path: RootPath) -> Int? {
        var current = Self.root
        for component in path.components {
            guard slots[current].node.kind == .directory,
                  let child = slots[current].children[TextKey(component)] else { return nil }
            current = child
        }
        return current
    }

    // MARK: applying a layer

    mutating func apply(_ entries: [LayerTarEntry], layer: Int) throws(LayerMemberProblem) {
        for (index, entry) in entries.enumerated() {
            let path = try LayerMemberName.components(of: entry.name)
            guard let name = path.last else {   // `./` or `/`: the root keeps its place, takes the metadata
                if entry.kind == .directory {
                    slots[Self.root].node.mode = entry.mode
                    slots[Self.root].node.owner = entry.owner
                }
                continue
            }
            // Parents first, for whiteouts too (containerd's mkparent, moby's MkdirAll run
            // before the whiteout is looked at).
            let parent: Int
            switch resolveDirectory(path.dropLast(), create: true) {
            case .success(let slot):
                parent = slot
            case .failure(let blocked):
                // moby's unpack lstats the member's parent, then acts on it: an opaque marker
                // walks it (nothing to hide), a whiteout unlinks below it (ENOENT below a
                // dangling link counts as done), any other member is opened or made below it,
                // which fails, and `docker load` with it (all tried on docker 20.10). Only
                // the parent's lstat must succeed: the block is the parent itself.
                if blocked.atLast && (name.utf8.elementsEqual(Self.opaqueMarker.utf8)
                                      || (blocked.parent == .danglingLink && name.hasBytePrefix(Self.whiteoutPrefix))) {
                    continue
                }
                throw .parentNotADirectory(name: entry.name, parent: blocked.parent ?? .danglingLink)
            }
            if name.hasBytePrefix(Self.whiteoutPrefix) {
                whiteout(name, in: parent, layer: layer)
                continue
            }
            try add(entry, named: name, in: parent, layer: layer,
                    inode: UInt64(layer + 1) << 32 | UInt64(truncatingIfNeeded: index))
        }
    }

    private mutating func whiteout(_ name: String, in parent: Int, layer: Int) {
        if name.utf8.elementsEqual(Self.opaqueMarker.utf8) {
            hideLowerChildren(of: parent, layer: layer)
            return
        }
        // Other `.wh..wh.` names are aufs bookkeeping, not whiteouts.
        guard !name.hasBytePrefix(Self.whiteoutPrefix + Self.whiteoutPrefix) else { return }
        // (the prefix's bytes dropped: `.wh.` + U+0301… removes the name that starts with the mark)
        let hidden = String(name[name.utf8.index(name.utf8.startIndex, offsetBy: Self.whiteoutPrefix.utf8.count)...])
        guard !hidden.isEmpty, !hidden.utf8.elementsEqual(".".utf8), !hidden.utf8.elementsEqual("..".utf8) else { return }
        remove(TextKey(hidden), from: parent)
    }

    /// The opaque marker: everything below `directory` that no member of this layer wrote
    /// (nor wrote below) goes, as containerd's walk removes every path not in `unpackedPaths`.
    private mutating func hideLowerChildren(of directory: Int, layer: Int) {
        var pending = [directory]
        while let current = pending.popLast() {
            for (name, child) in slots[current].children {
                if slots[child].written == layer {
                    pending.append(child)
                } else {
                    remove(name, from: current)
                }
            }
        }
    }

    private mutating func add(_ entry: LayerTarEntry, named name: String, in parent: Int,
                              layer: Int, inode: UInt64) throws(LayerMemberProblem) {
        let key = TextKey(name)
        let existing = slots[parent].children[key]
        var node: ImageNode
        switch entry.kind {
        case .directory:
            if let existing, slots[existing].node.kind == .directory {   // a directory laid over a directory merges with it
                slots[existing].node.mode = entry.mode
                slots[existing].node.owner = entry.owner
                markWritten(existing, layer: layer)
                return
            }
            node = ImageNode(kind: .directory, mode: entry.mode, inode: inode, owner: entry.owner)
        case .file:
            node = ImageNode(kind: .file, mode: entry.mode, layer: layer, offset: entry.offset,
                             size: entry.size, inode: inode, owner: entry.owner)
        case .symlink:
            try LayerMemberName.checkSymlinkText(entry.linkName, member: entry.name)
            node = ImageNode(kind: .symlink, mode: 0o777, linkTarget: entry.linkName, size: entry.linkName.utf8.count,
                             inode: inode, owner: entry.owner)
        case .other:
            node = ImageNode(kind: .other, mode: entry.mode, inode: inode, owner: entry.owner)
        case .hardLink:
            // The link names an earlier member as it stands now (tar(5) typeflag '1'): same
            // bytes, same inode; the last component is not followed (link(2)).
            let target = try LayerMemberName.components(ofHardLink: entry.linkName, member: entry.name)
            // Nothing there (or the member itself, which the unpack removes first), or a
            // directory: link(2) fails (ENOENT, EPERM) and with it `docker load`.
            guard let targetName = target.last,
                  case .success(let targetParent) = resolveDirectory(target.dropLast(), create: false),
                  let linked = slots[targetParent].children[TextKey(targetName)],
                  linked != existing, slots[linked].node.kind != .directory else {
                throw .linkTargetNotAFile(name: entry.name, target: entry.linkName)
            }
            node = slots[linked].node
        }
        if entry.kind != .hardLink, let bytes = entry.capabilities {
            node.capabilities = FileCapabilities(attribute: bytes) ?? .unreadable
        }
        if existing != nil { remove(key, from: parent) }
        markWritten(insert(node, named: key, in: parent), layer: layer)
    }

    /// Why a path does not lead to a directory, and whether the component at fault is the
    /// path's last (the link or file is the member's parent itself).
    private struct NoDirectory: Error, Equatable {
        /// Nil: nothing there (looked up without `create`).
        var parent: BlockedParent?
        var atLast: Bool
    }

    /// Follows `path` as a chain of directories, through symlinks, and returns the slot it
    /// ends at; with `create`, missing directories are made (mkdir -p), but not the missing
    /// target of a link (moby's `MkdirAll` fails there).
    private mutating func resolveDirectory(_ path: ArraySlice<String>, create: Bool) -> Result<Int, NoDirectory> {
        /// A component to walk, the index in `path` it stands for (a link's text stands for
        /// the link), and whether it came from a link's text.
        typealias Step = (component: String, origin: Int, fromLink: Bool)
        var pending: [Step] = path.enumerated().reversed().map { ($0.element, $0.offset, false) }
        let last = path.count - 1
        var current = Self.root
        var followed = 0
        while let (component, origin, fromLink) = pending.popLast() {
            if component.isEmpty || component == "." { continue }
            if component == ".." {   // only from link targets: at `/`, `..` stays at `/`
                current = slots[current].parent
                continue
            }
            let key = TextKey(component)
            guard let child = slots[current].children[key] else {
                guard create else { return .failure(NoDirectory(parent: nil, atLast: origin == last)) }
                guard !fromLink else { return .failure(NoDirectory(parent: .danglingLink, atLast: origin == last)) }
                current = insert(ImageNode(kind: .directory, mode: 0o755, inode: nextSyntheticInode()), named: key, in: current)
                continue
            }
            switch slots[child].node.kind {
            case .directory:
                current = child
            case .symlink:
                followed += 1
                guard followed <= Self.maxSymlinks else { return .failure(NoDirectory(parent: .linkLoop, atLast: origin == last)) }
                let target = slots[child].node.linkTarget
                if target.startsWithSlash { current = Self.root }
                pending.append(contentsOf: target.slashSeparated().reversed().map { ($0, origin, true) })
            case .file, .other:
                return .failure(NoDirectory(parent: .file, atLast: origin == last))
            }
        }
        return .success(current)
    }

    private mutating func nextSyntheticInode() -> UInt64 {
        syntheticCount += 1
        return syntheticCount
    }

    private mutating func insert(_ node: ImageNode, named key: TextKey, in parent: Int) -> Int {
        slots.append(Slot(node: node, parent: parent))
        slots[parent].children[key] = slots.count - 1
        return slots.count - 1
    }

    /// This layer wrote `index`: it and every directory above it survive an opaque marker.
    /// (Stops at the first already marked: its parents were marked with it.)
    private mutating func markWritten(_ index: Int, layer: Int) {
        var current = index
        while slots[current].written != layer {
            slots[current].written = layer
            if current == Self.root { return }
            current = slots[current].parent
        }
    }

    /// Unhooks `key` from `parent` and frees what was below it (iteratively: a hostile
    /// tree may be deep; each slot is freed once, so removals cost what was added).
    private mutating func remove(_ key: TextKey, from parent: Int) {
        guard let top = slots[parent].children.removeValue(forKey: key) else { return }
        var pending = [top]
        while let current = pending.popLast() {
            pending.append(contentsOf: slots[current].children.values)
            slots[current].children = [:]
            slots[current].node.linkTarget = ""
        }
    }
}

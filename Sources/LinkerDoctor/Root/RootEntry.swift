/// What `lstat(2)` says of one directory entry inside the root.
public struct RootEntry: Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case file, directory, symlink, other }
    public var kind: Kind
    public var size: Int
    /// `st_dev`/`st_ino`: the loader matches already loaded objects by these (dl-load.c).
    public var identity: FileIdentity
    /// Permission bits (`st_mode & 07777`).
    public var mode: UInt32

    public init(kind: Kind, size: Int, identity: FileIdentity, mode: UInt32) {
        self.kind = kind
        self.size = size
        self.identity = identity
        self.mode = mode
    }
}

/// A file's identity: (`st_dev`, `st_ino`), or a synthetic pair for virtual roots.
public struct FileIdentity: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64
    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `lstat(2)` says of one directory entry inside the root.
public struct RootEntry: Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case file, directory, symlink, other }
    public var kind: Kind
    public var size: Int
    /// `st_dev`/`st_ino`: the loader matches already loaded objects by these (dl-load.c).
    public var identity: FileIdentity
    /// Permission bits (`st_mode & 07777`).
    public var mode: UInt32
    /// `st_uid`/`st_gid` (a tar member's), which decide whether a set-user-ID or set-group-ID
    /// program changes who runs it; nil where the root does not say (a file a plan adds).
    public var owner: FileOwner?

    public init(kind: Kind, size: Int, identity: FileIdentity, mode: UInt32, owner: FileOwner? = nil) {
        self.kind = kind
        self.size = size
        self.identity = identity
        self.mode = mode
        self.owner = owner
    }

    /// The entry an `lstat`/`fstatat(AT_SYMLINK_NOFOLLOW)` result describes.
    public init(_ st: stat) {
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .file
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
        size = Int(clamping: st.st_size)
        identity = FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        mode = UInt32(st.st_mode) & 0o7777
        owner = FileOwner(uid: UInt32(st.st_uid), gid: UInt32(st.st_gid))
    }
}

/// A file's owning user and group, as numbers.
public struct FileOwner: Equatable, Sendable {
    public var uid: UInt32
    public var gid: UInt32
    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
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

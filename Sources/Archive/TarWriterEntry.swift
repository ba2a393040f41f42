/// One member as `TarWriter` writes it (POSIX ustar fields).
package struct TarWriterEntry: Equatable, Sendable {
    package enum Kind: Equatable, Sendable {
        case file
        case directory
        case symlink(target: String)
        /// `typeflag` 1: the same file as an earlier member, named relative to the archive.
        case hardLink(target: String)
    }

    /// Relative, `/`-separated, without a leading `/` or `./` (a directory's trailing `/`
    /// is added when it is written).
    package var name: String
    package var kind: Kind
    /// Permission bits (`mode & 07777`).
    package var mode: UInt32
    /// A file's length (set from the body by `TarWriter.append`); 0 for every other kind.
    package var size: UInt64 = 0
    package var uid: UInt32 = 0
    package var gid: UInt32 = 0
    /// Seconds since the epoch.
    package var mtime: Int64 = 0

    package init(name: String, kind: Kind, mode: UInt32, size: UInt64 = 0, uid: UInt32 = 0, gid: UInt32 = 0, mtime: Int64 = 0) {
        self.name = name
        self.kind = kind
        self.mode = mode
        self.size = size
        self.uid = uid
        self.gid = gid
        self.mtime = mtime
    }
}

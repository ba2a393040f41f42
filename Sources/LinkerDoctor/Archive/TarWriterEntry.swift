/// One member as `TarWriter` writes it (POSIX ustar fields).
struct TarWriterEntry: Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        case file
        case directory
        case symlink(target: String)
        /// `typeflag` 1: the same file as an earlier member, named relative to the archive.
        case hardLink(target: String)
    }

    /// Relative, `/`-separated, without a leading `/` or `./` (a directory's trailing `/`
    /// is added when it is written).
    var name: String
    var kind: Kind
    /// Permission bits (`mode & 07777`).
    var mode: UInt32
    /// A file's length (set from the body by `TarWriter.append`); 0 for every other kind.
    var size: UInt64 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
    /// Seconds since the epoch.
    var mtime: Int64 = 0
}

/// A system call that failed while writing: the operation (as in `man 2`) and `errno`.
public struct WriteFailure: Error, Equatable, Sendable {
    public var operation: String
    public var errno: Int32

    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }
}

/// The writing system calls `PlanApplier` makes, on host paths it has already confined
/// to the root (no symlink among their parents). A protocol so that tests can inject
/// `EROFS`, `EACCES` or `ENOSPC` at any call.
public protocol FileSystemWriter: Sendable {
    /// `mkdir(2)`, then `chmod(2)` so the umask does not decide the mode.
    func makeDirectory(_ path: String, mode: UInt32) throws(WriteFailure)
    /// `rmdir(2)`.
    func removeDirectory(_ path: String) throws(WriteFailure)
    /// `symlink(2)`: fails with `EEXIST` rather than replace anything.
    func symlink(_ target: String, at path: String) throws(WriteFailure)
    /// A new file (`O_CREAT|O_EXCL|O_NOFOLLOW`) with these bytes and mode, `fsync`'ed.
    func createFile(_ path: String, contents: [UInt8], mode: UInt32) throws(WriteFailure)
    /// Appends to an existing file and `fsync`s it; on failure the file is cut back to its old size.
    func append(_ path: String, contents: [UInt8]) throws(WriteFailure)
    /// `link(2)`: publishes a finished file under a name that must not exist yet.
    func link(_ existing: String, as new: String) throws(WriteFailure)
    /// `rename(2)`: atomically replaces `to`.
    func rename(_ from: String, to: String) throws(WriteFailure)
    /// `unlink(2)`.
    func unlink(_ path: String) throws(WriteFailure)
    /// `fsync(2)` on a directory, so a new or removed name survives a crash.
    func syncDirectory(_ path: String) throws(WriteFailure)
}

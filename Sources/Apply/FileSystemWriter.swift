/// A system call that failed while writing: the operation (as in `man 2`) and `errno`.
public struct WriteFailure: Error, Equatable, Sendable {
    public var operation: String
    public var errno: Int32

    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }
}

/// The writing system calls `PlanApplier` makes, each on a name inside a directory that
/// `ConfinedRoot` opened from the root's descriptor (the `*at` calls, never a host path).
/// A protocol so that tests can inject `EROFS`, `EACCES` or `ENOSPC` at any call.
public protocol FileSystemWriter: Sendable {
    /// `mkdirat(2)`, then `fchmod(2)` so the umask does not decide the mode.
    func makeDirectory(_ at: ConfinedName, mode: UInt32) throws(WriteFailure)
    /// `unlinkat(2)` with `AT_REMOVEDIR`.
    func removeDirectory(_ at: ConfinedName) throws(WriteFailure)
    /// `symlinkat(2)`: fails with `EEXIST` rather than replace anything.
    func symlink(_ target: String, at: ConfinedName) throws(WriteFailure)
    /// A new file (`O_CREAT|O_EXCL|O_NOFOLLOW`) with these bytes and mode, `fsync`'ed.
    func createFile(_ at: ConfinedName, contents: [UInt8], mode: UInt32) throws(WriteFailure)
    /// `linkat(2)`: publishes a finished file under a name that must not exist yet.
    func link(_ existing: ConfinedName, as new: ConfinedName) throws(WriteFailure)
    /// `renameat(2)`: atomically replaces `to`.
    func rename(_ from: ConfinedName, to: ConfinedName) throws(WriteFailure)
    /// `unlinkat(2)`.
    func unlink(_ at: ConfinedName) throws(WriteFailure)
    /// `fsync(2)` on a directory (`at.name` is `.` or a subdirectory), so a new or removed name survives a crash.
    func syncDirectory(_ at: ConfinedName) throws(WriteFailure)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ELFInspect

/// `FileSystemWriter` over the real `*at` system calls.
public struct POSIXWriter: FileSystemWriter {
    public init() {}

    public func makeDirectory(_ at: ConfinedName, mode: UInt32) throws(WriteFailure) {
        guard mkdirat(at.directory, at.name, mode_t(mode)) == 0 else { throw WriteFailure("mkdirat", errno: errno) }
        // fchmodat would follow a link swapped in meanwhile: open the new directory itself.
        let fd = try Self.openDirectory(at)
        defer { close(fd) }
        guard fchmod(fd, mode_t(mode)) == 0 else { throw WriteFailure("fchmod", errno: errno) }
    }

    public func removeDirectory(_ at: ConfinedName) throws(WriteFailure) {
        guard unlinkat(at.directory, at.name, AT_REMOVEDIR) == 0 else { throw WriteFailure("rmdir", errno: errno) }
    }

    public func symlink(_ target: String, at: ConfinedName) throws(WriteFailure) {
        guard symlinkat(ByteString.cString(target), at.directory, at.name) == 0 else { throw WriteFailure("symlinkat", errno: errno) }
    }

    public func createFile(_ at: ConfinedName, contents: [UInt8], mode: UInt32) throws(WriteFailure) {
        let fd = openat(at.directory, at.name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WriteFailure("openat", errno: errno) }
        do throws(WriteFailure) {
            try Self.writeAll(fd, contents)
            guard fchmod(fd, mode_t(mode)) == 0 else { throw WriteFailure("fchmod", errno: errno) }
            guard fsync(fd) == 0 else { throw WriteFailure("fsync", errno: errno) }
        } catch {
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw WriteFailure("close", errno: errno) }
    }

    public func link(_ existing: ConfinedName, as new: ConfinedName) throws(WriteFailure) {
        guard linkat(existing.directory, existing.name, new.directory, new.name, 0) == 0 else {
            throw WriteFailure("linkat", errno: errno)
        }
    }

    public func rename(_ from: ConfinedName, to: ConfinedName) throws(WriteFailure) {
        guard renameat(from.directory, from.name, to.directory, to.name) == 0 else { throw WriteFailure("renameat", errno: errno) }
    }

    public func unlink(_ at: ConfinedName) throws(WriteFailure) {
        guard unlinkat(at.directory, at.name, 0) == 0 else { throw WriteFailure("unlinkat", errno: errno) }
    }

    public func syncDirectory(_ at: ConfinedName) throws(WriteFailure) {
        let fd = try Self.openDirectory(at)
        defer { close(fd) }
        // Some filesystems cannot sync a directory (EINVAL); their names are as durable as they get.
        guard fsync(fd) == 0 || errno == EINVAL else { throw WriteFailure("fsync", errno: errno) }
    }

    /// `openat(O_DIRECTORY|O_NOFOLLOW)`; a symbolic link there fails with `ELOOP` (the
    /// kernel says `ENOTDIR`), so the error says a link was refused.
    private static func openDirectory(_ at: ConfinedName) throws(WriteFailure) -> Int32 {
        let fd = openat(at.directory, at.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd < 0 else { return fd }
        let code = errno
        var st = stat()
        if fstatat(at.directory, at.name, &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) == S_IFLNK {
            throw WriteFailure("openat", errno: ELOOP)
        }
        throw WriteFailure("openat", errno: code)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(WriteFailure) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw WriteFailure("write", errno: errno)
            }
            if n == 0 { throw WriteFailure("write", errno: ENOSPC) }
            offset += n
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `FileSystemWriter` over the real system calls.
public struct POSIXWriter: FileSystemWriter {
    public init() {}

    public func makeDirectory(_ path: String, mode: UInt32) throws(WriteFailure) {
        guard mkdir(path, mode_t(mode)) == 0 else { throw WriteFailure("mkdir", errno: errno) }
        guard chmod(path, mode_t(mode)) == 0 else { throw WriteFailure("chmod", errno: errno) }
    }

    public func removeDirectory(_ path: String) throws(WriteFailure) {
        guard rmdir(path) == 0 else { throw WriteFailure("rmdir", errno: errno) }
    }

    public func symlink(_ target: String, at path: String) throws(WriteFailure) {
        guard Glibc.symlink(target, path) == 0 else { throw WriteFailure("symlink", errno: errno) }
    }

    public func createFile(_ path: String, contents: [UInt8], mode: UInt32) throws(WriteFailure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WriteFailure("open", errno: errno) }
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

    public func append(_ path: String, contents: [UInt8]) throws(WriteFailure) {
        let fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw WriteFailure("open", errno: errno) }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        do throws(WriteFailure) {
            try Self.writeAll(fd, contents)
            guard fsync(fd) == 0 else { throw WriteFailure("fsync", errno: errno) }
        } catch {
            // A torn record would make every later one unreadable: cut it off.
            if size >= 0 { _ = ftruncate(fd, size) }
            throw error
        }
    }

    public func link(_ existing: String, as new: String) throws(WriteFailure) {
        guard Glibc.link(existing, new) == 0 else { throw WriteFailure("link", errno: errno) }
    }

    public func rename(_ from: String, to: String) throws(WriteFailure) {
        guard Glibc.rename(from, to) == 0 else { throw WriteFailure("rename", errno: errno) }
    }

    public func unlink(_ path: String) throws(WriteFailure) {
        guard Glibc.unlink(path) == 0 else { throw WriteFailure("unlink", errno: errno) }
    }

    public func syncDirectory(_ path: String) throws(WriteFailure) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw WriteFailure("open", errno: errno) }
        defer { close(fd) }
        // Some filesystems cannot sync a directory (EINVAL); their names are as durable as they get.
        guard fsync(fd) == 0 || errno == EINVAL else { throw WriteFailure("fsync", errno: errno) }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(WriteFailure) {
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

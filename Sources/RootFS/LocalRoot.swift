#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CXattr
import ELFInspect
import Support

/// A real directory tree on this machine, examined as if it were `/`.
public struct LocalRoot: RootFilesystem {
    /// The host directory that plays `/` (no trailing slash; empty for the real `/`).
    public let directory: String
    /// The root directory, opened once: every lookup starts from it (`fstatat`, `openat`,
    /// `readlinkat`), so the kernel does not walk the host directories above the root again
    /// for each of a check's few hundred paths.
    private let handle: Handle

    /// An `O_PATH` descriptor, closed with the last copy of the root.
    private final class Handle: Sendable {
        let fd: Int32
        init(_ fd: Int32) { self.fd = fd }
        deinit { close(fd) }
    }

    public init(directory: String) throws(RootError) {
        let dir = directory.droppingTrailingSlashes
        var st = stat()
        guard ByteString.withCString(dir, { stat($0, &st) }) == 0 else {
            throw errno == ENOENT ? .notFound(path: directory) : .badRoot(path: directory)
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw (st.st_mode & S_IFMT) == S_IFREG ? .rootIsAFile(path: directory) : .badRoot(path: directory)
        }
        let fd = ByteString.withCString(dir) { open($0, openPathOnly | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw .badRoot(path: directory) }
        handle = Handle(fd)
        self.directory = dir == "/" ? "" : dir
    }

    /// Calls `body` with the root's descriptor and `path` relative to it (`.` for the root).
    private func at<T>(_ path: RootPath, _ body: (Int32, UnsafePointer<CChar>) -> T) -> T {
        let fd = handle.fd
        if path.isRoot { return body(fd, ".") }
        return ByteString.withCString(path.string) { body(fd, $0 + 1) }   // past the leading `/`
    }

    public var label: String { directory.isEmpty ? "/" : directory }

    /// The host path of `path`; only ever called on paths `RootView` has resolved.
    public func hostPath(_ path: RootPath) -> String {
        path.isRoot ? (directory.isEmpty ? "/" : directory) : directory + path.string
    }

    public func entry(at path: RootPath) throws(RootError) -> RootEntry? {
        var st = stat()
        if at(path, { fstatat($0, $1, &st, AT_SYMLINK_NOFOLLOW) }) != 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw .io(path: path.string, operation: "lstat", errno: code)
        }
        return RootEntry(st)
    }

    /// The file's `security.capability` attribute, and for the machine's own `/` whether its
    /// filesystem is mounted `nosuid` (an unpacked root's mount on this host is not where
    /// it will run).
    public func executionAttributes(of path: RootPath) -> ExecutionAttributes {
        let fd = at(path) { openat($0, $1, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK) }
        guard fd >= 0 else { return ExecutionAttributes() }
        defer { close(fd) }
        var result = ExecutionAttributes()
        // 24 bytes is the largest revision (3); a larger attribute (ERANGE) is not one the kernel takes either.
        var attribute = [UInt8](repeating: 0, count: 32)
        let size = attribute.withUnsafeMutableBytes { ofdoctor_file_capabilities(fd, $0.baseAddress, $0.count) }
        if size > 0 {
            result.fileCapabilities = FileCapabilities(attribute: Array(attribute.prefix(size))) ?? .unreadable
        } else if size < 0 && errno == ERANGE {
            result.fileCapabilities = .unreadable
        }
        if directory.isEmpty {
            var fs = statvfs()
            result.onNosuidMount = fstatvfs(fd, &fs) == 0 && fs.f_flag & UInt(ST_NOSUID) != 0
        }
        return result
    }

    /// Files up to this size are read into memory; larger ones are mapped (a mapping's
    /// set-up, page faults and tear-down cost more than copying a few pages).
    static let readLimit = 1 << 16

    public func linkTarget(at path: RootPath) throws(RootError) -> String {
        // An uninitialised buffer on the stack: a zeroed 4 KiB array per link cost more than
        // the readlink(2) itself.
        let result: String? = withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 1) { buffer in
            let n = at(path) { readlinkat($0, $1, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), 4096) }
            return n < 0 ? nil : ByteString.decode(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        guard let result else { throw .io(path: path.string, operation: "readlink", errno: errno) }
        return result
    }

    public func names(in directory: RootPath) throws(RootError) -> [String] {
        try kinds(in: directory).map(\.name)
    }

    public func kinds(in directory: RootPath) throws(RootError) -> [(name: String, kind: RootEntry.Kind?)] {
        let fd = at(directory) { openat($0, $1, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0, let dir = fdopendir(fd) else {
            let code = errno
            if fd >= 0 { close(fd) }
            if code == ENOENT { throw .notFound(path: directory.string) }
            if code == ENOTDIR { throw .notADirectory(path: directory.string) }
            throw .io(path: directory.string, operation: "opendir", errno: code)
        }
        defer { closedir(dir) }
        return DirectoryStream.entries(dir)
    }

    /// The file at `path` opened for reading, the last component not followed; the caller
    /// closes the descriptor. (Opened without waiting: a FIFO put there since `RootView`
    /// looked is refused by what reads it, not waited on.)
    private func openFile(_ path: RootPath) throws(RootError) -> Int32 {
        let fd = at(path) { openat($0, $1, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK) }
        guard fd >= 0 else { throw .io(path: path.string, operation: "open", errno: errno) }
        return fd
    }

    /// The regular file at `path` opened for reading (`openFile`), and its size.
    private func openRegularFile(_ path: RootPath) throws(RootError) -> (descriptor: Int32, size: Int) {
        let fd = try openFile(path)
        do {
            return (fd, try regularSize(fd, path))
        } catch {
            close(fd)
            throw error
        }
    }

    /// The size of the regular file open as `fd` (`fstat`); an error for any other kind.
    private func regularSize(_ fd: Int32, _ path: RootPath) throws(RootError) -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(path: path.string, operation: "fstat", errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .io(path: path.string, operation: "read", errno: EISDIR) }
        return Int(clamping: st.st_size)
    }

    /// The `size` bytes of the regular file open as `fd`: read when small, else mapped.
    private func bytes(of fd: Int32, size: Int, _ path: RootPath) throws(RootError) -> FileBytes {
        if size <= Self.readLimit {
            guard let bytes = FileBytes(reading: fd, size: size) else {
                throw .io(path: path.string, operation: "read", errno: errno)
            }
            return bytes
        }
        guard let bytes = FileBytes(mapping: fd, size: size) else {
            throw .io(path: path.string, operation: "mmap", errno: errno)
        }
        return bytes
    }

    public func contents(of path: RootPath) throws(RootError) -> FileBytes {
        let (fd, size) = try openRegularFile(path)
        defer { close(fd) }
        return try bytes(of: fd, size: size, path)
    }

    /// `contents(of:)` for a file `lstat` gave `size` just now, without asking `fstat` again:
    /// a small file is read with one byte more than that, and ending there proves it whole. A
    /// file that grew or shrank since, or whatever replaced it (a directory or a FIFO fails
    /// the read; a link, the open), is then looked at through the same descriptor as
    /// `contents(of:)` looks. (`O_NONBLOCK` changes nothing for a regular file.)
    public func contents(of path: RootPath, listedSize size: Int) throws(RootError) -> FileBytes {
        guard size >= 0, size <= Self.readLimit else { return try contents(of: path) }
        let fd = try openFile(path)
        defer { close(fd) }
        if let whole = FileBytes(readingWhole: fd, size: size) { return whole }
        return try bytes(of: fd, size: try regularSize(fd, path), path)
    }

    /// One `pread` of the first bytes: a large file's mapping (and, in a process that ran a
    /// second thread, its `munmap`'s TLB shootdown, ~70 µs here) is not paid for 512 bytes.
    public func head(of path: RootPath, count: Int) throws(RootError) -> FileHead {
        let (fd, size) = try openRegularFile(path)
        defer { close(fd) }
        guard let bytes = FileBytes(reading: fd, size: min(max(0, count), size)) else {
            throw .io(path: path.string, operation: "read", errno: errno)
        }
        return FileHead(size: UInt64(size), bytes: bytes.bytes)
    }
}

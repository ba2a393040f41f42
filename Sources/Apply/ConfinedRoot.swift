#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ELFInspect
import RootFS
import Support

/// One name inside a directory that was opened from the root's descriptor: what every
/// writing call of `fix --apply` and `undo` acts on (`mkdirat`, `symlinkat`, `renameat`,
/// `unlinkat`…), so that no host path string is ever looked up again after it was checked.
public struct ConfinedName: Sendable {
    /// The parent directory's descriptor (`O_PATH`), valid for the duration of the call.
    public let directory: Int32
    /// One path component, or `.` for the directory itself: its bytes and a NUL, as the
    /// `*at` calls take it (a name need not be UTF-8).
    public let name: [CChar]
    /// The path inside the root, for messages.
    public let path: RootPath
}

/// Why a path could not be reached from the root's descriptor.
enum ConfinementFailure: Error, Equatable {
    /// A component does not exist.
    case missing(RootPath)
    /// A component is a symbolic link: a real path has none, so the tree changed (or a
    /// journal lies), and following it could lead out of the root.
    case link(RootPath)
    /// A component is a file or something else that is not a directory.
    case notDirectory(RootPath)
    /// A component that is empty, `.`, `..` or holds NUL: never in a real path.
    case badComponent(RootPath)
    case system(RootPath, operation: String, errno: Int32)
}

/// The root directory held open as a descriptor. Every path is reached from it one
/// component at a time with `openat(O_PATH|O_NOFOLLOW|O_DIRECTORY)`: `..` is refused and
/// a symlink anywhere on the way is refused, not followed — the paths handed here are
/// real paths that `RootView` (or a verified journal) produced, so a link on the way means
/// the tree changed since, and the write does not happen. This is the moment-of-use half of
/// the confinement; `RootView` is the chroot-like resolution half. (openat2's
/// `RESOLVE_IN_ROOT` would resolve links chroot-like in the kernel, but a link that
/// appears between resolution and use must be refused, not re-resolved, so the portable
/// walk is used on every kernel.)
///
/// It is also a `RootFilesystem`, so that `RootView` over it reads the root through the
/// same descriptor.
public final class ConfinedRoot: RootFilesystem {
    let descriptor: Int32
    public let label: String

    public init(_ root: LocalRoot) throws(RootError) {
        let fd = open(root.hostPath(.root), openPathOnly | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .badRoot(path: root.label) }
        descriptor = fd
        label = root.label
    }

    deinit { close(descriptor) }

    /// True for a component a real path may hold.
    static func isPlainComponent(_ component: String) -> Bool {
        !component.isEmpty && component != "." && component != ".." && !component.utf8.contains(0)
            && !component.utf8.contains(UInt8(ascii: "/"))
    }

    /// The directory `path` as a new `O_PATH` descriptor; the caller closes it.
    func openDirectory(_ path: RootPath) throws(ConfinementFailure) -> Int32 {
        var fd = openat(descriptor, ".", openPathOnly | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(.root, operation: "openat", errno: errno) }
        var reached = RootPath.root
        for component in path.components {
            reached = reached.appending(component)
            guard Self.isPlainComponent(component) else {
                close(fd)
                throw .badComponent(reached)
            }
            let next = openat(fd, ByteString.cString(component), openPathOnly | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC)
            if next < 0 {
                let code = errno
                var st = stat()
                let found = fstatat(fd, ByteString.cString(component), &st, AT_SYMLINK_NOFOLLOW) == 0
                close(fd)
                if found && (st.st_mode & S_IFMT) == S_IFLNK { throw .link(reached) }
                if found || code == ENOTDIR { throw .notDirectory(reached) }
                if code == ENOENT { throw .missing(reached) }
                throw .system(reached, operation: "openat", errno: code)
            }
            close(fd)
            fd = next
        }
        return fd
    }

    /// The operation named when a link on the way refuses a read (with `ELOOP`).
    static let linkOperation = "openat(O_NOFOLLOW)"

    /// `path`'s last component inside its opened parent (`.` for `/`); the caller closes
    /// `directory`.
    func openParent(of path: RootPath) throws(ConfinementFailure) -> ConfinedName {
        let name = path.isRoot ? "." : path.lastComponent
        guard path.isRoot || Self.isPlainComponent(name) else { throw .badComponent(path) }
        let fd = try openDirectory(path.isRoot ? .root : path.parent)
        return ConfinedName(directory: fd, name: ByteString.cString(name), path: path)
    }

    /// Runs `body` on `path`'s last component inside its opened parent (`.` for `/`).
    func at<T, E: Error>(_ path: RootPath, _ body: (ConfinedName) throws(E) -> T) throws(ConfinementFailure) -> Result<T, E> {
        let place = try openParent(of: path)
        defer { close(place.directory) }
        do { return .success(try body(place)) } catch { return .failure(error) }
    }

    /// Like `at`, for reads: a missing or non-directory parent is `nil` (as `lstat` says
    /// ENOENT or ENOTDIR), a link on the way is an error.
    private func read<T>(_ path: RootPath, _ body: (ConfinedName) throws(RootError) -> T?) throws(RootError) -> T? {
        let result: Result<T?, RootError>
        do throws(ConfinementFailure) { result = try at(path, body) } catch {
            switch error {
            case .missing, .notDirectory: return nil
            default: throw Self.rootError(error)
            }
        }
        return try result.get()
    }

    static func rootError(_ failure: ConfinementFailure) -> RootError {
        switch failure {
        case .missing(let p): return .notFound(path: p.string)
        case .notDirectory(let p): return .notADirectory(path: p.string)
        case .link(let p): return .io(path: p.string, operation: linkOperation, errno: ELOOP)
        case .badComponent(let p): return .io(path: p.string, operation: "openat", errno: EINVAL)
        case .system(let p, let op, let code): return .io(path: p.string, operation: op, errno: code)
        }
    }

    // MARK: RootFilesystem

    public func entry(at path: RootPath) throws(RootError) -> RootEntry? {
        try read(path) { (place) throws(RootError) -> RootEntry? in
            var st = stat()
            if fstatat(place.directory, place.name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
                let code = errno
                if code == ENOENT || code == ENOTDIR { return nil }
                throw .io(path: path.string, operation: "fstatat", errno: code)
            }
            return RootEntry(st)
        }
    }

    public func linkTarget(at path: RootPath) throws(RootError) -> String {
        let target = try read(path) { (place) throws(RootError) -> String? in
            var buffer = [CChar](repeating: 0, count: 4097)
            let n = readlinkat(place.directory, place.name, &buffer, 4096)
            guard n >= 0 else { throw .io(path: path.string, operation: "readlinkat", errno: errno) }
            return ByteString.decode(buffer[0..<n].map { UInt8(bitPattern: $0) })
        }
        guard let target else { throw .notFound(path: path.string) }
        return target
    }

    public func names(in directory: RootPath) throws(RootError) -> [String] {
        let names = try read(directory) { (place) throws(RootError) -> [String]? in
            let fd = openat(place.directory, place.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else {
                let code = errno
                if code == ENOENT { throw .notFound(path: directory.string) }
                if code == ENOTDIR || code == ELOOP { throw .notADirectory(path: directory.string) }
                throw .io(path: directory.string, operation: "openat", errno: code)
            }
            guard let dir = fdopendir(fd) else {
                let code = errno
                close(fd)
                throw .io(path: directory.string, operation: "fdopendir", errno: code)
            }
            defer { closedir(dir) }
            return DirectoryStream.entries(dir).map(\.name)
        }
        guard let names else { throw .notFound(path: directory.string) }
        return names
    }

    public func contents(of path: RootPath) throws(RootError) -> FileBytes {
        let bytes = try read(path) { (place) throws(RootError) -> FileBytes? in
            let fd = openat(place.directory, place.name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
            guard fd >= 0 else { throw .io(path: path.string, operation: "openat", errno: errno) }
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0 else { throw .io(path: path.string, operation: "fstat", errno: errno) }
            guard (st.st_mode & S_IFMT) == S_IFREG else { throw .io(path: path.string, operation: "read", errno: EISDIR) }
            guard let bytes = FileBytes(reading: fd, size: Int(clamping: st.st_size)) else {
                throw .io(path: path.string, operation: "read", errno: errno)
            }
            return bytes
        }
        guard let bytes else { throw .notFound(path: path.string) }
        return bytes
    }

    /// `faccessat(W_OK|X_OK, AT_EACCESS)` on the directory `path`: whether this process
    /// may create and remove names in it (EROFS for a read-only mount, EACCES, EPERM for
    /// an immutable directory). Nil when it may.
    func writeDenied(_ directory: RootPath) throws(ConfinementFailure) -> Int32? {
        let result: Result<Int32?, Never> = try at(directory) { place in
            faccessat(place.directory, place.name, W_OK | X_OK, AT_EACCESS) == 0 ? nil : errno
        }
        switch result { case .success(let value): return value }
    }
}

import Support

/// Why a path inside the root could not be used.
public enum RootError: Error, Equatable, Sendable, CustomStringConvertible {
    /// More than `RootView.maxSymlinks` links followed: a loop (`ELOOP`, see path_resolution(7)).
    case symlinkLoop(path: String)
    /// A component that must be a directory is not one (`ENOTDIR`).
    case notADirectory(path: String)
    /// The path does not exist (`ENOENT`).
    case notFound(path: String)
    /// A system call failed; `errno` names its C constant.
    case io(path: String, operation: String, errno: Int32)
    /// The root directory itself is missing or not a directory.
    case badRoot(path: String)
    /// The root given is a regular file: an image archive, most likely, which `--image` reads.
    case rootIsAFile(path: String)

    public var description: String {
        switch self {
        case .symlinkLoop(let p): return "\(p): too many levels of symbolic links (a link loop)"
        case .notADirectory(let p): return "\(p): a path component is not a directory"
        case .notFound(let p): return "\(p): no such file or directory"
        case .io(let p, let op, let e): return "\(p): \(op) failed: \(Errno.describe(e))"
        case .badRoot(let p): return "\(p): the root is not a directory; pass --root an unpacked image or container filesystem"
        case .rootIsAFile(let p):
            return "\(p): the root is a file, not a directory; --root takes an unpacked image or container filesystem, --image an image archive (`docker save IMAGE -o FILE.tar`)"
        }
    }

    /// The kernel refused the caller (EACCES, EPERM): another user may be let through.
    public var isPermission: Bool {
        if case .io(_, _, let code) = self { return Errno.isPermission(code) }
        return false
    }
}

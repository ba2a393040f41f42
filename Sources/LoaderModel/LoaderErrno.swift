#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import RootFS

/// The errno behind "cannot open shared object file": the loader passes whatever its last
/// failed system call left (elf/dl-load.c `_dl_map_object`). A successful open clears errno
/// (`open_verify`) and a failed preload does not reach the next message, so it is the last
/// failure of the library's own search: none at all when nothing failed (a DF_1_NODEFLIB
/// program with no search list, or directories the loader already marked missing), `Error
/// 20` after a search-list element that is a file, `Error 40` after a symlink loop.
enum LoaderErrno {
    /// The last failure of a search: known, or an open of a path that is not there, whose
    /// errno (ENOENT, ENOTDIR, ELOOP) is worked out only if a message needs it.
    enum Failure {
        case none
        case code(Int32)
        case missing(String)

        func code(in root: RootView) -> Int32 {
            switch self {
            case .none: return 0
            case .code(let code): return code
            case .missing(let path): return LoaderErrno.ofMissing(path, in: root)
            }
        }
    }

    /// The message's tail as ld.so prints it: its own minimal `strerror` (elf/dl-minimal.c)
    /// names six codes and numbers the rest.
    static func tail(_ code: Int32) -> String {
        switch code {
        case 0: return ""
        case ENOENT: return ": No such file or directory"
        case ENOMEM: return ": Cannot allocate memory"
        case EINVAL: return ": Invalid argument"
        case EPERM: return ": Operation not permitted"
        case EIO: return ": Input/output error"
        case EACCES: return ": Permission denied"
        default: return ": Error \(code)"
        }
    }

    /// The errno of open(2) on `path`, which is not there: ENOTDIR when the nearest existing
    /// ancestor is not a directory, ELOOP when the walk to it loops, else ENOENT.
    static func ofMissing(_ path: String, in root: RootView) -> Int32 {
        var current = RootPath(path).parent
        while true {
            do {
                if let found = try root.resolve(current) { return found.entry.kind == .directory ? ENOENT : ENOTDIR }
            } catch .symlinkLoop {
                return ELOOP
            } catch {
                return ENOENT
            }
            if current.isRoot { return ENOENT }
            current = current.parent
        }
    }
}

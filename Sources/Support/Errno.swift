#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Readable names for the `errno` values the root layer reports (errno(3)).
public enum Errno {
    /// "Permission denied (EACCES)".
    public static func describe(_ code: Int32) -> String {
        guard let message = strerror(code) else { return name(code) }
        return "\(String(cString: message)) (\(name(code)))"
    }

    /// A refusal for want of permission: EACCES (the modes) or EPERM (capabilities, flags).
    public static func isPermission(_ code: Int32) -> Bool { code == EACCES || code == EPERM }

    /// "EACCES" ("errno N" for one not named here).
    public static func name(_ code: Int32) -> String {
        let name: String
        switch code {
        case EACCES: name = "EACCES"
        case ENOENT: name = "ENOENT"
        case ENOTDIR: name = "ENOTDIR"
        case ELOOP: name = "ELOOP"
        case EROFS: name = "EROFS"
        case ENOSPC: name = "ENOSPC"
        case EEXIST: name = "EEXIST"
        case EPERM: name = "EPERM"
        case EISDIR: name = "EISDIR"
        case EIO: name = "EIO"
        case EXDEV: name = "EXDEV"
        case ENOEXEC: name = "ENOEXEC"   // the kernel's refusal of a file it cannot run
        case ELIBBAD: name = "ELIBBAD"   // ... of an interpreter that is no ELF file
        case ETXTBSY: name = "ETXTBSY"
        case E2BIG: name = "E2BIG"
        case ENAMETOOLONG: name = "ENAMETOOLONG"
        case ENOMEM: name = "ENOMEM"
        case EMFILE: name = "EMFILE"
        case ENFILE: name = "ENFILE"
        default: name = "errno \(code)"
        }
        return name
    }
}

/// Why the kernel refuses a program's interpreter (`PT_INTERP`) that is there (or whose
/// path loops): execve fails
/// before any loader runs (fs/exec.c `do_open_execat`, fs/binfmt_elf.c `load_elf_binary`),
/// and the shell prints errno's text; a damaged or half-copied root's `ld.so` is the usual
/// cause. (One that is absent is `LoadGraph.interpreterMissing`.)
public enum InterpreterRefusal: Equatable, Sendable {
    /// A directory or another non-regular file, or no execute bit at all: EACCES.
    case notExecutable
    /// Shorter than an ELF header: the kernel's read of it comes up short, EIO.
    case tooShort(size: Int)
    /// No ELF magic, or built for another machine: ELIBBAD.
    case notALoader
    /// The kernel would take it, but it cannot be read as an ELF file here.
    case unreadable(String)
    /// Its path runs into a loop of symbolic links: ELOOP.
    case symlinkLoop
    /// The user starting the program may not execute it, or not search a directory on its
    /// way: EACCES.
    case denied(AccessDenial)

    /// The errno text the shell prints after the program's name (nil: unknown).
    public var errnoText: String? {
        switch self {
        case .notExecutable, .denied: return "Permission denied"
        case .tooShort: return "Input/output error"
        case .notALoader: return "Accessing a corrupted shared library"
        case .unreadable: return nil
        case .symlinkLoop: return "Too many levels of symbolic links"
        }
    }

    /// What is wrong with the file, for a person.
    public var reason: String {
        switch self {
        case .notExecutable: return "it is not an executable file (a directory, or no execute permission)"
        case .tooShort(let size): return "it is \(size) bytes long, shorter than an ELF header"
        case .notALoader: return "it is not an x86-64 ELF file"
        case .unreadable(let why): return "it cannot be read as an ELF file (\(why))"
        case .symlinkLoop: return "its path runs into a loop of symbolic links"
        case .denied(let denial): return "\(denial)"
        }
    }

    /// The kernel's first check of the interpreter file: a regular file with an execute bit
    /// (root needs one); nil when it passes.
    public static func permission(regular: Bool, mode: UInt32) -> InterpreterRefusal? {
        regular && mode & 0o111 != 0 ? nil : .notExecutable
    }

    /// The kernel's checks of the interpreter's first bytes (`head`, at least 64 when the
    /// file has them): nil when it takes it.
    public static func content(size: Int, head: [UInt8]) -> InterpreterRefusal? {
        guard size >= 64, head.count >= 64 else { return .tooShort(size: size) }
        guard head.starts(with: [0x7f, 0x45, 0x4c, 0x46]) else { return .notALoader }
        let machine = head[5] == 2 ? UInt16(head[18]) << 8 | UInt16(head[19]) : UInt16(head[18]) | UInt16(head[19]) << 8
        return machine == 62 ? nil : .notALoader   // EM_X86_64
    }
}

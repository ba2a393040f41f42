/// Why a file could not be read as ELF. Every message names the file.
public enum ELFError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No `\x7fELF` magic (a script, a linker script, text).
    case notELF(path: String)
    /// The file ends before `what` does.
    case truncated(path: String, what: String)
    /// A field is out of range or inconsistent.
    case malformed(path: String, what: String)
    /// A name-valued dynamic entry (`what`: "DT_NEEDED", …) with no `DT_STRTAB` to read it
    /// from. The loader crashes on such a library (`ELFFile.lostForRelocation`); read with
    /// `namesWithoutStringTable`, it loads without those names.
    case namesWithoutStringTable(path: String, what: String)
    /// libelf refused the file; `message` is `elf_errmsg`.
    case libelf(path: String, message: String)

    public var path: String {
        switch self {
        case .notELF(let p), .truncated(let p, _), .malformed(let p, _), .namesWithoutStringTable(let p, _), .libelf(let p, _): return p
        }
    }

    public var description: String {
        switch self {
        case .notELF(let p):
            return "\(p) is not an ELF file; pass the program itself, not a wrapper script or link"
        case .truncated(let p, let what):
            return "\(p) is truncated: the file ends inside its \(what)"
        case .malformed(let p, let what):
            return "\(p) is a malformed ELF file: \(what)"
        case .namesWithoutStringTable(let p, let what):
            return "\(p) is a malformed ELF file: \(what) but no DT_STRTAB"
        case .libelf(let p, let message):
            return "\(p) could not be read as ELF: \(message)"
        }
    }
}

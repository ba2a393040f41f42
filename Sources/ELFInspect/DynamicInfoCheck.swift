/// What x86-64's loader asserts of a dynamic section as it first reads it
/// (elf/get-dynamic-info.h): a `DT_PLTREL` says `DT_RELA`, a `DT_RELA` comes with a
/// `DT_RELAENT` of 24, the size of an `Elf64_Rela`, and (glibc 2.36 on) a `DT_RELR` with a
/// `DT_RELRENT` of 8. Linkers always write them so; a file
/// edited by hand, or a value the file's end cut in two, may not.
public enum DynamicInfoCheck: Equatable, Sendable {
    /// `DT_PLTREL` holds this instead of `DT_RELA` (7).
    case pltRelocationType(UInt64)
    /// `DT_RELAENT` holds this instead of 24.
    case relaEntrySize(UInt64)
    /// `DT_RELRENT` holds this instead of 8 (asserted from glibc 2.36 on: `checkedSince`).
    case relrEntrySize(UInt64)

    /// The first glibc that asserts this.
    public var checkedSince: (major: Int, minor: Int) {
        if case .relrEntrySize = self { return (2, 36) }
        return (2, 0)
    }

    /// The assertion's expression, as the loader prints it.
    public var assertion: String {
        switch self {
        case .pltRelocationType: return "info[DT_PLTREL]->d_un.d_val == DT_RELA"
        case .relaEntrySize: return "info[DT_RELAENT]->d_un.d_val == sizeof (ElfW(Rela))"
        case .relrEntrySize: return "info[DT_RELRENT]->d_un.d_val == sizeof (ElfW(Relr))"
        }
    }

    /// What the file says, for a sentence.
    public var found: String {
        switch self {
        case .pltRelocationType(let value): return "DT_PLTREL \(value) (not DT_RELA, 7)"
        case .relaEntrySize(let value): return "DT_RELAENT \(value) (not 24, the size of a relocation entry)"
        case .relrEntrySize(let value): return "DT_RELRENT \(value) (not 8, the size of a packed relative relocation)"
        }
    }
}

/// One strong symbol that a relocation of the file names and the loader must find a
/// definition for when it relocates the file: an undefined one (a weak one may stay
/// undefined), or one a copy relocation names. The name stays bytes inside the file's
/// string table, valid as long as its `ELFFile`.
public struct UndefinedReference {
    /// Index in `DT_SYMTAB` (its version is `DT_VERSYM` at the same index).
    public let symbol: Int
    public let name: UnsafeRawBufferPointer
    /// The name's GNU hash (`SymbolLookupKey.gnuHash`).
    public let gnuHash: UInt32
    /// A start-up relocation names it; otherwise only lazy (`DT_JMPREL`) ones do, bound at
    /// the first call unless the file or the environment asks for BIND_NOW.
    public let atStartup: Bool
    /// A copy relocation names it: the executable holds the symbol's storage, and the
    /// loader looks for the definition to copy everywhere but in the executable
    /// (elf/dl-lookup.c `do_lookup_x`).
    public let isCopy: Bool
    /// Only relocations outside the PLT class name it (a `GLOB_DAT`, say): those also bind
    /// to an undefined symbol that has a value, the canonical PLT entry a non-PIE
    /// executable gives a function whose address it takes (elf/dl-lookup.c `check_match`).
    public let onlyOutsidePLTClass: Bool
}

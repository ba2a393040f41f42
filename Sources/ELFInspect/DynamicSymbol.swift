/// One `Elf{32,64}_Sym` of `DT_SYMTAB` with its `DT_VERSYM` version resolved.
public struct DynamicSymbol: Equatable, Sendable {
    public var name: String
    /// `ELF_ST_BIND` (`STB_LOCAL` 0, `STB_GLOBAL` 1, `STB_WEAK` 2, `STB_GNU_UNIQUE` 10).
    public var binding: UInt8
    /// `ELF_ST_TYPE` (`STT_NOTYPE` 0, `OBJECT` 1, `FUNC` 2, `SECTION` 3, `FILE` 4, `COMMON` 5, `TLS` 6, `GNU_IFUNC` 10).
    public var type: UInt8
    /// `ELF_ST_VISIBILITY` (`STV_DEFAULT` 0, `INTERNAL` 1, `HIDDEN` 2, `PROTECTED` 3).
    public var visibility: UInt8
    /// `st_shndx` (`SHN_UNDEF` 0, `SHN_ABS` 0xfff1, `SHN_COMMON` 0xfff2).
    public var sectionIndex: UInt16
    public var value: UInt64
    public var size: UInt64
    /// The symbol's version, when the file has `DT_VERSYM` and the index is 2 or more.
    public var version: SymbolVersion?
    /// The raw `DT_VERSYM` entry (nil: the file has no `DT_VERSYM`).
    public var versionIndex: UInt16?

    public var isDefined: Bool { sectionIndex != 0 }

    public static let local: UInt8 = 0, global: UInt8 = 1, weak: UInt8 = 2, unique: UInt8 = 10
}

/// The version a symbol is bound to, as `readelf` shows it after `@` or `@@`.
public struct SymbolVersion: Equatable, Sendable {
    public var name: String
    /// Bit 15 of the `DT_VERSYM` entry: a hidden (`@`) version, not the default (`@@`).
    public var isHidden: Bool
    /// For an undefined symbol, the `vn_file` the version is required from.
    public var file: String?
}

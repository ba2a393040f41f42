/// Bits of `DT_FLAGS` (elf.h `DF_*`).
public enum DynamicFlags {
    /// `DF_BIND_NOW`: bind every reference at start-up, as `DT_BIND_NOW` does.
    public static let bindNow: UInt64 = 0x8
}

/// Bits of `DT_FLAGS_1` (elf.h `DF_1_*`).
public enum DynamicFlags1 {
    /// `DF_1_NOW`: bind every reference at start-up.
    public static let now: UInt64 = 0x1
    /// `DF_1_NODEFLIB`: the loader skips the default directories for this object's needs.
    public static let noDefaultLib: UInt64 = 0x800
    /// `DF_1_PIE`: a position-independent executable, which the loader maps only as the program.
    public static let pie: UInt64 = 0x0800_0000
}

/// A `DT_VERSYM` entry: a version index in the low 15 bits, `VERSYM_HIDDEN` in bit 15.
public enum VersionSymbolBits {
    /// `VERSYM_HIDDEN`: a hidden (`@`) version, not the default (`@@`).
    public static let hidden: UInt16 = 0x8000
    /// `VERSYM_VERSION`: the index into the version table.
    public static let index: UInt16 = 0x7fff
}

/// `st_info` types (elf.h `STT_*`) and `st_shndx` values (`SHN_*`) the loader looks at.
public enum SymbolKinds {
    public static let noType: UInt8 = 0, object: UInt8 = 1, function: UInt8 = 2, common: UInt8 = 5
    public static let tls: UInt8 = 6, gnuIndirectFunction: UInt8 = 10
    /// `SHN_UNDEF`: an undefined symbol.
    public static let undefinedSection: UInt16 = 0
    /// `SHN_ABS`: an absolute value, defined although its value may be 0.
    public static let absoluteSection: UInt16 = 0xfff1
    /// `STV_INTERNAL` and `STV_HIDDEN`: not visible outside the object.
    public static let internalVisibility: UInt8 = 1, hiddenVisibility: UInt8 = 2, protectedVisibility: UInt8 = 3
}

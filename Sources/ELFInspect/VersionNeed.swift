/// One `Elf{32,64}_Verneed` entry (`.gnu.version_r`, `DT_VERNEED`) with its `Vernaux` chain.
public struct VersionNeed: Equatable, Sendable {
    /// `vn_file`: the `DT_NEEDED` name the versions are required from.
    public var file: String
    /// `vn_version` (1 is the only valid value).
    public var version: UInt16
    public var entries: [Entry]

    /// One `Elf{32,64}_Vernaux`.
    public struct Entry: Equatable, Sendable {
        /// `vna_name`.
        public var name: String
        /// `vna_hash`: the ELF hash of `name`.
        public var hash: UInt32
        /// `vna_flags`.
        public var flags: UInt16
        /// `vna_other`: the index `DT_VERSYM` entries use for this version.
        public var index: UInt16
        /// `VER_FLG_WEAK` (0x2): a missing version only warns.
        public var isWeak: Bool { flags & 0x2 != 0 }
    }
}

/// One `Elf{32,64}_Verdef` entry (`.gnu.version_d`, `DT_VERDEF`).
public struct VersionDefinition: Equatable, Sendable {
    /// The first `Verdaux` name: the version's own name.
    public var name: String
    /// `vd_hash`.
    public var hash: UInt32
    /// `vd_flags` (`VER_FLG_BASE` 0x1, `VER_FLG_WEAK` 0x2).
    public var flags: UInt16
    /// `vd_ndx`: the index `DT_VERSYM` entries use for this version.
    public var index: UInt16
    /// `vd_version` (1 is the only valid value).
    public var version: UInt16
    /// The other `Verdaux` names: the versions this one inherits from.
    public var parents: [String]
    /// `VER_FLG_BASE`: the file's own version (named after its soname).
    public var isBase: Bool { flags & 0x1 != 0 }
}

/// The ELF hash of a symbol or version name (System V ABI, `elf_hash`).
public func elfHash(_ name: String) -> UInt32 {
    var h: UInt32 = 0
    for byte in name.utf8 {
        h = (h << 4) &+ UInt32(byte)
        let g = h & 0xf000_0000
        if g != 0 { h ^= g >> 24 }
        h &= ~g
    }
    return h
}

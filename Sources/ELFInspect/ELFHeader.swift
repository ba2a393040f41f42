/// The fields of `Elf{32,64}_Ehdr` and its `e_ident` that say what a file is.
public struct ELFHeader: Equatable, Sendable {
    /// `EI_CLASS`.
    public enum FileClass: UInt8, Sendable, CustomStringConvertible {
        case elf32 = 1, elf64 = 2
        public var description: String { self == .elf32 ? "ELFCLASS32" : "ELFCLASS64" }
    }
    /// `EI_DATA`.
    public enum ByteOrder: UInt8, Sendable, CustomStringConvertible {
        case little = 1, big = 2
        public var description: String { self == .little ? "little endian" : "big endian" }
    }

    public var fileClass: FileClass
    public var byteOrder: ByteOrder
    /// `EI_VERSION` (1 = `EV_CURRENT`).
    public var identVersion: UInt8
    /// `EI_OSABI` (0 SYSV, 3 GNU/Linux, …).
    public var osABI: UInt8
    /// `EI_ABIVERSION`.
    public var abiVersion: UInt8
    /// True when the `e_ident` padding bytes after `EI_ABIVERSION` are all zero.
    public var identPaddingIsZero: Bool
    /// `e_type` (`ET_EXEC` 2, `ET_DYN` 3, …).
    public var type: UInt16
    /// `e_machine` (`EM_X86_64` 62, …).
    public var machine: UInt16
    /// `e_version`.
    public var version: UInt32
    /// `e_phentsize`.
    public var programHeaderEntrySize: UInt16

    public static let executable: UInt16 = 2      // ET_EXEC
    public static let sharedObject: UInt16 = 3    // ET_DYN
}

/// The loader-relevant `p_type` values of program headers (elf.h).
public enum ProgramHeaderType {
    public static let load: UInt32 = 1        // PT_LOAD
    public static let dynamic: UInt32 = 2     // PT_DYNAMIC
    public static let interpreter: UInt32 = 3 // PT_INTERP
    public static let gnuStack: UInt32 = 0x6474_e551 // PT_GNU_STACK
}

/// One `Elf{32,64}_Phdr`, widened.
public struct ProgramHeader: Equatable, Sendable {
    public var type: UInt32
    public var offset: UInt64
    public var virtualAddress: UInt64
    public var fileSize: UInt64
    public var memorySize: UInt64
    /// `p_align`.
    public var alignment: UInt64 = 0
    /// `p_flags` (`PF_X` 1, `PF_W` 2, `PF_R` 4).
    public var flags: UInt32 = 0
}

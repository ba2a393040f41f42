/// `e_machine`: the architecture an ELF file was built for, named as elf.h names it.
public struct ELFMachine: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// The elf.h constant (`EM_AARCH64`), nil for a value outside the common table.
    public var constant: String? { Self.known[rawValue]?.constant }

    /// What the architecture is called in prose (`AArch64`), nil when unknown.
    public var architecture: String? { Self.known[rawValue]?.architecture }

    /// `EM_AARCH64 (AArch64)`; a value outside the table stays a number: `e_machine 4660`.
    public var description: String {
        guard let entry = Self.known[rawValue] else { return "e_machine \(rawValue)" }
        return "\(entry.constant) (\(entry.architecture))"
    }

    /// The architecture's `R_*_COPY` relocation type (elf.h), nil where there is none or
    /// it is not known here: the loader looks such a symbol up past the executable.
    public var copyRelocationType: UInt32? {
        switch rawValue {
        case 3, 62: return 5                // R_386_COPY, R_X86_64_COPY
        case 183: return 1024               // R_AARCH64_COPY
        case 40: return 20                  // R_ARM_COPY
        case 2, 18, 43, 20, 21, 4: return 19 // R_SPARC_COPY, R_PPC_COPY, R_PPC64_COPY, R_68K_COPY
        case 22: return 9                   // R_390_COPY
        case 243, 258: return 4             // R_RISCV_COPY, R_LARCH_COPY
        case 8: return 126                  // R_MIPS_COPY
        case 42: return 162                 // R_SH_COPY
        default: return nil
        }
    }

    /// The relocation types of the loader's PLT class (`elf_machine_type_class`, glibc
    /// sysdeps/*/dl-machine.h): jump slots and thread-local ones, which never bind to an
    /// undefined symbol; any other type but the copy one may, when the symbol has a value.
    /// Nil where the class is not known here: then every type counts as PLT class, the
    /// stricter lookup.
    public var pltClassRelocationTypes: [UInt32]? {
        switch rawValue {
        case 62: return [7, 16, 17, 18, 36]            // JUMP_SLOT, DTPMOD64, DTPOFF64, TPOFF64, TLSDESC
        case 3: return [7, 35, 36, 37, 14, 41]         // JMP_SLOT, TLS_DTPMOD32, TLS_DTPOFF32, TLS_TPOFF32, TLS_TPOFF, TLS_DESC
        case 183: return [1026, 1028, 1029, 1030, 1031] // JUMP_SLOT, TLS_DTPMOD, TLS_DTPREL, TLS_TPREL, TLSDESC
        default: return nil
        }
    }

    /// The machines a Linux system meets in practice (values from glibc's elf.h).
    static let known: [UInt16: (constant: String, architecture: String)] = [
        0: ("EM_NONE", "no machine"),
        2: ("EM_SPARC", "SPARC"),
        3: ("EM_386", "i386"),
        4: ("EM_68K", "Motorola 68000"),
        8: ("EM_MIPS", "MIPS"),
        10: ("EM_MIPS_RS3_LE", "MIPS little-endian"),
        15: ("EM_PARISC", "PA-RISC"),
        18: ("EM_SPARC32PLUS", "SPARC v8+"),
        20: ("EM_PPC", "PowerPC"),
        21: ("EM_PPC64", "64-bit PowerPC"),
        22: ("EM_S390", "IBM S/390 and z/Architecture"),
        40: ("EM_ARM", "32-bit ARM"),
        42: ("EM_SH", "SuperH"),
        43: ("EM_SPARCV9", "64-bit SPARC"),
        50: ("EM_IA_64", "Itanium"),
        62: ("EM_X86_64", "x86-64"),
        83: ("EM_AVR", "AVR"),
        92: ("EM_OPENRISC", "OpenRISC"),
        94: ("EM_XTENSA", "Xtensa"),
        113: ("EM_ALTERA_NIOS2", "Nios II"),
        164: ("EM_QDSP6", "Hexagon"),
        183: ("EM_AARCH64", "AArch64"),
        189: ("EM_MICROBLAZE", "MicroBlaze"),
        190: ("EM_CUDA", "NVIDIA CUDA"),
        195: ("EM_ARCV2", "ARCv2"),
        224: ("EM_AMDGPU", "AMD GPU"),
        243: ("EM_RISCV", "RISC-V"),
        247: ("EM_BPF", "eBPF"),
        252: ("EM_CSKY", "C-SKY"),
        258: ("EM_LOONGARCH", "LoongArch"),
        0x9026: ("EM_ALPHA", "Alpha"),
    ]
}

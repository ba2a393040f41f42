import ELFInspect

/// What ldconfig learns from one candidate file (glibc elf/readlib.c `process_file`,
/// sysdeps/unix/sysv/linux/x86/readelflib.c and elf/readelflib.c `process_elf_file`).
struct LdconfigLibrary: Equatable, Sendable {
    /// `FLAG_X8664_LIB64 | FLAG_ELF_LIBC6` (0x0303) for x86-64, 0x0803 for x32, 1–3 for i386.
    var flag: Int32
    /// `DT_SONAME`; nil when absent (ldconfig then uses the file name).
    var soname: String?
    /// `GNU_PROPERTY_X86_ISA_1_NEEDED`'s highest bit (0 when absent).
    var isaLevel: UInt32

    static let flagLibc4: Int32 = 0, flagELF: Int32 = 1, flagLibc5: Int32 = 2, flagLibc6: Int32 = 3

    /// Nil when ldconfig skips the file: under 64 bytes, not ELF (linker scripts), not
    /// `ET_DYN`, an unknown machine, no `PT_DYNAMIC` or `DT_STRTAB`, or a pointer it follows
    /// past the file's end (`LdconfigFileRead`).
    /// - Parameter glibc: the release of the ldconfig that reads it.
    static func read(_ bytes: FileBytes, name: String, glibc: GlibcVersion) -> LdconfigLibrary? {
        let raw = bytes.buffer
        guard raw.count >= 64 else { return nil }
        // a.out ZMAGIC/QMAGIC (N_MAGIC: low 16 bits of a_info): libc4, soname up to the major number.
        let aoutMagic = UInt16(raw[0]) | UInt16(raw[1]) << 8
        if aoutMagic == 0o413 || aoutMagic == 0o314 {
            return LdconfigLibrary(flag: flagLibc4, soname: aoutSoname(name), isaLevel: 0)
        }
        guard raw[0] == 0x7f, raw[1] == 0x45, raw[2] == 0x4c, raw[3] == 0x46 else { return nil }
        // ldconfig reads every field in its own byte order, whatever EI_DATA says; e_type and
        // e_machine sit at the same offsets in both classes, and a class other than ELFCLASS32
        // is read as ELFCLASS64 and refused there.
        let is64 = raw[4] != 1
        func half(_ at: Int) -> UInt16 { UInt16(raw[at + 1]) << 8 | UInt16(raw[at]) }
        guard half(16) == ELFHeader.sharedObject, raw[4] == 1 || raw[4] == 2 else { return nil }
        let file = LdconfigFileRead(raw: raw, is64: is64)
        switch half(18) {
        case 62:                                                    // EM_X86_64: x86-64 or x32, always libc6
            guard case .library(let soname, _) = file.read(glibc: glibc) else { return nil }
            let isa = is64 ? isaLevel(raw) : 0
            return LdconfigLibrary(flag: is64 ? 0x0303 : 0x0803, soname: soname, isaLevel: isa)
        case 3 where !is64:                                         // EM_386: classified by its needs
            guard case .library(let soname, let flag) = file.read(glibc: glibc) else { return nil }
            return LdconfigLibrary(flag: flag, soname: soname, isaLevel: 0)
        default: return nil
        }
    }

    /// readlib.c `known_libs` + x86 `SYSDEP_KNOWN_LIBRARY_NAMES`.
    static let knownLibraries: [String: Int32] = ["libc.so.6": 3, "libm.so.6": 3, "libc.so.5": 2, "libm.so.5": 2]

    static func aoutSoname(_ name: String) -> String {
        guard let major = name.firstRange(of: ".so.") else { return name }
        let rest = name[major.upperBound...]
        guard let dot = rest.firstIndex(of: ".") else { return name }
        return String(name[..<dot])
    }

    /// The x86 ISA level from the `PT_GNU_PROPERTY` note of a 64-bit file, read in ldconfig's
    /// own byte order (readelflib.c,
    /// sysdeps/x86/elf-read-prop.h `read_gnu_property`). Every read is bounds-checked.
    static func isaLevel(_ raw: UnsafeRawBufferPointer) -> UInt32 {
        func u16(_ o: Int) -> UInt16? {
            guard o >= 0, o <= raw.count - 2 else { return nil }
            let v = raw.loadUnaligned(fromByteOffset: o, as: UInt16.self)
            return UInt16(littleEndian: v)
        }
        func u32(_ o: Int) -> UInt32? {
            guard o >= 0, o <= raw.count - 4 else { return nil }
            let v = raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)
            return UInt32(littleEndian: v)
        }
        func u64(_ o: Int) -> UInt64? {
            guard o >= 0, o <= raw.count - 8 else { return nil }
            let v = raw.loadUnaligned(fromByteOffset: o, as: UInt64.self)
            return UInt64(littleEndian: v)
        }
        guard let phoff64 = u64(32), let phoff = Int(exactly: phoff64), let phnum = u16(56), phoff <= raw.count else { return 0 }
        for k in 0..<Int(phnum) {
            let ph = phoff + k * 56
            guard let type = u32(ph), let off64 = u64(ph + 8), let size64 = u64(ph + 32), let align = u64(ph + 48) else { return 0 }
            // PT_GNU_PROPERTY, 8-aligned in 64-bit objects.
            guard type == 0x6474_e553, align == 8, let off = Int(exactly: off64), let size = Int(exactly: size64),
                  off <= raw.count, size <= raw.count - off else { continue }
            var note = off
            while note + 12 < off + size {
                guard let namesz = u32(note), let descsz = u32(note + 4), let ntype = u32(note + 8) else { return 0 }
                if namesz == 4, ntype == 5, u32(note + 12) == 0x0055_4e47 {  // NT_GNU_PROPERTY_TYPE_0 "GNU\0"
                    guard descsz >= 8, descsz % 8 == 0 else { return 0 }
                    var p = note + 16
                    let end = p + Int(descsz)
                    var lastType: UInt32 = 0
                    repeat {
                        guard let ptype = u32(p), let datasz = u32(p + 4) else { return 0 }
                        if ptype < lastType { return 0 }
                        p += 8
                        if p + Int(datasz) > end { return 0 }
                        lastType = ptype
                        if ptype > 0xc000_8002 { return 0 }                 // sorted: past ISA_1_NEEDED
                        if ptype == 0xc000_8002 {                            // GNU_PROPERTY_X86_ISA_1_NEEDED
                            guard datasz == 4, let needed = u32(p), needed != 0 else { return 0 }
                            return UInt32(31 - needed.leadingZeroBitCount)
                        }
                        p += (Int(datasz) + 7) & ~7
                    } while end - p >= 8
                    return 0
                }
                // ELF_NOTE_NEXT_OFFSET with 8-byte alignment.
                note += ((12 + Int(namesz) + 7) & ~7) + ((Int(descsz) + 7) & ~7)
            }
        }
        return 0
    }
}

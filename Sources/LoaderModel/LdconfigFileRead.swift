import ELFInspect
import Glibc

/// How ldconfig reads one ELF file for its soname (glibc elf/readelflib.c
/// `process_elf_file`, reached through sysdeps/unix/sysv/linux/x86/readelflib.c): through a
/// mapping of the whole file, checking only that each pointer it follows starts no further
/// than the file's end (`check_ptr`). A structure that starts inside the file and runs past
/// it reads zeros from the rest of the last page, and an entry after the end is never
/// checked in the loop that looks for `DT_SONAME`, so a file cut inside its dynamic section
/// is still read, up to what the cut leaves, where the loader's own reader would refuse it.
struct LdconfigFileRead {
    /// The file's bytes as the mapping shows them.
    let raw: UnsafeRawBufferPointer
    let is64: Bool

    /// What ldconfig makes of the file.
    enum Outcome: Equatable {
        /// Taken as a library: its `DT_SONAME` (nil: none, the file name is used) and, for an
        /// i386 file, the flag its interpreter or libc names give it.
        case library(soname: String?, flag: Int32)
        /// Skipped: not a library ldconfig can read (`file … is truncated`, no dynamic
        /// section, no string table).
        case skipped
        /// ldconfig reads past the last page of the mapping and dies of SIGBUS. Taken as
        /// skipped: the model has no run that stops half-way.
        case readsPastMapping
    }

    private struct PastMapping: Error {}

    static let pageSize = 4096

    /// The first glibc whose ldconfig reads only `DT_SONAME` in the second pass: before it,
    /// each `DT_NEEDED` name is checked too (a name past the file's end skips the file) and
    /// an i386 file is classified by the libc it needs. Seen: 2.31 and 2.36 check the needed
    /// names, 2.41 does not (the change landed in 2.37, where the file's 2023 text has it).
    static let sonameOnlySince = GlibcVersion(2, 37)

    /// The walk of `process_elfNN_file`, for a file whose class, type and machine the caller
    /// has accepted.
    func read(glibc: GlibcVersion) -> Outcome {
        do { return try walk(glibc: glibc) } catch { return .readsPastMapping }
    }

    /// The mapping's bytes: the file's, then zeros to the end of its last page.
    private var mapped: Int { (raw.count + Self.pageSize - 1) / Self.pageSize * Self.pageSize }

    private func unsigned(_ offset: UInt64, _ size: Int) throws(PastMapping) -> UInt64 {
        guard offset <= UInt64(mapped), UInt64(size) <= UInt64(mapped) - offset else { throw PastMapping() }
        // (ldconfig's own, little-endian, order)
        if offset + UInt64(size) <= UInt64(raw.count) {
            let at = Int(offset)
            switch size {
            case 8: return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            case 4: return UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
            case 2: return UInt64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
            default: break
            }
        }
        var value: UInt64 = 0
        for k in 0..<size {
            let at = Int(offset) + k
            let byte = at < raw.count ? UInt64(raw[at]) : 0
            value |= byte << UInt64(8 * k)
        }
        return value
    }

    private func word(_ offset: UInt64) throws(PastMapping) -> UInt64 { try unsigned(offset, is64 ? 8 : 4) }

    /// `check_ptr`: a pointer into the mapping at `offset` starts no further than the end.
    /// Offsets are computed with wrapping, as the pointer sums are.
    private func inside(_ offset: UInt64) -> Bool { offset <= UInt64(raw.count) }

    /// The NUL-terminated text at `offset` (`xstrdup`), zeros past the end ending it.
    private func text(_ offset: UInt64) throws(PastMapping) -> String {
        // Within the file: up to its NUL, found at once.
        if offset < UInt64(raw.count), let base = raw.baseAddress,
           let nul = memchr(base + Int(offset), 0, raw.count - Int(offset)) {
            let start = base + Int(offset)
            return ByteString.decode(UnsafeRawBufferPointer(start: start, count: nul - UnsafeMutableRawPointer(mutating: start)))
        }
        var bytes: [UInt8] = []
        var at = offset
        while true {
            let byte = try unsigned(at, 1)
            if byte == 0 { break }
            bytes.append(UInt8(byte))
            at &+= 1
        }
        return ByteString.decode(bytes)
    }

    private func walk(glibc: GlibcVersion) throws(PastMapping) -> Outcome {
        let sonameOnly = glibc >= Self.sonameOnlySince
        let phoff = is64 ? try unsigned(32, 8) : try unsigned(28, 4)
        let phnum = try unsigned(is64 ? 56 : 44, 2)
        let phsize: UInt64 = is64 ? 56 : 32            // sizeof (ElfW(Phdr)), not e_phentsize
        guard inside(phoff) else { return .skipped }
        var flag: Int32 = sonameOnly ? LdconfigLibrary.flagLibc6 : LdconfigLibrary.flagELF
        var dynamic: (offset: UInt64, size: UInt64)?
        var loads: [(vaddr: UInt64, offset: UInt64, fileSize: UInt64)] = []
        for k in 0..<phnum {
            let ph = phoff &+ k &* phsize
            guard inside(ph) else { return .skipped }
            let type = try unsigned(ph, 4)
            let offset = is64 ? try unsigned(ph + 8, 8) : try unsigned(ph + 4, 4)
            let vaddr = is64 ? try unsigned(ph + 16, 8) : try unsigned(ph + 8, 4)
            let fileSize = is64 ? try unsigned(ph + 32, 8) : try unsigned(ph + 16, 4)
            switch type {
            case 1: loads.append((vaddr, offset, fileSize))                 // PT_LOAD
            case 2: dynamic = (UInt64(UInt32(truncatingIfNeeded: offset)), fileSize)  // PT_DYNAMIC: an unsigned int
            case 3:                                                         // PT_INTERP
                guard inside(offset) else { return .skipped }
                if !sonameOnly, try text(offset) == "/lib/ld-linux.so.2" {
                    flag = LdconfigLibrary.flagLibc6
                }
            default: break
            }
        }
        guard let dynamic, dynamic.size != 0, inside(dynamic.offset) else { return .skipped }
        let entrySize: UInt64 = is64 ? 16 : 8
        // The string table: the first DT_STRTAB, at the file offset of the PT_LOAD that
        // holds its address (0 when none does).
        var strings: UInt64?
        var entry = dynamic.offset
        while try word(entry) != 0 {
            guard inside(entry) else { return .skipped }
            if try word(entry) == 5 {                                       // DT_STRTAB
                let address = try word(entry + entrySize / 2)
                let load = loads.first { address >= $0.vaddr && address - $0.vaddr < $0.fileSize }
                let base = load.map { $0.vaddr &- $0.offset } ?? 0
                guard inside(address &- base) else { return .skipped }
                strings = address &- base
                break
            }
            entry &+= entrySize
        }
        guard let strings else { return .skipped }
        var soname: String?
        entry = dynamic.offset
        while try word(entry) != 0 {
            let tag = try word(entry)
            if tag == 14 || (!sonameOnly && tag == 1) {                    // DT_SONAME, DT_NEEDED
                let name = strings &+ (try word(entry + entrySize / 2))
                guard inside(name) else { return .skipped }
                if tag == 14 {
                    soname = try text(name)
                    if sonameOnly { break }
                } else if flag == LdconfigLibrary.flagELF, let known = LdconfigLibrary.knownLibraries[try text(name)] {
                    flag = known
                }
                if soname != nil && flag != LdconfigLibrary.flagELF { break }
            }
            entry &+= entrySize
        }
        return .library(soname: soname, flag: flag)
    }
}

import CLibElf

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// libelf must be told the ELF version once per process before any other call.
private let libelfReady: Bool = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)

/// One ELF file, read as the dynamic loader sees it: through its program headers and
/// `PT_DYNAMIC`, so files without section headers read the same. Holds no loader policy.
/// Immutable after `init`; the symbol table is read on demand from the mapped bytes.
public final class ELFFile: @unchecked Sendable {
    public let path: String
    public let header: ELFHeader
    public let programHeaders: [ProgramHeader]
    /// `PT_INTERP`: the program interpreter's path.
    public let interpreter: String?
    /// Nil when the file has no `PT_DYNAMIC` (a static executable, an object file).
    public let dynamic: DynamicSection?
    public let versionNeeds: [VersionNeed]
    public let versionDefinitions: [VersionDefinition]
    /// Entries in `DT_SYMTAB`, index 0 (the null symbol) included.
    public let symbolCount: Int

    /// Set once in `init` (possibly to a shorter copy, see `neededPrefix`), then never changed.
    private var bytes: FileBytes
    private var reader: ByteReader
    private let is64: Bool
    private let stringTable: Range<Int>?
    private let symbolTableOffset: Int?
    private let versymOffset: Int?
    private let gnuHash: GnuHashLayout?
    /// DT_GNU_HASH's Bloom filter, located once: a lookup over a load graph tests it in
    /// every object of the scope, as `do_lookup_x` does before touching the buckets.
    private let gnuBloom: GnuBloom?
    private let sysvHashOffset: Int?
    private let relocationTables: [RelocationTable]
    /// `vd_ndx` / `vna_other` → (name, file) for version lookups of symbols.
    private let versionNames: VersionIndexMap<(name: String, file: String?)>
    private let definedVersionNames: VersionIndexMap<String>

    /// Reads the file at a host path (memory-mapped).
    public convenience init(path: String) throws(ELFError) {
        let fd = ByteString.withCString(path) { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw .libelf(path: path, message: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw .libelf(path: path, message: "not a regular file")
        }
        guard let mapped = FileBytes(mapping: fd, size: Int(clamping: st.st_size)) else {
            throw .libelf(path: path, message: String(cString: strerror(errno)))
        }
        try self.init(bytes: mapped, path: path)
    }

    /// Reads an ELF image already in memory; `path` is only used in messages.
    public init(bytes: FileBytes, path: String) throws(ELFError) {
        self.path = path
        self.bytes = bytes
        let raw = bytes.buffer
        guard raw.count >= 4, raw[0] == 0x7f, raw[1] == 0x45, raw[2] == 0x4c, raw[3] == 0x46 else {
            throw .notELF(path: path)
        }
        guard raw.count >= 16 else { throw .truncated(path: path, what: "ELF identification (e_ident)") }
        guard let fileClass = ELFHeader.FileClass(rawValue: raw[4]) else {
            throw .malformed(path: path, what: "EI_CLASS is \(raw[4]), neither 32- nor 64-bit")
        }
        guard let order = ELFHeader.ByteOrder(rawValue: raw[5]) else {
            throw .malformed(path: path, what: "EI_DATA is \(raw[5]), neither little nor big endian")
        }
        is64 = fileClass == .elf64
        guard raw.count >= (is64 ? 64 : 52) else { throw .truncated(path: path, what: "ELF header") }
        let reader = ByteReader(buffer: raw, bigEndian: order == .big)
        self.reader = reader
        guard libelfReady else { throw .libelf(path: path, message: "libelf could not be initialised") }

        guard let base = raw.baseAddress,
              let elf = elf_memory(UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: CChar.self)), raw.count)
        else { throw .libelf(path: path, message: ELFFile.libelfMessage()) }
        defer { elf_end(elf) }
        guard elf_kind(elf) == ELF_K_ELF else { throw .notELF(path: path) }

        var ehdr = GElf_Ehdr()
        guard gelf_getehdr(elf, &ehdr) != nil else { throw .libelf(path: path, message: ELFFile.libelfMessage()) }
        header = ELFHeader(
            fileClass: fileClass, byteOrder: order, identVersion: raw[6], osABI: raw[7], abiVersion: raw[8],
            identPaddingIsZero: raw[9..<16].allSatisfy { $0 == 0 },
            type: ehdr.e_type, machine: ehdr.e_machine, version: ehdr.e_version,
            programHeaderEntrySize: ehdr.e_phentsize)

        // Program headers.
        var phnum = 0
        var phdrs: [ProgramHeader] = []
        if elf_getphdrnum(elf, &phnum) != 0 {
            throw .malformed(path: path, what: "program header count: \(ELFFile.libelfMessage())")
        }
        let phentsize = is64 ? 56 : 32
        if phnum > 0 {
            guard let phoff = Int(exactly: ehdr.e_phoff), phnum <= (raw.count / phentsize),
                  phoff <= raw.count - phnum * phentsize
            else { throw .truncated(path: path, what: "program headers") }
            phdrs.reserveCapacity(phnum)
            for i in 0..<phnum {
                var ph = GElf_Phdr()
                guard gelf_getphdr(elf, Int32(i), &ph) != nil else {
                    throw .malformed(path: path, what: "program header \(i): \(ELFFile.libelfMessage())")
                }
                phdrs.append(ProgramHeader(type: ph.p_type, offset: ph.p_offset, virtualAddress: ph.p_vaddr,
                                           fileSize: ph.p_filesz, memorySize: ph.p_memsz))
            }
        }
        programHeaders = phdrs

        var interp: String?
        if let ph = phdrs.first(where: { $0.type == ProgramHeaderType.interpreter }) {
            guard let range = ELFFile.fileRange(offset: ph.offset, size: ph.fileSize, in: raw.count) else {
                throw .truncated(path: path, what: "PT_INTERP")
            }
            guard let text = reader.cString(range.lowerBound, limit: range.upperBound) else {
                throw .malformed(path: path, what: "PT_INTERP is not a NUL-terminated path")
            }
            interp = text
        }
        interpreter = interp

        // The dynamic segment, read as entries of the file's class and byte order.
        guard let dynHeader = phdrs.first(where: { $0.type == ProgramHeaderType.dynamic }) else {
            dynamic = nil
            versionNeeds = []
            versionDefinitions = []
            symbolCount = 0
            stringTable = nil
            symbolTableOffset = nil
            versymOffset = nil
            gnuHash = nil
            gnuBloom = nil
            sysvHashOffset = nil
            relocationTables = []
            versionNames = VersionIndexMap()
            definedVersionNames = VersionIndexMap()
            return
        }
        guard let dynRange = ELFFile.fileRange(offset: dynHeader.offset, size: dynHeader.fileSize, in: raw.count) else {
            throw .truncated(path: path, what: "dynamic section (PT_DYNAMIC)")
        }
        var tags: [(tag: Int64, value: UInt64)] = []
        let dynEntrySize = is64 ? 16 : 8
        let dynCount = dynRange.count / dynEntrySize
        if dynCount > 0 {
            guard let data = elf_getdata_rawchunk(elf, Int64(dynRange.lowerBound), dynCount * dynEntrySize, ELF_T_DYN) else {
                throw .malformed(path: path, what: "dynamic section: \(ELFFile.libelfMessage())")
            }
            tags.reserveCapacity(dynCount)
            for i in 0..<dynCount {
                var dyn = GElf_Dyn()
                guard gelf_getdyn(data, Int32(i), &dyn) != nil else { break }
                if dyn.d_tag == DynamicTag.null { break }
                tags.append((dyn.d_tag, dyn.d_un.d_val))
            }
        }
        func value(_ tag: Int64) -> UInt64? { tags.first(where: { $0.tag == tag })?.value }
        func offset(_ address: UInt64) -> Int? { ELFFile.fileOffset(of: address, in: phdrs, size: raw.count) }

        // DT_STRTAB and DT_STRSZ bound every string read below.
        var strtab: Range<Int>?
        if let address = value(DynamicTag.strtab) {
            guard let start = offset(address) else {
                throw .malformed(path: path, what: "DT_STRTAB address 0x\(String(address, radix: 16)) is outside every PT_LOAD segment")
            }
            let size = Int(clamping: value(DynamicTag.strsz) ?? 0)
            let end = size <= raw.count - start ? start + size : raw.count
            strtab = start..<end
        }
        stringTable = strtab
        func string(_ offset: UInt64, _ what: String) throws(ELFError) -> String {
            guard let table = strtab else { throw .malformed(path: path, what: "\(what) but no DT_STRTAB") }
            guard let off = Int(exactly: offset), off < table.count,
                  let text = reader.cString(table.lowerBound + off, limit: table.upperBound)
            else { throw .malformed(path: path, what: "\(what) string offset \(offset) is past the end of DT_STRTAB") }
            return text
        }

        var section = DynamicSection()
        for (tag, v) in tags {
            switch tag {
            case DynamicTag.needed: section.needed.append(try string(v, "DT_NEEDED"))
            case DynamicTag.soname: section.soname = try string(v, "DT_SONAME")
            case DynamicTag.rpath: section.rpath = try string(v, "DT_RPATH")
            case DynamicTag.runpath: section.runpath = try string(v, "DT_RUNPATH")
            case DynamicTag.flags: section.flags = v
            case DynamicTag.flags1: section.flags1 = v
            case DynamicTag.symbolic: section.symbolic = true
            case DynamicTag.bindNow: section.bindNow = true
            case DynamicTag.relr: section.hasRelr = true
            default: break
            }
        }
        dynamic = section

        // Version needs: vn_next/vna_next are relative links; DT_VERNEEDNUM bounds the walk
        // so a chain that points back at itself ends.
        // Vernaux and Verdaux entries are at least 8 bytes and never share bytes in a valid
        // file, so more of them than the file holds means links that creep through
        // overlapping entries (vna_next 1 with vn_cnt 0xffff): stop there instead of
        // walking millions of them. glibc (elf/dl-version.c) follows the links unchecked.
        var auxBudget = raw.count / 8
        func spendAux(_ what: String) throws(ELFError) {
            guard auxBudget > 0 else { throw .malformed(path: path, what: "\(what) has more entries than the file can hold (overlapping vna_next/vda_next links)") }
            auxBudget -= 1
        }
        var needs: [VersionNeed] = []
        var names: [(UInt16, (name: String, file: String?))] = []
        if let address = value(DynamicTag.verneed) {
            guard var entry = offset(address) else {
                throw .malformed(path: path, what: "DT_VERNEED address is outside every PT_LOAD segment")
            }
            let count = Int(clamping: value(DynamicTag.verneednum) ?? 0)
            guard count <= raw.count / 16 else { throw .malformed(path: path, what: "DT_VERNEEDNUM \(count) is larger than the file") }
            for n in 0..<count {
                guard let version = reader.u16(entry), let cnt = reader.u16(entry + 2), let file = reader.u32(entry + 4),
                      let aux = reader.u32(entry + 8), let next = reader.u32(entry + 12)
                else { throw .truncated(path: path, what: "version needs (.gnu.version_r) entry \(n)") }
                let fileName = try string(UInt64(file), "vn_file")
                var entries: [VersionNeed.Entry] = []
                var auxOffset = entry + Int(aux)
                for a in 0..<Int(cnt) {
                    try spendAux("version needs (.gnu.version_r)")
                    guard let hash = reader.u32(auxOffset), let flags = reader.u16(auxOffset + 4),
                          let other = reader.u16(auxOffset + 6), let name = reader.u32(auxOffset + 8),
                          let auxNext = reader.u32(auxOffset + 12)
                    else { throw .truncated(path: path, what: "version need auxiliary entry \(a) of \(fileName)") }
                    let versionName = try string(UInt64(name), "vna_name")
                    entries.append(.init(name: versionName, hash: hash, flags: flags, index: other))
                    names.append((other & 0x7fff, (versionName, fileName)))
                    if auxNext == 0 { break }
                    auxOffset += Int(auxNext)
                }
                needs.append(VersionNeed(file: fileName, version: version, entries: entries))
                if next == 0 { break }
                entry += Int(next)
            }
        }
        versionNeeds = needs

        var definitions: [VersionDefinition] = []
        var defined: [(UInt16, String)] = []
        if let address = value(DynamicTag.verdef) {
            guard var entry = offset(address) else {
                throw .malformed(path: path, what: "DT_VERDEF address is outside every PT_LOAD segment")
            }
            let count = Int(clamping: value(DynamicTag.verdefnum) ?? 0)
            guard count <= raw.count / 20 else { throw .malformed(path: path, what: "DT_VERDEFNUM \(count) is larger than the file") }
            for n in 0..<count {
                guard let version = reader.u16(entry), let flags = reader.u16(entry + 2), let ndx = reader.u16(entry + 4),
                      let cnt = reader.u16(entry + 6), let hash = reader.u32(entry + 8), let aux = reader.u32(entry + 12),
                      let next = reader.u32(entry + 16)
                else { throw .truncated(path: path, what: "version definitions (.gnu.version_d) entry \(n)") }
                var auxNames: [String] = []
                var auxOffset = entry + Int(aux)
                for a in 0..<Int(cnt) {
                    try spendAux("version definitions (.gnu.version_d)")
                    guard let name = reader.u32(auxOffset), let auxNext = reader.u32(auxOffset + 4) else {
                        throw .truncated(path: path, what: "version definition auxiliary entry \(a)")
                    }
                    auxNames.append(try string(UInt64(name), "vda_name"))
                    if auxNext == 0 { break }
                    auxOffset += Int(auxNext)
                }
                guard let first = auxNames.first else {
                    throw .malformed(path: path, what: "version definition \(n) has no name (vd_cnt 0)")
                }
                definitions.append(VersionDefinition(name: first, hash: hash, flags: flags, index: ndx, version: version,
                                                     parents: Array(auxNames.dropFirst())))
                defined.append((ndx & 0x7fff, first))
                if next == 0 { break }
                entry += Int(next)
            }
        }
        versionDefinitions = definitions
        versionNames = VersionIndexMap(names)
        definedVersionNames = VersionIndexMap(defined)

        // The symbol table: its size comes from the .dynsym section when there is one (as
        // readelf reads it), else from the hash tables (as the loader bounds it).
        symbolTableOffset = value(DynamicTag.symtab).flatMap { offset($0) }
        versymOffset = value(DynamicTag.versym).flatMap { offset($0) }
        let gnuHashOffset = value(DynamicTag.gnuHash).flatMap { offset($0) }
        gnuHash = GnuHashLayout(reader, at: gnuHashOffset, is64: is64)
        gnuBloom = GnuBloom(reader, at: gnuHashOffset, is64: is64)
        sysvHashOffset = value(DynamicTag.hash).flatMap { offset($0) }
        let entrySize = is64 ? 24 : 16
        var count = ELFFile.dynsymSectionCount(elf, entrySize: entrySize)
            ?? ELFFile.hashChainCount(reader, sysvHashOffset)
            ?? ELFFile.gnuHashSymbolCount(reader, gnuHash)
            ?? 0
        if let start = symbolTableOffset {
            count = min(count, max(0, (raw.count - start) / entrySize))
        } else {
            count = 0
        }
        symbolCount = count

        // Relocations: entries in DT_JMPREL are bound lazily (at the first call) unless
        // BIND_NOW; every other table is processed at start-up (glibc elf/dynamic-link.h).
        var tables: [RelocationTable] = []
        let pltIsRela = value(DynamicTag.pltrel).map { $0 == UInt64(DynamicTag.rela) } ?? is64
        var plt: Range<Int>?
        if let address = value(DynamicTag.jmprel), let start = offset(address),
           let size = value(DynamicTag.pltrelsz).flatMap({ Int(exactly: $0) }), size <= raw.count - start {
            plt = start..<(start + size)
            tables.append(RelocationTable(range: start..<(start + size), isRela: pltIsRela, lazy: true))
        }
        for (tagAddress, tagSize, tagCount, isRela) in [(DynamicTag.rela, DynamicTag.relasz, DynamicTag.relacount, true),
                                                        (DynamicTag.rel, DynamicTag.relsz, DynamicTag.relcount, false)] {
            guard let address = value(tagAddress), let start = offset(address),
                  let size = value(tagSize).flatMap({ Int(exactly: $0) }), size <= raw.count - start
            else { continue }
            var range = start..<(start + size)
            // ld often lays .rela.plt right after .rela.dyn and counts it in DT_RELASZ too.
            // (Never past the start: a hostile PLT range may begin before this table.)
            if let plt, range.overlaps(plt) {
                range = range.lowerBound..<max(range.lowerBound, min(range.upperBound, plt.lowerBound))
            }
            // DT_RELACOUNT/DT_RELCOUNT leading entries of what is left are applied as relative
            // relocations without a symbol, whatever they say (glibc elf/do-rel.h, after
            // elf/dynamic-link.h took the PLT off): skip them, as the loader does. In a large
            // program they are most of the table.
            let entrySize = isRela ? (is64 ? 24 : 12) : (is64 ? 16 : 8)
            if let relative = value(tagCount).flatMap({ Int(exactly: $0) }) {
                range = (range.lowerBound + min(relative, range.count / entrySize) * entrySize)..<range.upperBound
            }
            tables.append(RelocationTable(range: range, isRela: isRela, lazy: false))
        }
        relocationTables = tables

        // A library read into memory keeps only the bytes later reads need (symbol, string,
        // hash and version tables, relocations: laid out first by every linker); its code
        // and data are never read again. A closure of thousands of small libraries then
        // costs half the memory. Mapped files are left as they are: their untouched pages
        // cost nothing.
        if !bytes.isMapped, let needed = neededPrefix(), needed < raw.count - raw.count / 4 {
            let kept = bytes.prefix(needed)
            self.bytes = kept
            self.reader = ByteReader(buffer: kept.buffer, bigEndian: order == .big)
        }
    }

    /// The end of the last byte any method reads after `init`: nil when it cannot be told
    /// (an unknown symbol count, a hash table that cannot be read), and then all is kept.
    private func neededPrefix() -> Int? {
        let entrySize = is64 ? 24 : 16
        var end = is64 ? 64 : 52
        if let strings = stringTable { end = max(end, strings.upperBound) }
        if let table = symbolTableOffset {
            guard symbolCount > 0 else { return nil }
            end = max(end, table + symbolCount * entrySize)
        }
        if let versym = versymOffset { end = max(end, versym + symbolCount * 2) }
        // (Without a readable header nothing ever reads the table: no bound needed.)
        if let gnu = gnuHash {
            guard symbolCount > 0 else { return nil }
            end = max(end, gnu.chainStart + max(0, symbolCount - Int(gnu.symoffset)) * 4)
        }
        if let sysv = sysvHashOffset {
            guard let nbucket = reader.u32(sysv), let nchain = reader.u32(sysv + 4) else { return nil }
            end = max(end, sysv + 8 + (Int(nbucket) + Int(nchain)) * 4)
        }
        for table in relocationTables { end = max(end, table.range.upperBound) }
        return min(end, reader.count)
    }

    // MARK: - Symbols

    /// `st_shndx` and `ELF_ST_BIND` of the symbol at `index`, without building its name:
    /// enough to tell an undefined reference from a definition.
    public func sectionAndBinding(ofSymbol index: Int) -> (sectionIndex: UInt16, binding: UInt8)? {
        guard index >= 0, index < symbolCount, let table = symbolTableOffset else { return nil }
        let entry = table + index * (is64 ? 24 : 16)
        guard let info = reader.u8(entry + (is64 ? 4 : 12)), let shndx = reader.u16(entry + (is64 ? 6 : 14)) else { return nil }
        return (shndx, info >> 4)
    }

    /// The fixed-size fields of the symbol at `index` (no name, no version): what deciding
    /// whether an entry can satisfy a lookup needs.
    public func symbolFields(at index: Int) -> SymbolFields? {
        guard index >= 0, index < symbolCount, let table = symbolTableOffset else { return nil }
        let entry = table + index * (is64 ? 24 : 16)
        if is64 {
            // One bounds check for the whole entry (this runs for every relocated symbol).
            guard entry >= 0, entry <= reader.count - 24, let base = reader.buffer.baseAddress else { return nil }
            let info = base.load(fromByteOffset: entry + 4, as: UInt8.self)
            let other = base.load(fromByteOffset: entry + 5, as: UInt8.self)
            var shndx = base.loadUnaligned(fromByteOffset: entry + 6, as: UInt16.self)
            var value = base.loadUnaligned(fromByteOffset: entry + 8, as: UInt64.self)
            if reader.bigEndian {
                shndx = UInt16(bigEndian: shndx)
                value = UInt64(bigEndian: value)
            } else {
                shndx = UInt16(littleEndian: shndx)
                value = UInt64(littleEndian: value)
            }
            return SymbolFields(info: info, other: other, sectionIndex: shndx, value: value)
        }
        guard let v = reader.u32(entry + 4), let i = reader.u8(entry + 12), let o = reader.u8(entry + 13),
              let s = reader.u16(entry + 14) else { return nil }
        return SymbolFields(info: i, other: o, sectionIndex: s, value: UInt64(v))
    }

    /// The name of the symbol at `index` as the bytes in `DT_STRTAB` (no `String` made):
    /// valid while this object lives. Nil past the end, or when the name is unterminated.
    public func symbolNameBytes(at index: Int) -> UnsafeRawBufferPointer? {
        guard index >= 0, index < symbolCount, let table = symbolTableOffset, let strings = stringTable,
              let nameOffset = reader.u32(table + index * (is64 ? 24 : 16)), Int(nameOffset) < strings.count
        else { return nil }
        return reader.cStringBytes(strings.lowerBound + Int(nameOffset), limit: strings.upperBound)
    }

    /// The symbol at `index` of `DT_SYMTAB`, nil past the end or when it cannot be read.
    public func symbol(at index: Int) -> DynamicSymbol? {
        guard index >= 0, index < symbolCount, let table = symbolTableOffset else { return nil }
        let entry = table + index * (is64 ? 24 : 16)
        let nameOffset: UInt32, info: UInt8, other: UInt8, shndx: UInt16, value: UInt64, size: UInt64
        if is64 {
            guard let n = reader.u32(entry), let i = reader.u8(entry + 4), let o = reader.u8(entry + 5),
                  let s = reader.u16(entry + 6), let v = reader.u64(entry + 8), let z = reader.u64(entry + 16) else { return nil }
            (nameOffset, info, other, shndx, value, size) = (n, i, o, s, v, z)
        } else {
            guard let n = reader.u32(entry), let v = reader.u32(entry + 4), let z = reader.u32(entry + 8),
                  let i = reader.u8(entry + 12), let o = reader.u8(entry + 13), let s = reader.u16(entry + 14) else { return nil }
            (nameOffset, info, other, shndx, value, size) = (n, i, o, s, UInt64(v), UInt64(z))
        }
        let name = symbolName(nameOffset) ?? ""
        let versym = versionIndex(ofSymbol: index)
        var version: SymbolVersion?
        if let versym {
            let ndx = versym & 0x7fff
            if ndx >= 2 {
                let hidden = versym & 0x8000 != 0
                if shndx == 0, let need = versionNames[ndx] {
                    version = SymbolVersion(name: need.name, isHidden: hidden, file: need.file)
                } else if let def = definedVersionNames[ndx] {
                    version = SymbolVersion(name: def, isHidden: hidden, file: nil)
                } else if let need = versionNames[ndx] {
                    version = SymbolVersion(name: need.name, isHidden: hidden, file: need.file)
                }
            }
        }
        return DynamicSymbol(name: name, binding: info >> 4, type: info & 0xf, visibility: other & 0x3,
                             sectionIndex: shndx, value: value, size: size, version: version, versionIndex: versym)
    }

    /// Every symbol of `DT_SYMTAB`, in order (index 0 included).
    public var symbols: [DynamicSymbol] {
        (0..<symbolCount).compactMap { symbol(at: $0) }
    }

    /// The raw `DT_VERSYM` entry of a symbol; nil when the file has no `DT_VERSYM`.
    public func versionIndex(ofSymbol index: Int) -> UInt16? {
        guard let versym = versymOffset, index >= 0, index < symbolCount else { return nil }
        return reader.u16(versym + index * 2)
    }

    /// True when the file has `DT_VERSYM` (the loader treats such files differently in lookups).
    public var hasVersionTable: Bool { versymOffset != nil }

    /// The version name a `DT_VERSYM` index stands for in this file (definitions first).
    public func versionName(forIndex index: UInt16) -> String? {
        definedVersionNames[index & 0x7fff] ?? versionNames[index & 0x7fff]?.name
    }

    private func symbolName(_ offset: UInt32) -> String? {
        guard let table = stringTable, Int(offset) < table.count else { return nil }
        return reader.cString(table.lowerBound + Int(offset), limit: table.upperBound)
    }

    /// Indices of the symbols named `name` that the file's hash table leads to, as the
    /// loader finds definitions: `DT_GNU_HASH` first, `DT_HASH` otherwise, and a scan of the
    /// whole table only for a file with neither.
    public func symbolIndices(named name: String) -> [Int] {
        symbolIndices(for: SymbolLookupKey(name))
    }

    /// The same, with the name's bytes and hashes computed once by the caller: a lookup
    /// over a whole load graph asks every object for the same name.
    public func symbolIndices(for key: SymbolLookupKey) -> [Int] {
        key.bytes.withUnsafeBytes { raw in
            if let gnu = gnuHash, let found = gnuLookup(raw, hash: key.gnuHash, in: gnu) { return found }
            if let sysv = sysvHashOffset, let found = sysvLookup(raw, hash: key.sysvHash, at: sysv) { return found }
            return (0..<symbolCount).filter { nameMatches($0, raw) }
        }
    }

    /// Calls `body` with the hash of every symbol `DT_GNU_HASH` leads to, low bit cleared
    /// (its chains keep `hash & ~1` beside an end-of-chain bit), in table order. False when
    /// the file has no GNU hash table or it cannot be walked to the end (`body` may have
    /// seen part of it). Reads no names: an index of which objects may define a name is
    /// built from these for a whole closure.
    @discardableResult
    public func forEachGnuHash(_ body: (UInt32) -> Void) -> Bool {
        guard let gnu = gnuHash, gnu.nbuckets > 0, gnu.bucketStart <= reader.count, gnu.chainStart <= reader.count
        else { return false }
        // Chains of valid tables are disjoint and end with the bit set; a hostile one could
        // overlap, so no more steps than the chain area holds entries.
        var budget = (reader.count - gnu.chainStart) / 4
        for bucket in 0..<Int(gnu.nbuckets) {
            guard let first = reader.u32(gnu.bucketStart + bucket * 4) else { return false }
            if first == 0 { continue }
            guard first >= gnu.symoffset else { return false }
            var index = Int(first)
            while index < symbolCount || symbolCount == 0 {
                guard budget > 0, let chain = reader.u32(gnu.chainWord(index)) else { return false }
                budget -= 1
                body(chain & ~1)
                if chain & 1 != 0 { break }
                index += 1
            }
        }
        return true
    }

    /// False only when the Bloom filter proves the file defines no symbol with this name
    /// (then `symbolIndices(for:)` is empty); true when it may, or when there is no filter.
    public func mayDefine(_ key: SymbolLookupKey) -> Bool {
        guard let bloom = gnuBloom else { return true }
        return bloom.mayContain(key.gnuHash, reader)
    }

    private func nameMatches(_ index: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        guard let table = stringTable, let start = symbolTableOffset,
              let nameOffset = reader.u32(start + index * (is64 ? 24 : 16)), Int(nameOffset) < table.count
        else { return false }
        return reader.cStringEquals(table.lowerBound + Int(nameOffset), limit: table.upperBound, key)
    }

    private func gnuLookup(_ key: UnsafeRawBufferPointer, hash h: UInt32, in gnu: GnuHashLayout) -> [Int]? {
        guard let bloomShift = reader.u32(gnu.bloomStart - 4), gnu.nbuckets > 0 else { return nil }
        let wordBytes = is64 ? 8 : 4
        let bits = UInt32(wordBytes * 8)
        if gnu.bloomWords > 0 {
            // glibc masks with (maskwords - 1), maskwords being a power of two (elf/dl-lookup.c, _dl_setup_hash).
            let wordIndex = Int((h / bits) & (gnu.bloomWords - 1))
            guard let word = reader.word(gnu.bloomStart + wordIndex * wordBytes, is64: is64) else { return nil }
            let mask = (UInt64(1) << UInt64(h % bits)) | (UInt64(1) << UInt64((h >> (bloomShift & 31)) % bits))
            if word & mask != mask { return [] }
        }
        guard let first = reader.u32(gnu.bucketStart + Int(h % gnu.nbuckets) * 4) else { return nil }
        if first == 0 { return [] }
        guard first >= gnu.symoffset else { return nil }
        var result: [Int] = []
        var index = Int(first)
        while index < symbolCount || symbolCount == 0 {
            guard let chain = reader.u32(gnu.chainWord(index)) else { return nil }
            if (chain | 1) == (h | 1) && nameMatches(index, key) { result.append(index) }
            if chain & 1 != 0 { break }
            index += 1
        }
        return result
    }

    private func sysvLookup(_ key: UnsafeRawBufferPointer, hash h: UInt32, at offset: Int) -> [Int]? {
        guard let nbucket = reader.u32(offset), let nchain = reader.u32(offset + 4), nbucket > 0 else { return nil }
        guard var index = reader.u32(offset + 8 + Int(h % nbucket) * 4) else { return nil }
        let chainStart = offset + 8 + Int(nbucket) * 4
        // A chain array larger than the file is corrupt; a cycle in a valid-sized one
        // ends after nchain steps (glibc would loop: elf/dl-lookup.c follows chains to 0).
        guard chainStart + Int(nchain) * 4 <= reader.count else { return nil }
        var result: [Int] = []
        var steps: UInt32 = 0
        while index != 0 && index < nchain && steps <= nchain {
            if nameMatches(Int(index), key) { result.append(Int(index)) }
            guard let next = reader.u32(chainStart + Int(index) * 4) else { return nil }
            index = next
            steps += 1
        }
        return result
    }

    // MARK: - Relocations

    /// Symbol indices referenced by relocations: `startup` ones are bound when the object
    /// is relocated, `lazy` ones (`DT_JMPREL`) at the first call unless BIND_NOW.
    public func relocatedSymbols() -> (startup: Set<Int>, lazy: Set<Int>) {
        var startup = Set<Int>(), lazy = Set<Int>()
        forEachRelocatedSymbol { symbol, isLazy in
            if isLazy { lazy.insert(symbol) } else { startup.insert(symbol) }
        }
        return (startup, lazy)
    }

    /// How each symbol is referenced by relocations, indexed by symbol: bit 0 set when a
    /// start-up relocation names it, bit 1 when a lazy (`DT_JMPREL`) one does. One pass,
    /// no hashing: what the symbol check iterates.
    public func relocationFlags() -> [UInt8] {
        var flags = [UInt8](repeating: 0, count: symbolCount)
        forEachRelocatedSymbol { symbol, isLazy in
            if symbol < flags.count { flags[symbol] |= isLazy ? 2 : 1 }
        }
        return flags
    }

    private func forEachRelocatedSymbol(_ body: (Int, Bool) -> Void) {
        for table in relocationTables {
            let entrySize = table.isRela ? (is64 ? 24 : 12) : (is64 ? 16 : 8)
            var at = table.range.lowerBound
            while at + entrySize <= table.range.upperBound {
                if let info = reader.word(at + (is64 ? 8 : 4), is64: is64) {
                    let symbol = Int(is64 ? info >> 32 : info >> 8)
                    if symbol != 0 { body(symbol, table.lazy) }
                }
                at += entrySize
            }
        }
    }

    // MARK: - Layout helpers

    private static func libelfMessage() -> String {
        guard let message = elf_errmsg(-1) else { return "unknown libelf error" }
        return String(cString: message)
    }

    /// `offset..<offset+size` when it lies inside a file of `count` bytes.
    static func fileRange(offset: UInt64, size: UInt64, in count: Int) -> Range<Int>? {
        guard let start = Int(exactly: offset), let length = Int(exactly: size),
              start <= count, length <= count - start else { return nil }
        return start..<(start + length)
    }

    /// The file offset of a virtual address, through the `PT_LOAD` segment that maps it.
    static func fileOffset(of address: UInt64, in headers: [ProgramHeader], size: Int) -> Int? {
        for ph in headers where ph.type == ProgramHeaderType.load {
            guard address >= ph.virtualAddress else { continue }
            let delta = address - ph.virtualAddress
            guard delta < ph.fileSize else { continue }
            let (sum, overflow) = ph.offset.addingReportingOverflow(delta)
            guard !overflow, let offset = Int(exactly: sum), offset < size else { return nil }
            return offset
        }
        return nil
    }

    private static func dynsymSectionCount(_ elf: OpaquePointer, entrySize: Int) -> Int? {
        var scn = elf_nextscn(elf, nil)
        var seen = 0
        while let section = scn, seen < 65_536 {
            var shdr = GElf_Shdr()
            if gelf_getshdr(section, &shdr) != nil, shdr.sh_type == UInt32(SHT_DYNSYM) {
                return Int(exactly: shdr.sh_size).map { $0 / entrySize }
            }
            scn = elf_nextscn(elf, section)
            seen += 1
        }
        return nil
    }

    private static func hashChainCount(_ reader: ByteReader, _ offset: Int?) -> Int? {
        guard let offset, let nchain = reader.u32(offset + 4) else { return nil }
        return Int(nchain)
    }

    /// The symbol count implied by `DT_GNU_HASH`: the last chain's end, past the highest bucket.
    private static func gnuHashSymbolCount(_ reader: ByteReader, _ gnu: GnuHashLayout?) -> Int? {
        guard let gnu else { return nil }
        // A bucket array larger than the file is corrupt; don't walk it.
        guard gnu.chainStart <= reader.count else { return nil }
        var highest: UInt32 = 0
        for b in 0..<Int(gnu.nbuckets) {
            guard let value = reader.u32(gnu.bucketStart + b * 4) else { return nil }
            highest = max(highest, value)
        }
        if highest < gnu.symoffset { return Int(gnu.symoffset) }
        var index = Int(highest)
        while true {
            guard let chain = reader.u32(gnu.chainWord(index)) else { return nil }
            if chain & 1 != 0 { return index + 1 }
            index += 1
        }
    }
}

/// One relocation table's place in the file.
struct RelocationTable: Sendable {
    var range: Range<Int>
    var isRela: Bool
    var lazy: Bool
}

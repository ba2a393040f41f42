extension ELFImage {
    /// The file: ELF header, program headers, the sections in the order GNU ld lays them
    /// out (all in one `PT_LOAD`, file offset = address − base), then the section headers.
    public func bytes() -> [UInt8] {
        var layout = ELFImageLayout(self)
        return layout.write()
    }
}

/// One section being laid out.
private struct PlannedSection {
    var name: String
    var type: UInt32
    var flags: UInt64
    var alignment: Int
    var entrySize: UInt64 = 0
    /// Section index `sh_link` names (resolved by name once indices are known).
    var link: String?
    var info: UInt32 = 0
    /// `sh_info` is a section index (SHF_INFO_LINK).
    var infoSection: String?
    var data: [UInt8]
    var offset = 0
}

/// The symbol table as written: index 0, the imports, then the definitions (in GNU hash
/// bucket order when there is a GNU hash table).
private struct PlannedSymbol {
    var name: String
    var defined: Bool
    var weak: Bool
    /// The `DT_VERSYM` entry.
    var versym: UInt16
    /// Which import it is (its relocation), nil for definitions and index 0.
    var importIndex: Int?
}

private struct ELFImageLayout {
    let image: ELFImage
    var dynstr = ELFStringTable()
    var symbols: [PlannedSymbol] = []
    /// `Verdef` names after the base, in index order (2, 3, …).
    var verdefNames: [String] = []
    /// `Verneed` files with their entries (version, weak, index), in first-use order.
    var verneeds: [(file: String, entries: [(name: String, weak: Bool, index: UInt16)])] = []
    var gnuBuckets: UInt32 = 1
    var symbolOffset = 1

    static let sectionFlagWrite: UInt64 = 0x1, sectionFlagAlloc: UInt64 = 0x2, sectionFlagExec: UInt64 = 0x4
    static let sectionFlagInfoLink: UInt64 = 0x40

    var base: UInt64 { image.type == .executable ? 0x40_0000 : 0 }

    init(_ image: ELFImage) {
        self.image = image
    }

    // MARK: - symbols and versions

    mutating func planVersions() {
        verdefNames = image.versionDefinitions
        for definition in image.definitions {
            if let version = definition.version, !verdefNames.contains(version) { verdefNames.append(version) }
        }
        var next = UInt16(verdefNames.isEmpty ? 2 : verdefNames.count + 2)
        var wanted: [(file: String, name: String, weak: Bool)] = image.imports.compactMap { i in
            i.version.map { ($0.file, $0.name, false) }
        }
        wanted += image.extraVersionNeeds.map { ($0.file, $0.version, $0.weak) }
        for want in wanted {
            let at = verneeds.firstIndex { $0.file == want.file } ?? {
                verneeds.append((want.file, []))
                return verneeds.count - 1
            }()
            guard !verneeds[at].entries.contains(where: { $0.name == want.name }) else { continue }
            verneeds[at].entries.append((want.name, want.weak, next))
            next += 1
        }
    }

    var hasVersions: Bool { !verdefNames.isEmpty || !verneeds.isEmpty }

    func versymOfImport(_ i: ELFImage.Import) -> UInt16 {
        guard let version = i.version else { return 1 }
        for need in verneeds where need.file == version.file {
            if let entry = need.entries.first(where: { $0.name == version.name }) { return entry.index }
        }
        return 1
    }

    func versymOfDefinition(_ d: ELFImage.Definition) -> UInt16 {
        guard let version = d.version, let at = verdefNames.firstIndex(of: version) else { return 1 }
        return UInt16(at + 2) | (d.hidden ? 0x8000 : 0)
    }

    mutating func planSymbols() {
        symbols = [PlannedSymbol(name: "", defined: false, weak: false, versym: 0, importIndex: nil)]
        for (k, i) in image.imports.enumerated() {
            symbols.append(PlannedSymbol(name: i.name, defined: false, weak: i.weak, versym: versymOfImport(i), importIndex: k))
        }
        symbolOffset = symbols.count
        var defined = image.definitions.map {
            PlannedSymbol(name: $0.name, defined: true, weak: $0.weak, versym: versymOfDefinition($0), importIndex: nil)
        }
        gnuBuckets = UInt32(max(1, defined.count))
        if image.hashStyle == .gnu || image.hashStyle == .both {
            // DT_GNU_HASH requires the hashed symbols grouped by bucket (stable within one).
            let buckets = gnuBuckets
            defined = defined.enumerated().sorted { a, b in
                let ba = ELFHash.gnu(a.element.name) % buckets, bb = ELFHash.gnu(b.element.name) % buckets
                return ba != bb ? ba < bb : a.offset < b.offset
            }.map(\.element)
        }
        symbols += defined
    }

    mutating func planStrings() {
        for name in image.needed { dynstr.add(name) }
        if let soname = image.soname { dynstr.add(soname) }
        if let rpath = image.rpath { dynstr.add(rpath) }
        if let runpath = image.runpath { dynstr.add(runpath) }
        for symbol in symbols { dynstr.add(symbol.name) }
        if !verdefNames.isEmpty { dynstr.add(baseVersionName) }
        for name in verdefNames { dynstr.add(name) }
        for need in verneeds {
            dynstr.add(need.file)
            for entry in need.entries { dynstr.add(entry.name) }
        }
    }

    var baseVersionName: String { image.soname ?? "a.out" }

    // MARK: - tables that need no addresses

    func gnuHashTable() -> [UInt8] {
        var out = LittleEndianBytes()
        let bloomShift: UInt32 = 6
        out.u32(gnuBuckets); out.u32(UInt32(symbolOffset)); out.u32(1); out.u32(bloomShift)
        var bloom: UInt64 = 0
        var buckets = [UInt32](repeating: 0, count: Int(gnuBuckets))
        var chain: [UInt32] = []
        for index in symbolOffset..<symbols.count {
            let h = ELFHash.gnu(symbols[index].name)
            bloom |= (1 << UInt64(h % 64)) | (1 << UInt64((h >> bloomShift) % 64))
            let bucket = Int(h % gnuBuckets)
            if buckets[bucket] == 0 { buckets[bucket] = UInt32(index) }
            let isLast = index + 1 == symbols.count || Int(ELFHash.gnu(symbols[index + 1].name) % gnuBuckets) != bucket
            chain.append((h & ~1) | (isLast ? 1 : 0))
        }
        out.u64(bloom)
        for b in buckets { out.u32(b) }
        for c in chain { out.u32(c) }
        return out.bytes
    }

    func sysvHashTable() -> [UInt8] {
        let nbucket = max(1, symbols.count / 2 + 1)
        var buckets = [UInt32](repeating: 0, count: nbucket)
        var chains = [UInt32](repeating: 0, count: symbols.count)
        for index in 1..<max(1, symbols.count) {
            let b = Int(ELFHash.sysv(symbols[index].name) % UInt32(nbucket))
            chains[index] = buckets[b]
            buckets[b] = UInt32(index)
        }
        var out = LittleEndianBytes()
        out.u32(UInt32(nbucket)); out.u32(UInt32(symbols.count))
        for b in buckets { out.u32(b) }
        for c in chains { out.u32(c) }
        return out.bytes
    }

    func versymTable() -> [UInt8] {
        var out = LittleEndianBytes()
        for symbol in symbols { out.u16(symbol.versym) }
        return out.bytes
    }

    /// `Elf64_Verdef` + one `Elf64_Verdaux` each (28 bytes), the base entry first.
    func verdefTable() -> [UInt8] {
        var out = LittleEndianBytes()
        let names = [baseVersionName] + verdefNames
        for (k, name) in names.enumerated() {
            out.u16(1); out.u16(k == 0 ? 1 : 0); out.u16(UInt16(k + 1)); out.u16(1)
            out.u32(ELFHash.sysv(name)); out.u32(20); out.u32(k + 1 == names.count ? 0 : 28)
            out.u32(dynstr.offset(name)); out.u32(0)
        }
        return out.bytes
    }

    /// `Elf64_Verneed` (16 bytes) followed by its `Elf64_Vernaux` entries (16 bytes each).
    func verneedTable() -> [UInt8] {
        var out = LittleEndianBytes()
        for (k, need) in verneeds.enumerated() {
            let size = 16 + 16 * need.entries.count
            out.u16(1); out.u16(UInt16(need.entries.count)); out.u32(dynstr.offset(need.file)); out.u32(16)
            out.u32(k + 1 == verneeds.count ? 0 : UInt32(size))
            for (e, entry) in need.entries.enumerated() {
                out.u32(ELFHash.sysv(entry.name)); out.u16(entry.weak ? 2 : 0); out.u16(entry.index)
                out.u32(dynstr.offset(entry.name)); out.u32(e + 1 == need.entries.count ? 0 : 16)
            }
        }
        return out.bytes
    }

    func rodata() -> [UInt8] {
        // A leading NUL: every string starts right after one, as in a real .rodata.
        [0] + image.strings.flatMap { Array($0.utf8) + [0] }
    }

    // MARK: - dynamic section

    /// `d_tag` values (elf.h).
    enum Tag {
        static let null: UInt64 = 0, needed: UInt64 = 1, pltrelsz: UInt64 = 2, pltgot: UInt64 = 3, hash: UInt64 = 4, strtab: UInt64 = 5
        static let symtab: UInt64 = 6, rela: UInt64 = 7, relasz: UInt64 = 8, relaent: UInt64 = 9, strsz: UInt64 = 10
        static let syment: UInt64 = 11, soname: UInt64 = 14, rpath: UInt64 = 15, pltrel: UInt64 = 20
        static let jmprel: UInt64 = 23, bindNow: UInt64 = 24, runpath: UInt64 = 29, flags: UInt64 = 30
        static let gnuHash: UInt64 = 0x6fff_fef5, versym: UInt64 = 0x6fff_fff0, flags1: UInt64 = 0x6fff_fffb
        static let verdef: UInt64 = 0x6fff_fffc, verdefnum: UInt64 = 0x6fff_fffd
        static let verneed: UInt64 = 0x6fff_fffe, verneednum: UInt64 = 0x6fff_ffff
    }

    /// What a `d_val` is: a number, or the address or size of a section.
    enum DynamicValue {
        case value(UInt64)
        case address(String)
        case size(String)
    }

    func dynamicEntries(sections: Set<String>) -> [(UInt64, DynamicValue)] {
        var entries: [(UInt64, DynamicValue)] = image.needed.map { (Tag.needed, .value(UInt64(dynstr.offset($0)))) }
        if let soname = image.soname { entries.append((Tag.soname, .value(UInt64(dynstr.offset(soname))))) }
        if let rpath = image.rpath { entries.append((Tag.rpath, .value(UInt64(dynstr.offset(rpath))))) }
        if let runpath = image.runpath { entries.append((Tag.runpath, .value(UInt64(dynstr.offset(runpath))))) }
        if sections.contains(".gnu.hash") { entries.append((Tag.gnuHash, .address(".gnu.hash"))) }
        if sections.contains(".hash") { entries.append((Tag.hash, .address(".hash"))) }
        entries += [(Tag.strtab, .address(".dynstr")), (Tag.symtab, .address(".dynsym")),
                    (Tag.strsz, .size(".dynstr")), (Tag.syment, .value(24))]
        if sections.contains(".gnu.version") { entries.append((Tag.versym, .address(".gnu.version"))) }
        if sections.contains(".gnu.version_d") {
            entries += [(Tag.verdef, .address(".gnu.version_d")), (Tag.verdefnum, .value(UInt64(verdefNames.count + 1)))]
        }
        if sections.contains(".gnu.version_r") {
            entries += [(Tag.verneed, .address(".gnu.version_r")), (Tag.verneednum, .value(UInt64(verneeds.count)))]
        }
        if sections.contains(".rela.dyn") {
            entries += [(Tag.rela, .address(".rela.dyn")), (Tag.relasz, .size(".rela.dyn")), (Tag.relaent, .value(24))]
        }
        if sections.contains(".rela.plt") {
            // (lazy binding's set-up writes the resolver into the GOT DT_PLTGOT names)
            entries += [(Tag.pltgot, .address(".got")), (Tag.jmprel, .address(".rela.plt")), (Tag.pltrelsz, .size(".rela.plt")),
                        (Tag.pltrel, .value(Tag.rela))]
        }
        if image.bindNow { entries.append((Tag.bindNow, .value(0))) }
        if let flags = image.flags { entries.append((Tag.flags, .value(flags))) }
        if let flags1 = image.flags1 { entries.append((Tag.flags1, .value(flags1))) }
        entries.append((Tag.null, .value(0)))
        return entries
    }

    // MARK: - the file

    mutating func plannedSections() -> [PlannedSection] {
        let alloc = Self.sectionFlagAlloc
        var sections: [PlannedSection] = []
        if let interpreter = image.interpreter {
            sections.append(PlannedSection(name: ".interp", type: 1, flags: alloc, alignment: 1, data: Array(interpreter.utf8) + [0]))
        }
        guard image.isDynamic else {
            sections.append(PlannedSection(name: ".text", type: 1, flags: alloc | Self.sectionFlagExec, alignment: 16, data: [0xc3]))
            return sections
        }
        planVersions()
        planSymbols()
        planStrings()
        if image.hashStyle == .gnu || image.hashStyle == .both {
            sections.append(PlannedSection(name: ".gnu.hash", type: 0x6fff_fff6, flags: alloc, alignment: 8, link: ".dynsym",
                                           data: gnuHashTable()))
        }
        if image.hashStyle == .sysv || image.hashStyle == .both {
            sections.append(PlannedSection(name: ".hash", type: 5, flags: alloc, alignment: 8, entrySize: 4, link: ".dynsym",
                                           data: sysvHashTable()))
        }
        sections.append(PlannedSection(name: ".dynsym", type: 11, flags: alloc, alignment: 8, entrySize: 24, link: ".dynstr",
                                       info: 1, data: [UInt8](repeating: 0, count: 24 * symbols.count)))
        sections.append(PlannedSection(name: ".dynstr", type: 3, flags: alloc, alignment: 1, data: dynstr.bytes))
        if hasVersions {
            sections.append(PlannedSection(name: ".gnu.version", type: 0x6fff_ffff, flags: alloc, alignment: 2, entrySize: 2,
                                           link: ".dynsym", data: versymTable()))
        }
        if !verdefNames.isEmpty {
            sections.append(PlannedSection(name: ".gnu.version_d", type: 0x6fff_fffd, flags: alloc, alignment: 8, link: ".dynstr",
                                           info: UInt32(verdefNames.count + 1), data: verdefTable()))
        }
        if !verneeds.isEmpty {
            sections.append(PlannedSection(name: ".gnu.version_r", type: 0x6fff_fffe, flags: alloc, alignment: 8, link: ".dynstr",
                                           info: UInt32(verneeds.count), data: verneedTable()))
        }
        let startup = image.imports.filter { !$0.lazy }.count, lazy = image.imports.count - startup
        if startup > 0 {
            sections.append(PlannedSection(name: ".rela.dyn", type: 4, flags: alloc, alignment: 8, entrySize: 24, link: ".dynsym",
                                           data: [UInt8](repeating: 0, count: 24 * startup)))
        }
        if lazy > 0 {
            sections.append(PlannedSection(name: ".rela.plt", type: 4, flags: alloc | Self.sectionFlagInfoLink, alignment: 8,
                                           entrySize: 24, link: ".dynsym", infoSection: ".got",
                                           data: [UInt8](repeating: 0, count: 24 * lazy)))
        }
        if !image.strings.isEmpty {
            sections.append(PlannedSection(name: ".rodata", type: 1, flags: alloc, alignment: 1, data: rodata()))
        }
        sections.append(PlannedSection(name: ".text", type: 1, flags: alloc | Self.sectionFlagExec, alignment: 16,
                                       data: [UInt8](repeating: 0xc3, count: max(1, image.definitions.count))))
        if !image.imports.isEmpty {
            sections.append(PlannedSection(name: ".got", type: 1, flags: alloc | Self.sectionFlagWrite, alignment: 8, entrySize: 8,
                                           data: [UInt8](repeating: 0, count: 8 * image.imports.count)))
        }
        let names = Set(sections.map(\.name))
        let dynamicCount = dynamicEntries(sections: names.union([".dynamic"])).count
        sections.append(PlannedSection(name: ".dynamic", type: 6, flags: alloc | Self.sectionFlagWrite, alignment: 8,
                                       entrySize: 16, link: ".dynstr", data: [UInt8](repeating: 0, count: 16 * dynamicCount)))
        return sections
    }

    mutating func write() -> [UInt8] {
        var sections = plannedSections()
        let programHeaderCount = (image.interpreter == nil ? 0 : 1) + 1 + (image.isDynamic ? 1 : 0)
        var offset = 64 + 56 * programHeaderCount
        for i in sections.indices {
            let a = sections[i].alignment
            offset = (offset + a - 1) / a * a
            sections[i].offset = offset
            offset += sections[i].data.count
        }
        let loadEnd = offset
        func section(_ name: String) -> PlannedSection? { sections.first { $0.name == name } }
        func address(_ name: String) -> UInt64 { base + UInt64(section(name)?.offset ?? 0) }
        func index(_ name: String) -> Int? { sections.firstIndex { $0.name == name }.map { $0 + 1 } }

        if image.isDynamic {
            fillSymbols(&sections, textAddress: address(".text"))
            fillRelocations(&sections, gotAddress: address(".got"))
            var dynamic = LittleEndianBytes()
            for (tag, value) in dynamicEntries(sections: Set(sections.map(\.name))) {
                dynamic.u64(tag)
                switch value {
                case .value(let v): dynamic.u64(v)
                case .address(let name): dynamic.u64(address(name))
                case .size(let name): dynamic.u64(UInt64(section(name)?.data.count ?? 0))
                }
            }
            if let at = sections.firstIndex(where: { $0.name == ".dynamic" }) { sections[at].data = dynamic.bytes }
        }

        var out = LittleEndianBytes()
        var shstrtab = ELFStringTable()
        for s in sections { shstrtab.add(s.name) }
        shstrtab.add(".shstrtab")
        let shstrtabOffset = loadEnd
        let sectionHeaderOffset = image.hasSectionHeaders ? (shstrtabOffset + shstrtab.bytes.count + 7) / 8 * 8 : 0
        let sectionCount = image.hasSectionHeaders ? sections.count + 2 : 0

        // Elf64_Ehdr.
        out.bytes += [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, image.osABI] + [UInt8](repeating: 0, count: 8)
        out.u16(image.type.rawValue); out.u16(image.machine); out.u32(1)
        out.u64(address(".text")); out.u64(64); out.u64(UInt64(sectionHeaderOffset))
        out.u32(0); out.u16(64); out.u16(56); out.u16(UInt16(programHeaderCount))
        out.u16(image.hasSectionHeaders ? 64 : 0); out.u16(UInt16(sectionCount))
        out.u16(image.hasSectionHeaders ? UInt16(sectionCount - 1) : 0)

        // Elf64_Phdr: PT_INTERP, PT_LOAD, PT_DYNAMIC.
        func programHeader(type: UInt32, flags: UInt32, offset: Int, size: Int, alignment: UInt64) {
            out.u32(type); out.u32(flags); out.u64(UInt64(offset)); out.u64(base + UInt64(offset)); out.u64(base + UInt64(offset))
            out.u64(UInt64(size)); out.u64(UInt64(size)); out.u64(alignment)
        }
        if let interp = section(".interp") { programHeader(type: 3, flags: 4, offset: interp.offset, size: interp.data.count, alignment: 1) }
        programHeader(type: 1, flags: 7, offset: 0, size: loadEnd, alignment: 0x1000)
        if let dynamic = section(".dynamic") {
            programHeader(type: 2, flags: 6, offset: dynamic.offset, size: dynamic.data.count, alignment: 8)
        }

        for s in sections {
            while out.count < s.offset { out.u8(0) }
            out.bytes += s.data
        }
        guard image.hasSectionHeaders else { return out.bytes }
        out.bytes += shstrtab.bytes
        while out.count < sectionHeaderOffset { out.u8(0) }
        // Elf64_Shdr: the null section, the planned ones, .shstrtab.
        out.bytes += [UInt8](repeating: 0, count: 64)
        for s in sections {
            out.u32(shstrtab.offset(s.name)); out.u32(s.type); out.u64(s.flags); out.u64(base + UInt64(s.offset))
            out.u64(UInt64(s.offset)); out.u64(UInt64(s.data.count))
            out.u32(UInt32(s.link.flatMap(index) ?? 0)); out.u32(s.infoSection.flatMap(index).map(UInt32.init) ?? s.info)
            out.u64(UInt64(s.alignment)); out.u64(s.entrySize)
        }
        out.u32(shstrtab.offset(".shstrtab")); out.u32(3); out.u64(0); out.u64(0)
        out.u64(UInt64(shstrtabOffset)); out.u64(UInt64(shstrtab.bytes.count)); out.u32(0); out.u32(0); out.u64(1); out.u64(0)
        return out.bytes
    }

    /// `Elf64_Sym`: definitions are one-byte functions in `.text`; imports are undefined.
    func fillSymbols(_ sections: inout [PlannedSection], textAddress: UInt64) {
        guard let at = sections.firstIndex(where: { $0.name == ".dynsym" }),
              let text = sections.firstIndex(where: { $0.name == ".text" }) else { return }
        var out = LittleEndianBytes()
        var nextDefinition: UInt64 = 0
        for (k, symbol) in symbols.enumerated() {
            guard k > 0 else {
                out.bytes += [UInt8](repeating: 0, count: 24)
                continue
            }
            let binding: UInt8 = symbol.weak ? 2 : 1, type: UInt8 = 2   // STT_FUNC
            out.u32(dynstr.offset(symbol.name)); out.u8(binding << 4 | type); out.u8(0)
            if symbol.defined {
                out.u16(UInt16(text + 1)); out.u64(textAddress + nextDefinition); out.u64(1)
                nextDefinition += 1
            } else {
                out.u16(0); out.u64(0); out.u64(0)
            }
        }
        sections[at].data = out.bytes
    }

    /// `Elf64_Rela`: `R_X86_64_GLOB_DAT` (6) for start-up imports, `R_X86_64_JUMP_SLOT` (7)
    /// for lazy ones, each at its own `.got` slot.
    func fillRelocations(_ sections: inout [PlannedSection], gotAddress: UInt64) {
        var startup = LittleEndianBytes(), lazy = LittleEndianBytes()
        for (k, symbol) in symbols.enumerated() {
            guard let i = symbol.importIndex else { continue }
            let isLazy = image.imports[i].lazy
            let slot = gotAddress + 8 * UInt64(i)
            let info = UInt64(k) << 32 | (isLazy ? 7 : 6)
            if isLazy {
                lazy.u64(slot); lazy.u64(info); lazy.u64(0)
            } else {
                startup.u64(slot); startup.u64(info); startup.u64(0)
            }
        }
        if let at = sections.firstIndex(where: { $0.name == ".rela.dyn" }) { sections[at].data = startup.bytes }
        if let at = sections.firstIndex(where: { $0.name == ".rela.plt" }) { sections[at].data = lazy.bytes }
    }
}

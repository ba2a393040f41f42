import ELFInspect

/// Compares every field ELFInspect reads from one file with readelf's report of it and
/// lists the differences ("field: ours vs readelf's").
enum ReadelfComparison {
    static let types: [String: UInt16] = ["NONE": 0, "REL": 1, "EXEC": 2, "DYN": 3, "CORE": 4]
    static let machines: [String: UInt16] = ["Advanced Micro Devices X86-64": 62, "Intel 80386": 3]
    static let segmentTypes: [String: UInt32] = [
        "NULL": 0, "LOAD": 1, "DYNAMIC": 2, "INTERP": 3, "NOTE": 4, "SHLIB": 5, "PHDR": 6, "TLS": 7,
        "GNU_EH_FRAME": 0x6474_e550, "GNU_STACK": 0x6474_e551, "GNU_RELRO": 0x6474_e552,
        "GNU_PROPERTY": 0x6474_e553, "GNU_SFRAME": 0x6474_e554,
    ]
    /// readelf's names for DT_FLAGS and DT_FLAGS_1 bits (binutils 2.40 readelf.c, print_dynamic_flags / FLAGS_1).
    static let flagNames: [String: UInt64] = ["ORIGIN": 0x1, "SYMBOLIC": 0x2, "TEXTREL": 0x4, "BIND_NOW": 0x8, "STATIC_TLS": 0x10]
    static let flag1Names: [String: UInt64] = [
        "NOW": 0x1, "GLOBAL": 0x2, "GROUP": 0x4, "NODELETE": 0x8, "LOADFLTR": 0x10, "INITFIRST": 0x20,
        "NOOPEN": 0x40, "ORIGIN": 0x80, "DIRECT": 0x100, "TRANS": 0x200, "INTERPOSE": 0x400, "NODEFLIB": 0x800,
        "NODUMP": 0x1000, "CONFALT": 0x2000, "ENDFILTEE": 0x4000, "DISPRELDNE": 0x8000, "DISPRELPND": 0x10000,
        "NODIRECT": 0x20000, "IGNMULDEF": 0x40000, "NOKSYMS": 0x80000, "NOHDR": 0x100000, "EDITED": 0x200000,
        "NORELOC": 0x400000, "SYMINTPOSE": 0x800000, "GLOBAUDIT": 0x1000000, "SINGLETON": 0x2000000,
        "STUB": 0x4000000, "PIE": 0x8000000, "KMOD": 0x10000000, "WEAKFILTER": 0x20000000, "NOCOMMON": 0x40000000,
    ]
    static let symbolTypes: [String: UInt8] = [
        "NOTYPE": 0, "OBJECT": 1, "FUNC": 2, "SECTION": 3, "FILE": 4, "COMMON": 5, "TLS": 6, "IFUNC": 10,
    ]
    static let bindings: [String: UInt8] = ["LOCAL": 0, "GLOBAL": 1, "WEAK": 2, "UNIQUE": 10]
    static let visibilities: [String: UInt8] = ["DEFAULT": 0, "INTERNAL": 1, "HIDDEN": 2, "PROTECTED": 3]

    static func mismatches(_ elf: ELFFile, _ r: ReadelfReport) -> [String] {
        var out: [String] = []
        func check<T: Equatable>(_ what: String, _ ours: T, _ theirs: T) {
            if ours != theirs { out.append("\(what): \(ours) vs readelf \(theirs)") }
        }
        out += r.unparsed.prefix(5).map { "readelf line not understood: \($0)" }

        // ELF header.
        let h = elf.header
        if r.identBytes.count == 16 {
            check("EI_CLASS", h.fileClass.rawValue, r.identBytes[4])
            check("EI_DATA", h.byteOrder.rawValue, r.identBytes[5])
            check("EI_VERSION", h.identVersion, r.identBytes[6])
            check("EI_OSABI", h.osABI, r.identBytes[7])
            check("EI_ABIVERSION", h.abiVersion, r.identBytes[8])
            check("e_ident padding zero", h.identPaddingIsZero, r.identBytes[9...].allSatisfy { $0 == 0 })
        } else {
            out.append("readelf printed no Magic line")
        }
        check("e_type", Optional(h.type), types[r.type])
        check("e_machine", Optional(h.machine), machines[r.machine])
        check("e_version", "0x" + String(h.version, radix: 16), r.version)

        // Program headers.
        check("program header count", elf.programHeaders.count, r.segments.count)
        for (ours, theirs) in zip(elf.programHeaders, r.segments) {
            let type: UInt32? = segmentTypes[theirs.type]
                ?? (theirs.type.hasPrefix("LOOS+0x") ? UInt32(theirs.type.dropFirst(7), radix: 16).map { $0 &+ 0x6000_0000 } : nil)
                ?? (theirs.type.hasPrefix("LOPROC+0x") ? UInt32(theirs.type.dropFirst(9), radix: 16).map { $0 &+ 0x7000_0000 } : nil)
            check("p_type", Optional(ours.type), type)
            check("p_offset", ours.offset, theirs.offset)
            check("p_vaddr", ours.virtualAddress, theirs.virtualAddress)
            check("p_filesz", ours.fileSize, theirs.fileSize)
            check("p_memsz", ours.memorySize, theirs.memorySize)
        }
        check("PT_INTERP", elf.interpreter, r.interpreter)

        // Dynamic section.
        check("has PT_DYNAMIC", elf.dynamic != nil, r.hasDynamic)
        if let d = elf.dynamic {
            check("DT_NEEDED", d.needed, r.needed)
            check("DT_FILTER/DT_AUXILIARY", d.filtees.map { "\($0.name) \($0.isAuxiliary) \($0.neededBefore)" },
                  r.filtees.map { "\($0.name) \($0.isAuxiliary) \($0.neededBefore)" })
            check("DT_SONAME", d.soname, r.soname)
            check("DT_RPATH", d.rpath, r.rpath)
            check("DT_RUNPATH", d.runpath, r.runpath)
            check("DT_FLAGS", d.flags, r.flags.map { bits($0, flagNames, &out) })
            check("DT_FLAGS_1", d.flags1, r.flags1.map { bits($0, flag1Names, &out) })
        }

        // Version needs: readelf -V prints no hashes; they come from its hex dump of the section.
        check("version need count", elf.versionNeeds.count, r.needs.count)
        for (ours, theirs) in zip(elf.versionNeeds, r.needs) {
            check("vn_file", ours.file, theirs.file)
            check("vn_cnt of \(ours.file)", ours.entries.count, theirs.entries.count)
            for (a, b) in zip(ours.entries, theirs.entries) {
                check("vna_name", a.name, b.name)
                check("vna_flags of \(a.name)", Optional(a.flags), verFlags(b.flags))
                check("vna_other of \(a.name)", Int(a.index), b.index)
                check("vna_hash of \(a.name)", Optional(a.hash), word(r.verneedBytes, b.offset, h.byteOrder))
            }
        }
        check("version definition count", elf.versionDefinitions.count, r.definitions.count)
        for (ours, theirs) in zip(elf.versionDefinitions, r.definitions) {
            check("vd name", ours.name, theirs.name)
            check("vd_flags of \(ours.name)", Optional(ours.flags), verFlags(theirs.flags))
            check("vd_ndx of \(ours.name)", Int(ours.index), theirs.index)
            check("vd_cnt of \(ours.name)", ours.parents.count + 1, theirs.count)
            check("parents of \(ours.name)", ours.parents, theirs.parents)
            check("vd_hash of \(ours.name)", Optional(ours.hash), word(r.verdefBytes, theirs.offset + 8, h.byteOrder))
        }

        // Dynamic symbols.
        check("dynamic symbol count", elf.symbolCount, r.symbolTableCount ?? 0)
        check("dynamic symbols listed", elf.symbolCount, r.symbols.count)
        for (index, theirs) in r.symbols.enumerated() {
            guard let ours = elf.symbol(at: index) else { out.append("symbol \(index) unreadable"); continue }
            let before = out.count
            check("symbol \(index) name", ours.name, theirs.name)
            check("symbol \(index) value", ours.value, theirs.value)
            check("symbol \(index) size", ours.size, theirs.size)
            check("symbol \(index) type", Optional(ours.type), symbolTypes[theirs.type])
            check("symbol \(index) binding", Optional(ours.binding),
                  bindings[theirs.binding] ?? (theirs.binding.hasPrefix("OS:") ? UInt8(theirs.binding.dropFirst(3)) : nil))
            check("symbol \(index) visibility", Optional(ours.visibility), visibilities[theirs.visibility])
            let ndx: String = switch ours.sectionIndex {
            case 0: "UND"
            case 0xfff1: "ABS"
            case 0xfff2: "COM"
            default: String(ours.sectionIndex)
            }
            check("symbol \(index) Ndx", ndx, theirs.sectionIndex)
            check("symbol \(index) defined", ours.isDefined, theirs.sectionIndex != "UND")
            check("symbol \(index) version", expectedVersion(ours), theirsVersion(theirs))
            if out.count - before > 0, out.count > 40 { break }
        }
        return out
    }

    /// What readelf prints after the name: `@@V`, `@V`, or `@V (n)` for a needed version.
    /// readelf prints no version for a version's own symbol (st_name == vda_name).
    static func expectedVersion(_ s: DynamicSymbol) -> String? {
        guard let v = s.version else { return nil }
        if v.file != nil { return "@\(v.name) (\((s.versionIndex ?? 0) & 0x7fff))" }
        if v.name == s.name && s.sectionIndex == 0xfff1 { return nil }
        return (v.isHidden ? "@" : "@@") + v.name
    }

    static func theirsVersion(_ s: ReadelfReport.Symbol) -> String? {
        guard let v = s.version else { return nil }
        if let n = s.requiredIndex { return "@\(v) (\(n))" }
        return (s.isDefaultVersion ? "@@" : "@") + v
    }

    static func verFlags(_ text: String) -> UInt16? {
        if text == "none" { return 0 }
        var value: UInt16 = 0
        for name in text.split(separator: " ") where name != "|" {
            switch name {
            case "BASE": value |= 1
            case "WEAK": value |= 2
            case "INFO": value |= 4
            default: return nil
            }
        }
        return value
    }

    static func bits(_ names: [String], _ table: [String: UInt64], _ out: inout [String]) -> UInt64 {
        var value: UInt64 = 0
        for name in names {
            if let bit = table[name] {
                value |= bit
            } else if name.hasPrefix("0x"), let raw = UInt64(name.dropFirst(2), radix: 16) {
                value |= raw
            } else {
                out.append("unknown flag name \(name)")
            }
        }
        return value
    }

    static func word(_ bytes: [UInt8], _ offset: Int, _ order: ELFHeader.ByteOrder) -> UInt32? {
        guard offset >= 0, offset + 4 <= bytes.count else { return nil }
        let b = bytes[offset..<offset + 4].map(UInt32.init)
        return order == .little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
    }
}

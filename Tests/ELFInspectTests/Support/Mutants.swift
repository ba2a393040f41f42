import ELFInspect
import Foundation

/// One malformed copy of a valid file, named after what was broken.
struct Mutant: Sendable, CustomStringConvertible {
    var name: String
    var bytes: [UInt8]
    var description: String { name }
}

/// Builds the malformed copies of a valid ELF file the reader must survive.
enum Mutants {
    static let huge: [UInt64] = [0xffff_ffff, 0xffff_ffff_ffff_ffff, 0x7fff_ffff_ffff_ffff, 0x8000_0000]

    static func all(from base: [UInt8], label: String) -> [Mutant] {
        guard let raw = RawELF(base) else { return [] }
        var out: [Mutant] = []
        func add(_ name: String, _ change: (inout RawELF) -> Void) {
            var copy = raw
            change(&copy)
            out.append(Mutant(name: "\(label): \(name)", bytes: copy.bytes))
        }

        // Truncations at every header boundary, then a sample of other offsets.
        var cuts: Set<Int> = [0, 1, 3, 4, 5, 15, 16, 17, 51, 52, 53, 63, 64, 65, base.count - 1]
        for i in 0...raw.phnum { cuts.insert(raw.phoff + i * raw.phentsize); cuts.insert(raw.phoff + i * raw.phentsize - 1) }
        for entry in raw.dynamicEntries { cuts.insert(entry.at); cuts.insert(entry.at + raw.wordSize) }
        for s in raw.sectionHeaders() {
            cuts.insert(s.start)
            let o = raw.readInt(s.offset.0, s.offset.1), z = raw.readInt(s.size.0, s.size.1)
            cuts.formUnion([o, o + 1, o + z - 1, o + z])
        }
        for tag: UInt64 in [5, 6, 0x6fff_fffe, 0x6fff_fffc, 0x6fff_fff0, 0x6fff_fef5, 4, 23] {
            if let o = raw.fileOffset(ofDynamic: tag) { cuts.formUnion([o, o + 1, o + 4, o + 8, o + 16]) }
        }
        cuts.formUnion(stride(from: 0, to: base.count, by: 97))
        for cut in cuts.sorted() where cut >= 0 && cut < base.count {
            out.append(Mutant(name: "\(label): truncated at \(cut)", bytes: Array(base[..<cut])))
        }

        // e_ident: class and byte order mismatches.
        for v: UInt8 in [0, 1, 2, 3, 0xff] where v != base[4] { add("EI_CLASS \(v)") { $0.bytes[4] = v } }
        for v: UInt8 in [0, 1, 2, 3] where v != base[5] { add("EI_DATA \(v)") { $0.bytes[5] = v } }

        // Header offsets and counts past the end or overflowing.
        for v in huge + [UInt64(base.count), UInt64(base.count - 8)] {
            add("e_phoff \(v)") { $0.write($0.phoffField.0, $0.phoffField.1, v) }
            add("e_shoff \(v)") { $0.write($0.shoffField.0, $0.shoffField.1, v) }
        }
        for v: UInt64 in [0, 0xffff, 0xfffe, 1000] {
            add("e_phnum \(v)") { $0.write($0.phnumField.0, $0.phnumField.1, v) }
            add("e_shnum \(v)") { $0.write($0.shnumField.0, $0.shnumField.1, v) }
        }
        for v: UInt64 in [0, 1, 0xffff] { add("e_phentsize \(v)") { $0.write($0.phentsizeField.0, $0.phentsizeField.1, v) } }

        // Program headers: offsets and sizes past the end, overlapping the ELF header.
        for i in 0..<raw.phnum {
            let h = raw.phdr(i)
            let type = raw.read(h.type, 4)
            for v in huge + [UInt64(base.count)] {
                add("phdr \(i) (type \(type)) p_offset \(v)") { $0.write(h.offset.0, h.offset.1, v) }
                add("phdr \(i) (type \(type)) p_filesz \(v)") { $0.write(h.filesz.0, h.filesz.1, v) }
            }
            add("phdr \(i) (type \(type)) p_offset 0 (overlaps the ELF header)") { $0.write(h.offset.0, h.offset.1, 0) }
            add("phdr \(i) (type \(type)) p_vaddr huge") { $0.write(h.vaddr.0, h.vaddr.1, 0xffff_ffff_ffff_f000) }
        }
        if let interp = raw.programHeader(ofType: 3) {
            // PT_INTERP without its NUL.
            add("PT_INTERP unterminated") { r in
                let h = r.phdr(interp)
                let o = r.readInt(h.offset.0, h.offset.1), z = r.readInt(h.filesz.0, h.filesz.1)
                if o + z <= r.bytes.count { for k in o..<(o + z) { r.bytes[k] = 0x41 } }
            }
        }

        // Dynamic entries: every value huge or at the end; string offsets past DT_STRSZ.
        for entry in raw.dynamicEntries {
            for v in huge + [UInt64(base.count), 0] {
                add("dynamic tag 0x\(String(entry.tag, radix: 16)) = 0x\(String(v, radix: 16))") { $0.write(entry.at + $0.wordSize, $0.wordSize, v) }
            }
        }
        let strsz = raw.dynamic(10)?.value ?? 0
        for tag: UInt64 in [1, 14, 15, 29] { add("string of tag \(tag) at DT_STRSZ") { $0.setDynamic(tag, strsz) } }
        // Tables laid over each other.
        if let symtab = raw.dynamic(6)?.value {
            add("DT_STRTAB = DT_SYMTAB") { $0.setDynamic(5, symtab) }
            add("DT_VERSYM = DT_SYMTAB") { $0.setDynamic(0x6fff_fff0, symtab) }
        }
        if let dyn = raw.programHeader(ofType: 2) {
            let address = raw.read(raw.phdr(dyn).vaddr.0, raw.phdr(dyn).vaddr.1)
            for tag: UInt64 in [0x6fff_fffe, 0x6fff_fffc, 6, 0x6fff_fef5, 4, 23] {
                add("tag 0x\(String(tag, radix: 16)) points at PT_DYNAMIC") { $0.setDynamic(tag, address) }
            }
        }
        // Section headers overlapping the ELF header and each other.
        for s in raw.sectionHeaders() {
            add("section at offset 0, size of file") { r in
                r.write(s.offset.0, s.offset.1, 0); r.write(s.size.0, s.size.1, UInt64(base.count))
            }
            add("section size huge") { $0.write(s.size.0, s.size.1, 0xffff_ffff_ffff) }
        }

        // Version needs: counts, links that loop or run off the end, names past DT_STRSZ.
        if let vn = raw.fileOffset(ofDynamic: 0x6fff_fffe) {
            add("DT_VERNEEDNUM huge") { $0.setDynamic(0x6fff_ffff, 0xffff_ffff) }
            add("vn_cnt 0xffff") { $0.write(vn + 2, 2, 0xffff) }
            add("vn_file past DT_STRSZ") { $0.write(vn + 4, 4, strsz) }
            for v: UInt64 in [0, 1, 0xffff_fff0, 0xffff_ffff] {
                add("vn_aux \(v)") { $0.write(vn + 8, 4, v) }
                add("vn_next \(v) with DT_VERNEEDNUM huge") { $0.write(vn + 12, 4, v); $0.setDynamic(0x6fff_ffff, 0xffff) }
            }
            let aux = vn + raw.readInt(vn + 8, 4)
            add("vna_name past DT_STRSZ") { $0.write(aux + 8, 4, strsz + 100) }
            for v: UInt64 in [1, 0xffff_fff0, 0xffff_ffff] {
                add("vna_next \(v) with vn_cnt 0xffff") { $0.write(aux + 12, 4, v); $0.write(vn + 2, 2, 0xffff) }
            }
            add("vna_next 1 everywhere, vn_cnt 0xffff, DT_VERNEEDNUM 0xffff") { r in
                r.write(vn + 2, 2, 0xffff); r.write(aux + 12, 4, 1); r.write(vn + 12, 4, 1); r.setDynamic(0x6fff_ffff, 0xffff)
            }
        }
        if let vd = raw.fileOffset(ofDynamic: 0x6fff_fffc) {
            add("DT_VERDEFNUM huge") { $0.setDynamic(0x6fff_fffd, 0xffff_ffff) }
            add("vd_cnt 0xffff") { $0.write(vd + 6, 2, 0xffff) }
            add("vd_cnt 0") { $0.write(vd + 6, 2, 0) }
            for v: UInt64 in [0, 1, 0xffff_fff0, 0xffff_ffff] {
                add("vd_aux \(v)") { $0.write(vd + 12, 4, v) }
                add("vd_next \(v) with DT_VERDEFNUM huge") { $0.write(vd + 16, 4, v); $0.setDynamic(0x6fff_fffd, 0xffff) }
            }
            let aux = vd + raw.readInt(vd + 12, 4)
            add("vda_name past DT_STRSZ") { $0.write(aux, 4, strsz + 100) }
            add("vda_next 1 with vd_cnt 0xffff") { $0.write(aux + 4, 4, 1); $0.write(vd + 6, 2, 0xffff) }
        }

        // Hash tables: bucket counts, bloom sizes and chains out of range.
        if let gnu = raw.fileOffset(ofDynamic: 0x6fff_fef5) {
            for (field, name) in [(0, "nbuckets"), (4, "symoffset"), (8, "bloom size"), (12, "bloom shift")] {
                for v: UInt64 in [0, 0xffff_ffff, 0x8000_0000] { add("GNU hash \(name) \(v)") { $0.write(gnu + field, 4, v) } }
            }
        }
        if let sysv = raw.fileOffset(ofDynamic: 4) {
            for (field, name) in [(0, "nbucket"), (4, "nchain")] {
                for v: UInt64 in [0, 0xffff_ffff] { add("SysV hash \(name) \(v)") { $0.write(sysv + field, 4, v) } }
            }
            add("SysV chain loops on itself") { r in
                let nbucket = r.readInt(sysv, 4)
                for b in 0..<min(nbucket, 64) { r.write(sysv + 8 + b * 4, 4, 1) }
                r.write(sysv + 8 + nbucket * 4 + 4, 4, 1)
            }
        }
        // Symbols: names past the string table.
        if let symtab = raw.fileOffset(ofDynamic: 6) {
            let entry = raw.is64 ? 24 : 16
            add("st_name past DT_STRSZ") { r in for k in 1..<4 { r.write(symtab + k * entry, 4, 0xffff_fff0) } }
        }
        return out
    }

    /// Deterministic random byte changes (SplitMix64 from `seed`), 1 to 8 bytes per mutant,
    /// mostly inside the headers and dynamic tables where the reader looks.
    static func random(from base: [UInt8], label: String, count: Int, seed: UInt64) -> [Mutant] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        let hot = min(base.count, 2048)
        return (0..<count).map { n in
            var bytes = base
            let flips = Int(next() % 8) + 1
            for _ in 0..<flips {
                let limit = next() % 4 == 0 ? base.count : hot
                let at = Int(next() % UInt64(limit))
                switch next() % 4 {
                case 0: bytes[at] ^= UInt8(1) << UInt8(next() % 8)
                case 1: bytes[at] = UInt8(truncatingIfNeeded: next())
                case 2: bytes[at] = 0xff
                default: bytes[at] = 0
                }
            }
            return Mutant(name: "\(label): random mutant \(n)", bytes: bytes)
        }
    }

    /// Reads `bytes` and, when they parse, walks everything the reader offers. Returns the
    /// error thrown, if any; must never trap.
    static func probe(_ bytes: [UInt8], path: String) -> ELFError? {
        // Where the loader would die of a cut (read from the program headers alone).
        _ = PastEndOfFile.of(bytes: FileBytes(bytes))
        let file: ELFFile
        do {
            file = try ELFFile(bytes: FileBytes(bytes), path: path)
        } catch {
            return error
        }
        _ = file.header
        _ = PastEndOfFile.of(file)
        _ = PastEndOfFile.cutShort(file)
        _ = file.interpreter
        _ = file.dynamic
        _ = file.versionNeeds
        _ = file.versionDefinitions
        let symbols = file.symbols
        for index in [-1, 0, file.symbolCount, file.symbolCount + 1, Int.max, Int.min] {
            _ = file.symbol(at: index)
            _ = file.versionIndex(ofSymbol: index)
        }
        for index: UInt16 in [0, 1, 2, 3, 0x7fff, 0x8002, 0xffff] { _ = file.versionName(forIndex: index) }
        _ = file.hasVersionTable
        _ = file.relocatedSymbols()
        for symbol in symbols.prefix(200) { _ = file.symbolIndices(named: symbol.name) }
        _ = file.symbolIndices(named: "")
        _ = file.symbolIndices(named: "dep_new")
        return nil
    }
}

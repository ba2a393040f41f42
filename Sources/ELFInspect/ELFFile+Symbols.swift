/// The symbol table, read entry by entry from the file's bytes on demand.
extension ELFFile {
    /// `st_shndx` and `ELF_ST_BIND` of the symbol at `index`, without building its name:
    /// enough to tell an undefined reference from a definition.
    public func sectionAndBinding(ofSymbol index: Int) -> (sectionIndex: UInt16, binding: UInt8)? {
        guard index >= 0, index < symbolCount, let table = symbolTable.symbolTableOffset else { return nil }
        let entry = table + index * (is64 ? 24 : 16)
        guard let info = reader.u8(entry + (is64 ? 4 : 12)), let shndx = reader.u16(entry + (is64 ? 6 : 14)) else { return nil }
        return (shndx, info >> 4)
    }

    /// The fixed-size fields of the symbol at `index` (no name, no version): what deciding
    /// whether an entry can satisfy a lookup needs.
    public func symbolFields(at index: Int) -> SymbolFields? {
        guard index >= 0, index < symbolCount, let table = symbolTable.symbolTableOffset else { return nil }
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

    /// `st_size` of the symbol at `index` (the bytes a copy relocation copies); nil past the
    /// end of the table.
    public func symbolSize(at index: Int) -> UInt64? {
        guard index >= 0, index < symbolCount, let table = symbolTable.symbolTableOffset else { return nil }
        return is64 ? reader.u64(table + index * 24 + 16) : reader.u32(table + index * 16 + 8).map(UInt64.init)
    }

    /// The name of the symbol at `index` as the bytes in `DT_STRTAB` (no `String` made):
    /// valid while this object lives. Nil past the end, or when the name is unterminated.
    public func symbolNameBytes(at index: Int) -> UnsafeRawBufferPointer? {
        guard index >= 0, index < symbolCount, let table = symbolTable.symbolTableOffset, let strings = stringTable,
              let nameOffset = reader.u32(table + index * (is64 ? 24 : 16))
        else { return nil }
        // (to its NUL, as the loader reads it, whatever DT_STRSZ says)
        return reader.cStringBytes(strings.lowerBound + Int(nameOffset), limit: reader.count)
    }

    /// The symbol at `index` of `DT_SYMTAB`, nil past the end or when it cannot be read.
    public func symbol(at index: Int) -> DynamicSymbol? {
        guard index >= 0, index < symbolCount, let table = symbolTable.symbolTableOffset else { return nil }
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
            let ndx = versym & VersionSymbolBits.index
            if ndx >= 2 {
                let hidden = versym & VersionSymbolBits.hidden != 0
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
        guard let versym = symbolTable.versymOffset, index >= 0, index < symbolCount else { return nil }
        return reader.u16(versym + index * 2)
    }

    /// The largest version index (`& 0x7fff`) in the file's `DT_VERSYM` table, over every
    /// symbol; 0 without one. One pass over two-byte entries, no bounds check per entry.
    public var highestVersionSymbolIndex: UInt16 {
        guard let versym = symbolTable.versymOffset, symbolCount > 0, let base = reader.buffer.baseAddress else { return 0 }
        let count = min(symbolCount, max(0, (reader.count - versym) / 2))
        let start = base + versym
        // Aligned little-endian entries (every linked x86-64 file's) as one array of UInt16:
        // a loop the compiler turns into vector instructions (this runs for every object).
        if !reader.bigEndian, Int(bitPattern: start) % 2 == 0 {
            let words = UnsafeBufferPointer(start: start.assumingMemoryBound(to: UInt16.self), count: count)
            var highest: UInt16 = 0
            for word in words { highest = max(highest, word & 0x7fff) }
            return highest
        }
        var highest: UInt16 = 0
        for i in 0..<count {
            let raw = start.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
            highest = max(highest, (reader.bigEndian ? UInt16(bigEndian: raw) : UInt16(littleEndian: raw)) & 0x7fff)
        }
        return highest
    }

    /// True when the file has `DT_VERSYM` (the loader treats such files differently in lookups).
    public var hasVersionTable: Bool { symbolTable.versymOffset != nil }

    /// The version name a `DT_VERSYM` index stands for in this file (definitions first).
    public func versionName(forIndex index: UInt16) -> String? {
        definedVersionNames[index & VersionSymbolBits.index] ?? versionNames[index & VersionSymbolBits.index]?.name
    }

    private func symbolName(_ offset: UInt32) -> String? {
        guard let table = stringTable else { return nil }
        return reader.cString(table.lowerBound + Int(offset), limit: reader.count)
    }
}

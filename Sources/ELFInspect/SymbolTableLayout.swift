import CLibElf

/// Where `DT_SYMTAB` and the tables read beside it lie, and how many symbols it holds: from
/// the `.dynsym` section when there is one (as readelf reads it), else from the hash tables
/// (as the loader bounds it).
struct SymbolTableLayout {
    let symbolTableOffset: Int?
    let versymOffset: Int?
    let gnuHash: GnuHashLayout?
    /// DT_GNU_HASH's Bloom filter, located once: a lookup over a load graph tests it in
    /// every object of the scope, as `do_lookup_x` does before touching the buckets.
    let gnuBloom: GnuBloom?
    let sysvHashOffset: Int?
    /// Entries in `DT_SYMTAB`, index 0 (the null symbol) included.
    let symbolCount: Int
    /// `PT_DYNAMIC` has a `DT_GNU_HASH` or a `DT_HASH` entry (readable or not): without
    /// either the loader never searches the file for a symbol.
    let namesHashTable: Bool

    /// A file without `PT_DYNAMIC`: no symbols.
    init() {
        (symbolTableOffset, versymOffset, gnuHash, gnuBloom, sysvHashOffset, symbolCount) = (nil, nil, nil, nil, nil, 0)
        namesHashTable = false
    }

    init(_ elf: OpaquePointer, _ dynamic: DynamicTable, is64: Bool) {
        let reader = dynamic.reader
        symbolTableOffset = dynamic.value(DynamicTag.symtab).flatMap { dynamic.offset($0) }
        versymOffset = dynamic.value(DynamicTag.versym).flatMap { dynamic.offset($0) }
        let gnuHashOffset = dynamic.value(DynamicTag.gnuHash).flatMap { dynamic.offset($0) }
        gnuHash = GnuHashLayout(reader, at: gnuHashOffset, is64: is64)
        gnuBloom = GnuBloom(reader, at: gnuHashOffset, is64: is64)
        sysvHashOffset = dynamic.value(DynamicTag.hash).flatMap { dynamic.offset($0) }
        namesHashTable = dynamic.value(DynamicTag.gnuHash) != nil || dynamic.value(DynamicTag.hash) != nil
        let entrySize = is64 ? 24 : 16
        var count = Self.dynsymSectionCount(elf, entrySize: entrySize)
            ?? Self.hashChainCount(reader, sysvHashOffset)
            ?? Self.gnuHashSymbolCount(reader, gnuHash)
            ?? 0
        if let start = symbolTableOffset {
            count = min(count, max(0, (reader.count - start) / entrySize))
        } else {
            count = 0
        }
        symbolCount = count
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

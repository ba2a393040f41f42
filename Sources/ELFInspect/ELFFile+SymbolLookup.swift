/// Lookups by name through the file's hash tables, as the loader makes them.
extension ELFFile {
    /// Indices of the symbols named `name` that the file's hash table leads to, as the
    /// loader finds definitions: `DT_GNU_HASH` alone when there is one, `DT_HASH` otherwise;
    /// none at all in a file with neither, or with no buckets (elf/dl-lookup.c
    /// `_dl_setup_hash` leaves `l_nbuckets` 0, and `do_lookup_x` passes the object over).
    /// A table that cannot be read is searched around: every symbol of the table.
    public func symbolIndices(named name: String) -> [Int] {
        symbolIndices(for: SymbolLookupKey(name))
    }

    /// The same, with the name's bytes and hashes computed once by the caller: a lookup
    /// over a whole load graph asks every object for the same name.
    public func symbolIndices(for key: SymbolLookupKey) -> [Int] {
        key.bytes.withUnsafeBytes { raw in
            if isUnsearchable { return [] }
            if let gnu = symbolTable.gnuHash, let found = gnuLookup(raw, hash: key.gnuHash, in: gnu) { return found }
            if let sysv = symbolTable.sysvHashOffset, let found = sysvLookup(raw, hash: key.sysvHash, at: sysv) { return found }
            return (0..<symbolCount).filter { nameMatches($0, raw) }
        }
    }

    /// The hash of every symbol `DT_GNU_HASH` leads to, low bit cleared (its chains keep
    /// `hash & ~1` beside an end-of-chain bit), in table order. Nil when the file has no GNU
    /// hash table, it cannot be walked to the end, the symbol count is unknown (0) or the
    /// chains bring more entries than there are symbols (they overlap: a hostile table).
    /// Reads no names: an index of which objects may define a name is built from these for
    /// a whole closure. (Written in place, no call per symbol: a closure has tens of thousands.)
    public func gnuHashes() -> [UInt32]? {
        if let ahead = tablesReadAhead { return ahead.gnuHashes }
        return walkGnuHashes()
    }

    /// Works out `gnuHashes()` and `undefinedReferences()` now, for the symbol check to take
    /// later: a resolver calls it on a second thread while it still resolves the closure, and
    /// joins that thread before the results are read (two calls on one file at once race).
    public func readTablesAhead() {
        tablesReadAhead = TablesReadAhead(gnuHashes: walkGnuHashes(), undefinedReferences: collectUndefinedReferences())
    }

    /// Whether `readTablesAhead` has run.
    public var hasTablesReadAhead: Bool { tablesReadAhead != nil }

    private func walkGnuHashes() -> [UInt32]? {
        guard let gnu = symbolTable.gnuHash, gnu.nbuckets > 0, gnu.bucketStart <= reader.count, gnu.chainStart <= reader.count,
              symbolCount > 0, let base = reader.buffer.baseAddress
        else { return nil }
        let size = reader.count, bigEndian = reader.bigEndian, symbols = symbolCount
        func word(_ offset: Int) -> UInt32 {
            let raw = base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            return bigEndian ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw)
        }
        var complete = true
        let hashes = [UInt32](unsafeUninitializedCapacity: symbols) { out, written in
            written = 0
            let symoffset = Int(gnu.symoffset)
            walk: for bucket in 0..<Int(gnu.nbuckets) {
                let at = gnu.bucketStart + bucket * 4
                guard at <= size - 4 else { complete = false; break }
                let first = word(at)
                if first == 0 { continue }
                guard first >= gnu.symoffset else { complete = false; break }
                var index = Int(first)
                while index < symbols {
                    let offset = gnu.chainStart + (index - symoffset) * 4
                    guard offset <= size - 4, written < symbols else { complete = false; break walk }
                    let chain = word(offset)
                    out[written] = chain & ~1
                    written += 1
                    if chain & 1 != 0 { break }
                    index += 1
                }
            }
        }
        return complete ? hashes : nil
    }

    /// Calls `body` with each index `symbolIndices(for:)` would list for the name with these
    /// bytes and GNU hash, in the same order, until it returns false; no array is made
    /// unless the file's GNU hash table cannot be used. A closure's symbol check asks this
    /// of every object that may define each reference.
    public func forEachSymbolIndex(named name: UnsafeRawBufferPointer, gnuHash: UInt32, _ body: (Int) -> Bool) {
        if isUnsearchable { return }
        if let gnu = symbolTable.gnuHash, let chain = gnuChain(hash: gnuHash, in: gnu) {
            for index in chain where gnuChainMatches(index, name, hash: gnuHash, in: gnu) {
                if !body(index) { return }
            }
            return
        }
        for index in symbolIndices(for: SymbolLookupKey(bytes: name, gnuHash: gnuHash)) where !body(index) { return }
    }

    /// The `DT_GNU_HASH` Bloom filter's word count is a power of two, as the loader asserts
    /// when it maps the file (`_dl_setup_hash`); true without a readable GNU hash table.
    public var hasPowerOfTwoBloomWords: Bool {
        guard let gnu = symbolTable.gnuHash else { return true }
        return gnu.bloomWords & (gnu.bloomWords &- 1) == 0
    }

    /// Whether the loader passes this file over in every lookup (`isUnsearchable`): it has
    /// no hash table (`DT_GNU_HASH`, `DT_HASH`), or the one it uses has no buckets.
    static func unsearchable(_ layout: SymbolTableLayout, _ reader: ByteReader) -> Bool {
        guard layout.namesHashTable else { return true }
        if let gnu = layout.gnuHash { return gnu.nbuckets == 0 }
        if let sysv = layout.sysvHashOffset, layout.symbolTableOffset != nil { return reader.u32(sysv) == 0 }
        return false
    }

    /// Whether the symbol table holds a definition named `name`, hash tables or not: what an
    /// unsearchable file (`isUnsearchable`) would have given.
    public func definesByScan(_ name: String) -> Bool {
        let key = SymbolLookupKey(name)
        return key.bytes.withUnsafeBytes { raw in
            (0..<symbolCount).contains { index in
                nameMatches(index, raw) && symbolFields(at: index).map { $0.sectionIndex != 0 && $0.value != 0 } == true
            }
        }
    }

    private func nameMatches(_ index: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        guard let table = stringTable, let start = symbolTable.symbolTableOffset,
              let nameOffset = reader.u32(start + index * (is64 ? 24 : 16))
        else { return false }
        return reader.cStringEquals(table.lowerBound + Int(nameOffset), limit: reader.count, key)
    }

    private func gnuLookup(_ key: UnsafeRawBufferPointer, hash h: UInt32, in gnu: GnuHashLayout) -> [Int]? {
        gnuChain(hash: h, in: gnu)?.filter { gnuChainMatches($0, key, hash: h, in: gnu) }
    }

    /// The symbol indices of the GNU hash chain for hash `h` (empty when the Bloom filter
    /// or the bucket rules the name out), every chain word readable; nil when the table
    /// cannot be used for it (then the loader's fallbacks apply).
    private func gnuChain(hash h: UInt32, in gnu: GnuHashLayout) -> Range<Int>? {
        guard gnu.nbuckets > 0 else { return nil }
        if let bloom = symbolTable.gnuBloom {
            guard let passes = bloom.mayContain(h, reader) else { return nil }
            if !passes { return 0..<0 }
        } else if reader.u32(gnu.bloomStart - 4) == nil {
            return nil   // (readable, with buckets, and no filter: no words, nothing to test)
        }
        guard let first = reader.u32(gnu.bucketStart + Int(h % gnu.nbuckets) * 4) else { return nil }
        if first == 0 { return 0..<0 }
        guard first >= gnu.symoffset else { return nil }
        var index = Int(first)
        while index < symbolCount || symbolCount == 0 {
            guard let chain = reader.u32(gnu.chainWord(index)) else { return nil }
            index += 1
            if chain & 1 != 0 { break }
        }
        return Int(first)..<index
    }

    /// Whether chain entry `index` (inside a range from `gnuChain`) carries hash `h` and is named `key`.
    private func gnuChainMatches(_ index: Int, _ key: UnsafeRawBufferPointer, hash h: UInt32, in gnu: GnuHashLayout) -> Bool {
        guard let chain = reader.u32(gnu.chainWord(index)) else { return false }
        return (chain | 1) == (h | 1) && nameMatches(index, key)
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
}

/// Lookups by name through the file's hash tables, as the loader makes them.
extension ELFFile {
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
            if let gnu = symbolTable.gnuHash, let found = gnuLookup(raw, hash: key.gnuHash, in: gnu) { return found }
            if let sysv = symbolTable.sysvHashOffset, let found = sysvLookup(raw, hash: key.sysvHash, at: sysv) { return found }
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
        guard let gnu = symbolTable.gnuHash, gnu.nbuckets > 0, gnu.bucketStart <= reader.count, gnu.chainStart <= reader.count
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
        guard let bloom = symbolTable.gnuBloom else { return true }
        return bloom.mayContain(key.gnuHash, reader)
    }

    private func nameMatches(_ index: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        guard let table = stringTable, let start = symbolTable.symbolTableOffset,
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
}

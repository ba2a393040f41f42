/// Where the parts of a `DT_GNU_HASH` table lie (elf/dl-lookup.c `_dl_setup_hash`): the
/// header read once, for the lookups, the chain walks and the size computations that all
/// need the same offsets. Nil when the three header words cannot be read; each user keeps
/// its own checks of what lies beyond them.
struct GnuHashLayout: Sendable {
    let nbuckets: UInt32
    let symoffset: UInt32
    /// `maskwords`: Bloom filter words of the file's class size.
    let bloomWords: UInt32
    let bloomStart: Int
    let bucketStart: Int
    let chainStart: Int

    init?(_ reader: ByteReader, at offset: Int?, is64: Bool) {
        guard let offset, let nbuckets = reader.u32(offset), let symoffset = reader.u32(offset + 4),
              let bloomWords = reader.u32(offset + 8) else { return nil }
        self.nbuckets = nbuckets
        self.symoffset = symoffset
        self.bloomWords = bloomWords
        bloomStart = offset + 16
        bucketStart = bloomStart + Int(bloomWords) * (is64 ? 8 : 4)
        chainStart = bucketStart + Int(nbuckets) * 4
    }

    /// The offset of symbol `index`'s chain word (`index` ≥ `symoffset`).
    func chainWord(_ index: Int) -> Int { chainStart + (index - Int(symoffset)) * 4 }
}

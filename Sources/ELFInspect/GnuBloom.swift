/// Where a DT_GNU_HASH table's Bloom filter is, and its parameters (elf/dl-lookup.c
/// `_dl_setup_hash`): read once per file instead of once per lookup.
struct GnuBloom: Sendable {
    let start: Int
    /// `maskwords`, a power of two (glibc masks with maskwords - 1).
    let words: UInt32
    let shift: UInt32
    let is64: Bool

    /// Nil when there is no table, it is truncated, it has no buckets or no filter words
    /// (then every lookup goes to the buckets).
    init?(_ reader: ByteReader, at offset: Int?, is64: Bool) {
        guard let offset, let nbuckets = reader.u32(offset), let words = reader.u32(offset + 8),
              let shift = reader.u32(offset + 12), nbuckets > 0, words > 0 else { return nil }
        self.start = offset + 16
        self.words = words
        self.shift = shift
        self.is64 = is64
    }

    /// Both bits for `hash` set in its word; nil when the word cannot be read. (glibc masks
    /// with maskwords - 1, elf/dl-lookup.c `_dl_setup_hash`.)
    func mayContain(_ hash: UInt32, _ reader: ByteReader) -> Bool? {
        let bits: UInt32 = is64 ? 64 : 32
        let wordIndex = Int((hash / bits) & (words - 1))
        guard let word = reader.word(start + wordIndex * (is64 ? 8 : 4), is64: is64) else { return nil }
        let mask = (UInt64(1) << UInt64(hash % bits)) | (UInt64(1) << UInt64((hash >> (shift & 31)) % bits))
        return word & mask == mask
    }
}

/// A symbol name ready for hash-table lookups: its bytes and both ELF hashes, computed once
/// for a lookup that visits many objects (glibc computes `new_hash` once per lookup too,
/// elf/dl-lookup.c `_dl_lookup_symbol_x`).
public struct SymbolLookupKey: Sendable, Hashable {
    /// The name, made from the bytes when asked (lookups only need the bytes).
    public var name: String { ByteString.decode(bytes) }
    let bytes: [UInt8]
    /// `dl_new_hash` (DT_GNU_HASH).
    public let gnuHash: UInt32
    /// `_dl_elf_hash` (DT_HASH): made when asked, for the few files without DT_GNU_HASH.
    var sysvHash: UInt32 {
        var sysv: UInt32 = 0
        for byte in bytes {
            sysv = (sysv << 4) &+ UInt32(byte)
            let g = sysv & 0xf000_0000
            if g != 0 { sysv ^= g >> 24 }
            sysv &= ~g
        }
        return sysv
    }

    public init(_ name: String) {
        self.init(bytes: ByteString.bytes(name))
    }

    /// From a name's bytes as stored in a string table.
    public init(bytes raw: UnsafeRawBufferPointer) {
        self.init(bytes: Array(raw))
    }

    /// The same, its GNU hash already known (`gnuHash(of:)` of these bytes).
    public init(bytes raw: UnsafeRawBufferPointer, gnuHash: UInt32) {
        self.init(bytes: Array(raw), gnuHash: gnuHash)
    }

    private init(bytes: [UInt8], gnuHash known: UInt32? = nil) {
        self.bytes = bytes
        gnuHash = known ?? Self.gnuHash(of: bytes)
    }

    /// `dl_new_hash`: the hash `DT_GNU_HASH` tables are built on.
    @inlinable
    public static func gnuHash<Bytes: Sequence>(of bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var hash: UInt32 = 5381
        for byte in bytes { hash = hash &* 33 &+ UInt32(byte) }
        return hash
    }
}

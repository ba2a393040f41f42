/// Bytes appended and patched in little-endian order (x86-64's).
struct LittleEndianBytes {
    var bytes: [UInt8] = []

    var count: Int { bytes.count }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { append(UInt64(v), size: 2) }
    mutating func u32(_ v: UInt32) { append(UInt64(v), size: 4) }
    mutating func u64(_ v: UInt64) { append(v, size: 8) }

    mutating func append(_ v: UInt64, size: Int) {
        for i in 0..<size { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }

    /// Zero bytes up to a multiple of `alignment`.
    mutating func align(_ alignment: Int) {
        while alignment > 1 && bytes.count % alignment != 0 { bytes.append(0) }
    }

    mutating func patch(_ v: UInt64, size: Int, at offset: Int) {
        for i in 0..<size { bytes[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
    }
}

/// `.dynstr` / `.shstrtab`: NUL-terminated strings, each stored once, offset 0 the empty one.
struct ELFStringTable {
    private(set) var bytes: [UInt8] = [0]
    private var offsets: [String: UInt32] = ["": 0]

    @discardableResult
    mutating func add(_ text: String) -> UInt32 {
        if let known = offsets[text] { return known }
        let offset = UInt32(bytes.count)
        bytes += Array(text.utf8) + [0]
        offsets[text] = offset
        return offset
    }

    func offset(_ text: String) -> UInt32 { offsets[text] ?? 0 }
}

/// The two symbol hash functions of the gABI and the GNU extension, written out from the
/// specifications so that tests do not rely on the code under test.
public enum ELFHash {
    /// `elf_hash` (System V ABI): `DT_HASH` buckets and `vd_hash`/`vna_hash`.
    public static func sysv(_ name: String) -> UInt32 {
        var h: UInt32 = 0
        for c in name.utf8 {
            h = (h << 4) &+ UInt32(c)
            let g = h & 0xf000_0000
            if g != 0 { h ^= g >> 24 }
            h &= ~g
        }
        return h
    }

    /// `dl_new_hash` (DJB): `DT_GNU_HASH`.
    public static func gnu(_ name: String) -> UInt32 {
        var h: UInt32 = 5381
        for c in name.utf8 { h = h &* 33 &+ UInt32(c) }
        return h
    }
}

import ELFInspect

/// The order ldconfig sorts cache keys in and the loader binary-searches them with:
/// glibc elf/dl-cache.c `_dl_cache_libcmp`. Runs of digits compare as numbers, so
/// `libloc.so.05` equals `libloc.so.5` and `libx.so.10` sorts after `libx.so.9`.
public enum LdSoCacheNameOrder {
    /// `_dl_cache_libcmp(p1, p2)`: negative, zero or positive. Bytes compare as C's signed
    /// `char` on x86-64, and digit values wrap like its `int`, so hostile keys order as in glibc.
    public static func compare(_ p1: [UInt8], _ p2: [UInt8]) -> Int32 {
        compareBytes(p1, p2)
    }

    /// The same over any contiguous bytes (a key read in place in the cache file).
    static func compare(_ p1: [UInt8], _ p2: UnsafeRawBufferPointer) -> Int32 {
        compareBytes(p1, p2)
    }

    private static func compareBytes<A: RandomAccessCollection<UInt8>, B: RandomAccessCollection<UInt8>>(_ p1: A, _ p2: B) -> Int32
        where A.Index == Int, B.Index == Int {
        var i = 0, j = 0
        func at<C: RandomAccessCollection<UInt8>>(_ a: C, _ k: Int) -> UInt8 where C.Index == Int { k < a.count ? a[a.startIndex + k] : 0 }
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        while at(p1, i) != 0 {
            let c1 = at(p1, i), c2 = at(p2, j)
            if isDigit(c1) {
                guard isDigit(c2) else { return 1 }
                var v1 = Int32(c1 - 0x30), v2 = Int32(c2 - 0x30)
                i += 1; j += 1
                while isDigit(at(p1, i)) { v1 = v1 &* 10 &+ Int32(at(p1, i) - 0x30); i += 1 }
                while isDigit(at(p2, j)) { v2 = v2 &* 10 &+ Int32(at(p2, j) - 0x30); j += 1 }
                if v1 != v2 { return v1 &- v2 }
            } else if isDigit(c2) {
                return -1
            } else if c1 != c2 {
                return Int32(Int8(bitPattern: c1)) - Int32(Int8(bitPattern: c2))
            } else {
                i += 1; j += 1
            }
        }
        return Int32(Int8(bitPattern: at(p1, i))) - Int32(Int8(bitPattern: at(p2, j)))
    }

    public static func compare(_ a: String, _ b: String) -> Int32 {
        compare(ByteString.bytes(a), ByteString.bytes(b))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A keyed hash of a byte string, eight bytes at a time, for the tables that hold paths (the
/// root's entries, resolutions, overlays): the standard library hashes a `String` a byte at
/// a time through SipHash, which was a tenth of a `check --root` with a plan (a path is
/// hashed several times a resolution, once in each layer it passes).
///
/// The mixing is wyhash's (a 64×64→128-bit product folded by xor); the secret comes from the
/// standard library's per-process random seed, so an image cannot choose names that collide
/// (and `SWIFT_DETERMINISTIC_HASHING` makes it repeatable, as it makes `Hasher`).
public enum SeededByteHash {
    /// Three odd words derived from `Hasher`'s seed.
    @usableFromInline
    static let secret: (UInt64, UInt64, UInt64) = {
        func word(_ n: UInt64) -> UInt64 {
            var hasher = Hasher()
            hasher.combine(n)
            return UInt64(UInt(bitPattern: hasher.finalize())) | 1
        }
        return (word(0x6f66_646f_6374_6f72), word(1), word(2))
    }()

    @inlinable @inline(__always)
    static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    /// The hash of `bytes` under `seed`.
    @inlinable
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let (s0, s1, s2) = secret
        let count = bytes.count
        var accumulator = seed ^ s0
        var offset = 0
        while count - offset > 16 {
            let a = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            let b = bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)
            accumulator = fold(a ^ s1, b ^ accumulator)
            offset += 16
        }
        // The last 1 to 16 bytes, as two words that may overlap (every byte read at least once).
        let rest = count - offset
        var a: UInt64 = 0, b: UInt64 = 0
        if rest >= 8 {
            a = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            b = bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        } else if rest >= 4 {
            a = UInt64(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            b = UInt64(bytes.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
        } else if rest > 0 {
            a = UInt64(bytes[offset]) << 16 | UInt64(bytes[offset + rest / 2]) << 8 | UInt64(bytes[count - 1])
        }
        return fold(s2 ^ UInt64(count), fold(a ^ s1, b ^ accumulator))
    }

    /// Whether `a` and `b` are the same bytes: what a key hashed by its bytes must compare
    /// (`String`'s `==` takes canonically equivalent text as equal, `é` and `e` + U+0301,
    /// which are two file names to the kernel).
    @inlinable
    public static func sameBytes(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        let same = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0
            }
        }
        if let same, let same { return same }
        return sameSmallBytes(a, b)
    }

    /// `sameBytes` where one is a small string (most names), which has no contiguous `utf8`:
    /// read from copies on the stack (comparing the views element by element cost ~20
    /// instructions a byte). Not inlined: inlined, it made `sameBytes` too large to inline.
    @usableFromInline @inline(never)
    static func sameSmallBytes(_ a: String, _ b: String) -> Bool {
        a.withUTF8Bytes { x in
            b.withUTF8Bytes { y in x.count == y.count && (x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0) }
        }
    }

    /// Whether `a`'s bytes sort before `b`'s (memcmp, then the shorter first): the order
    /// that agrees with `sameBytes`, where `String`'s `<` leaves canonically equivalent
    /// names neither before nor after each other, yet not equal.
    @inlinable
    public static func bytesPrecede(_ a: String, _ b: String) -> Bool {
        let shared = min(a.utf8.count, b.utf8.count)
        let order = a.withUTF8Bytes { x in
            b.withUTF8Bytes { y in shared == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, shared) }
        }
        return order != 0 ? order < 0 : a.utf8.count < b.utf8.count
    }

    /// The hash of `string`'s UTF-8 bytes under `seed`.
    @inlinable
    public static func hash(_ string: String, seed: UInt64) -> UInt64 {
        string.withUTF8Bytes { hash($0, seed: seed) }
    }
}

extension String {
    /// `SeededByteHash.sameBytes`: names from a root compared as the kernel and the loader
    /// compare them (`==` takes `é` and `e` + U+0301 as one).
    @inlinable
    public func hasSameBytes(as other: String) -> Bool { SeededByteHash.sameBytes(self, other) }
}

extension Optional where Wrapped == String {
    /// Both absent, or both there with the same bytes.
    @inlinable
    public func hasSameBytes(as other: String?) -> Bool {
        switch (self, other) {
        case (nil, nil): return true
        case (let a?, let b?): return a.hasSameBytes(as: b)
        default: return false
        }
    }
}

import RootFS
import Support
import Testing

/// `SeededByteHash`, which keys the root's path tables in place of `String`'s SipHash: every
/// byte counts at every length (the word loop, the overlapping tail, the short tail), the
/// seed counts, and paths spread over a table's buckets; `RootPath` keys hash by their text.
@Suite("seeded byte hash of paths")
struct SeededByteHashTests {
    static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { SeededByteHash.hash($0, seed: seed) }
    }

    @Test("a change to any one byte changes the hash, at every length up to 48")
    func everyByteCounts() {
        for count in 0...48 {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: 0x2F + $0 * 7) }
            let original = Self.hash(bytes)
            #expect(Self.hash(bytes) == original, "repeatable at \(count)")
            for at in bytes.indices {
                for flip in [UInt8(0x01), 0x80] {
                    var changed = bytes
                    changed[at] ^= flip
                    #expect(Self.hash(changed) != original, "byte \(at) of \(count), bit \(flip)")
                }
            }
            // A trailing zero byte is not the same text: the length is hashed too.
            #expect(Self.hash(bytes + [0]) != original, "length \(count)")
        }
    }

    @Test("the seed changes the hash")
    func seedCounts() {
        let bytes = Array("/usr/lib/x86_64-linux-gnu/libz.so.1".utf8)
        let hashes = Set((0..<64 as Range<UInt64>).map { Self.hash(bytes, seed: $0 &* 0x9E37_79B9_7F4A_7C15) })
        #expect(hashes.count == 64)
    }

    @Test("a string hashes as its UTF-8 bytes, multi-byte text included")
    func stringsAsBytes() {
        for text in ["", "/", "/opt/conda/lib/libffi.so.7", "/données/bibliothèque/libé.so", String(repeating: "/ab", count: 40)] {
            #expect(SeededByteHash.hash(text, seed: 7) == Self.hash(Array(text.utf8), seed: 7))
            let slice = ("x" + text).dropFirst()
            #expect(SeededByteHash.hash(String(slice), seed: 7) == SeededByteHash.hash(text, seed: 7))
        }
    }

    @Test("100,000 library paths that differ in a few characters spread evenly over 65,536 buckets")
    func spreads() {
        var buckets = [Int](repeating: 0, count: 1 << 16)
        for n in 0..<100_000 {
            let path = "/opt/conda/pkgs/mkl-2023.\(n % 97)/lib/libmkl_\(n).so.\(n % 3)"
            buckets[Int(SeededByteHash.hash(path, seed: 0) & 0xFFFF)] += 1
        }
        // A uniform hash puts at most about a dozen of 100,000 in one of 65,536 buckets.
        #expect(buckets.max()! <= 16)
        #expect(buckets.filter { $0 == 0 }.count < 20_000)   // e^-1.53 ≈ 21.7% expected empty
    }

    @Test("RootPath keys: the same path built two ways is one key; different paths are two")
    func rootPathKeys() {
        let a = RootPath("/usr//lib/./x86_64-linux-gnu/")
        let b = RootPath("/usr/lib/x86_64-linux-gnu")
        #expect(a == b && a.hashValue == b.hashValue)
        var table: [RootPath: Int] = [a: 1]
        table[b, default: 0] += 1
        table[RootPath("/usr/lib/x86_64-linux-gnux")] = 9
        #expect(table.count == 2 && table[b] == 2)
        let set = Set((0..<1_000).map { RootPath("/lib/libx.so.\($0)") } + (0..<1_000).map { RootPath("/lib//libx.so.\($0)") })
        #expect(set.count == 1_000)
    }

    @Test("TextKey and RootPath are equal byte for byte: canonically equivalent names are two, as on disk")
    func byteEquality() {
        let names = ["libc.so.6", "libc.so.6", "libé.so", "libe\u{301}.so", "", "glibc-hwcaps", "x86_64"]
        let keys = Set(names.map(TextKey.init))
        #expect(keys.count == Set(names.map { Array($0.utf8) }).count)   // 6: String's == would make it 5
        for name in names { #expect(keys.contains(TextKey(name))) }
        #expect(!keys.contains(TextKey("libc.so.7")))
        #expect(TextKey("libz.so.1") == TextKey(String("xlibz.so.1".dropFirst())))
        #expect(TextKey("libz.so.1").hashValue == TextKey(String("xlibz.so.1".dropFirst())).hashValue)
        #expect(RootPath("/lib/libé.so") != RootPath("/lib/libe\u{301}.so"))
        #expect(Set([RootPath("/lib/libé.so"), RootPath("/lib/libe\u{301}.so"), RootPath("/lib//libé.so")]).count == 2)
    }

    @Test("RootPath's order is its bytes' order: a strict weak order that agrees with ==, canonically equivalent names included")
    func byteOrder() {
        let texts = ["/lib/libé.so", "/lib/libe\u{301}.so", "/lib/libe.so", "/lib/libf.so", "/lib", "/", "/lib/lib\u{10FFE9}.so",
                     "/usr/lib", "/lib/libz.so.1", "/lib/libz.so"]
        let paths = texts.map { RootPath($0) }
        for a in paths {
            #expect(!(a < a))
            for b in paths {
                // exactly one of <, ==, > holds, and < is the bytes' order
                #expect([a < b, a == b, b < a].filter { $0 }.count == 1, "\(a) \(b)")
                #expect((a < b) == Array(a.string.utf8).lexicographicallyPrecedes(Array(b.string.utf8)), "\(a) \(b)")
            }
        }
        #expect(paths.sorted().map { Array($0.string.utf8) } == texts.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) })
    }
}

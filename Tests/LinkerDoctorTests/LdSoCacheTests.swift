import Foundation
import Testing
@testable import LoaderModel

/// Shell and temp-root helpers for the ld.so.cache / ld.so.conf / ldconfig tests.
enum LdCacheTestSupport {
    static var isRoot: Bool { getuid() == 0 }
    static var hasLdconfig: Bool { FileManager.default.isExecutableFile(atPath: "/sbin/ldconfig") }
    static var hasGcc: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }
    static var canRunLdconfigRoot: Bool { isRoot && hasLdconfig && hasGcc }

    struct Output { var status: Int32; var out: String; var err: String }

    /// Runs `script` with /bin/sh; outputs go through files so large ones cannot block.
    @discardableResult
    static func sh(_ script: String) throws -> Output {
        let dir = try makeTempDir("sh")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "(\(script)) >'\(dir)/out' 2>'\(dir)/err'"]
        try process.run()
        process.waitUntilExit()
        let out = (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? ""
        return Output(status: process.terminationStatus, out: out, err: err)
    }

    static func makeTempDir(_ tag: String) throws -> String {
        let path = NSTemporaryDirectory() + "ldcache-\(tag)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The model's cache is the real ldconfig's: the same entries (keys, paths, flags, hwcaps)
    /// in the same order, and the same glibc-hwcaps names.
    static func expectSameCache(_ model: LdSoCache, _ real: LdSoCache, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(model.entries.map(\.key) == real.entries.map(\.key), sourceLocation: sourceLocation)
        #expect(model.entries.map(\.value) == real.entries.map(\.value), sourceLocation: sourceLocation)
        #expect(model.entries.map(\.flags) == real.entries.map(\.flags), sourceLocation: sourceLocation)
        #expect(model.entries.map(\.hwcap) == real.entries.map(\.hwcap), sourceLocation: sourceLocation)
        #expect(model.glibcHWCapsNames == real.glibcHWCapsNames, sourceLocation: sourceLocation)
    }

    /// `ldconfig -p` lines as (key, description in parentheses, path), in order.
    static func parsePrintCache(_ text: String) -> [(key: String, kind: String, path: String)] {
        var result: [(String, String, String)] = []
        for line in text.split(separator: "\n") where line.hasPrefix("\t") {
            let body = line.dropFirst()
            guard let arrow = body.range(of: ") => "), let open = body.range(of: " (") else { continue }
            let key = String(body[..<open.lowerBound])
            let kind = String(body[open.upperBound..<arrow.lowerBound])
            let path = String(body[arrow.upperBound...])
            result.append((key, kind, path))
        }
        return result
    }

    /// A tiny root whose cache real ldconfig writes: two libraries, one glibc-hwcaps copy.
    static func smallCache() throws -> [UInt8] {
        let root = try makeTempDir("small")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let r = try sh("""
            set -e; cd '\(root)'; mkdir -p etc lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v2; : > etc/ld.so.conf
            echo 'int f(void){return 1;}' > f.c
            gcc -shared -fPIC -o lib/x86_64-linux-gnu/liba.so.1.0 -Wl,-soname,liba.so.1 f.c
            gcc -shared -fPIC -o lib/x86_64-linux-gnu/libb.so.2 -Wl,-soname,libb.so.2 f.c
            cp lib/x86_64-linux-gnu/libb.so.2 lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v2/
            ldconfig -r '\(root)'
            """)
        guard r.status == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: r.err]) }
        return try bytes(root + "/etc/ld.so.cache")
    }

    static func put32(_ value: UInt32, into bytes: inout [UInt8], at offset: Int) {
        for k in 0..<4 { bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(k))) }
    }
}

@Suite("ld.so.cache")
struct LdSoCacheTests {
    @Test("_dl_cache_libcmp compares digit runs as numbers")
    func libcmpNumeric() {
        #expect(LdSoCacheNameOrder.compare("libloc.so.05", "libloc.so.5") == 0)
        #expect(LdSoCacheNameOrder.compare("libx.so.10", "libx.so.9") > 0)
        #expect(LdSoCacheNameOrder.compare("libx.so.1", "libx.so.1.0") < 0)
        #expect(LdSoCacheNameOrder.compare("liba", "libb") < 0)
        #expect(LdSoCacheNameOrder.compare("lib9", "liba") > 0)   // a digit sorts after a non-digit
        #expect(LdSoCacheNameOrder.compare("libx.so.99999999999999999999", "libx.so.1") != 0)   // wraps, no trap
    }

    @Test("this machine's cache has every (key, path) that `ldconfig -p` prints, in order",
          .enabled(if: LdCacheTestSupport.hasLdconfig, "needs /sbin/ldconfig"),
          arguments: ["ldconfig -p", "/sbin/ldconfig -p"])
    func machineCacheMatchesPrintCache(_ command: String) throws {
        let cache = try LdSoCache(bytes: LdCacheTestSupport.bytes("/etc/ld.so.cache"))
        let printed = try LdCacheTestSupport.sh(command)
        #expect(printed.status == 0)
        let lines = LdCacheTestSupport.parsePrintCache(printed.out)
        #expect(lines.count == cache.entries.count)
        #expect(lines.count > 10)
        for (line, entry) in zip(lines, cache.entries) {
            #expect(line.key == entry.key)
            #expect(line.path == entry.value)
            #expect(line.kind.hasPrefix("libc6,x86-64") == (entry.flags == LdSoCache.x86_64Flags))
        }
        if let generator = cache.generator {
            #expect(printed.out.contains("Cache generated by: \(generator)"))
        }
    }

    @Test("lookup of each key gives the first plain x86-64 path `ldconfig -p` lists for it",
          .enabled(if: LdCacheTestSupport.hasLdconfig, "needs /sbin/ldconfig"))
    func machineLookupMatchesFirstListed() throws {
        let cache = try LdSoCache(bytes: LdCacheTestSupport.bytes("/etc/ld.so.cache"))
        let lines = LdCacheTestSupport.parsePrintCache(try LdCacheTestSupport.sh("ldconfig -p").out)
        var expected: [String: String] = [:]
        for line in lines where line.kind == "libc6,x86-64" && expected[line.key] == nil {
            expected[line.key] = line.path
        }
        #expect(expected.count > 10)
        for (key, path) in expected {
            #expect(cache.lookup(key, glibcHWCaps: []) == path, "\(key)")
        }
        #expect(cache.lookup("libdoesnotexist.so.42", glibcHWCaps: []) == nil)
    }

    @Test("the loader's numeric match: libc.so.06 finds libc.so.6",
          .enabled(if: FileManager.default.fileExists(atPath: "/etc/ld.so.cache"), "needs /etc/ld.so.cache"))
    func numericLookup() throws {
        let cache = try LdSoCache(bytes: LdCacheTestSupport.bytes("/etc/ld.so.cache"))
        #expect(cache.lookup("libc.so.06", glibcHWCaps: []) == cache.lookup("libc.so.6", glibcHWCaps: []))
        #expect(cache.lookup("libc.so.6", glibcHWCaps: []) != nil)
        #expect(cache.paths(forKey: "libc.so.6").count >= 1)
    }

    @Test("a cache truncated at any byte: an error while the header or the entry table is cut, else the entries whose strings start before the cut (read up to it), never a trap",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot, "needs root, gcc and ldconfig -r"))
    func truncatedEverywhere() throws {
        let full = try LdCacheTestSupport.smallCache()
        let complete = try LdSoCache(bytes: full)
        #expect(complete.entries.count == 3)
        #expect(complete.glibcHWCapsNames == ["x86-64-v2"])
        #expect(complete.generator?.hasPrefix("ldconfig") == true)
        var errors = 0
        for length in 0..<full.count {
            do {
                let cache = try LdSoCache(bytes: Array(full[0..<length]))
                // (the loader's checks: more than the 48-byte header, and room for the table)
                #expect(length >= 48 + 24 * 3, "parsed at \(length)")
                for entry in cache.entries {
                    #expect(complete.entries.contains {
                        $0.flags == entry.flags && $0.keyBytes.starts(with: entry.keyBytes) && $0.valueBytes.starts(with: entry.valueBytes)
                    }, "cut at \(length): \(entry.value)")
                }
            } catch {
                errors += 1
            }
        }
        #expect(errors == 48 + 24 * 3)
    }

    @Test("hostile counts and offsets give typed errors",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot, "needs root, gcc and ldconfig -r"))
    func hostileHeaders() throws {
        let full = try LdCacheTestSupport.smallCache()
        var huge = full
        LdCacheTestSupport.put32(0xFFFF_FFFF, into: &huge, at: 20)
        #expect(throws: LdSoCacheError.tooManyEntries(path: "/etc/ld.so.cache", count: 0xFFFF_FFFF, room: (full.count - 48) / 24)) {
            try LdSoCache(bytes: huge)
        }
        // A string offset past the end is the loader's to meet, entry by entry, as it searches
        // (`TruncatedCacheTests`): the cache parses, and the entry is not among those read.
        let complete = try LdSoCache(bytes: full)
        var badKey = full
        LdCacheTestSupport.put32(0xFFFF_FFF0, into: &badKey, at: 48 + 4)
        let withBadKey = try LdSoCache(bytes: badKey)
        #expect(withBadKey.entries.count == complete.entries.count - 1)
        var badValue = full
        LdCacheTestSupport.put32(UInt32(full.count), into: &badValue, at: 48 + 24 + 8)
        #expect(try LdSoCache(bytes: badValue).entries.count == complete.entries.count - 1)
        var bigEndian = full
        bigEndian[28] = 3
        #expect(throws: LdSoCacheError.wrongEndianness(path: "/etc/ld.so.cache", flags: 3)) { try LdSoCache(bytes: bigEndian) }
        var badExtension = full
        let extensionOffset = Int(UInt32(full[32]) | UInt32(full[33]) << 8 | UInt32(full[34]) << 16 | UInt32(full[35]) << 24)
        LdCacheTestSupport.put32(0xFFFF_FFFF, into: &badExtension, at: extensionOffset + 4)   // section count
        let noExtension = try LdSoCache(bytes: badExtension)
        #expect(noExtension.extensionProblem != nil)
        #expect(noExtension.glibcHWCapsNames.isEmpty)
        // Without the names table the loader cannot rank the glibc-hwcaps copy: the plain one wins.
        #expect(noExtension.lookup("libb.so.2", glibcHWCaps: ["x86-64-v2"])?.contains("glibc-hwcaps") == false)
        #expect(throws: LdSoCacheError.notACache(path: "/x")) { try LdSoCache(bytes: Array("hello world, not a cache at all".utf8), path: "/x") }
        #expect(throws: (any Error).self) { try LdSoCache(bytes: []) }
    }

    /// An old-format cache made by hand per sysdeps/generic/dl-cache.h.
    static func oldCache(_ entries: [(flags: Int32, key: String, value: String)], appending newPart: [UInt8]? = nil) -> [UInt8] {
        var bytes = Array("ld.so-1.7.0".utf8) + [0]
        bytes += withUnsafeBytes(of: UInt32(entries.count).littleEndian, Array.init)
        var strings: [UInt8] = newPart.map { part in
            let end = 16 + 12 * entries.count
            return [UInt8](repeating: 0, count: ((end + 7) & ~7) - end) + part
        } ?? [0]
        var table: [UInt8] = []
        for e in entries {
            let key = UInt32(strings.count); strings += Array(e.key.utf8) + [0]
            let value = UInt32(strings.count); strings += Array(e.value.utf8) + [0]
            table += withUnsafeBytes(of: e.flags.littleEndian, Array.init)
            table += withUnsafeBytes(of: key.littleEndian, Array.init)
            table += withUnsafeBytes(of: value.littleEndian, Array.init)
        }
        return bytes + table + strings
    }

    @Test("an old-format (ld.so-1.7.0) cache parses and is searched like the loader does")
    func oldFormat() throws {
        let bytes = Self.oldCache([
            (0x0303, "libz.so.1", "/lib/libz.so.1"),
            (0x0003, "libm.so.6", "/lib32/libm.so.6"),
            (0x0303, "libm.so.6", "/lib/libm.so.6"),
            (0x0303, "liba.so.2", "/lib/liba.so.2"),
        ])
        let cache = try LdSoCache(bytes: bytes)
        #expect(cache.format == .old)
        #expect(cache.entries.map(\.key) == ["libz.so.1", "libm.so.6", "libm.so.6", "liba.so.2"])
        #expect(cache.lookup("libm.so.6", glibcHWCaps: []) == "/lib/libm.so.6")   // i386 entry skipped
        #expect(cache.lookup("libz.so.01", glibcHWCaps: []) == "/lib/libz.so.1")
        #expect(cache.lookup("liba.so.2", glibcHWCaps: []) == "/lib/liba.so.2")
        #expect(cache.lookup("libq.so.1", glibcHWCaps: []) == nil)
        #expect(cache.paths(forKey: "libm.so.6") == ["/lib32/libm.so.6", "/lib/libm.so.6"])
        // Truncations never trap.
        for length in 0..<bytes.count { _ = try? LdSoCache(bytes: Array(bytes[0..<length])) }
        var huge = bytes
        LdCacheTestSupport.put32(0x4000_0000, into: &huge, at: 12)
        #expect(throws: LdSoCacheError.tooManyEntries(path: "/etc/ld.so.cache", count: 0x4000_0000, room: (bytes.count - 16) / 12)) {
            try LdSoCache(bytes: huge)
        }
    }

    @Test("an old cache followed by a new one (8-aligned) is read through the new table",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot, "needs root, gcc and ldconfig -r"))
    func oldWithNew() throws {
        let newPart = try LdCacheTestSupport.smallCache()
        let expected = try LdSoCache(bytes: newPart)
        // Three old entries: 16 + 36 = 52 bytes, so 4 bytes of padding before the new header.
        let bytes = Self.oldCache([(0x0303, "liba.so.1", "/old/liba.so.1"), (0x0303, "libb.so.2", "/old/libb.so.2"),
                                   (0x0303, "libc.so.9", "/old/libc.so.9")], appending: newPart)
        // The old table's strings follow the new part; the new table's string offsets are relative to its header.
        let cache = try LdSoCache(bytes: bytes)
        #expect(cache.format == .oldWithNew)
        #expect(cache.entries.map(\.key) == expected.entries.map(\.key))
        #expect(cache.entries.map(\.value) == expected.entries.map(\.value))
        #expect(cache.lookup("liba.so.1", glibcHWCaps: []) == expected.lookup("liba.so.1", glibcHWCaps: []))
    }

    @Test("glibc-hwcaps and legacy hwcap entries are chosen like the loader's search_cache",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot, "needs root, gcc and ldconfig -r"))
    func hwcapsSelection() throws {
        let root = try LdCacheTestSupport.makeTempDir("hwcaps")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/lib/x86_64-linux-gnu"
        let r = try LdCacheTestSupport.sh("""
            set -e; mkdir -p '\(root)/etc'; : > '\(root)/etc/ld.so.conf'; cd '\(dir)' 2>/dev/null || mkdir -p '\(dir)'; cd '\(dir)'
            echo 'int f(void){return 1;}' > /tmp/ldcache-f-$$.c
            for d in . x86_64 tls haswell glibc-hwcaps/x86-64-v2 glibc-hwcaps/x86-64-v3; do
              mkdir -p $d; gcc -shared -fPIC -o $d/libq.so.1 -Wl,-soname,libq.so.1 /tmp/ldcache-f-$$.c; done
            gcc -shared -fPIC -o haswell/libh.so.1 -Wl,-soname,libh.so.1 /tmp/ldcache-f-$$.c
            gcc -shared -fPIC -o libh.so.1 -Wl,-soname,libh.so.1 /tmp/ldcache-f-$$.c
            mkdir -p glibc-hwcaps/x86-64-v4
            gcc -shared -fPIC -o glibc-hwcaps/x86-64-v4/libv.so.1 -Wl,-soname,libv.so.1 -Wl,-z,x86-64-v4 /tmp/ldcache-f-$$.c
            gcc -shared -fPIC -o libv.so.1 -Wl,-soname,libv.so.1 /tmp/ldcache-f-$$.c
            rm /tmp/ldcache-f-$$.c; ldconfig -r '\(root)'
            """)
        #expect(r.status == 0, "\(r.err)")
        let cache = try LdSoCache(bytes: LdCacheTestSupport.bytes(root + "/etc/ld.so.cache"))
        #expect(cache.glibcHWCapsNames == ["x86-64-v2", "x86-64-v3", "x86-64-v4"])
        let base = "/lib/x86_64-linux-gnu"
        #expect(cache.lookup("libq.so.1", glibcHWCaps: ["x86-64-v3", "x86-64-v2"]) == base + "/glibc-hwcaps/x86-64-v3/libq.so.1")
        #expect(cache.lookup("libq.so.1", glibcHWCaps: ["x86-64-v2"]) == base + "/glibc-hwcaps/x86-64-v2/libq.so.1")
        // No glibc-hwcaps (glibc < 2.33): the legacy entry with the most usable bits, tls+x86_64 absent → tls.
        #expect(cache.lookup("libq.so.1", glibcHWCaps: []) == base + "/tls/libq.so.1")
        // A platform entry only on that platform.
        #expect(cache.lookup("libh.so.1", glibcHWCaps: [], legacy: LdSoCacheLegacyHWCap(platform: "haswell")) == base + "/haswell/libh.so.1")
        #expect(cache.lookup("libh.so.1", glibcHWCaps: []) == base + "/libh.so.1")
        // glibc 2.37 and later skip every legacy entry: the plain one, or the glibc-hwcaps one
        // (Glibc241LegacyHWCapsTests has 2.41's loader skip one).
        #expect(cache.lookup("libq.so.1", glibcHWCaps: [], legacy: .removed) == base + "/libq.so.1")
        #expect(cache.lookup("libh.so.1", glibcHWCaps: [], legacy: .removed) == base + "/libh.so.1")
        #expect(cache.lookup("libq.so.1", glibcHWCaps: ["x86-64-v2"], legacy: .removed) == base + "/glibc-hwcaps/x86-64-v2/libq.so.1")
        // x86-64-v4 copy needs ISA level v4 (hwcap bits 32–41 = 3).
        let v4 = cache.entries.first { $0.key == "libv.so.1" && $0.glibcHWCaps == "x86-64-v4" }
        #expect(v4?.isaLevel == 3)
        #expect(cache.lookup("libv.so.1", glibcHWCaps: ["x86-64-v4", "x86-64-v3", "x86-64-v2"]) == base + "/glibc-hwcaps/x86-64-v4/libv.so.1")
        #expect(cache.lookup("libv.so.1", glibcHWCaps: ["x86-64-v3", "x86-64-v2"]) == base + "/libv.so.1")
    }
}

import ELFInspect
import Foundation
import Testing
@testable import Archive
@testable import RootFS

/// The tar writer and the gzip sink, judged by GNU tar and gzip (and read back by the
/// layer index that `--image` uses).
@Suite("archive writers")
struct ArchiveWriterTests {
    static let long = String(repeating: "d", count: 70) + "/" + String(repeating: "e", count: 70) + "/file-with-a-long-name.so.1"
    static let unsplittable = String(repeating: "x", count: 120)

    static func archive(_ members: [(TarWriterEntry, [UInt8])]) throws -> [UInt8] {
        let sink = MemorySink()
        let tar = TarWriter(into: sink)
        for (entry, body) in members { try tar.append(entry, bytes: body) }
        try tar.finish()
        return sink.bytes
    }

    static let members: [(TarWriterEntry, [UInt8])] = [
        (TarWriterEntry(name: "etc", kind: .directory, mode: 0o755, uid: 0, gid: 0, mtime: 1_700_000_000), []),
        (TarWriterEntry(name: "etc/ld.so.cache", kind: .file, mode: 0o644), Array("cache bytes".utf8)),
        (TarWriterEntry(name: "usr/lib/libwebp.so.7", kind: .symlink(target: "libwebp.so.6"), mode: 0o777), []),
        (TarWriterEntry(name: long, kind: .file, mode: 0o600, uid: 1000, gid: 1001), Array(repeating: 7, count: 1000)),
        (TarWriterEntry(name: unsplittable, kind: .symlink(target: "/" + String(repeating: "t", count: 150)), mode: 0o777), []),
        (TarWriterEntry(name: "opt/owned", kind: .directory, mode: 0o2775, uid: 3_000_000, gid: 5, mtime: 12), []),
        (TarWriterEntry(name: "usr/lib/.wh.libstale.so.1", kind: .file, mode: 0o644), []),
    ]

    @Test("GNU tar lists every member as written: names past 100 bytes (ustar prefix or pax), long link targets, owners past 7 octal digits, modes, times")
    func gnuTarReadsIt() throws {
        let directory = try ImageTestDirectory()
        let path = try directory.write("w.tar", try Self.archive(Self.members))
        let listing = try LdCacheTestSupport.sh("tar --numeric-owner --full-time -tvf '\(path)'")
        #expect(listing.status == 0, "\(listing.err)")
        let lines = listing.out.split(separator: "\n").map(String.init)
        #expect(lines.count == Self.members.count, "\(listing.out)")
        #expect(lines[0].hasPrefix("drwxr-xr-x 0/0") && lines[0].contains("2023-11-14") && lines[0].hasSuffix(" etc/"), "\(lines[0])")
        #expect(lines[1].hasPrefix("-rw-r--r-- 0/0") && lines[1].contains(" 11 1970-01-01") && lines[1].hasSuffix(" etc/ld.so.cache"), "\(lines[1])")
        #expect(lines[2].hasPrefix("lrwxrwxrwx") && lines[2].hasSuffix(" usr/lib/libwebp.so.7 -> libwebp.so.6"), "\(lines[2])")
        #expect(lines[3].hasPrefix("-rw------- 1000/1001") && lines[3].hasSuffix(" " + Self.long), "\(lines[3])")
        #expect(lines[4].hasSuffix(" \(Self.unsplittable) -> /" + String(repeating: "t", count: 150)), "\(lines[4])")
        #expect(lines[5].hasPrefix("drwxrwsr-x 3000000/5") && lines[5].hasSuffix(" opt/owned/"), "\(lines[5])")
        let extracted = try LdCacheTestSupport.sh("cd '\(directory.path)' && mkdir x && tar -xf w.tar -C x && wc -c < x/'\(Self.long)'")
        #expect(extracted.out.trimmingCharacters(in: .whitespacesAndNewlines) == "1000", "\(extracted.err)")
    }

    @Test("the layer index reads back names, kinds, modes, owners and bodies; the same entries give the same bytes")
    func roundTrip() throws {
        let bytes = try Self.archive(Self.members)
        #expect(bytes == (try Self.archive(Self.members)))
        #expect(bytes.count % 512 == 0)
        let entries = try bytes.withUnsafeBytes { buffer in try LayerTarIndex.entries(of: buffer) }
        #expect(entries.map(\.name) == Self.members.map { $0.0.kind == .directory ? $0.0.name + "/" : $0.0.name })
        #expect(entries.map(\.mode) == Self.members.map(\.0.mode))
        #expect(entries[3].owner == LayerTarOwner(uid: 1000, gid: 1001, mtime: 0))
        #expect(entries[5].owner == LayerTarOwner(uid: 3_000_000, gid: 5, mtime: 12))
        #expect(entries[4].linkName == "/" + String(repeating: "t", count: 150))
        bytes.withUnsafeBytes { buffer in
            #expect(Array(buffer[entries[3].offset..<(entries[3].offset + entries[3].size)]) == Self.members[3].1)
        }
    }

    @Test("names that are not UTF-8 are written byte for byte (ByteString), in the header and in a pax path, and read back the same")
    func nonUTF8Names() throws {
        let latin1 = ByteString.decode(Array("usr/lib/lib".utf8) + [0xE9] + Array(".so.1".utf8))
        let longLatin1 = ByteString.decode(Array(String(repeating: "z", count: 110).utf8) + [0xFF])
        let bytes = try Self.archive([(TarWriterEntry(name: latin1, kind: .symlink(target: latin1), mode: 0o777), []),
                                      (TarWriterEntry(name: longLatin1, kind: .file, mode: 0o644), [1])])
        let entries = try bytes.withUnsafeBytes { buffer in try LayerTarIndex.entries(of: buffer) }
        #expect(entries.map(\.name) == [latin1, longLatin1])
        #expect(entries.first?.linkName == latin1)
        #expect(bytes[0..<16].elementsEqual(Array("usr/lib/lib".utf8) + [0xE9] + Array(".so.".utf8)))
        let directory = try ImageTestDirectory()
        let listing = try LdCacheTestSupport.sh("LC_ALL=C tar --quoting-style=escape -tf '\(try directory.write("n.tar", bytes))'")
        #expect(listing.out.hasPrefix("usr/lib/lib\\351.so.1\n" + String(repeating: "z", count: 110) + "\\377\n"),
                "GNU tar sees the bytes 0xE9 and 0xFF: \(listing.out)")
    }

    @Test("ustar prefix split: at a slash, name part at most 100 bytes, prefix at most 155; nil when no split fits")
    func split() {
        func split(_ text: String) -> (prefix: String, name: String)? {
            TarWriter.split(Array(text.utf8)).map { (String(decoding: $0.prefix, as: UTF8.self), String(decoding: $0.name, as: UTF8.self)) }
        }
        #expect(split("short")?.prefix == "")
        let parts = split(Self.long)
        #expect(parts?.prefix == String(repeating: "d", count: 70) + "/" + String(repeating: "e", count: 70))
        #expect(parts?.name == "file-with-a-long-name.so.1")
        #expect(split(Self.unsplittable) == nil)
        #expect(split(String(repeating: "p", count: 160) + "/name") == nil)
        // Split at the first slash the name part is 122 bytes, at the second the prefix is 241: a pax path.
        #expect(split(String(repeating: "d", count: 120) + "/" + String(repeating: "e", count: 120) + "/n") == nil)
    }

    @Test("gzip sink: gzip -d gives the input back, and the same input gives the same bytes")
    func gzipRoundTrip() throws {
        let input = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 5) }
        func compress() throws -> [UInt8] {
            let memory = MemorySink()
            let sink = try GzipSink(into: memory)
            try input.withUnsafeBytes { buffer in try sink.write(UnsafeRawBufferPointer(rebasing: buffer[..<1000])) }
            try input.withUnsafeBytes { buffer in try sink.write(UnsafeRawBufferPointer(rebasing: buffer[1000...])) }
            try sink.finish()
            return memory.bytes
        }
        let packed = try compress()
        #expect(packed == (try compress()))
        #expect(packed.count < input.count / 4 && packed.starts(with: [0x1F, 0x8B]))
        let directory = try ImageTestDirectory()
        let path = try directory.write("x.gz", packed)
        let unpacked = try LdCacheTestSupport.sh("gzip -dc '\(path)' | cmp - '\(try directory.write("x", input))' && echo same")
        #expect(unpacked.out == "same\n", "\(unpacked.err)")
    }
}

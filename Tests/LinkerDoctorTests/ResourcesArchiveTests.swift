import Testing
@testable import Archive

@Suite("archive readers: tar, zip, deflate, CRC-32")
struct ResourcesArchiveTests {
    static let hasPython = ResourcesShell.has("python3")
    static let hasTar = ResourcesShell.has("tar")

    @Test("CRC-32 gives the standard check value for \"123456789\"")
    func crcCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }

    @Test("the test tar writer's archives list the same under GNU tar and TarArchive",
          .enabled(if: hasTar, "needs tar(1) as the oracle"))
    func tarMatchesGnuTar() throws {
        let dir = try ResourcesTempDir()
        try dir.write("a.tar", TestTarWriter.dockerSave(tags: ["pytorch/pytorch:2.0.1-cuda11.7-cudnn8-devel"]))
        let oracle = ResourcesShell.run("tar -tf '\(dir.url("a.tar"))'")
        #expect(oracle.status == 0)
        let (members, problem) = try TarArchive.members(of: HostFile(path: dir.url("a.tar")))
        #expect(problem == nil)
        #expect(members.map(\.name) == oracle.output.split(separator: "\n").map(String.init))
    }

    @Test("long names written by GNU tar (L records) and pax (path=) are read",
          .enabled(if: hasTar, "needs tar(1) to write the archives"), arguments: ["gnu", "pax"])
    func longNames(_ format: String) throws {
        let dir = try ResourcesTempDir()
        let long = String(repeating: "d", count: 120) + "/" + String(repeating: "f", count: 110) + ".json"
        try dir.write("src/" + long, text: "{}")
        let made = ResourcesShell.run("cd '\(dir.url("src"))' && tar --format=\(format) -cf ../l.tar '\(long)'")
        #expect(made.status == 0, "\(made.output)")
        let (members, problem) = try TarArchive.members(of: HostFile(path: dir.url("l.tar")))
        #expect(problem == nil)
        #expect(members.map(\.name).contains(long))
        #expect(members.first { $0.name == long }?.size == 2)
    }

    @Test("a tar cut inside a member body is truncated; one cut at a block boundary lacks its end")
    func truncatedTar() throws {
        let full = TestTarWriter.archive([("a", [UInt8](repeating: 1, count: 2000)), ("b", [2])])
        let cutInBody = MemoryBytes(Array(full.prefix(512 + 700)))
        #expect(try TarArchive.members(of: cutInBody).problem == .truncated(member: "a", needed: 512 + 2000, size: 1212))
        let cutAtBoundary = MemoryBytes(Array(full.prefix(512 + 2048)))
        #expect(try TarArchive.members(of: cutAtBoundary).problem == .missingEnd(offset: 2560))
    }

    @Test("a header with a wrong checksum stops the walk")
    func badChecksum() throws {
        var bytes = TestTarWriter.archive([("a", [1])])
        bytes[0] = UInt8(ascii: "b")
        #expect(try TarArchive.members(of: MemoryBytes(bytes)).problem == .badHeader(offset: 0))
    }

    @Test("stored entries: the CRC-32 is verified, and a flipped byte is caught")
    func storedZip() throws {
        let zip = TestZipWriter.stored([("x.pb", Array("hello graph".utf8)), ("y", [])])
        let entries = try ZipArchive.entries(of: MemoryBytes(zip)).get()
        #expect(entries.map(\.name) == ["x.pb", "y"])
        for e in entries { #expect(try ZipArchive.verify(e, in: MemoryBytes(zip)) == nil) }
        var bad = zip
        bad[30 + 4 + 1] ^= 0x20
        #expect(try ZipArchive.verify(entries[0], in: MemoryBytes(bad))
                == .crcMismatch(entry: "x.pb", recorded: TestZipWriter.crc(Array("hello graph".utf8)),
                                computed: TestZipWriter.crc(Array("hEllo graph".utf8))))
    }

    @Test("a file that is not a ZIP has no end record")
    func notZip() throws {
        #expect(try ZipArchive.entries(of: MemoryBytes(TestResources.html)) == .failure(.noEndRecord))
    }

    /// Writes `n.zip` with python's zipfile (zlib deflate) holding text, random bytes and a long repeat.
    private func pythonZip(_ dir: ResourcesTempDir, level: Int = 6) -> Bool {
        let script = """
        import zipfile, random
        random.seed(7)
        body = b"".join(b"line %d of the graph, weight %f\\n" % (i, random.random()) for i in range(20000))
        noise = bytes(random.getrandbits(8) for _ in range(70000))
        with zipfile.ZipFile('\(dir.url("n.zip"))', 'w', compression=zipfile.ZIP_DEFLATED, compresslevel=\(level)) as z:
            z.writestr('output_graph.pb', body + noise + body[:40000])
            z.writestr('small.txt', b'a' * 3)
            z.writestr('stored.bin', noise[:1000], compress_type=zipfile.ZIP_STORED)
        """
        try? dir.write("mk.py", text: script)
        return ResourcesShell.run("python3 '\(dir.url("mk.py"))'").status == 0
    }

    @Test("deflated entries written by zlib inflate to their recorded CRC-32 and size",
          .enabled(if: hasPython, "needs python3's zipfile/zlib as the oracle"), arguments: [1, 6, 9])
    func deflatedZip(_ level: Int) throws {
        let dir = try ResourcesTempDir()
        #expect(pythonZip(dir, level: level))
        let file = try HostFile(path: dir.url("n.zip"))
        let entries = try ZipArchive.entries(of: file).get()
        #expect(entries.map(\.method) == [8, 8, 0])
        var covered: UInt64 = 0
        for e in entries {
            #expect(try ZipArchive.verify(e, in: file) { covered += $0 } == nil, "\(e.name)")
        }
        #expect(covered == entries.reduce(0) { $0 + $1.compressedSize })
    }

    @Test("a byte flipped inside deflated data is caught, as unzip -t catches it",
          .enabled(if: hasPython && ResourcesShell.has("unzip"), "needs python3 and unzip as oracles"))
    func deflatedCorruption() throws {
        let dir = try ResourcesTempDir()
        #expect(pythonZip(dir))
        var bytes = dir.read("n.zip")
        let entries = try ZipArchive.entries(of: MemoryBytes(bytes)).get()
        let pb = try #require(entries.first)
        let dataStart = Int(pb.localHeaderOffset) + 30 + pb.name.utf8.count
        bytes[dataStart + Int(pb.compressedSize) / 2] ^= 0x10
        try dir.write("n.zip", bytes)
        #expect(ResourcesShell.run("unzip -tq '\(dir.url("n.zip"))'").status != 0)
        let problem = try ZipArchive.verify(pb, in: HostFile(path: dir.url("n.zip")))
        #expect(problem != nil)
    }

    @Test("content sniffing names HTML pages, LFS pointers, empty and short files")
    func sniffing() throws {
        #expect(try ContentProblem.sniff(MemoryBytes(TestResources.html)) == .html)
        #expect(try ContentProblem.sniff(MemoryBytes(Array("\u{FEFF}\n  <html lang=en>".utf8))) == .html)
        #expect(try ContentProblem.sniff(MemoryBytes(TestResources.lfs)) == .lfsPointer)
        #expect(try ContentProblem.sniff(MemoryBytes([])) == .empty)
        #expect(try ContentProblem.sniff(MemoryBytes([1, 2, 3]), minimumSize: 10) == .truncated(size: 3, minimum: 10))
        #expect(try ContentProblem.sniff(MemoryBytes(TestWeights.legacyCheckpoint())) == nil)
    }

    @Test("MAT-files: level 5 walks its elements; a cut-short element is truncated")
    func matFiles() throws {
        #expect(try MatFile.check(MemoryBytes(TestWeights.mat5())) == .success(.version5))
        #expect(try MatFile.check(MemoryBytes(TestWeights.mat5(elementBytes: 16, claimed: 64))) == .failure(.truncated(elementOffset: 128, needed: 200)))
        #expect(try MatFile.check(MemoryBytes(Array("not a mat".utf8))) == .failure(.notMatFile))
    }
}

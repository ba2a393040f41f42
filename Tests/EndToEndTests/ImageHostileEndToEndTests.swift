import Foundation
import Testing

/// `--image` on hostile inputs through the CLI, each under `timeout(1)`: a hang shows as
/// exit 124, a crash as 128 + N; the promise is exit 3 with one line.
@Suite("ofdoctor --image: FIFOs and decompression bombs", .enabled(if: HostileCLI.isAvailable, HostileCLI.unavailableReason))
struct ImageHostileEndToEndTests {
    static func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-imgbomb-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("--image on a FIFO: exit 3 and one line, no hang")
    func fifo() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(mkfifo(dir + "/image.tar", 0o600) == 0)
        let result = HostileCLI.run(["check", "--image", dir + "/image.tar", "/bin/true"], timeout: 30)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(HostileCLI.errorLines(result) == ["ofdoctor: \(dir)/image.tar: is a FIFO, not a regular file; pass an image archive or an OCI layout whose files are regular files"])
    }

    @Test("a 550 KB gzip layer that inflates to 540 MB: exit 3 naming the limit, resident memory under 64 MB",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time") && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"),
                   "needs /usr/bin/time and python3 (scripts/deps.sh)"))
    func gzipBomb() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = """
        import zlib, tarfile, io, json, sys
        size = 540 << 20
        info = tarfile.TarInfo("zeros"); info.size = size
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        out = [c.compress(info.tobuf(format=tarfile.GNU_FORMAT))]
        out += [c.compress(b"\\0" * (1 << 20)) for _ in range(size >> 20)]
        out += [c.compress(b"\\0" * 1024), c.flush()]
        tf = tarfile.open(sys.argv[1], "w")
        for name, data in [("layer0/layer.tar", b"".join(out)), ("config.json", b'{"config":{"Env":[]}}'),
                           ("manifest.json", json.dumps([{"Config": "config.json", "Layers": ["layer0/layer.tar"]}]).encode())]:
            member = tarfile.TarInfo(name); member.size = len(data); tf.addfile(member, io.BytesIO(data))
        tf.close()
        """
        let made = Command.run("/usr/bin/python3", ["-c", script, dir + "/bomb.tar"])
        #expect(made.status == 0, "\(made.stderr)")
        let result = Command.run("/usr/bin/time", ["-f", "maxrss=%M", "/usr/bin/timeout", "-k", "5", "120", HostileCLI.binaryPath,
                                                    "check", "--image", dir + "/bomb.tar", "/bin/true"],
                                 environment: HostileCLI.baseEnvironment)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("layer0/layer.tar: inflates to more than 268435456 bytes"), "\(result.stderr)")
        let rss = result.stderr.split(separator: "\n").compactMap { $0.hasPrefix("maxrss=") ? Int($0.dropFirst(7)) : nil }.first
        #expect((rss ?? .max) < 64 * 1024, "max RSS \(String(describing: rss)) KB")   // was 540 MB before zlib streaming
    }

    /// A small docker-save archive (python's tarfile) whose one layer is `layer`'s bytes.
    static func archive(_ path: String, layerCommand: String? = nil) -> Command.Result {
        let script = """
        import tarfile, io, json, sys, subprocess
        inner = io.BytesIO()
        with tarfile.open(fileobj=inner, mode="w") as t:
            m = tarfile.TarInfo("hello"); m.size = 1; t.addfile(m, io.BytesIO(b"x"))
        layer = inner.getvalue()
        if len(sys.argv) > 2: layer = subprocess.run(sys.argv[2].split(), input=layer, capture_output=True, check=True).stdout
        with tarfile.open(sys.argv[1], "w") as tf:
            for name, data in [("layer0/layer.tar", layer), ("config.json", b'{"config":{"Env":[]}}'),
                               ("manifest.json", json.dumps([{"Config": "config.json", "Layers": ["layer0/layer.tar"]}]).encode())]:
                member = tarfile.TarInfo(name); member.size = len(data); tf.addfile(member, io.BytesIO(data))
        """
        return Command.run("/usr/bin/python3", ["-c", script, path] + (layerCommand.map { [$0] } ?? []))
    }

    /// `docker load` takes an archive piped through xz, bzip2 or zstd: named as such, with
    /// the command that undoes it; a layer in those formats, likewise.
    @Test("an archive or a layer compressed with xz, bzip2 or zstd: exit 3, one line naming the format, not \"damaged\"",
          arguments: ["xz", "bzip2", "zstd"])
    func otherCompression(_ tool: String) throws {
        let path = ["/usr/bin/" + tool, "/bin/" + tool].first { FileManager.default.isExecutableFile(atPath: $0) }
        try #require(path != nil, "needs \(tool) (scripts/deps.sh)")
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #require(Self.archive(dir + "/plain.tar").status == 0)
        let packed = Command.run("/bin/sh", ["-c", "\(path!) -c < \(dir)/plain.tar > \(dir)/packed.tar"])
        try #require(packed.status == 0, "\(packed.stderr)")
        let whole = HostileCLI.run(["check", "--image", dir + "/packed.tar", "/hello"], timeout: 30)
        #expect(whole.status == 3 && HostileCLI.errorLines(whole).count == 1, "\(whole.stderr)")
        #expect(whole.stderr.contains("the archive is \(tool)-compressed"), "\(whole.stderr)")
        try #require(Self.archive(dir + "/layer.tar", layerCommand: "\(path!) -c").status == 0)
        let layer = HostileCLI.run(["check", "--image", dir + "/layer.tar", "/hello"], timeout: 30)
        #expect(layer.status == 3 && layer.stderr.contains("layer0/layer.tar: \(tool)-compressed layers are not supported"), "\(layer.stderr)")
    }

    @Test("a gzip'd image with TMPDIR full: exit 3 naming the directory and ENOSPC, not \"gzip data is damaged\"",
          .enabled(if: geteuid() == 0, "needs root to mount a small tmpfs"))
    func temporaryDirectoryFull() throws {
        let dir = try Self.scratch()
        defer { _ = Command.run("/bin/umount", [dir + "/small"]); try? FileManager.default.removeItem(atPath: dir) }
        try #require(Self.archive(dir + "/plain.tar").status == 0)
        // a layer of 1 MiB of random bytes does not fit the 64 KiB tmpfs when inflated
        let big = Command.run("/bin/sh", ["-c", "head -c 1048576 /dev/urandom > \(dir)/r && cd \(dir) && tar -cf inner.tar r && gzip -c inner.tar > g.tar.gz"])
        try #require(big.status == 0, "\(big.stderr)")
        try FileManager.default.createDirectory(atPath: dir + "/small", withIntermediateDirectories: true)
        try #require(Command.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir + "/small"]).status == 0)
        var environment = HostileCLI.baseEnvironment
        environment["TMPDIR"] = dir + "/small"
        let result = Command.run("/usr/bin/timeout", ["-k", "5", "60", HostileCLI.binaryPath, "check", "--image", dir + "/g.tar.gz", "/r"],
                                 environment: environment)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("writing the inflated layer to \(dir)/small") && result.stderr.contains("ENOSPC"), "\(result.stderr)")
    }
}

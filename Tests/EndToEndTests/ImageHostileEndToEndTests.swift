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
}

import ELFInspect
import Foundation
@testable import RootFS
import Testing

/// `ImageRoot` against the filesystem it must reproduce: the fixture root packed by
/// `Tests/Fixtures/make-image.py` (Python's tarfile writes the archive; the unpacked
/// root is the oracle), plus layer semantics stated member by member.
@Suite("ImageRoot")
struct ImageRootTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let fixture = packageRoot + "/.build/fixtures/of001/root"
    static let fixtureBuilt = FileManager.default.fileExists(atPath: fixture + "/opt/OpenFace/build/bin/FeatureExtraction")
    static let notBuilt: Comment = "needs the fixture roots: bash Tests/Fixtures/build-roots.sh .build/fixtures"

    /// Runs make-image.py; returns the image path.
    static func makeImage(oci: Bool, in directory: ImageTestDirectory) throws -> String {
        let out = directory.path + (oci ? "/oci.tar" : "/docker.tar")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", packageRoot + "/Tests/Fixtures/make-image.py", out, "--root", fixture,
                             "--config-out", directory.path + "/config.json"] + (oci ? ["--oci"] : [])
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return out
    }

    @Test("every path of the packed fixture matches the unpacked root", .enabled(if: fixtureBuilt, notBuilt),
          arguments: [false, true])
    func matchesUnpackedRoot(oci: Bool) throws {
        let directory = try ImageTestDirectory()
        let image = try ImageRoot(path: try Self.makeImage(oci: oci, in: directory))
        let local = try LocalRoot(directory: Self.fixture)
        #expect(image.layerCount == 3)
        var pending = [RootPath.root]
        var compared = 0
        while let path = pending.popLast() {
            let want = try #require(try local.entry(at: path))
            let got = try #require(try image.entry(at: path), "\(path) is missing from the image")
            #expect(got.kind == want.kind, "\(path)")
            compared += 1
            switch want.kind {
            case .directory:
                #expect(got.mode == want.mode, "\(path)")
                let names = try local.names(in: path).sorted()
                #expect(try image.names(in: path).sorted() == names, "\(path)")
                pending += names.map { path.appending($0) }
            case .symlink:
                #expect(try image.linkTarget(at: path) == local.linkTarget(at: path), "\(path)")
                #expect(got.size == want.size, "\(path)")
            case .file:
                #expect(got.mode == want.mode, "\(path)")
                #expect(got.size == want.size, "\(path)")
                #expect(try image.contents(of: path).bytes == local.contents(of: path).bytes, "\(path)")
            case .other:
                break
            }
        }
        #expect(compared > 50)
        // Symlinked parents resolve the same way (usr-merge: /lib -> usr/lib).
        let libc = RootPath("/lib/x86_64-linux-gnu/libc.so.6")
        #expect(try RootView(image).resolve(libc)?.path == RootView(local).resolve(libc)?.path)
        #expect(image.config.environment["LD_LIBRARY_PATH"] == "/opt/OpenFace/build/lib")
        #expect(try ImageRoot.config(path: image.path) == image.config)
    }

    @Test("a whiteout removes a lower file; a later layer adds it back")
    func whiteoutAndReAdd() throws {
        let directory = try ImageTestDirectory()
        let path = try ImageTestImage.docker([
            ImageTestTar.archive([.directory("usr"), .directory("usr/lib"), .file("usr/lib/libwebp.so.6", "old"),
                                  .file("usr/lib/keep", "k")]),
            ImageTestTar.archive([.whiteout("usr/lib/libwebp.so.6")]),
        ], in: directory)
        let removed = try ImageRoot(path: path)
        #expect(try removed.entry(at: RootPath("/usr/lib/libwebp.so.6")) == nil)
        #expect(try removed.names(in: RootPath("/usr/lib")) == ["keep"])

        let readded = try ImageRoot(path: try ImageTestImage.docker([
            ImageTestTar.archive([.file("usr/lib/libwebp.so.6", "old")]),
            ImageTestTar.archive([.whiteout("usr/lib/libwebp.so.6")]),
            ImageTestTar.archive([.file("usr/lib/libwebp.so.6", "new", mode: 0o755)]),
        ], in: directory, name: "readd.tar"))
        #expect(try String(decoding: readded.contents(of: RootPath("/usr/lib/libwebp.so.6")).bytes, as: UTF8.self) == "new")
        #expect(try readded.entry(at: RootPath("/usr/lib/libwebp.so.6"))?.mode == 0o755)
        // The whiteout file itself is never visible.
        #expect(try readded.names(in: RootPath("/usr/lib")) == ["libwebp.so.6"])
    }

    @Test("names are bytes in an image: é and e + U+0301 are two files; `.wh.` + a mark whites out the name starting with the mark")
    func byteNames() throws {
        let directory = try ImageTestDirectory()
        let nfc = "lib\u{E9}.so", nfd = "libe\u{301}.so", marked = "\u{301}x"
        let image = try ImageRoot(path: try ImageTestImage.docker([
            ImageTestTar.archive([.file("usr/lib/" + nfc, "nfc"), .file("usr/lib/" + nfd, "nfd"), .file("usr/lib/" + marked, "m"),
                                  .file("usr/lib/keep", "k")]),
            ImageTestTar.archive([.whiteout("usr/lib/" + marked)]),
        ], in: directory))
        let names = try image.names(in: RootPath("/usr/lib")).map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
        #expect(names == ["keep", nfd, nfc].map { Array($0.utf8) })
        #expect(try String(decoding: image.contents(of: RootPath("/usr/lib/" + nfc)).bytes, as: UTF8.self) == "nfc")
        #expect(try String(decoding: image.contents(of: RootPath("/usr/lib/" + nfd)).bytes, as: UTF8.self) == "nfd")
    }

    @Test("a whiteout of a directory removes everything below it")
    func whiteoutDirectory() throws {
        let directory = try ImageTestDirectory()
        let image = try ImageRoot(path: try ImageTestImage.docker([
            ImageTestTar.archive([.file("opt/conda/lib/libffi.so.7", "x"), .file("opt/other", "y")]),
            ImageTestTar.archive([.whiteout("opt/conda")]),
        ], in: directory))
        #expect(try image.names(in: RootPath("/opt")) == ["other"])
        #expect(try image.entry(at: RootPath("/opt/conda/lib/libffi.so.7")) == nil)
        #expect(try image.entry(at: RootPath("/opt/conda/lib")) == nil)
    }

    @Test("an opaque directory hides the lower layers' children but keeps its own layer's")
    func opaqueDirectory() throws {
        let directory = try ImageTestDirectory()
        let image = try ImageRoot(path: try ImageTestImage.docker([
            ImageTestTar.archive([.file("etc/ld.so.conf.d/a.conf", "/a"), .file("etc/ld.so.conf.d/sub/b", "b")]),
            // The marker may come after the entries it must not hide (image-spec layer.md).
            ImageTestTar.archive([.file("etc/ld.so.conf.d/c.conf", "/c"), .file("etc/ld.so.conf.d/.wh..wh..opq", "")]),
        ], in: directory))
        #expect(try image.names(in: RootPath("/etc/ld.so.conf.d")) == ["c.conf"])
        #expect(try image.entry(at: RootPath("/etc/ld.so.conf.d/sub/b")) == nil)
    }

    @Test("hard links share contents and identity; symlinks keep their text")
    func links() throws {
        let directory = try ImageTestDirectory()
        let image = try ImageRoot(path: try ImageTestImage.docker([
            ImageTestTar.archive([.file("usr/lib/libc.so.6", "libc"), .symlink("lib", to: "usr/lib")]),
            ImageTestTar.archive([.hardLink("usr/lib/libc-copy.so", to: "usr/lib/libc.so.6"),
                                  .symlink("usr/lib/libc.so", to: "libc.so.6")]),
        ], in: directory))
        let original = try #require(try image.entry(at: RootPath("/usr/lib/libc.so.6")))
        let linked = try #require(try image.entry(at: RootPath("/usr/lib/libc-copy.so")))
        #expect(linked.identity == original.identity)
        #expect(try image.contents(of: RootPath("/usr/lib/libc-copy.so")).bytes == Array("libc".utf8))
        #expect(try image.linkTarget(at: RootPath("/usr/lib/libc.so")) == "libc.so.6")
        #expect(try image.entry(at: RootPath("/usr/lib/libc.so"))?.size == 9)
        let resolved = try RootView(image).resolve(RootPath("/lib/libc.so"))
        #expect(resolved?.path == RootPath("/usr/lib/libc.so.6"))
        #expect(resolved?.entry.identity == original.identity)
    }

    @Test("a later layer writes through a symlinked parent, as the chrooted apply does")
    func symlinkedParent() throws {
        let directory = try ImageTestDirectory()
        let image = try ImageRoot(path: try ImageTestImage.docker([
            ImageTestTar.archive([.directory("usr/lib"), .symlink("lib", to: "/usr/lib")]),
            ImageTestTar.archive([.file("lib/libnew.so", "n")]),
        ], in: directory))
        #expect(try image.names(in: RootPath("/usr/lib")) == ["libnew.so"])
        #expect(try image.entry(at: RootPath("/lib"))?.kind == .symlink)
    }

    @Test("directories implied by member paths are synthesized; kinds replace each other")
    func impliedDirectoriesAndReplacement() throws {
        let directory = try ImageTestDirectory()
        let image = try ImageRoot(path: try ImageTestImage.docker([
            ImageTestTar.archive([.file("a/b/c", "c"), .file("x", "file"), .directory("y"), .file("y/z", "z")]),
            ImageTestTar.archive([.directory("x"), .file("x/inside", "i"), .file("y", "now a file")]),
        ], in: directory))
        #expect(try image.entry(at: RootPath("/a"))?.kind == .directory)
        #expect(try image.entry(at: RootPath("/a/b"))?.kind == .directory)
        #expect(try image.names(in: RootPath("/")).sorted() == ["a", "x", "y"])
        #expect(try image.names(in: RootPath("/x")) == ["inside"])
        #expect(try image.entry(at: RootPath("/y"))?.kind == .file)
        #expect(try image.entry(at: RootPath("/y/z")) == nil)
        #expect(try image.entry(at: RootPath("/a"))?.identity != image.entry(at: RootPath("/a/b"))?.identity)
    }

    @Test("OCI layouts: a directory, a tar, gzip layers; names over 100 bytes via pax")
    func ociLayouts() throws {
        let directory = try ImageTestDirectory()
        let long = String(repeating: "d", count: 120) + "/libz.so.1"
        let layers = [
            ImageTestTar.archive([.file("usr/lib/libz.so.1", "zlib"), .file(long, "long")]),
            ImageTestTar.archive([.whiteout("usr/lib/libz.so.1"), .symlink("usr/lib/libz.so", to: "/" + long)]),
        ]
        let gzipped = [try ImageTestImage.gzip(layers[0], in: directory), layers[1]]
        for path in [try ImageTestImage.oci(layers, in: directory, tar: false),
                     try ImageTestImage.oci(gzipped, in: directory, tar: true)] {
            let image = try ImageRoot(path: path)
            #expect(try image.entry(at: RootPath("/usr/lib/libz.so.1")) == nil, "\(path)")
            #expect(try RootView(image).contents(of: RootPath("/usr/lib/libz.so")).bytes == Array("long".utf8), "\(path)")
            #expect(image.config.environment == ["PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": "/opt/lib"])
        }
    }

    @Test("a config without Env gives an empty environment")
    func configWithoutEnv() throws {
        let directory = try ImageTestDirectory()
        let path = try ImageTestImage.docker([ImageTestTar.archive([.file("f", "x")])],
                                             config: #"{"config":{"Cmd":["sh"]}}"#, in: directory)
        #expect(try ImageRoot.config(path: path).environment.isEmpty)
    }
}

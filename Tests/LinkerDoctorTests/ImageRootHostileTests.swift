import ELFInspect
import Foundation
@testable import RootFS
import Testing

/// Damaged and malicious images: each ends in a typed error or an ignored entry, never a
/// trap, a hang, or a path outside the image.
@Suite("ImageRoot hostile input")
struct ImageRootHostileTests {
    /// Every path in the image, walked from `/` without following links.
    static func allPaths(_ image: ImageRoot) throws -> [String] {
        var result: [String] = []
        var pending = [RootPath.root]
        while let path = pending.popLast() {
            result.append(path.string)
            if try image.entry(at: path)?.kind == .directory {
                pending += try image.names(in: path).map { path.appending($0) }
            }
        }
        return result
    }

    @Test("absolute names and `..` that stays inside stay inside the image; whiteouts of `.` and `..` are ignored")
    func escapingNames() throws {
        let directory = try ImageTestDirectory()
        let image = try ImageRoot(path: try ImageTestImage.docker([
            ImageTestTar.archive([.file("/../../escape", "x"), .file("a/../escape2", "x"), .file("/etc/passwd", "inside"),
                                  .symlink("up", to: "../../../.."), .hardLink("h", to: "/etc/../etc/passwd"),
                                  .file("./ok", "ok")]),
            ImageTestTar.archive([.file(".wh...", ""), .file("a/.wh.", ""), .file("/../.wh.escape", "")]),
        ], in: directory))
        let paths = try Self.allPaths(image).sorted()
        #expect(paths == ["/", "/a", "/escape2", "/etc", "/etc/passwd", "/h", "/ok", "/up"])
        #expect(paths.allSatisfy { !$0.split(separator: "/").contains("..") })
        // The link is text; resolving it stops at the image's `/`, as chroot does.
        #expect(try RootView(image).resolve(RootPath("/up/etc/passwd"))?.path == RootPath("/etc/passwd"))
    }

    @Test("link loops: lookups through them report ELOOP")
    func linkLoops() throws {
        let directory = try ImageTestDirectory()
        let image = try ImageRoot(path: try ImageTestImage.docker([
            ImageTestTar.archive([.symlink("a", to: "b"), .symlink("b", to: "a"), .symlink("self", to: "self"), .directory("d")]),
        ], in: directory))
        #expect(try Self.allPaths(image).sorted() == ["/", "/a", "/b", "/d", "/self"])
        #expect(throws: RootError.symlinkLoop(path: "/a/file")) { try RootView(image).resolve(RootPath("/a/file")) }
    }

    /// link(2) fails for a target that is missing, the member itself (which the unpack
    /// removes first) or a directory, and with it `docker load` (moby's `createTarFile`):
    /// refused, named; they were dropped without a word.
    @Test("a hard link to nothing, to itself or to a directory is refused, named", arguments: ["h1", "missing", "d"])
    func hardLinkToNoFile(_ target: String) throws {
        let directory = try ImageTestDirectory()
        let path = try ImageTestImage.docker([ImageTestTar.archive([.directory("d"), .hardLink("h1", to: target)])], in: directory)
        #expect(throws: ImageRootError.hardLinkTargetNotAFile(path: path, member: "layer0/layer.tar", name: "h1", target: target)) {
            try ImageRoot(path: path)
        }
    }

    /// moby's unpack opens, makes or (for a whiteout) unlinks the member's path below a
    /// parent it only lstats, which fails below a file (ENOTDIR), a link loop (ELOOP) or a
    /// dangling link (ENOENT), and `docker load` with it (tried on docker 20.10): refused,
    /// named; they were dropped without a word, or (a dangling link) the link's target made.
    @Test("a member under a file, a link to a file, a link loop or a dangling link is refused, named", arguments: [
        ("f/g", BlockedParent.file), ("lf/g", .file), ("f/.wh.x", .file), ("f/.wh..wh.plnk", .file), ("f/d/", .file),
        ("f/sub/.wh..wh..opq", .file), ("a/file", .linkLoop), ("self/.wh.x", .linkLoop), ("self/sub/.wh..wh..opq", .linkLoop),
        ("none/x", .danglingLink), ("none/sub/.wh.x", .danglingLink), ("half/x", .danglingLink),
    ])
    func memberUnderNonDirectory(_ name: String, parent: BlockedParent) throws {
        let directory = try ImageTestDirectory()
        let member: ImageTestMember = name.hasSuffix("/") ? .directory(String(name.dropLast())) : .file(name, "y")
        let path = try ImageTestImage.docker([Self.nonDirectories, ImageTestTar.archive([member])], in: directory)
        #expect(throws: ImageRootError.memberUnderNonDirectory(path: path, member: "layer1/layer.tar", name: member.name, parent: parent)) {
            try ImageRoot(path: path)
        }
    }

    /// A file, a link to it, links that loop, links to nothing (`half`: its first component
    /// is there) and a directory.
    static let nonDirectories = ImageTestTar.archive([.file("f", "x"), .symlink("lf", to: "/f"), .symlink("a", to: "b"),
                                                      .symlink("b", to: "a"), .symlink("self", to: "self"),
                                                      .symlink("none", to: "/nonexistent"), .directory("d"),
                                                      .symlink("half", to: "d/missing")])

    @Test("an opaque marker right under a file, a link loop or a dangling link, and a whiteout right under a dangling link, change nothing: the image loads, as docker loads it")
    func markersUnderNonDirectory() throws {
        let directory = try ImageTestDirectory()
        let path = try ImageTestImage.docker([Self.nonDirectories, ImageTestTar.archive([
            .file("f/.wh..wh..opq", ""), .file("a/.wh..wh..opq", ""), .file("lf/.wh..wh..opq", ""), .file("none/.wh..wh..opq", ""),
            .file("none/.wh.x", ""), .file("half/.wh.x", ""),
        ])], in: directory)
        #expect(try Self.allPaths(try ImageRoot(path: path)).sorted() == ["/", "/a", "/b", "/d", "/f", "/half", "/lf", "/none", "/self"])
    }

    @Test("sizes past the end of the data are a typed error", arguments: [
        Array("77777777777\u{0}".utf8),                       // 8 GiB - 1, octal
        [0x80] + [UInt8](repeating: 0, count: 3) + [UInt8](repeating: 0xFF, count: 8),   // base-256, 2^64 - 1
        [0xFF] + [UInt8](repeating: 0xFF, count: 11),         // base-256 overflow
    ])
    func hugeSizes(field: [UInt8]) throws {
        let directory = try ImageTestDirectory()
        var member = ImageTestMember.file("big", "x")
        member.sizeField = field
        let path = try ImageTestImage.docker([ImageTestTar.archive([member])], in: directory)
        #expect(throws: ImageRootError.self) { try ImageRoot(path: path) }
    }

    @Test("a truncated archive or layer is a typed error at every cut")
    func truncation() throws {
        let directory = try ImageTestDirectory()
        let layer = ImageTestTar.archive([.file("usr/lib/libc.so.6", String(repeating: "x", count: 3000)),
                                          .symlink("lib", to: "usr/lib")])
        let whole = try Data(contentsOf: URL(fileURLWithPath: try ImageTestImage.docker([layer], in: directory)))
        var failures = 0
        for cut in stride(from: 0, to: whole.count, by: 97) {
            let path = try directory.write("cut.tar", Array(whole.prefix(cut)))
            do { _ = try ImageRoot(path: path) } catch { failures += 1 }
        }
        #expect(failures > 0)
        // A layer cut inside a body, inside a still-whole archive.
        let cutLayer = try ImageTestImage.docker([Array(layer.prefix(1500))], in: directory, name: "cutlayer.tar")
        #expect(throws: ImageRootError.self) { try ImageRoot(path: cutLayer) }
    }

    @Test("bit flips in an archive never trap")
    func bitFlips() throws {
        let directory = try ImageTestDirectory()
        let layers = [ImageTestTar.archive([.file("a/b", "bbbb"), .symlink("l", to: "a"), .whiteout("x"),
                                            .hardLink("h", to: "a/b")]),
                      ImageTestTar.archive([.file("a/.wh..wh..opq", ""), .file("l/c", "c")])]
        let original = ImageTestTar.archive([ImageTestMember(name: "0/layer.tar", data: layers[0]),
                                             ImageTestMember(name: "1/layer.tar", data: layers[1]),
                                             .file("c.json", ImageTestImage.config),
                                             .file("manifest.json", #"[{"Config":"c.json","Layers":["0/layer.tar","1/layer.tar"]}]"#)])
        var generator = SystemRandomNumberGenerator()
        var opened = 0
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<4 {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] ^= UInt8.random(in: 1...255, using: &generator)
            }
            let path = try directory.write("flip.tar", bytes)
            if let image = try? ImageRoot(path: path) {
                opened += 1
                for file in try Self.allPaths(image) { _ = try? RootView(image).contents(of: RootPath(file)) }
            }
        }
        #expect(opened >= 0)
    }

    @Test("bad manifests: not an image, missing layer, digests that would leave blobs/")
    func badManifests() throws {
        let directory = try ImageTestDirectory()
        let plain = try directory.write("plain.tar", ImageTestTar.archive([.file("hello", "x")]))
        #expect(throws: ImageRootError.notAnImage(path: plain)) { try ImageRoot(path: plain) }
        let empty = try directory.write("empty.tar", [])
        #expect(throws: ImageRootError.notAnImage(path: empty)) { try ImageRoot(path: empty) }
        let garbage = try directory.write("garbage.tar", Array(repeating: 0x41, count: 4096))
        #expect(throws: ImageRootError.self) { try ImageRoot(path: garbage) }

        let missing = try directory.write("missing.tar", ImageTestTar.archive([
            .file("c.json", "{}"), .file("manifest.json", #"[{"Config":"c.json","Layers":["nope/layer.tar"]}]"#)]))
        #expect(throws: ImageRootError.missingMember(path: missing, member: "nope/layer.tar")) { try ImageRoot(path: missing) }

        let escape = try directory.write("escape.tar", ImageTestTar.archive([
            .file("c.json", "{}"), .file("manifest.json", #"[{"Config":"c.json","Layers":["../../etc/passwd"]}]"#)]))
        #expect(throws: ImageRootError.missingMember(path: escape, member: "../../etc/passwd")) { try ImageRoot(path: escape) }

        let digest = try directory.write("digest.tar", ImageTestTar.archive([
            .file("oci-layout", "{}"), .file("index.json", #"{"manifests":[{"digest":"sha256:../../x"}]}"#)]))
        #expect(throws: ImageRootError.badManifest(path: digest, member: "index.json", reason: "no usable manifest digest")) {
            try ImageRoot(path: digest)
        }
        // Two images in one archive: named, not the first one silently judged.
        let two = try directory.write("two.tar", ImageTestTar.archive([
            .file("c.json", "{}"), .file("l.tar", ""),
            .file("manifest.json", #"[{"Config":"c.json","RepoTags":["a:1"],"Layers":["l.tar"]},{"Config":"c.json","Layers":["l.tar"]}]"#)]))
        #expect(throws: ImageRootError.severalImages(path: two, names: ["a:1", "untagged"])) { try ImageRoot(path: two) }
        #expect(ImageRootError.severalImages(path: two, names: ["a:1", "untagged"]).description
            == "\(two): holds 2 images (a:1, untagged); save the one to check alone: `docker save IMAGE -o FILE.tar`")
        // An OCI layout of two images, each under its ref name, is refused the same way; two
        // tags of one image, or one image's platforms, are one image.
        let other = "sha256:" + String(repeating: "ab", count: 32)
        func entry(_ digest: String, _ ref: String?, _ architecture: String? = "amd64") -> String {
            let platform = architecture.map { #","platform":{"architecture":"\#($0)","os":"linux"}"# } ?? ""
            let annotation = ref.map { #","annotations":{"org.opencontainers.image.ref.name":"\#($0)"}"# } ?? ""
            return #"{"digest":"\#(digest)","size":1\#(platform)\#(annotation)}"#
        }
        let layer = ImageTestTar.archive([.file("hello", "x")])
        let twoImages = try ImageTestImage.oci([layer], in: directory, tar: true) { [entry($0, "healthy"), entry(other, "broken")] }
        #expect(throws: ImageRootError.severalImages(path: twoImages, names: ["healthy", "broken"])) { try ImageRoot(path: twoImages) }
        var manifest = ""
        let untagged = try ImageTestImage.oci([layer], in: directory, tar: true) { manifest = $0; return [entry($0, nil, nil), entry(other, nil, nil)] }
        #expect(throws: ImageRootError.severalImages(path: untagged, names: [manifest, other])) { try ImageRoot(path: untagged) }
        let twoTags = try ImageTestImage.oci([layer], in: directory, tar: true) { [entry($0, "a"), entry($0, "b")] }
        #expect(throws: Never.self) { try ImageRoot(path: twoTags) }
        let platforms = try ImageTestImage.oci([layer], in: directory, tar: true) { [entry(other, nil, "arm64"), entry($0, nil)] }
        #expect(throws: Never.self) { try ImageRoot(path: platforms) }
        // A config docker cannot decode (Go's encoding/json into image-spec's types) starts no
        // container: refused, not read as "no variables".
        let layerOnly = [ImageTestTar.archive([.file("hello", "x")])]
        for (config, reason) in [("[1,2]", "not a JSON object (an image config is one)"),
                                 (#"{"config":{"Env":[1,2]}}"#, "config.Env is not a list of strings"),
                                 (#"{"config":{"Env":["A=1"],"User":5}}"#, "config.User is not a string"),
                                 (#"{"config":[]}"#, "its config is not a JSON object")] {
            let image = try ImageTestImage.docker(layerOnly, config: config, in: directory, name: "config.tar")
            #expect(throws: ImageRootError.badManifest(path: image, member: "config.json", reason: reason)) { try ImageRoot.config(path: image) }
        }
        for config in [#"{"config":{"Env":null,"User":null}}"#, #"{"architecture":"amd64"}"#] {
            let image = try ImageTestImage.docker(layerOnly, config: config, in: directory, name: "config.tar")
            #expect(try ImageRoot.config(path: image).environment.isEmpty)
        }
        let notJSON = try directory.write("notjson.tar", ImageTestTar.archive([.file("manifest.json", "[{")]))
        #expect(throws: ImageRootError.badManifest(path: notJSON, member: "manifest.json", reason: "not JSON")) {
            try ImageRoot(path: notJSON)
        }
        #expect(throws: ImageRootError.self) { try ImageRoot(path: directory.path + "/does-not-exist.tar") }
    }

    @Test("compressed layers: damaged gzip, zstd, and a bomb past the inflate limit")
    func compression() throws {
        let directory = try ImageTestDirectory()
        let layer = ImageTestTar.archive([.file("big", String(repeating: "0", count: 200_000))])
        let gzipped = try ImageTestImage.gzip(layer, in: directory)
        let good = try ImageTestImage.docker([gzipped], in: directory, name: "good.tar")
        #expect(try ImageRoot(path: good).entry(at: RootPath("/big"))?.size == 200_000)
        #expect(throws: ImageRootError.tooLarge(path: good, member: "layer0/layer.tar", limit: 50_000)) {
            try ImageRoot(path: good, inflateLimit: 50_000)
        }
        var damaged = gzipped
        damaged[damaged.count - 6] ^= 0xFF   // the CRC-32
        let bad = try ImageTestImage.docker([damaged], in: directory, name: "bad.tar")
        #expect(throws: ImageRootError.badGzip(path: bad, member: "layer0/layer.tar", reason: "incorrect data check")) {   // zlib's words for a CRC-32 mismatch
            try ImageRoot(path: bad)
        }
        let cut = try ImageTestImage.docker([Array(gzipped.prefix(gzipped.count / 2))], in: directory, name: "cut.tar")
        #expect(throws: ImageRootError.self) { try ImageRoot(path: cut) }
        let zstd = try ImageTestImage.docker([[0x28, 0xB5, 0x2F, 0xFD, 0, 0]], in: directory, name: "zstd.tar")
        #expect(throws: ImageRootError.unsupportedCompression(path: zstd, member: "layer0/layer.tar", format: "zstd")) {
            try ImageRoot(path: zstd)
        }
    }

    @Test("a deep tree and a long symlink chain stay bounded")
    func deepTree() throws {
        let directory = try ImageTestDirectory()
        let deep = Array(repeating: "d", count: 2000).joined(separator: "/")   // 3,999 bytes: under PATH_MAX
        var members: [ImageTestMember] = [.file(deep + "/leaf", "x")]
        for i in 0..<60 { members.append(.symlink("s\(i)", to: "s\(i + 1)")) }
        members.append(.directory("s60"))
        let image = try ImageRoot(path: try ImageTestImage.docker([
            ImageTestTar.archive(members), ImageTestTar.archive([.whiteout("d")]),
        ], in: directory))
        #expect(try image.entry(at: RootPath("/d")) == nil)
        #expect(try image.names(in: RootPath("/s60")).isEmpty)
        // 60 links > MAXSYMLINKS: ELOOP, as the unpack's open meets it
        let through = try ImageTestImage.docker([ImageTestTar.archive(members + [.file("s0/through", "x")])], in: directory, name: "through.tar")
        #expect(throws: ImageRootError.memberUnderNonDirectory(path: through, member: "layer0/layer.tar", name: "s0/through", parent: .linkLoop)) {
            try ImageRoot(path: through)
        }
    }

    // MARK: special files, links out of the layout, digests (issue 15, items 5 and 7)

    /// Runs `body` on a thread of its own and fails (instead of hanging the suite) when it
    /// has not returned within `seconds`.
    static func finishes(within seconds: Double, _ body: @escaping @Sendable () -> Void) -> Bool {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread { body(); done.signal() }
        return done.wait(timeout: .now() + seconds) == .success
    }

    @Test("a FIFO given as the image is refused without opening it for a blocking read")
    func fifoImage() throws {
        let directory = try ImageTestDirectory()
        let fifo = directory.path + "/image.tar"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(Self.finishes(within: 10) {
            #expect(throws: ImageRootError.notRegularFile(path: fifo, kind: "a FIFO")) { try ImageRoot(path: fifo) }
        })
    }

    @Test("an OCI layout whose index.json, manifest, config or layer blob is a FIFO is refused, not read",
          arguments: [0, 1, 2, 3])
    func fifoInLayout(_ which: Int) throws {
        let directory = try ImageTestDirectory()
        let layout = try ImageTestImage.oci([ImageTestTar.archive([.file("etc/hostname", "x")])], in: directory, tar: false)
        let blobs = try FileManager.default.contentsOfDirectory(atPath: layout + "/blobs/sha256")
        // The blob that is the manifest, the config, the layer: told apart by content.
        func blob(containing text: String) throws -> String {
            for name in blobs where (try? String(contentsOfFile: layout + "/blobs/sha256/" + name, encoding: .utf8))?.contains(text) == true {
                return layout + "/blobs/sha256/" + name
            }
            throw CocoaError(.fileNoSuchFile)
        }
        let target = try [layout + "/index.json", blob(containing: "\"layers\""), blob(containing: "\"architecture\""),
                          blob(containing: "etc/hostname")][which]
        try FileManager.default.removeItem(atPath: target)
        #expect(mkfifo(target, 0o600) == 0)
        #expect(Self.finishes(within: 10) {
            #expect(throws: ImageRootError.self) { try ImageRoot(path: layout) }
        })
        do { _ = try ImageRoot(path: layout) } catch {
            #expect(error == .notRegularFile(path: target, kind: "a FIFO") || (which == 0 && error == .notAnImage(path: layout)),
                    "\(error)")
        }
    }

    @Test("a blob that is a symlink is refused, even when it points at a file with the right bytes")
    func blobSymlinkOutside() throws {
        let directory = try ImageTestDirectory()
        let layout = try ImageTestImage.oci([ImageTestTar.archive([.file("etc/hostname", "x")])], in: directory, tar: false)
        let blobs = layout + "/blobs/sha256"
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: blobs).first {
            (try? String(contentsOfFile: blobs + "/" + $0, encoding: .utf8))?.contains("\"architecture\"") == true
        })
        let outside = directory.path + "/outside-config.json"
        try FileManager.default.moveItem(atPath: blobs + "/" + name, toPath: outside)
        try FileManager.default.createSymbolicLink(atPath: blobs + "/" + name, withDestinationPath: outside)
        #expect(throws: ImageRootError.notRegularFile(path: blobs + "/" + name, kind: "a symbolic link or not a directory")) {
            try ImageRoot(path: layout)
        }
        // A linked `blobs` directory is refused the same way.
        try FileManager.default.moveItem(atPath: layout + "/blobs", toPath: directory.path + "/elsewhere")
        try FileManager.default.createSymbolicLink(atPath: layout + "/blobs", withDestinationPath: directory.path + "/elsewhere")
        #expect(throws: ImageRootError.self) { try ImageRoot(path: layout) }
    }

    @Test("a blob whose bytes do not match its digest is refused, naming the blob", arguments: [false, true])
    func digestMismatch(_ tar: Bool) throws {
        let directory = try ImageTestDirectory()
        let layer = ImageTestTar.archive([.file("etc/hostname", "x")])
        let good = try ImageTestImage.oci([layer], in: directory, tar: false)
        #expect(throws: Never.self) { try ImageRoot(path: good) }
        let blobs = good + "/blobs/sha256"
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: blobs).first {
            (try? Data(contentsOf: URL(fileURLWithPath: blobs + "/" + $0))) == Data(layer)
        })
        var altered = layer
        altered[512] ^= 1   // the body of etc/hostname
        try Data(altered).write(to: URL(fileURLWithPath: blobs + "/" + name))
        var path = good
        if tar {
            path = directory.path + "/altered.tar"
            #expect(ResourcesShell.run("tar -C '\(good)' -cf '\(path)' .").status == 0)
        }
        do {
            _ = try ImageRoot(path: path)
            Issue.record("an altered layer was accepted")
        } catch {
            guard case .digestMismatch(let p, let member, let expected, let actual) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(p == path && member == "blobs/sha256/" + name && expected == "sha256:" + name && actual != expected)
            #expect(error.description.contains("blobs/sha256/\(name)"))
        }
    }
}

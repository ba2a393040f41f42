import Foundation
@testable import RootFS
import Testing

/// A layer is applied as containerd's `applyNaive` and moby's `UnpackLayer` apply it:
/// member by member in tar order, names cleaned lexically, every tar member type read as Go's
/// archive/tar reads it. Each case here was read another way before (the adversarial review
/// of `--image`, /tmp/img-review t1b, t2, t3, t4).
@Suite("ImageRoot: layers applied as the container runtime applies them")
struct ImageRootLayerApplyTests {
    /// The image of `layers`, read back.
    static func image(_ layers: [[ImageTestMember]], in directory: ImageTestDirectory) throws -> ImageRoot {
        try ImageRoot(path: try ImageTestImage.docker(layers.map { ImageTestTar.archive($0) }, in: directory))
    }

    /// The one-line message reading the image fails with; nil when it reads.
    static func refusal(_ layers: [[ImageTestMember]], in directory: ImageTestDirectory) throws -> String? {
        let path = try ImageTestImage.docker(layers.map { ImageTestTar.archive($0) }, in: directory)
        do { _ = try ImageRoot(path: path) } catch { return String(describing: error) }
        return nil
    }

    static let base: [ImageTestMember] = [
        .file("opt/OpenFace/build/lib/libUtilities.so", "utilities"), .file("opt/OpenFace/build/bin/FeatureExtraction", "program"),
    ]

    // MARK: tar order

    @Test("a directory member replaces a symlink, and the whiteouts after it apply to the new directory, not the link's target",
          arguments: [ImageTestMember.file("opt/of/.wh..wh..opq", ""), .whiteout("opt/of/lib")])
    func directoryReplacesSymlinkBeforeWhiteout(_ marker: ImageTestMember) throws {
        let directory = try ImageTestDirectory()
        // RUN rm /opt/of && mkdir /opt/of, where /opt/of was a link (e.g. /usr/local/cuda -> cuda-11.7)
        let image = try Self.image([Self.base, [.symlink("opt/of", to: "OpenFace/build")], [.directory("opt/of"), marker]],
                                   in: directory)
        #expect(try image.entry(at: RootPath("/opt/of"))?.kind == .directory)
        #expect(try image.names(in: RootPath("/opt/of")).isEmpty)
        #expect(try image.contents(of: RootPath("/opt/OpenFace/build/lib/libUtilities.so")).bytes == Array("utilities".utf8))
        #expect(try image.names(in: RootPath("/opt/OpenFace/build")).sorted() == ["bin", "lib"])
    }

    @Test("a hard link made before its target is whited out in the same layer keeps the file")
    func hardLinkBeforeWhiteout() throws {
        let directory = try ImageTestDirectory()
        let image = try Self.image([Self.base, [
            .hardLink("opt/OpenFace/build/lib/libUtilities.so.keep", to: "opt/OpenFace/build/lib/libUtilities.so"),
            .whiteout("opt/OpenFace/build/lib/libUtilities.so"),
        ]], in: directory)
        #expect(try image.entry(at: RootPath("/opt/OpenFace/build/lib/libUtilities.so")) == nil)
        #expect(try image.contents(of: RootPath("/opt/OpenFace/build/lib/libUtilities.so.keep")).bytes == Array("utilities".utf8))
    }

    @Test("an opaque marker removes what the lower layers left below its directory, however deep, and none of its own layer's members")
    func opaqueKeepsOwnLayer() throws {
        let directory = try ImageTestDirectory()
        let image = try Self.image([
            [.file("d/old", "o"), .file("d/sub/old", "o"), .file("d/gone/x", "x")],
            // d/sub merged by this layer stays, its lower child goes (containerd keeps only
            // unpacked paths); a whiteout's parents are made, as mkparent makes them
            [.directory("d"), .directory("d/sub"), .file("d/sub/new", "n"), .file("d/deeper/file", "f"),
             .file("d/.wh..wh..opq", ""), .whiteout("w/x/y")],
        ], in: directory)
        #expect(try image.names(in: RootPath("/d")).sorted() == ["deeper", "sub"])
        #expect(try image.names(in: RootPath("/d/sub")) == ["new"])
        #expect(try image.names(in: RootPath("/d/deeper")) == ["file"])
        #expect(try image.entry(at: RootPath("/w/x"))?.kind == .directory)
    }

    // MARK: names

    @Test("`..` in a member name is cleaned as filepath.Clean does: bin/../lib/x is lib/x")
    func dotDotCleaned() throws {
        let directory = try ImageTestDirectory()
        let image = try Self.image([
            Self.base, [.whiteout("opt/OpenFace/build/lib/libUtilities.so")],
            [.file("opt/OpenFace/build/bin/../lib/libUtilities.so", "again"), .file("/../rooted", "r"),
             .hardLink("opt/link", to: "opt/OpenFace/build/bin/../bin/FeatureExtraction")],
        ], in: directory)
        #expect(try image.contents(of: RootPath("/opt/OpenFace/build/lib/libUtilities.so")).bytes == Array("again".utf8))
        #expect(try image.contents(of: RootPath("/rooted")).bytes == Array("r".utf8))   // Clean("/../rooted") is /rooted
        #expect(try image.contents(of: RootPath("/opt/link")).bytes == Array("program".utf8))
    }

    /// The unpack runs chrooted to the layer (moby) or resolves parents inside it
    /// (containerd), so `..` above the root stays there: docker 20.10 loads these (they were
    /// refused as climbing out).
    @Test("a name or hard-link target that climbs above the layer's root lands at the root, as docker loads it", arguments: [
        (ImageTestMember.file("a/../../escape", "x"), "/escape"),
        (.file("../x", "x"), "/x"),
        (.hardLink("h", to: "../../etc/shadow"), "/h"),
        (.hardLink("h", to: "/../etc/shadow"), "/h"),
    ])
    func climbingClamped(_ member: ImageTestMember, _ path: String) throws {
        let directory = try ImageTestDirectory()
        let image = try Self.image([[.file("etc/shadow", "s")], [member]], in: directory)
        let expected = member.link.isEmpty ? "x" : "s"
        #expect(try image.contents(of: RootPath(path)).bytes == Array(expected.utf8))
    }

    @Test("a name of PATH_MAX bytes or more is refused at once; 1,000 members under a 3,999-byte directory apply in linear time")
    func deepNames() throws {
        let directory = try ImageTestDirectory()
        let tooDeep = try ImageTestImage.docker([ImageTestTar.archive([
            .file(Array(repeating: "d", count: 40_000).joined(separator: "/") + "/leaf", "x")])], in: directory, name: "deep.tar")
        let prefix = Array(repeating: "d", count: 2_000).joined(separator: "/")   // 3,999 bytes: docker takes it
        let wide = try ImageTestImage.docker([ImageTestTar.archive((0..<1_000).map { .file(prefix + "/f\($0)", "") })],
                                             in: directory, name: "wide.tar")
        // The old reader took 157 s (release) on the first and 163 s on the second: it rebuilt
        // the whole prefix at every component. A debug build now takes about a second each.
        let outcome = OutcomeBox()
        let finished = ImageRootHostileTests.finishes(within: 60) {
            do { _ = try ImageRoot(path: tooDeep) } catch { outcome.set(deep: String(describing: error)) }
            outcome.set(wide: (try? ImageRoot(path: wide).names(in: RootPath("/" + prefix)).count) ?? -1)
        }
        #expect(finished)
        let (deepMessage, wideCount) = outcome.values
        #expect(deepMessage?.contains("is longer than PATH_MAX (4096 bytes)") == true, "\(deepMessage ?? "no error")")
        #expect(deepMessage.map { $0.utf8.count < 400 } == true)   // the 80,000-byte name is shortened
        #expect(wideCount == 1_000)
    }

    /// Results handed back from the thread `finishes` runs its body on.
    final class OutcomeBox: @unchecked Sendable {
        private let lock = NSLock()
        private var deep: String?
        private var wide: Int?
        func set(deep message: String) { lock.withLock { deep = message } }
        func set(wide count: Int) { lock.withLock { wide = count } }
        var values: (String?, Int?) { lock.withLock { (deep, wide) } }
    }

    // MARK: member types

    @Test("a v7 member (typeflag NUL) whose name ends in / is a directory, as Go's archive/tar reads it")
    func v7Directory() throws {
        let directory = try ImageTestDirectory()
        let image = try Self.image([Self.base, [ImageTestMember(name: "opt/OpenFace/build/lib/", type: "\u{0}", mode: 0o755),
                                                ImageTestMember(name: "opt/v7file", type: "\u{0}", data: Array("v7".utf8))]],
                                   in: directory)
        #expect(try image.entry(at: RootPath("/opt/OpenFace/build/lib"))?.kind == .directory)
        #expect(try image.names(in: RootPath("/opt/OpenFace/build/lib")) == ["libUtilities.so"])
        #expect(try image.contents(of: RootPath("/opt/v7file")).bytes == Array("v7".utf8))
    }

    @Test("a sparse member (GNU type S, pax GNU.sparse.* 0.0, 0.1, 1.0) is refused in one line naming it, never read as its map",
          arguments: [
              ImageTestMember(name: "opt/lib.so", type: "S", data: Array(repeating: 0, count: 512)),
              ImageTestMember(name: "opt/lib.so", data: Array("0\n".utf8),
                              pax: [("GNU.sparse.offset", Array("0".utf8)), ("GNU.sparse.numbytes", Array("0".utf8))]),
              ImageTestMember(name: "opt/lib.so", data: Array("0\n".utf8), pax: [("GNU.sparse.map", Array("0,0".utf8))]),
              ImageTestMember(name: "opt/GNUSparseFile.0/lib.so", data: Array("1\n0\n0\n".utf8),
                              pax: [("GNU.sparse.major", Array("1".utf8)), ("GNU.sparse.minor", Array("0".utf8)),
                                    ("GNU.sparse.name", Array("opt/lib.so".utf8)), ("GNU.sparse.realsize", Array("4096".utf8))]),
          ])
    func sparseRefused(_ member: ImageTestMember) throws {
        let directory = try ImageTestDirectory()
        let message = try #require(try Self.refusal([Self.base, [member]], in: directory))
        #expect(message.hasSuffix("layer1/layer.tar: member opt/lib.so is a sparse file, which ofdoctor does not read"), "\(message)")
    }

    /// A typeflag Docker's unpack does not handle (GNU `V` volume label, `M` multi-volume,
    /// `D` dump directory, a letter no one defined): `docker load` fails on it, and so does
    /// the reader, naming it (it was skipped without a word).
    @Test("a member of a tar type docker load refuses is refused, named", arguments: ["V", "M", "D", "Q"])
    func unknownTypeRefused(_ type: String) throws {
        let directory = try ImageTestDirectory()
        let member = ImageTestMember(name: "opt/odd", type: Character(type))
        let message = try #require(try Self.refusal([Self.base, [member]], in: directory))
        #expect(message.hasSuffix("layer1/layer.tar: member opt/odd has tar type '\(type)', which docker load refuses (\"unhandled tar header type\"); save the image again"), "\(message)")
    }

    // MARK: file capabilities

    /// `setcap cap_net_bind_service=+ep` as the kernel stores it (revision 2, bit 10).
    static let netBindServiceEP: [UInt8] = [0x01, 0, 0, 0x02, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]

    @Test("a member's SCHILY.xattr.security.capability record is its file capabilities; a hard link shares them")
    func capabilities() throws {
        let directory = try ImageTestDirectory()
        let image = try Self.image([Self.base, [
            ImageTestMember(name: "usr/bin/ping", mode: 0o755, data: Array("ping".utf8),
                            pax: [("SCHILY.xattr.security.capability", Self.netBindServiceEP)]),
            .hardLink("usr/bin/ping2", to: "usr/bin/ping"),
            ImageTestMember(name: "usr/bin/odd", mode: 0o755, pax: [("SCHILY.xattr.security.capability", [1, 2, 3])]),
        ]], in: directory)
        let expected = FileCapabilities(permitted: 1 << 10, inheritable: 0, effective: true)
        #expect(image.executionAttributes(of: RootPath("/usr/bin/ping")).fileCapabilities == expected)
        #expect(image.executionAttributes(of: RootPath("/usr/bin/ping2")).fileCapabilities == expected)
        #expect(image.executionAttributes(of: RootPath("/usr/bin/odd")).fileCapabilities == .unreadable)
        #expect(image.executionAttributes(of: RootPath("/opt/OpenFace/build/bin/FeatureExtraction")).fileCapabilities == nil)
        #expect(try image.contents(of: RootPath("/usr/bin/ping")).bytes == Array("ping".utf8))
    }
}

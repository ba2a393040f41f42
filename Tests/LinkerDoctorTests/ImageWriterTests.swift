import ELFInspect
import Foundation
@testable import Apply
@testable import Archive
@testable import Doctor
@testable import LoaderModel
@testable import RootFS
import Testing

/// Writing a new image from an old one, on images the tests state member by member
/// (`ImageTestTar`), read back by `ImageRoot` and by GNU tar.
@Suite("image writer")
struct ImageWriterTests {
    static let layer0 = ImageTestTar.archive([
        .directory("etc"), .file("etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n"),
        .directory("usr"), .directory("usr/lib"), .symlink("lib", to: "usr/lib"),
        .file("usr/lib/libold.so.1", "x"), .symlink("usr/lib/libgone.so.1", to: "libgone.so.1.0"),
        ImageTestMember(name: "opt", type: "5", mode: 0o750),
    ])

    /// A config as docker writes one: rootfs.diff_ids for its one layer.
    static let config = #"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin:/bin","LD_LIBRARY_PATH=/opt/lib"]},"rootfs":{"type":"layers","diff_ids":["sha256:00"]}}"#

    static func addition(_ layer: [ImageTestMember], env: [(name: String, value: String?)] = []) -> ImageAddition {
        ImageAddition(layer: ImageTestTar.archive(layer), environment: env, created: "2026-01-02T03:04:05Z",
                      createdBy: "ofdoctor test", comment: "c")
    }

    @Test("docker save, OCI tar, OCI directory: the new layer is on top, Env changed, IN's bytes untouched, read back by ImageRoot",
          arguments: ["docker", "oci-tar", "oci-directory"])
    func formats(_ kind: String) throws {
        let directory = try ImageTestDirectory()
        let input = kind == "docker" ? try ImageTestImage.docker([Self.layer0], config: Self.config, in: directory)
            : try ImageTestImage.oci([Self.layer0], config: Self.config, in: directory, tar: kind == "oci-tar")
        let before = try Self.bytes(input)
        let output = directory.path + "/out" + (kind == "oci-directory" ? "" : ".tar")
        let staged = try ImageWriter.stage(from: input, to: output, adding: Self.addition(
            [.file("usr/lib/libnew.so.1", "new"), .whiteout("usr/lib/libold.so.1")],
            env: [("LD_LIBRARY_PATH", nil), ("OFDOCTOR", "yes")]))
        try staged.commit()
        #expect(try Self.bytes(input) == before)
        let image = try ImageRoot(path: output)
        #expect(image.layerCount == 2)
        #expect(try image.contents(of: RootPath("/usr/lib/libnew.so.1")).bytes == Array("new".utf8))
        #expect(try image.entry(at: RootPath("/usr/lib/libold.so.1")) == nil)
        #expect(image.config.environment == ["PATH": "/usr/bin:/bin", "OFDOCTOR": "yes"])
        #expect(staged.format == (kind == "docker" ? .dockerArchive : kind == "oci-tar" ? .ociArchive : .ociDirectory))
        #expect(staged.layerDigest == "sha256:" + ImageRewrite.sha256(ImageTestTar.archive([.file("usr/lib/libnew.so.1", "new"), .whiteout("usr/lib/libold.so.1")])))
    }

    @Test("a gzip'd docker save stays gzip'd; ImageRoot reads gzip'd archives as they are")
    func gzipArchive() throws {
        let directory = try ImageTestDirectory()
        let plain = try ImageTestImage.docker([Self.layer0], config: Self.config, in: directory)
        let gzipped = try directory.write("image.tar.gz", try ImageTestImage.gzip(Array(try Data(contentsOf: URL(fileURLWithPath: plain))), in: directory))
        #expect(try ImageRoot(path: gzipped).entry(at: RootPath("/usr/lib/libold.so.1"))?.kind == .file)
        let output = directory.path + "/out.tar.gz"
        try ImageWriter.stage(from: gzipped, to: output, adding: Self.addition([.file("etc/x", "1")])).commit()
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: output))).starts(with: [0x1F, 0x8B]))
        #expect(try ImageRoot(path: output).contents(of: RootPath("/etc/x")).bytes == Array("1".utf8))
    }

    @Test("manifest.json keeps RepoTags and other fields, names the new config and layer; the config keeps its other fields and gains history")
    func documents() throws {
        let directory = try ImageTestDirectory()
        let config = #"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin","A=1","A=2"],"Labels":{"k":"v"}},"rootfs":{"type":"layers","diff_ids":["sha256:00"]}}"#
        let input = try ImageTestImage.docker([Self.layer0], config: config, in: directory)
        let output = directory.path + "/out.tar"
        let staged = try ImageWriter.stage(from: input, to: output, adding: Self.addition([.file("etc/x", "1")], env: [("A", "3")]))
        let source = try ImageRootSource(path: staged.temporary)
        let manifest = try #require(JSONValue.parse(try source.file("manifest.json").bytes)?.array?.first)
        #expect(manifest["RepoTags"] == .array([.string("t:1")]))
        let configName = try #require(manifest["Config"]?.string)
        #expect(manifest["Layers"]?.array?.count == 2 && manifest["Layers"]?.array?.last?.string?.hasSuffix("/layer.tar") == true)
        let written = try #require(JSONValue.parse(try source.file(configName).bytes))
        #expect("sha256:" + ImageRewrite.sha256(try source.file(configName).bytes) == staged.configDigest)
        #expect(written["config"]?["Labels"] == .object(["k": .string("v")]))
        #expect(written["config"]?["Env"] == .array([.string("PATH=/bin"), .string("A=3")]))
        #expect(written["rootfs"]?["diff_ids"]?.array?.count == 2)
        #expect(written["history"]?.array?.count == 2, "one placeholder for the old layer, one for the new")
        #expect(written["history"]?.array?.last?["created_by"] == .string("ofdoctor test"))
        staged.discard()
        #expect(!FileManager.default.fileExists(atPath: staged.temporary) && !FileManager.default.fileExists(atPath: output))
    }

    @Test("a config without rootfs.diff_ids is refused, and nothing is left")
    func badConfig() throws {
        let directory = try ImageTestDirectory()
        let input = try ImageTestImage.docker([Self.layer0], config: #"{"config":{"Env":[]}}"#, in: directory)
        #expect(throws: ImageWriteError.self) { try ImageWriter.stage(from: input, to: directory.path + "/out.tar", adding: Self.addition([])) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).allSatisfy { !$0.contains("ofdoctor") })
    }

    static func bytes(_ path: String) throws -> [String: Data] {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        guard isDirectory.boolValue else { return ["": try Data(contentsOf: URL(fileURLWithPath: path))] }
        var files: [String: Data] = [:]
        for case let name as String in FileManager.default.enumerator(atPath: path) ?? NSEnumerator() {
            if let data = FileManager.default.contents(atPath: path + "/" + name) { files[name] = data }
        }
        return files
    }
}

/// `PlanEffect`: a plan's actions as paths, where they really land.
@Suite("plan effect")
struct PlanEffectTests {
    static func image() throws -> (ImageRoot, ImageTestDirectory) {
        let directory = try ImageTestDirectory()
        let path = try ImageTestImage.docker([ImageWriterTests.layer0], in: directory)
        return (try ImageRoot(path: path), directory)
    }

    @Test("a link through a symlinked parent lands at the real path; missing directories are made; the same link already there is no change")
    func placement() throws {
        let (root, _keep) = try Self.image()
        _ = _keep
        let plan = FixPlan([
            PlannedAction(.symlink(path: RootPath("/lib/libnew.so.1"), target: "libold.so.1"), fixes: ["LD002"]),
            PlannedAction(.symlink(path: RootPath("/opt/a/b/libc.so.9"), target: "/x"), fixes: ["LD002"]),
            PlannedAction(.symlink(path: RootPath("/usr/lib/libgone.so.1"), target: "libgone.so.1.0"), fixes: ["LD002"]),
        ])
        let effect = PlanEffect(plan, base: root)
        #expect(effect.order == ["/usr/lib/libnew.so.1", "/opt/a", "/opt/a/b", "/opt/a/b/libc.so.9"].map { RootPath($0) })
        #expect(effect.changes[RootPath("/usr/lib/libnew.so.1")] == .symlink(target: "libold.so.1"))
        #expect(effect.changes[RootPath("/opt/a")] == .directory)
        #expect(effect.conflicts.isEmpty && effect.cache == nil)
    }

    @Test("writing over something else is a conflict; ldconfig deletes a dangling soname link (a removal) and writes a cache")
    func conflictsAndLdconfig() throws {
        let (root, _keep) = try Self.image()
        _ = _keep
        let effect = PlanEffect(FixPlan([
            PlannedAction(.symlink(path: RootPath("/usr/lib/libold.so.1"), target: "elsewhere"), fixes: ["LD002"]),
            PlannedAction(.ldconfig, fixes: ["LD002"]),
        ]), base: root)
        #expect(effect.conflicts == [RootPath("/usr/lib/libold.so.1")])
        #expect(effect.changes[RootPath("/usr/lib/libgone.so.1")] == .removed)
        #expect(try effect.root.entry(at: RootPath("/usr/lib/libgone.so.1")) == nil)
        #expect(effect.cache != nil)
    }
}

/// `ImageRepair`: OUT is read back and checked before it is renamed into place.
@Suite("image repair")
struct ImageRepairTests {
    static let fixture = ImageRootTests.packageRoot + "/.build/fixtures/all/root"

    @Test("a plan that does not work on the image as written (its ldconfig left out) is refused: notProven, nothing at OUT, no temporary left",
          .enabled(if: FileManager.default.fileExists(atPath: fixture + "/launch"), ImageRootTests.notBuilt))
    func unprovenPlanWritesNothing() throws {
        let directory = try ImageTestDirectory()
        let input = directory.path + "/in.tar"
        let made = try LdCacheTestSupport.sh("python3 '\(ImageRootTests.packageRoot)/Tests/Fixtures/make-image.py' '\(input)' --root '\(Self.fixture)'")
        try #require(made.status == 0, "\(made.err)")
        let image = try ImageRoot(path: input)
        let system = TargetSystem.inspect(root: RootView(image), cpu: nil)
        let environment = LoaderEnvironment(image.config.environment)
        let program = try ProgramLocation.find(nil, root: system.root, environment: environment)
        var report = try Doctor(system: system).check(program, environment: environment)
        let plan = try #require(report.plan)
        #expect(plan.actions.contains { $0.action == .ldconfig })
        let repair = ImageRepair(image: image, system: system, overrides: [:], cpu: nil)
        let output = directory.path + "/out.tar"

        report.plan = FixPlan(plan.actions.filter { $0.action != .ldconfig })
        #expect(throws: ImageRepairError.self) { try repair.write(report, to: output, created: "2026-01-01T00:00:00Z", generator: "t") }
        do {
            _ = try repair.write(report, to: output, created: "2026-01-01T00:00:00Z", generator: "t")
        } catch {
            guard case .notProven(let left) = error else { throw error }
            #expect(left.contains { $0.hasPrefix("LD005") }, "\(left)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["in.tar"])

        // The whole plan passes the same check, and OUT appears.
        report.plan = plan
        let outcome = try repair.write(report, to: output, created: "2026-01-01T00:00:00Z", generator: "t")
        #expect(outcome.recheck.status == .healthy)
        #expect(outcome.layerEntries.contains("etc/ld.so.conf.d/ofdoctor.conf"))
        #expect(FileManager.default.fileExists(atPath: output))
    }
}

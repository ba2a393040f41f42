import Foundation
import Testing

/// `check --image` on images whose layers only a member-by-member apply reads right
/// (`Tests/Fixtures/make-layered-image.py`, on the healthy fixture root): the verdict must be
/// the one `check --root` gives on the root the tests' own unpacker makes of the image
/// (`unpack-image.py`, containerd's applyNaive in Python), and the real loader must agree.
@Suite("ofdoctor --image: layers applied as the container runtime applies them",
       .enabled(if: ImageE2E.cliAvailable && FixtureRoot.named("healthy") != nil, ImageE2E.unavailable))
struct ImageLayerApplyEndToEndTests {
    static let program = "/opt/OpenFace/build/bin/FeatureExtraction"

    /// The image of `scenario` in `directory` (scratch files under it too).
    static func make(_ scenario: String, in directory: String) throws -> String {
        let fixture = try #require(FixtureRoot.named("healthy"))
        let image = directory + "/image.tar"
        let made = ImageE2E.run("/usr/bin/env", ["python3", ImageE2E.packageRoot + "/Tests/Fixtures/make-layered-image.py",
                                                 scenario, image, "--root", fixture.rootPath, "--work", directory])
        try #require(made.status == 0, "make-layered-image.py \(scenario): \(made.stderr)")
        return image
    }

    /// The image's own Env, as `--env` arguments for `check --root`.
    static func environmentArguments(_ image: String) throws -> [String] {
        try ImageSpecReader.read(image).env.flatMap { ["--env", $0] }
    }

    @Test("the verdict is the unpacked root's: the symlink's target survives a directory and whiteout laid over the link, `..` names land, `..` above the root stays there, a hard link outlives its target's whiteout, a v7 directory stays a directory",
          arguments: ["opaque-after-directory", "whiteout-after-directory", "dot-dot", "climbing", "hard-link-then-whiteout", "v7-directory"])
    func sameAsUnpacked(_ scenario: String) throws {
        let directory = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let image = try Self.make(scenario, in: directory)
        let root = directory + "/unpacked"
        _ = try ImageSpecReader.read(image, unpackInto: root)
        let environment = try Self.environmentArguments(image)
        let fromImage = ImageEndToEndTests.Verdict(ImageE2E.ofdoctor(["check", "--image", image, "--format", "json", Self.program]))
        let fromRoot = ImageEndToEndTests.Verdict(ImageE2E.ofdoctor(["check", "--root", root, "--format", "json", Self.program] + environment))
        #expect(fromImage == fromRoot)
        #expect(fromImage.exit == 0 && fromImage.status == "healthy", "\(fromImage)")
        if RealLoader.canRunRoots {
            let run = RealLoader.run(root: root, program: Self.program, argv0: "FeatureExtraction",
                                     environment: try ImageSpecReader.read(image).environment)
            #expect(run.status == 0, "\(run)")
        }
    }

    @Test("members Docker cannot unpack or ofdoctor does not read: exit 3, one line naming the image, the layer and the member, at once",
          .enabled(if: HostileCLI.isAvailable, HostileCLI.unavailableReason),
          arguments: [
              ("sparse-gnu", "member opt/OpenFace/build/lib/libUtilities.so is a sparse file, which ofdoctor does not read"),
              ("sparse-pax", "member opt/OpenFace/build/lib/libUtilities.so is a sparse file, which ofdoctor does not read"),
              ("under-file", "member opt/OpenFace/build/lib/libUtilities.so/extra lies under a file (or a link to one), not a directory at that point, so docker load fails (\"not a directory\")"),
              ("too-long", "(80004 bytes) is longer than PATH_MAX (4096 bytes)"),
          ])
    func refused(_ scenario: String, _ words: String) throws {
        let directory = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let image = try Self.make(scenario, in: directory)
        // (The 40,000-deep name took the old reader 157 s and 3.6 GB.)
        let result = HostileCLI.run(["check", "--image", image, Self.program], timeout: 60)
        #expect(result.status == 3, "\(result.stdout)\(result.stderr)")
        let lines = HostileCLI.errorLines(result)
        #expect(lines.count == 1 && lines.first?.hasPrefix("ofdoctor: \(image): ") == true
                && lines.first?.contains("/layer.tar: member ") == true && lines.first?.contains(words) == true, "\(lines)")
    }

    static var capabilityTools: Bool {
        RealLoader.setIDTakesEffect && ["/usr/sbin/setcap", "/sbin/setcap"].contains(where: FileManager.default.isExecutableFile(atPath:))
    }

    /// Docker keeps `setcap` in a layer as a pax record; a non-root User then starts the
    /// program in secure-execution mode, where the loader ignores LD_LIBRARY_PATH.
    @Test("a file capability in a layer starts secure mode for the image's User: the finding check --root --user gives, and the loader's failure",
          .enabled(if: capabilityTools, "needs root, setcap, and set-ID bits that take effect in .build/setid-scratch"))
    func capabilityInLayer() throws {
        let directory = try ImageE2E.temporaryDirectory(under: RealLoader.setIDScratch)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let image = try Self.make("capability", in: directory)
        let root = directory + "/root"   // the tree the layer was packed from, capability and all
        let summary = try ImageSpecReader.read(image)
        let imageRun = ImageE2E.ofdoctor(["check", "--image", image, "--format", "json", Self.program])
        let rootRun = ImageE2E.ofdoctor(["check", "--root", root, "--user", "app", "--format", "json", Self.program]
                                        + summary.env.flatMap { ["--env", $0] })
        let fromImage = ImageEndToEndTests.Verdict(imageRun), fromRoot = ImageEndToEndTests.Verdict(rootRun)
        #expect(fromImage == fromRoot)
        #expect(fromImage.findings.contains { $0.hasPrefix("OF003 library-not-found libLandmarkDetector.so") }, "\(fromImage)")
        func secure(_ run: Command.Result) -> String? {
            ((try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))) as? [String: Any])?["secureExecution"] as? String
        }
        #expect(secure(imageRun) != nil && secure(imageRun) == secure(rootRun), "\(secure(imageRun) ?? "none") / \(secure(rootRun) ?? "none")")
        // The real loader, started as uid 1000 (app): LD_LIBRARY_PATH is ignored.
        let asApp = RealLoader.run(root: root, program: Self.program, argv0: "FeatureExtraction",
                                   environment: summary.environment, user: "1000:1000")
        #expect(asApp.status == 127 && asApp.stderr.contains("libLandmarkDetector.so: cannot open shared object file"), "\(asApp)")
        // Root gains nothing from the capability: no secure mode, the program starts.
        let asRoot = RealLoader.run(root: root, program: Self.program, argv0: "FeatureExtraction", environment: summary.environment)
        #expect(asRoot.status == 0, "\(asRoot)")
    }
}

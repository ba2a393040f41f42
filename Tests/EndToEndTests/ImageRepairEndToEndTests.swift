import Foundation
import Testing

/// `fix --image IN --output OUT` (issue 20). The proof is outside ofdoctor: the tests' own
/// reader checks OUT against the image-spec and unpacks it layer by layer, and the real
/// loader, in chroot, with OUT's config `Env`, starts the program there; a private dockerd
/// loads and runs OUT where one can be started.
@Suite("fix --image --output", .enabled(if: ImageE2E.cliAvailable && FixtureRoot.isBuilt, ImageE2E.unavailable))
struct ImageRepairEndToEndTests {
    static let program = "/opt/OpenFace/build/bin/FeatureExtraction"

    /// A scratch directory with IN made from a fixture root by make-image.py.
    struct Scratch {
        let directory: String
        let input: String
        var output: String { directory + "/out" + (input.hasSuffix(".gz") ? ".tar.gz" : input.hasSuffix(".tar") ? ".tar" : "") }

        init(_ root: String, oci: Bool = false, gzip: Bool = false, directoryLayout: Bool = false) throws {
            directory = try ImageE2E.temporaryDirectory()
            let tar = directory + "/in.tar"
            let made = ImageE2E.run("/usr/bin/env", ["python3", ImageE2E.packageRoot + "/Tests/Fixtures/make-image.py", tar,
                                                     "--root", root, "--library", try ImageE2E.someLibrary(in: root)] + (oci ? ["--oci"] : []))
            try #require(made.status == 0, "make-image.py: \(made.stderr)")
            if gzip {
                try #require(ImageE2E.run("/bin/gzip", ["-n", tar]).status == 0)
                input = tar + ".gz"
            } else if directoryLayout {
                input = directory + "/in-layout"
                try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
                try #require(ImageE2E.run("/bin/tar", ["-xf", tar, "-C", input]).status == 0)
                try FileManager.default.removeItem(atPath: tar)
            } else {
                input = tar
            }
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// The real loader in OUT unpacked, with OUT's Env: what FeatureExtraction does.
    static func runUnpacked(_ image: String, in directory: String, name: String) throws -> (RealLoader.Outcome, ImageSpecReader.Summary) {
        let root = directory + "/" + name
        let summary = try ImageSpecReader.read(image, unpackInto: root)
        let outcome = RealLoader.run(root: root, program: program, argv0: "FeatureExtraction", environment: summary.environment)
        return (outcome, summary)
    }

    @Test("OF001–OF004 in a docker save archive: exit 1, IN byte-identical, OUT valid with one more layer, the real loader starts FeatureExtraction in OUT with OUT's Env",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason))
    func allFourFindings() throws {
        let fixture = try #require(FixtureRoot.named("all"))
        let scratch = try Scratch(fixture.rootPath)
        defer { scratch.remove() }
        let before = try ImageSpecReader.snapshot(scratch.input)
        let fix = ImageE2E.ofdoctor(["fix", "--image", scratch.input, "--output", scratch.output])
        #expect(fix.status == 1, "\(fix.stdout) \(fix.stderr)")
        #expect(fix.stdout.contains("the loader will start \(Self.program)"), "\(fix.stdout)")
        #expect(try ImageSpecReader.snapshot(scratch.input) == before, "IN changed")

        let inSummary = try ImageSpecReader.read(scratch.input)
        let (started, outSummary) = try Self.runUnpacked(scratch.output, in: scratch.directory, name: "out-root")
        #expect(started.status == 0 && started.stdout.contains("FeatureExtraction: started"), "\(started)")
        #expect(outSummary.format == "docker" && outSummary.tags == inSummary.tags)
        #expect(outSummary.diff_ids.dropLast() == inSummary.diff_ids[...], "IN's layers unchanged, in order")
        #expect(outSummary.diff_ids.count == inSummary.diff_ids.count + 1)
        #expect(outSummary.history.last?["created_by"]?.contains("ofdoctor") == true)
        #expect(outSummary.history.last?["created_by"]?.contains("OF004") == true, "\(outSummary.history)")
        // OF004's fix: conda's lib leaves LD_LIBRARY_PATH in the config (docker run and exec see it).
        #expect(inSummary.environment["LD_LIBRARY_PATH"] == "/opt/conda/lib")
        #expect(outSummary.environment["LD_LIBRARY_PATH"] == nil, "\(outSummary.env)")
        #expect(outSummary.environment["PATH"] == inSummary.environment["PATH"])

        // The control: IN unpacked the same way fails as the seed describes.
        let (failed, _) = try Self.runUnpacked(scratch.input, in: scratch.directory, name: "in-root")
        #expect(failed.status == 127 && failed.stderr.contains("error while loading shared libraries"), "\(failed)")

        let check = ImageE2E.ofdoctor(["check", "--image", scratch.output])
        #expect(check.status == 0, "check --image OUT: \(check.stdout) \(check.stderr)")
    }

    @Test("the layer holds exactly the plan's paths and the cache the image's ldconfig writes: the same entries as ldconfig -r on OUT unpacked",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason))
    func layerContents() throws {
        let fixture = try #require(FixtureRoot.named("all"))
        let scratch = try Scratch(fixture.rootPath)
        defer { scratch.remove() }
        let fix = ImageE2E.ofdoctor(["fix", "--image", scratch.input, "--output", scratch.output])
        try #require(fix.status == 1, "\(fix.stdout) \(fix.stderr)")
        let root = scratch.directory + "/out-root"
        _ = try ImageSpecReader.read(scratch.output, unpackInto: root)
        let ours = ImageE2E.run("/sbin/ldconfig", ["-p", "-C", root + "/etc/ld.so.cache"])
        #expect(ours.status == 0 && ours.stdout.contains("Cache generated by: ofdoctor"), "\(ours.stdout) \(ours.stderr)")
        // The real ldconfig on OUT unpacked, with our cache and links taken away first, writes the same entries.
        let copy = scratch.directory + "/ldconfig-root"
        try #require(ImageE2E.run("/bin/cp", ["-a", root, copy]).status == 0)
        try FileManager.default.removeItem(atPath: copy + "/etc/ld.so.cache")
        try #require(ImageE2E.run("/sbin/ldconfig", ["-r", copy]).status == 0)
        let real = ImageE2E.run("/sbin/ldconfig", ["-p", "-C", copy + "/etc/ld.so.cache"])
        #expect(Self.entries(ours.stdout) == Self.entries(real.stdout), "ours:\n\(ours.stdout)\nldconfig:\n\(real.stdout)")
        // Running ldconfig on OUT changed no link: the layer already holds every link it makes.
        let links = ImageE2E.run("/usr/bin/diff", ["-r", "--no-dereference", root, copy])
        #expect(links.stdout.split(separator: "\n").allSatisfy { $0.contains("ld.so.cache") || $0.contains("aux-cache") }, "\(links.stdout)")
    }

    /// `ldconfig -p` entry lines, without the header and generator lines.
    static func entries(_ text: String) -> [String] {
        text.split(separator: "\n").filter { $0.hasPrefix("\t") }.map(String.init)
    }

    @Test("gzip'd docker save, OCI layout tar and OCI layout directory: OUT in IN's format, valid, IN byte-identical, the program starts",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason),
          arguments: ["gzip", "oci-tar", "oci-directory"])
    func formats(_ kind: String) throws {
        let fixture = try #require(FixtureRoot.named("all"))
        let scratch = try Scratch(fixture.rootPath, oci: kind != "gzip", gzip: kind == "gzip", directoryLayout: kind == "oci-directory")
        defer { scratch.remove() }
        let before = try ImageSpecReader.snapshot(scratch.input)
        let fix = ImageE2E.ofdoctor(["fix", "--image", scratch.input, "--output", scratch.output])
        #expect(fix.status == 1, "\(fix.stdout) \(fix.stderr)")
        #expect(try ImageSpecReader.snapshot(scratch.input) == before, "IN changed")
        let inSummary = try ImageSpecReader.read(scratch.input)
        let (started, outSummary) = try Self.runUnpacked(scratch.output, in: scratch.directory, name: "out-root")
        #expect(started.status == 0 && started.stdout.contains("FeatureExtraction: started"), "\(started)")
        #expect(outSummary.format == inSummary.format && outSummary.gzip == inSummary.gzip, "\(outSummary.format) \(outSummary.gzip)")
        #expect(Array(outSummary.diff_ids.dropLast()) == inSummary.diff_ids)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: scratch.output, isDirectory: &isDirectory) && isDirectory.boolValue == (kind == "oci-directory"))
        #expect(ImageE2E.ofdoctor(["check", "--image", scratch.output]).status == 0)
    }

    @Test("a finding for a person: OUT still fixes the rest (exit 2), check --image OUT names only the person's finding, the loader misses only libwebp.so.7",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason))
    func partialPlan() throws {
        let root = try FixJourneyTests.allWithoutWebp()
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let scratch = try Scratch(root)
        defer { scratch.remove() }
        let fix = ImageE2E.ofdoctor(["fix", "--image", scratch.input, "--output", scratch.output])
        #expect(fix.status == 2, "\(fix.stdout) \(fix.stderr)")
        #expect(fix.stdout.contains("A person must still:") && fix.stdout.contains("OF001"), "\(fix.stdout)")
        let check = ImageE2E.ofdoctor(["check", "--image", scratch.output, "--format", "json"])
        #expect(check.status == 2, "\(check.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        let problems = (json["findings"] as? [[String: Any]] ?? []).filter { $0["severity"] as? String == "error" }.compactMap { $0["id"] as? String }
        #expect(problems == ["OF001"], "\(problems)")
        let (outcome, _) = try Self.runUnpacked(scratch.output, in: scratch.directory, name: "out-root")
        #expect(outcome.stderr.hasPrefix("FeatureExtraction: error while loading shared libraries: libwebp.so.7:"), "\(outcome)")
    }

    @Test("model files: the layer links the CEN patch experts where FeatureExtraction looks, each link leads to the file inside OUT, check --image OUT is healthy")
    func modelFiles() throws {
        let fixture = try #require(FixtureRoot.named("models-no-cen"))
        let scratch = try Scratch(fixture.rootPath)
        defer { scratch.remove() }
        let fix = ImageE2E.ofdoctor(["fix", "--image", scratch.input, "--output", scratch.output])
        #expect(fix.status == 1, "\(fix.stdout) \(fix.stderr)")
        let root = scratch.directory + "/out-root"
        _ = try ImageSpecReader.read(scratch.output, unpackInto: root)
        let directory = root + "/opt/OpenFace/build/etc/OpenFace/model/patch_experts"
        let links = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("cen_patches_") }.sorted()
        #expect(links.count == 4, "\(links)")
        for name in links {
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + name)
            #expect(target.hasPrefix("/") && FileManager.default.fileExists(atPath: root + target), "\(name) -> \(target)")
        }
        #expect(ImageE2E.ofdoctor(["check", "--image", scratch.output]).status == 0)
    }

    @Test("a healthy image: exit 0 and OUT is IN's bytes; the same plan twice gives the same layer digest")
    func healthyAndReproducible() throws {
        let healthy = try #require(FixtureRoot.named("healthy"))
        let scratch = try Scratch(healthy.rootPath)
        defer { scratch.remove() }
        let fix = ImageE2E.ofdoctor(["fix", "--image", scratch.input, "--output", scratch.output, "--env", "LD_LIBRARY_PATH=/opt/OpenFace/build/lib"])
        #expect(fix.status == 0, "\(fix.stdout) \(fix.stderr)")
        #expect(try ImageSpecReader.snapshot(scratch.output) == ImageSpecReader.snapshot(scratch.input))

        let all = try #require(FixtureRoot.named("all"))
        let broken = try Scratch(all.rootPath)
        defer { broken.remove() }
        let first = ImageE2E.ofdoctor(["fix", "--image", broken.input, "--output", broken.directory + "/a.tar"])
        let second = ImageE2E.ofdoctor(["fix", "--image", broken.input, "--output", broken.directory + "/b.tar"])
        #expect(first.status == 1 && second.status == 1)
        let a = try ImageSpecReader.read(broken.directory + "/a.tar"), b = try ImageSpecReader.read(broken.directory + "/b.tar")
        #expect(a.diff_ids == b.diff_ids)
    }

    @Test("refusals: --output without --image (64), OUT = IN, OUT an existing layout directory, an unwritable directory (4); IN unchanged and nothing left behind")
    func refusals() throws {
        let fixture = try #require(FixtureRoot.named("of001"))
        let scratch = try Scratch(fixture.rootPath)
        defer { scratch.remove() }
        let before = try ImageSpecReader.snapshot(scratch.input)
        #expect(ImageE2E.ofdoctor(["fix", "--root", fixture.rootPath, "--output", scratch.output]).status == 64)
        #expect(ImageE2E.ofdoctor(["fix", "--image", scratch.input, "--output", scratch.output, "--apply"]).status == 64)
        let same = ImageE2E.ofdoctor(["fix", "--image", scratch.input, "--output", scratch.input])
        #expect(same.status == 4 && same.stderr.contains("is the input image itself"), "\(same.stderr)")
        let directory = scratch.directory + "/taken"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let taken = ImageE2E.ofdoctor(["fix", "--image", scratch.input, "--output", directory])
        #expect(taken.status == 4 && taken.stderr.contains("not a file to replace"), "\(taken.stderr)")
        let missing = ImageE2E.ofdoctor(["fix", "--image", scratch.input, "--output", scratch.directory + "/no/such/dir/out.tar"])
        #expect(missing.status == 4 && missing.stderr.hasPrefix("ofdoctor: "), "\(missing.stderr)")
        #expect(try ImageSpecReader.snapshot(scratch.input) == before)
        let left = try FileManager.default.contentsOfDirectory(atPath: scratch.directory).filter { $0.contains(".ofdoctor-") }
        #expect(left.isEmpty, "temporary files left: \(left)")
        #expect(ImageE2E.ofdoctor(["fix", "--image", scratch.input, "--output", ""]).status == 64)
    }

    @Test("an OCI layout directory's OUT inside IN is refused (4): IN is never changed")
    func outputInsideLayout() throws {
        let fixture = try #require(FixtureRoot.named("of001"))
        let scratch = try Scratch(fixture.rootPath, oci: true, directoryLayout: true)
        defer { scratch.remove() }
        let before = try ImageSpecReader.snapshot(scratch.input)
        for inside in [scratch.input + "/sub", scratch.input + "/blobs/sha256/../out", scratch.input + "/blobs/x"] {
            let fix = ImageE2E.ofdoctor(["fix", "--image", scratch.input, "--output", inside])
            #expect(fix.status == 4 && fix.stderr.contains("is inside the input layout"), "\(inside): \(fix.stderr)")
        }
        #expect(try ImageSpecReader.snapshot(scratch.input) == before, "IN changed")
        let beside = ImageE2E.ofdoctor(["fix", "--image", scratch.input, "--output", scratch.directory + "/beside"])
        #expect(beside.status == 1, "\(beside.stderr)")
    }

    @Test("docker load -i OUT: docker image inspect shows the new layer and Env, docker run starts FeatureExtraction (IN's image does not)",
          .enabled(if: DockerDaemon.isInstalled && RealLoader.isAvailable, DockerDaemon.unavailable))
    func dockerLoadAndRun() throws {
        let fixture = try #require(FixtureRoot.named("all"))
        let daemon = try DockerDaemon()
        defer { daemon.stop() }
        // IN is what docker itself saves: a root imported with the image's ENV, then `docker save`.
        let directory = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let rootTar = directory + "/root.tar"
        try #require(ImageE2E.run("/bin/tar", ["-C", fixture.rootPath, "-cf", rootTar, "."]).status == 0)
        let tag = "ofdoctor-test/openface:broken"
        let imported = daemon.docker(["import", "--change", "ENV LD_LIBRARY_PATH=/opt/conda/lib",
                                      "--change", "ENV PATH=/opt/OpenFace/build/bin:/usr/bin:/bin", rootTar, tag])
        try #require(imported.status == 0, "\(imported.stderr)")
        let input = directory + "/in.tar", output = directory + "/out.tar"
        try #require(daemon.docker(["save", "-o", input, tag]).status == 0)
        let broken = daemon.docker(["run", "--rm", "--network", "none", tag, Self.program])
        #expect(broken.status == 127 && broken.stderr.contains("error while loading shared libraries"), "\(broken)")

        let fix = ImageE2E.ofdoctor(["fix", "--image", input, "--output", output])
        #expect(fix.status == 1, "\(fix.stdout) \(fix.stderr)")
        let summary = try ImageSpecReader.read(output)
        let load = daemon.docker(["load", "-i", output])
        #expect(load.status == 0 && load.stdout.contains(tag), "\(load.stdout) \(load.stderr)")
        let inspect = daemon.docker(["image", "inspect", tag, "--format", "{{json .RootFS.Layers}} {{json .Config.Env}}"])
        #expect(inspect.stdout.contains(summary.diff_ids.last ?? "-"), "\(inspect.stdout)")
        #expect(!inspect.stdout.contains("/opt/conda/lib"), "\(inspect.stdout)")
        let run = daemon.docker(["run", "--rm", "--network", "none", tag, Self.program])
        #expect(run.status == 0 && run.stdout.contains("FeatureExtraction: started"), "\(run)")
        let history = daemon.docker(["history", "--no-trunc", "--format", "{{.CreatedBy}}", tag])
        #expect(history.stdout.hasPrefix("ofdoctor fix --image"), "\(history.stdout)")
    }

    @Test("a glibc 2.31 image (bullseye's ld.so, libc and ldconfig): the cache in OUT has the entries its own ldconfig writes, and its own 2.31 loader starts the program",
          .enabled(if: Glibc231HWCapsTests.isAvailable, "needs root, gcc and the bullseye root (bash scripts/debian-root.sh bullseye)"))
    func glibc231() throws {
        // /app/prog needs libfoo.so.1, which lies only in /opt/private/lib, outside the search path.
        let work = try Glibc231HWCapsTests.makeRoot(libraryDirectory: "/opt/private/lib")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let scratch = try Scratch(work + "/root")
        defer { scratch.remove() }
        let fix = ImageE2E.ofdoctor(["fix", "--image", scratch.input, "--output", scratch.output, "/app/prog"])
        #expect(fix.status == 1, "\(fix.stdout) \(fix.stderr)")
        #expect(fix.stdout.contains("etc/ld.so.cache"), "\(fix.stdout)")

        let root = scratch.directory + "/out-root"
        let summary = try ImageSpecReader.read(scratch.output, unpackInto: root)
        let ran = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: summary.environment)
        #expect(ran.status == 0, "the 2.31 loader with ofdoctor's cache: \(ran)")
        let before = RealLoader.run(root: work + "/root", program: "/app/prog", argv0: "prog", environment: [:])
        #expect(before.status == 127, "the control: \(before)")

        // The root's own 2.31 ldconfig, run on OUT unpacked with our cache taken away, writes the same entries.
        let copy = scratch.directory + "/own-ldconfig"
        try #require(ImageE2E.run("/bin/cp", ["-a", root, copy]).status == 0)
        try FileManager.default.removeItem(atPath: copy + "/etc/ld.so.cache")
        try #require(ImageE2E.run("/usr/sbin/chroot", [copy, "/sbin/ldconfig"]).status == 0)
        let ours = ImageE2E.run("/sbin/ldconfig", ["-p", "-C", root + "/etc/ld.so.cache"])
        let own = ImageE2E.run("/sbin/ldconfig", ["-p", "-C", copy + "/etc/ld.so.cache"])
        #expect(Self.entries(ours.stdout) == Self.entries(own.stdout) && !Self.entries(own.stdout).isEmpty,
                "ours:\n\(ours.stdout)\n2.31 ldconfig:\n\(own.stdout)")
    }
}

import Foundation
import Testing

/// `ofdoctor check --image` against `ofdoctor check --root` on the same files: each
/// fixture root is packed into an image by `Tests/Fixtures/make-image.py` (whiteouts,
/// an opaque directory, a re-added library), and reading the image in place must give
/// the very findings the unpacked root gives with the image's config as environment.
@Suite("ofdoctor --image", .enabled(if: ImageE2E.cliAvailable && FixtureRoot.isBuilt, ImageE2E.unavailable))
struct ImageEndToEndTests {
    /// What a `check --format json` run says, reduced to what must agree.
    struct Verdict: Equatable, CustomStringConvertible {
        var exit: Int32
        var status: String
        var findings: [String]

        init(_ result: ImageE2E.Result) {
            exit = result.status
            let json = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any]
            status = json?["status"] as? String ?? "(no JSON: \(result.stderr))"
            findings = ((json?["findings"] as? [[String: Any]]) ?? []).map { finding in
                // bytes outside ASCII as \xHH: two names that are the same text but not the same
                // bytes stay two (`String`'s == would take `é` and `e` + U+0301 as one)
                ["id", "rule", "library", "symbol"].map { "\(finding[$0] ?? "-")" }.joined(separator: " ").utf8
                    .map { $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
            }.sorted()
        }

        var description: String { "exit \(exit), \(status), \(findings)" }
    }

    static let variants = FixtureRoot.all.map(\.name)

    @Test("docker save archive: same findings and status as the unpacked root", arguments: variants)
    func dockerSave(variant: String) throws {
        try compare(variant: variant, oci: false)
    }

    @Test("the text report's steps for an image: a variable is the image's ENV line, not an export that ends with its RUN, and reaches every process of its containers")
    func environmentStepIsENV() throws {
        let fixture = try #require(FixtureRoot.named("of004"))
        let directory = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let image = directory + "/image.tar"
        let made = ImageE2E.run("/usr/bin/env", ["python3", ImageE2E.packageRoot + "/Tests/Fixtures/make-image.py", image,
                                                 "--root", fixture.rootPath, "--library", try ImageE2E.someLibrary(in: fixture.rootPath)])
        try #require(made.status == 0, "make-image.py: \(made.stderr)")
        let text = Command.ofdoctor(["check", "--image", image], environment: ["COLUMNS": "500"])
        #expect(text.stdout.contains("in image:  ENV LD_LIBRARY_PATH='"), "\(text.stdout)")
        #expect(!text.stdout.contains("export LD_LIBRARY_PATH"), "\(text.stdout)")
        // Where it reaches: the image's Env, every process of its containers; no shell, no profile script.
        let plan = Command.ofdoctor(["fix", "--image", image, "--format", "text"], environment: ["COLUMNS": "500"])
        #expect(plan.stdout.contains("The plan changes the image's environment (LD_LIBRARY_PATH="), "\(plan.stdout)")
        #expect(!plan.stdout.contains("this shell:") && !plan.stdout.contains("login shells:"), "\(plan.stdout)")
    }

    @Test("OCI layout with gzip layers: same findings as the unpacked root", arguments: ["of001", "all"])
    func ociLayout(variant: String) throws {
        try compare(variant: variant, oci: true)
    }

    private func compare(variant: String, oci: Bool) throws {
        let fixture = try #require(FixtureRoot.named(variant))
        let directory = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let image = directory + "/image.tar", config = directory + "/config.json"
        let made = ImageE2E.run("/usr/bin/env", ["python3", ImageE2E.packageRoot + "/Tests/Fixtures/make-image.py", image,
                                                 "--root", fixture.rootPath, "--config-out", config,
                                                 "--library", try ImageE2E.someLibrary(in: fixture.rootPath)] + (oci ? ["--oci"] : []))
        try #require(made.status == 0, "make-image.py: \(made.stderr)")
        let fromImage = Verdict(ImageE2E.ofdoctor(["check", "--image", image, "--format", "json"]))
        let fromRoot = Verdict(ImageE2E.ofdoctor(["check", "--root", fixture.rootPath, "--env-from", config, "--format", "json"]))
        #expect(fromImage == fromRoot)
        #expect(fromRoot.status != "" && (0...2).contains(fromRoot.exit), "\(fromRoot)")
        if variant == "of001" {
            #expect(fromImage.exit == 1)
            #expect(fromImage.findings.contains { $0.hasPrefix("OF001 library-not-found libwebp.so.7") })
        }
    }

    /// Rule roots whose names hold marks that text grouped into characters reads wrongly
    /// (their `--root` findings are checked against the real loader in RuleRootDifferentialTests).
    @Test("names read byte by byte in an image too: the same findings as the unpacked root",
          .enabled(if: FixtureRoot.rule("combining-names") != nil, "make fixtures builds the rule roots"),
          arguments: ["combining-names", "equivalent-names", "combining-env"])
    func byteNames(rule: String) throws {
        let fixture = try #require(FixtureRoot.rule(rule))
        let program = try #require(fixture.program)
        let directory = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let image = directory + "/image.tar", config = directory + "/config.json"
        let made = ImageE2E.run("/usr/bin/env", ["python3", ImageE2E.packageRoot + "/Tests/Fixtures/make-image.py", image,
                                                 "--root", fixture.rootPath, "--config-out", config,
                                                 "--library", try ImageE2E.someLibrary(in: fixture.rootPath)])
        try #require(made.status == 0, "make-image.py: \(made.stderr)")
        let imageRun = ImageE2E.ofdoctor(["check", "--image", image, "--format", "json", program])
        let rootRun = ImageE2E.ofdoctor(["check", "--root", fixture.rootPath, "--env-from", config, "--format", "json", program])
        let fromImage = Verdict(imageRun), fromRoot = Verdict(rootRun)
        #expect(fromImage == fromRoot)
        // and every object from the same file, byte for byte
        func paths(_ run: ImageE2E.Result) -> [[UInt8]] {
            let json = (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))) as? [String: Any]
            return ((json?["objects"] as? [[String: Any]]) ?? []).map { Array(($0["path"] as? String ?? "").utf8) }
        }
        #expect(!paths(rootRun).isEmpty && paths(imageRun) == paths(rootRun))
        #expect(fromRoot.exit == (rule == "equivalent-names" ? 2 : 0), "\(fromRoot)")   // 2: two libraries found nowhere
    }

    @Test("--image is read-only: fix --apply, undo, --root with --image and verify --image are usage errors")
    func readOnly() throws {
        let fixture = try #require(FixtureRoot.named("of001"))
        let directory = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let image = directory + "/image.tar"
        let made = ImageE2E.run("/usr/bin/env", ["python3", ImageE2E.packageRoot + "/Tests/Fixtures/make-image.py", image,
                                                 "--root", fixture.rootPath])
        try #require(made.status == 0, "make-image.py: \(made.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: image))
        let apply = ImageE2E.ofdoctor(["fix", "--apply", "--image", image])
        #expect(apply.status == 64 && apply.stderr.contains("--image is read-only"), "\(apply)")
        let undo = ImageE2E.ofdoctor(["undo", "--image", image])
        #expect(undo.status == 64 && undo.stderr.contains("--image is read-only"), "\(undo)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: image)) == before)
        #expect(ImageE2E.ofdoctor(["check", "--image", image, "--root", fixture.rootPath]).status == 64)
        // verify starts the program in a root: an image is not unpacked, and a run on this
        // machine's own files (chroot to /) would be reported as the image's
        let verify = ImageE2E.ofdoctor(["verify", "--image", image, "/usr/bin/env", "--", "true"])
        #expect(verify.status == 64 && verify.stderr.contains("--image is not unpacked"), "\(verify)")
        let damaged = directory + "/damaged.tar"
        try Data(before.prefix(before.count / 3)).write(to: URL(fileURLWithPath: damaged))
        let broken = ImageE2E.ofdoctor(["check", "--image", damaged])
        #expect(broken.status == 3)
        #expect(broken.stderr.contains(damaged))
    }
}

/// Runs the built CLI and other host commands for the image and release tests.
enum ImageE2E {
    typealias Result = Command.Result

    static var packageRoot: String { Command.packageRoot }

    static var cliPath: String { Command.ofdoctorPath }

    static var cliAvailable: Bool { FileManager.default.isExecutableFile(atPath: cliPath) }

    static let unavailable: Comment =
        "needs `swift build` (.build/debug/ofdoctor, or OFDOCTOR_BINARY) and `bash Tests/Fixtures/build-roots.sh .build/fixtures`"

    static func ofdoctor(_ arguments: [String]) -> Result { Command.ofdoctor(arguments) }

    /// A new directory in the temporary directory, or under `parent` (a set-ID test's roots
    /// go under `RealLoader.setIDScratch`, where the bits take effect).
    static func temporaryDirectory(under parent: String? = nil) throws -> String {
        let path = (parent.map { $0 + "/" } ?? NSTemporaryDirectory()) + "ofdoctor-e2e-image-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A regular library file of the root, for the image's whiteout-and-re-add layers.
    static func someLibrary(in root: String) throws -> String {
        let relative = "usr/lib/x86_64-linux-gnu"
        let names = try FileManager.default.contentsOfDirectory(atPath: root + "/" + relative).sorted()
        for name in names where name.hasPrefix("lib") {
            let attributes = try FileManager.default.attributesOfItem(atPath: root + "/" + relative + "/" + name)
            if attributes[.type] as? FileAttributeType == .typeRegular { return relative + "/" + name }
        }
        throw CocoaError(.fileNoSuchFile)
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) -> Result {
        Command.run(executable, arguments, environment: environment)
    }
}

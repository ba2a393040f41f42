import Foundation
import Testing

/// The candidate search on the OF003 root (OpenFace's libraries are not on the search path):
/// a copy in a likely place is proposed without reading the rest of the root, a copy only
/// elsewhere is still found, and either way the real loader starts the program after
/// `fix --apply`.
@Suite("Candidate search end to end: likely places first, and the rest of the root when they hold nothing", .serialized)
struct CandidateSearchEndToEndTests {
    static let libraries = ["libLandmarkDetector.so", "libFaceAnalyser.so", "libGazeAnalyser.so", "libUtilities.so"]
    static let ownLib = "/opt/OpenFace/build/lib"
    /// A directory the old whole-root walk (reverse name order from `/`) met before `/opt`.
    static let elsewhere = "/var/backups/openface-2.2.0/lib"

    struct Report: Decodable {
        struct Finding: Decodable {
            struct Candidate: Decodable { var path: String }
            var id: String
            var library: String?
            var candidates: [Candidate]
        }
        struct Search: Decodable {
            struct Stage: Decodable {
                var stage: String
                var directories: Int
            }
            var directories: Int
            var stages: [Stage]
        }
        var status: String
        var findings: [Finding]
        var plan: [DoctorEndToEndTests.CheckJSON.ActionJSON]
        var candidateSearch: Search?
    }

    static func check(_ root: String) throws -> Report {
        let result = Command.ofdoctor(["check", "--root", root, "--format", "json", "--env", "PATH=/opt/OpenFace/build/bin:/usr/bin:/bin", "FeatureExtraction"])
        #expect(result.status == 1, "\(result.stdout) \(result.stderr)")
        return try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
    }

    /// `fix --apply`, then FeatureExtraction with a BLAS call as the container starts it.
    static func applyAndRun(_ root: String) -> RealLoader.Outcome {
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "--env", "PATH=/opt/OpenFace/build/bin:/usr/bin:/bin", "FeatureExtraction"])
        #expect(apply.status == 0, "fix --apply: \(apply.stdout) \(apply.stderr)")
        return DoctorEndToEndTests.runThroughProfile(root: root, environment: [:])
    }

    static func copy(_ libraries: [String], from source: String, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in libraries { try FileManager.default.copyItem(atPath: source + "/" + name, toPath: directory + "/" + name) }
    }

    @Test("a copy in the program's own lib directory is proposed, not an older one met first in the root; the rest of the root is not read",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason))
    func likelyPlacePreferred() throws {
        let fixture = try #require(FixtureRoot.named("of003"))
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        try Self.copy(Self.libraries, from: root + Self.ownLib, to: root + Self.elsewhere)

        let report = try Self.check(root)
        #expect(report.candidateSearch?.stages.map(\.stage) == ["likely-places"], "\(String(describing: report.candidateSearch))")
        // OF003 is one finding for OpenFace's four libraries, named by the first.
        let of003 = report.findings.filter { $0.id == "OF003" }
        #expect(of003.compactMap(\.library) == ["libLandmarkDetector.so"])
        for finding in of003 {
            #expect(finding.candidates.map(\.path) == [Self.ownLib + "/" + (finding.library ?? "")], "\(finding.candidates)")
        }
        #expect(report.plan.map(DoctorEndToEndTests.describe).contains("conf /etc/ld.so.conf.d/ofdoctor.conf: \(Self.ownLib)"),
                "\(report.plan.map(DoctorEndToEndTests.describe))")
        let started = Self.applyAndRun(root)
        #expect(started.status == 0 && started.stdout.contains("BLAS ok"), "after fix: \(started)")
    }

    @Test("a build tree outside every prefix tree: its program's own lib directory is a likely place, and the plan made from it starts the program",
          .enabled(if: RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc"), "needs root (chroot in unshare -m) and gcc"))
    func buildTreeLib() throws {
        let scratch = try ScratchBuild("build-tree", "R=$PWD/root" + MinimalRoot.prelude + MinimalRoot.launcher
            + "mkdir -p \"$R/data/build/lib\"\n"
            + MinimalRoot.library("$R/data/build/lib/libtool.so.1", function: "tool", returning: 5)
            + MinimalRoot.program("$R/data/build/app", calling: ["tool"], expected: 5, linkedWith: ["$R/data/build/lib/libtool.so.1"]))
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        let result = Command.ofdoctor(["check", "--root", root, "--format", "json", "/data/build/app"])
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(result.status == 1, "\(result)")
        #expect(report.candidateSearch?.stages.map(\.stage) == ["likely-places"], "\(String(describing: report.candidateSearch))")
        #expect(report.findings.first { $0.library == "libtool.so.1" }?.candidates.map(\.path) == ["/data/build/lib/libtool.so.1"], "\(report.findings)")
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "/data/build/app"])
        #expect(apply.status == 0, "\(apply)")
        let started = RealLoader.run(root: root, program: "/data/build/app", argv0: "app", environment: [:])
        #expect(started.status == 0, "after fix: \(started)")
    }

    @Test("the only copy outside every likely place and prefix tree is still found: the whole root is read, and the fix works",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason))
    func onlyCopyElsewhere() throws {
        let fixture = try #require(FixtureRoot.named("of003"))
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        try Self.copy(Self.libraries, from: root + Self.ownLib, to: root + Self.elsewhere)
        try FileManager.default.removeItem(atPath: root + Self.ownLib)

        let report = try Self.check(root)
        let search = try #require(report.candidateSearch)
        #expect(search.stages.map(\.stage) == ["likely-places", "prefix-trees", "whole-root"])
        #expect(search.directories == search.stages.reduce(0) { $0 + $1.directories })
        #expect(report.findings.filter { $0.id == "OF003" }.count == 1)
        for finding in report.findings where finding.id == "OF003" {
            #expect(finding.candidates.map(\.path) == [Self.elsewhere + "/" + (finding.library ?? "")], "\(finding.candidates)")
        }
        #expect(report.plan.map(DoctorEndToEndTests.describe).contains("conf /etc/ld.so.conf.d/ofdoctor.conf: \(Self.elsewhere)"),
                "\(report.plan.map(DoctorEndToEndTests.describe))")
        let text = Command.ofdoctor(["check", "--root", root, "FeatureExtraction", "--env", "PATH=/opt/OpenFace/build/bin:/usr/bin:/bin"])
        #expect(text.stdout.contains("candidate search read \(search.stages[0].directories) directories in the likely places, then"), "\(text.stdout)")
        let started = Self.applyAndRun(root)
        #expect(started.status == 0 && started.stdout.contains("BLAS ok"), "after fix: \(started)")
    }

    @Test("every copy the fixture variants need lies in a likely place; a library that is nowhere reads the whole root",
          .enabled(if: FixtureRoot.isBuilt, "fixture roots not built: run `make fixtures`"),
          arguments: [("of002", false), ("of003", false), ("of001-conda-webp", false), ("of004", false), ("of001", true), ("all", true)])
    func stagesPerVariant(_ variant: String, _ wholeRoot: Bool) throws {
        let fixture = try #require(FixtureRoot.named(variant))
        let result = Command.ofdoctor(["check", "--root", fixture.rootPath, "--format", "json", "FeatureExtraction"] + DoctorEndToEndTests.envArguments(fixture))
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        let stages = report.candidateSearch?.stages.map(\.stage)
        if variant == "of004" {
            #expect(stages == nil, "nothing is missing in OF004 (a version is)")
        } else {
            #expect(stages == (wholeRoot ? ["likely-places", "prefix-trees", "whole-root"] : ["likely-places"]))
        }
    }
}

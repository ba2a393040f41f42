import Foundation
import Testing

/// The command line on the fixture roots, judged by the real loader: what `check` predicts
/// is what ld.so prints; after `fix --apply` the loader starts the program; `undo` leaves
/// the root byte-identical and the loader failing as before.
@Suite("ofdoctor check / fix --apply / undo on the fixture roots", .serialized)
struct DoctorEndToEndTests {
    static let program = "/opt/OpenFace/build/bin/FeatureExtraction"

    /// What the seed and the design say each root must give: exit code, the ids that
    /// must be reported, and a plan action that must be there.
    struct Expectation: Sendable, CustomStringConvertible {
        var variant: String
        var exit: Int32
        var ids: Set<String>
        var planHas: String?
        var description: String { variant }
    }

    static let expectations: [Expectation] = [
        .init(variant: "healthy", exit: 0, ids: []),
        .init(variant: "of001", exit: 1, ids: ["OF001"], planHas: "symlink /usr/lib/x86_64-linux-gnu/libwebp.so.7 -> libwebp.so.6"),
        .init(variant: "of002", exit: 1, ids: ["OF002"], planHas: "symlink /usr/lib/x86_64-linux-gnu/libmkl_core.so.2 -> /opt/conda/lib/libmkl_core.so.2"),
        // OpenFace's own directory shadows nothing the cache has: a conf file reaches every process.
        .init(variant: "of003", exit: 1, ids: ["OF003"], planHas: "conf /etc/ld.so.conf.d/ofdoctor.conf: /opt/OpenFace/build/lib"),
        .init(variant: "of004", exit: 1, ids: ["OF004"], planHas: "env LD_LIBRARY_PATH=/opt/OpenFace/build/lib"),
        // The caller's LD_LIBRARY_PATH=/opt/conda/lib is the harm: it goes (unset), OpenFace's
        // directory goes into a conf file.
        .init(variant: "all", exit: 1, ids: ["OF001", "OF002", "OF003", "OF004"], planHas: "env LD_LIBRARY_PATH=(unset)"),
        .init(variant: "of004-upstream", exit: 1, ids: ["OF004"], planHas: "env LD_LIBRARY_PATH=/opt/OpenFace/build/lib"),
        .init(variant: "of001-conda-webp", exit: 1, ids: ["OF001"], planHas: "symlink /usr/lib/x86_64-linux-gnu/libwebp.so.7 -> /opt/conda/lib/libwebp.so.7"),
        .init(variant: "of001-incompatible", exit: 2, ids: ["OF001"]),
        // The seed's OF002 fix as written: only libmkl_rt.so.2 linked. The loader starts the
        // program; its first BLAS call fails (issue 10).
        .init(variant: "of002-seed-fix", exit: 1, ids: ["OF005"],
              planHas: "symlink /lib/x86_64-linux-gnu/libmkl_core.so.2 -> /opt/conda/lib/libmkl_core.so.2"),
        // OpenFace's CEN patch experts (issue 9): only in the source tree, or nowhere.
        .init(variant: "models-no-cen", exit: 1, ids: ["OF103"],
              planHas: "symlink /opt/OpenFace/build/etc/OpenFace/model/patch_experts/cen_patches_0.25_of.dat -> /opt/OpenFace/lib/local/LandmarkDetector/model/patch_experts/cen_patches_0.25_of.dat"),
        .init(variant: "models-none", exit: 2, ids: ["OF103"]),
    ]

    /// Variants whose problem is the loader's (not model data the fixture program never reads).
    static var loaderVariants: [Expectation] { expectations.filter { !$0.variant.hasPrefix("models-") } }

    struct CheckJSON: Decodable {
        struct FindingJSON: Decodable {
            var id: String
            var rule: String
            var severity: String
            var loaderMessage: String?
            var fixable: Bool
        }
        struct ActionJSON: Decodable {
            var kind: String
            var path: String?
            var target: String?
            var name: String?
            var value: String?
            var directories: [String]?
            var fixes: [String]
        }
        var schema: Int
        var status: String
        var findings: [FindingJSON]
        var plan: [ActionJSON]
    }

    static func describe(_ action: CheckJSON.ActionJSON) -> String {
        switch action.kind {
        case "symlink": return "symlink \(action.path ?? "") -> \(action.target ?? "")"
        case "env": return "env \(action.name ?? "")=\(action.value ?? "(unset)")"
        case "conf": return "conf \(action.path ?? ""): \((action.directories ?? []).joined(separator: ", "))"
        default: return action.kind
        }
    }

    /// The fixture's environment, and the program named as the image's PATH finds it
    /// (so the loader's messages start with `FeatureExtraction:`).
    static func envArguments(_ fixture: FixtureRoot) -> [String] {
        fixture.environmentArguments
            + ["--env", "PATH=/opt/OpenFace/build/bin:/usr/bin:/bin"]
    }

    /// A copy of a fixture in a temporary directory, so applying fixes leaves the original alone.
    /// A copy of `fixture`'s root in a fresh directory under `parent` (the temporary
    /// directory by default); returns the copy's root path.
    static func scratchCopy(_ fixture: FixtureRoot, under parent: String? = nil) throws -> String {
        let base = parent.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
        let dir = base.appendingPathComponent("ofdoctor-e2e-\(fixture.name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let copy = Command.run("/bin/cp", ["-a", fixture.rootPath, dir + "/root"])
        #expect(copy.status == 0, "cp: \(copy.stderr)")
        return dir + "/root"
    }

    @Test("check reports the documented ids, the exit code and the plan",
          .enabled(if: FixtureRoot.isBuilt, "fixture roots not built: run `make fixtures`"), arguments: expectations)
    func checkMatchesExpectation(_ expectation: Expectation) throws {
        let fixture = try #require(FixtureRoot.named(expectation.variant), "fixture \(expectation.variant) not built")
        let result = Command.ofdoctor(["check", "--root", fixture.rootPath, "--format", "json", "FeatureExtraction"] + Self.envArguments(fixture))
        #expect(result.status == expectation.exit, "\(result.stderr)")
        let report = try JSONDecoder().decode(CheckJSON.self, from: Data(result.stdout.utf8))
        #expect(report.schema == 1)
        let errorIds = Set(report.findings.filter { $0.severity == "error" || $0.rule == "runtime-companion-missing" }.map(\.id))
        #expect(expectation.ids.isSubset(of: errorIds), "errors: \(errorIds)")
        if expectation.exit == 0 { #expect(errorIds.isEmpty) }
        if let wanted = expectation.planHas {
            #expect(report.plan.map(Self.describe).contains(wanted), "plan: \(report.plan.map(Self.describe))")
        }
        if expectation.exit == 2 {
            // A partial plan may fix the rest, never the findings left to a person.
            let unfixable = Set(report.findings.filter { !$0.fixable }.map(\.id))
            #expect(report.plan.allSatisfy { Set($0.fixes).isDisjoint(with: unfixable) }, "plan: \(report.plan.map(Self.describe))")
        }
    }

    @Test("the first error ofdoctor predicts is the message the real loader prints",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason),
          arguments: loaderVariants.filter { $0.exit != 0 && !$0.ids.contains("OF005") })
    func predictionMatchesRealLoader(_ expectation: Expectation) throws {
        let fixture = try #require(FixtureRoot.named(expectation.variant))
        let result = Command.ofdoctor(["check", "--root", fixture.rootPath, "--format", "json", "FeatureExtraction"] + Self.envArguments(fixture))
        let report = try JSONDecoder().decode(CheckJSON.self, from: Data(result.stdout.utf8))
        let predicted = try #require(report.findings.first { $0.severity == "error" }?.loaderMessage)
        let real = RealLoader.run(root: fixture.rootPath, program: Self.program, argv0: "FeatureExtraction",
                                  arguments: ["-h"], environment: fixture.environment)
        #expect(real.status != 0)
        let firstLine = real.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(firstLine == predicted, "real loader: \(real)")
    }

    @Test("fix --apply makes the real loader start the program; undo restores the root byte for byte",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason),
          arguments: loaderVariants.filter { $0.exit == 1 })
    func applyThenUndo(_ expectation: Expectation) throws {
        let fixture = try #require(FixtureRoot.named(expectation.variant))
        let root = try Self.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let before = try TreeSnapshot(root: root)
        let failing = Self.runThroughProfile(root: root, environment: fixture.environment)
        #expect(failing.status != 0)

        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "FeatureExtraction"] + Self.envArguments(fixture))
        #expect(apply.status == 0, "fix --apply: \(apply.stdout) \(apply.stderr)")
        let started = Self.runThroughProfile(root: root, environment: fixture.environment)
        #expect(started.status == 0 && started.stdout.contains("BLAS ok"), "after fix: \(started)")

        let again = Command.ofdoctor(["fix", "--apply", "--root", root, "FeatureExtraction"] + Self.envArguments(fixture))
        #expect(again.status == 0)
        #expect(!again.stdout.contains("done "), "a second apply must change nothing: \(again.stdout)")

        let undo = Command.ofdoctor(["undo", "--root", root])
        #expect(undo.status == 0, "undo: \(undo.stderr)")
        #expect(try TreeSnapshot(root: root) == before)
        let failingAgain = Self.runThroughProfile(root: root, environment: fixture.environment)
        #expect(failingAgain.status == failing.status && failingAgain.stderr == failing.stderr)
        let secondUndo = Command.ofdoctor(["undo", "--root", root])
        #expect(secondUndo.status == 0)
        #expect(try TreeSnapshot(root: root) == before)
    }

    @Test("fix --apply puts the missing model files where FeatureExtraction looks; undo takes them away",
          .enabled(if: FixtureRoot.named("models-no-cen") != nil, "fixture roots not built: run `make fixtures`"))
    func applyModelFiles() throws {
        let fixture = try #require(FixtureRoot.named("models-no-cen"))
        let root = try Self.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let before = try TreeSnapshot(root: root)
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "FeatureExtraction"] + Self.envArguments(fixture))
        #expect(apply.status == 0, "\(apply.stdout) \(apply.stderr)")
        let check = Command.ofdoctor(["check", "--root", root, "FeatureExtraction"] + Self.envArguments(fixture))
        #expect(check.status == 0, "\(check.stdout)")
        #expect(Command.ofdoctor(["undo", "--root", root]).status == 0)
        #expect(try TreeSnapshot(root: root) == before)
    }

    /// A login-like start: source /etc/profile.d/ofdoctor.sh when there is one, then run
    /// FeatureExtraction with a BLAS call, as `FeatureExtraction` from PATH.
    static func runThroughProfile(root: String, environment: [String: String]) -> RealLoader.Outcome {
        RealLoader.run(root: root, program: "/bin/sh", argv0: "sh", arguments: [
            "-c", "[ -f /etc/profile.d/ofdoctor.sh ] && . /etc/profile.d/ofdoctor.sh; exec /launch \(program) FeatureExtraction -f face.jpg",
        ], environment: environment)
    }
}

/// Every path under a root with its type, mode, link target and contents.
struct TreeSnapshot: Equatable, CustomStringConvertible {
    var entries: [String: String]
    var contents: [String: Data]

    init(root: String) throws {
        var entries: [String: String] = [:]
        var contents: [String: Data] = [:]
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: root) else { throw CocoaError(.fileReadUnknown) }
        while let rel = walker.nextObject() as? String {
            let path = root + "/" + rel
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            let mode = String(st.st_mode, radix: 8)
            switch st.st_mode & S_IFMT {
            case S_IFLNK: entries[rel] = "link \(mode) -> \((try? fm.destinationOfSymbolicLink(atPath: path)) ?? "?")"
            case S_IFDIR: entries[rel] = "dir \(mode)"
            case S_IFREG:
                entries[rel] = "file \(mode)"
                contents[rel] = fm.contents(atPath: path) ?? Data()
            default: entries[rel] = "other \(mode)"   // (a FIFO's read would wait for a writer)
            }
        }
        self.entries = entries
        self.contents = contents
    }

    var description: String { "\(entries.count) entries" }
}

import Foundation
import Testing

/// A root whose ld.so.conf makes ldconfig refuse to run (an include loop; a FIFO ldconfig
/// would wait on): `fix --apply` refuses any plan with an ldconfig step there, so the plan
/// has none and says why, its links alone are what the real loader needs, and undo takes
/// them back.
@Suite("a configuration ldconfig refuses: a plan without ldconfig, proven by the real loader")
struct LdconfigRefusedPlanTests {
    struct Breakage: CustomTestStringConvertible, Sendable {
        var label: String
        /// Shell text run with the root as `$1`.
        var script: String
        var testDescription: String { label }
    }

    static let breakages: [Breakage] = [
        .init(label: "an include loop", script: #"echo 'include /etc/ld.so.conf' > "$1/etc/ld.so.conf.d/loop.conf""#),
        .init(label: "a FIFO in ld.so.conf.d", script: #"mkfifo "$1/etc/ld.so.conf.d/pipe.conf""#),
    ]

    /// The plan's action kinds and the report's notes, from `fix --format json`.
    static func plan(_ root: String, _ fixture: FixtureRoot) throws -> (kinds: [String], notes: [String]) {
        let result = Command.ofdoctor(["fix", "--root", root, "--format", "json", "FeatureExtraction"] + DoctorEndToEndTests.envArguments(fixture))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                                "fix --format json: \(result.stdout.prefix(300)) \(result.stderr)")
        let kinds = (json["plan"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        let notes = (json["loader"] as? [String: Any])?["notes"] as? [String] ?? []
        return (kinds, notes)
    }

    @Test("OpenFace's libraries and the documented failures: links without ldconfig; the program starts; undo restores the root",
          .enabled(if: FixtureRoot.isBuilt && RealLoader.canRunRoots, RealLoader.unavailableReason),
          arguments: ["of003", "all"], breakages)
    func linksWithoutLdconfig(_ variant: String, _ breakage: Breakage) throws {
        let fixture = try #require(FixtureRoot.named(variant))
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        // The premise: on the root as built, the plan runs ldconfig.
        let usual = try Self.plan(root, fixture)
        #expect(usual.kinds.contains("ldconfig"), "\(variant): the usual plan \(usual.kinds) runs no ldconfig")
        #expect(!usual.notes.contains { $0.contains("ldconfig cannot run") })

        let broke = Command.run("/bin/sh", ["-c", breakage.script, "sh", root])
        try #require(broke.status == 0, "\(breakage.label): \(broke.stderr)")
        let before = try TreeSnapshot(root: root)
        let planned = try Self.plan(root, fixture)
        #expect(!planned.kinds.isEmpty && !planned.kinds.contains("ldconfig"), "\(breakage.label): plan \(planned.kinds)")
        #expect(planned.notes.contains { $0.hasPrefix("ldconfig cannot run on this root: ") }, "notes: \(planned.notes)")

        let failing = DoctorEndToEndTests.runThroughProfile(root: root, environment: fixture.environment)
        #expect(failing.status != 0, "\(variant) starts before the fix: \(failing)")
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "FeatureExtraction"] + DoctorEndToEndTests.envArguments(fixture))
        #expect(apply.status == 0, "fix --apply: \(apply.stdout.suffix(600)) \(apply.stderr)")
        #expect(!apply.stdout.contains("ran ldconfig"), "\(apply.stdout)")
        let started = DoctorEndToEndTests.runThroughProfile(root: root, environment: fixture.environment)
        #expect(started.status == 0 && started.stdout.contains("BLAS ok"), "after fix: \(started)")

        let undo = Command.ofdoctor(["undo", "--root", root])
        #expect(undo.status == 0, "undo: \(undo.stdout) \(undo.stderr)")
        #expect(try TreeSnapshot(root: root) == before)
        let failingAgain = DoctorEndToEndTests.runThroughProfile(root: root, environment: fixture.environment)
        #expect(failingAgain.status == failing.status, "after undo: \(failingAgain)")
    }
}

import Foundation
import Testing

/// LD013: an `LD_PRELOAD` object the loader cannot load. The real loader prints one error
/// line, ignores the object and starts the program; `check` must say the same (a warning,
/// exit 0), with the loader's exact line.
@Suite("LD_PRELOAD object that cannot be loaded (LD013)", .serialized)
struct PreloadIgnoredTests {
    /// The loader's stderr lines about preloads.
    static func preloadLines(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("ERROR: ld.so: object ") }
    }

    @Test("the real loader warns and starts the program; check reports the same line as a warning, exit 0",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("preload") != nil, RealLoader.unavailableReason),
          arguments: [("preload", "/missing.so"), ("preload", "libnope.so"), ("preload", "/app/lib/libpreload.so:/missing.so"),
                      // A PIE: opened and verified, then refused as it is mapped.
                      ("preload-pie", "/app/lib/shim.so")])
    func missingPreload(_ rule: String, _ preload: String) throws {
        let fixture = try #require(FixtureRoot.rule(rule))
        let program = try #require(fixture.program)
        var environment = fixture.environment
        environment["LD_PRELOAD"] = preload
        let real = RealLoader.run(fixture, extraEnvironment: ["LD_PRELOAD": preload])
        // The program starts (it prints which libleaf it got) despite the failed preload.
        #expect(real.status == 0, "\(real)")
        #expect(real.stdout.contains("leaf from:"), "\(real)")
        let loaderLines = Self.preloadLines(real.stderr)
        #expect(!loaderLines.isEmpty, "\(real)")

        let check = Command.ofdoctor(["check", "--root", fixture.rootPath, "--format", "json", "--env", "LD_PRELOAD=\(preload)", program])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let report = try JSONDecoder().decode(DoctorEndToEndTests.CheckJSON.self, from: Data(check.stdout.utf8))
        #expect(report.status == "healthy")
        let warnings = report.findings.filter { $0.id == "LD013" }
        #expect(warnings.allSatisfy { $0.rule == "preload-ignored" && $0.severity == "warning" })
        // Exactly the loader's lines, in its order.
        #expect(warnings.compactMap(\.loaderMessage) == loaderLines)
    }

    @Test("text output names the object and says the program still starts",
          .enabled(if: FixtureRoot.rule("preload") != nil, "run build-rule-roots.sh"))
    func textOutput() throws {
        let fixture = try #require(FixtureRoot.rule("preload"))
        // Wide enough that the loader's line is not wrapped.
        let check = Command.ofdoctor(["check", "--root", fixture.rootPath, "--env", "LD_PRELOAD=/missing.so", try #require(fixture.program)],
                                     environment: ["COLUMNS": "500"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("LD013"))
        #expect(check.stdout.contains("ERROR: ld.so: object '/missing.so' from LD_PRELOAD cannot be preloaded (cannot open shared object file): ignored."))
    }
}

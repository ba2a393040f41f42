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

    /// /etc/ld.so.preload's contents as the loader parses them (elf/rtld.c): comments to the
    /// end of the line, four separators, a NUL that ends the text, a last name without a
    /// newline, a line ending in CR (part of the name), an empty file, a directory.
    static let preloadFiles: [(String, [UInt8]?)] = [
        ("comments and separators", Array("# x\nlibpreload.so#:/app/lib/libtail.so.1\n \t:/app/lib/libx86_64.so::".utf8)),
        ("a NUL ends the text", Array("libpreload.so\n".utf8) + [0] + Array("/app/lib/libtail.so.1\n".utf8)),
        ("a last name, cut at its NUL", Array("/app/lib/libtail.so.1 libpreload.so".utf8) + [0] + Array("junk".utf8)),
        ("a CR stays in the name", Array("libpreload.so\r\n/app/lib/libtail.so.1".utf8)),
        ("only a comment", Array("#libpreload.so".utf8)),
        ("a name with a missing one after it", Array("/app/lib/libtail.so.1:libnothere.so.2".utf8)),
        ("empty", []),
        ("a directory", nil),
    ]

    @Test("/etc/ld.so.preload read as the loader reads it: the same objects in the same order, the same ignored names",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("preload-file") != nil, RealLoader.unavailableReason),
          arguments: preloadFiles)
    func preloadFile(_ label: String, _ contents: [UInt8]?) throws {
        let fixture = try #require(FixtureRoot.rule("preload-file"))
        let program = try #require(fixture.program)
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let file = root + "/etc/ld.so.preload"
        try FileManager.default.removeItem(atPath: file)
        if let contents {
            try Data(contents).write(to: URL(fileURLWithPath: file))
        } else {
            try FileManager.default.createDirectory(atPath: file, withIntermediateDirectories: false)
        }
        let environment = ["LD_PRELOAD": "/app/lib/libenvpre.so.1"]
        let listed = RealLoader.list(root: root, program: program, environment: environment)
        #expect(listed.status == 0, "\(label): \(listed)")
        // The preloaded objects: what ld.so lists before the program's own libleaf.so.1.
        let lines = listed.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let preloaded = lines.prefix { !$0.hasPrefix("libleaf.so.1") }.filter { !$0.hasPrefix("linux-vdso") }.map { line in
            let path = line.range(of: " => ").map { String(line[$0.upperBound...]) } ?? line
            return path.range(of: " (0x").map { String(path[..<$0.lowerBound]) } ?? path
        }
        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "--env", "LD_PRELOAD=/app/lib/libenvpre.so.1", program])
        let report = try JSONDecoder().decode(GeneratedRootTests.Report.self, from: Data(check.stdout.utf8))
        let modelled = report.objects.filter { $0.foundVia == "LD_PRELOAD" || $0.foundVia == "/etc/ld.so.preload" }.map(\.path)
        #expect(modelled.map { Array($0.utf8) } == preloaded.map { Array($0.utf8) }, "\(label): ld.so \(preloaded), check \(modelled)")
        let real = RealLoader.run(root: root, program: program, argv0: "prog", environment: environment)
        #expect(real.stdout.contains("leaf from:"), "\(label): \(real)")
        let ignored = report.findings.filter { $0.id == "LD013" }.compactMap(\.loaderMessage)
        #expect(ignored.map { Array($0.utf8) } == Self.preloadLines(real.stderr).map { Array($0.utf8) }, "\(label): \(real.stderr)")
    }
}

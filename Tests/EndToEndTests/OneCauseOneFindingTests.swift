import Foundation
import LoaderTrace
import Testing

/// One cause, one finding (issue 18 item 2), judged by the real loader in the `shadowing` rule
/// root: older builds of libshade.so.1, libtint.so.1 and libplain.so.1 in /app/old shadow the
/// system's through LD_LIBRARY_PATH and break three consumer libraries. `ldd -r` in the root
/// (the loader in trace mode with LD_BIND_NOW) lists every missing version and undefined
/// symbol; the `symbols` and `versions` lists of `check --format json` must hold exactly
/// those, each shadowing library must be one finding, and the one step that drops /app/old
/// must name every finding it clears.
@Suite("One cause, one finding: the shadowing root against ldd -r", .serialized)
struct OneCauseOneFindingTests {
    struct Report: Decodable {
        struct Symbol: Decodable, Hashable {
            var name: String
            var version: String?
            var requester: String
        }
        struct Version: Decodable, Hashable {
            var name: String
            var requester: String
        }
        struct Finding: Decodable {
            var id: String
            var rule: String
            var library: String?
            var resolvedTo: String?
            var neededBy: [String]
            var fixable: Bool
            var symbols: [Symbol]
            var versions: [Version]
        }
        struct Action: Decodable {
            var kind: String
            var fixes: [String]
        }
        var status: String
        var findings: [Finding]
        var plan: [Action]
    }

    /// What `ldd -r` printed: `undefined symbol: NAME[, version V]\t(REQUESTER)` lines and
    /// ``FILE: version `V' not found (required by REQUESTER)`` lines.
    struct Truth {
        var symbols: Set<Report.Symbol> = []
        /// FILE|VERSION|REQUESTER
        var versions: Set<String> = []

        init(_ trace: String) {
            let output = LddOutput(trace)
            symbols = Set(output.undefined.map { Report.Symbol(name: $0.symbol, version: $0.version, requester: $0.requester) })
            versions = Set(output.missingVersions.map { "\($0.file)|\($0.version)|\($0.requester)" })
        }
    }

    static var fixture: FixtureRoot? { FixtureRoot.rule("shadowing") }

    static func check(_ fixture: FixtureRoot, _ extra: [String] = []) throws -> (Command.Result, Report) {
        let program = try #require(fixture.program)
        let result = Command.ofdoctor(["check", "--root", fixture.rootPath, "--env", "LD_LIBRARY_PATH=/app/old", program] + extra)
        return (result, try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8)))
    }

    @Test("the symbols and versions lists hold exactly what ldd -r in the root reports",
          .enabled(if: RealLoader.canRunRoots && fixture != nil, RealLoader.unavailableReason))
    func listsEqualLddR() throws {
        let fixture = try #require(Self.fixture)
        let program = try #require(fixture.program)
        let trace = RealLoader.trace(root: fixture.rootPath, program: program, environment: fixture.environment,
                                     extra: ["LD_BIND_NOW": "yes", "LD_WARN": "yes"])
        let truth = Truth(trace.stdout + trace.stderr)
        #expect(truth.symbols.count >= 8 && truth.versions.count >= 6, "ldd -r reported too little: \(trace)")
        let (result, report) = try Self.check(fixture, ["--format", "json"])
        #expect(result.status == 1, "\(result.stderr)")
        let symbols = report.findings.flatMap(\.symbols)
        #expect(Set(symbols) == truth.symbols, "ldd -r: \(truth.symbols.sorted { $0.name < $1.name }) ofdoctor: \(symbols)")
        #expect(symbols.count == Set(symbols).count, "a reference is listed twice")
        let versions = report.findings.flatMap { finding in finding.versions.map { "\(finding.resolvedTo ?? "")|\($0.name)|\($0.requester)" } }
        #expect(Set(versions) == truth.versions, "ldd -r: \(truth.versions.sorted()) ofdoctor: \(versions)")
        // The real start stops at the first missing version, as the LD003 finding's loader line says.
        let run = RealLoader.run(fixture)
        #expect(run.status == 1 && run.stderr.contains("version `"), "\(run)")
    }

    @Test("one finding per shadowing library, listing every consumer it breaks; one step clears them all and names each",
          .enabled(if: fixture != nil, "run build-rule-roots.sh"))
    func oneFindingPerCause() throws {
        let fixture = try #require(Self.fixture)
        let (_, report) = try Self.check(fixture, ["--format", "json"])
        let byLibrary = Dictionary(grouping: report.findings.filter { $0.rule == "version-not-found" }, by: { $0.library ?? "" })
        #expect(byLibrary.keys.sorted() == ["libshade.so.1", "libtint.so.1"])
        #expect(byLibrary.values.allSatisfy { $0.count == 1 }, "\(byLibrary.mapValues(\.count))")
        let shade = try #require(byLibrary["libshade.so.1"]?.first)
        #expect(shade.id == "LD003" && shade.resolvedTo == "/app/old/libshade.so.1")
        #expect(shade.neededBy.map { ($0 as NSString).lastPathComponent } == ["libuse1.so.1", "libuse2.so.1", "libuse3.so.1"])
        #expect(Set(shade.versions.map(\.name)) == ["SHADE_2.0", "SHADE_2.1"])
        #expect(report.findings.allSatisfy(\.fixable) && report.status == "fixable")
        // The one environment change clears every finding, and says so.
        #expect(report.plan.count == 1 && report.plan[0].kind == "env")
        #expect(Set(report.plan[0].fixes) == Set(report.findings.map(\.id)), "\(report.plan[0].fixes)")
        let text = Command.ofdoctor(["fix", "--root", fixture.rootPath, "--env", "LD_LIBRARY_PATH=/app/old", try #require(fixture.program)],
                                    environment: ["COLUMNS": "500"])
        for label in ["LD003 (libshade.so.1)", "LD003 (libtint.so.1)", "LD004"] {
            #expect(text.stdout.contains(label), "the step names \(label): \(text.stdout)")
        }
        let check = Command.ofdoctor(["check", "--root", fixture.rootPath, "--env", "LD_LIBRARY_PATH=/app/old", try #require(fixture.program)])
        #expect(check.stdout.components(separatedBy: "    fix:").count - 1 == report.findings.count, "every finding shows its fix: \(check.stdout)")
    }

    @Test("fix --apply clears every finding: the real loader starts the program with the profile's environment",
          .enabled(if: RealLoader.canRunRoots && fixture != nil, RealLoader.unavailableReason))
    func applyClearsAll() throws {
        let fixture = try #require(Self.fixture)
        let program = try #require(fixture.program)
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "--env", "LD_LIBRARY_PATH=/app/old", program])
        #expect(apply.status == 0, "\(apply.stdout) \(apply.stderr)")
        let started = RealLoader.run(root: root, program: "/bin/sh", argv0: "sh", arguments: [
            "-c", ". /etc/profile.d/ofdoctor.sh; exec \(program)",
        ], environment: fixture.environment)
        #expect(started.status == 0 && started.stdout.hasPrefix("users: "), "\(started)")
    }

    @Test("on the seed's root, conda's libffi is one OF004 finding with all five references",
          .enabled(if: FixtureRoot.named("of004") != nil, "fixture roots not built: run `make fixtures`"))
    func condaLibffiOneFinding() throws {
        let fixture = try #require(FixtureRoot.named("of004"))
        let result = Command.ofdoctor(["check", "--root", fixture.rootPath, "--format", "json", "FeatureExtraction"] + DoctorEndToEndTests.envArguments(fixture))
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        let of004 = report.findings.filter { $0.id == "OF004" }
        #expect(of004.count == 1)
        #expect(of004.first?.symbols.count == 5 && of004.first?.symbols.allSatisfy { $0.version?.hasPrefix("LIBFFI_") == true } == true)
    }

    /// The loader makes one directory of `::`'s three empty elements (it tries `libc.so.6`
    /// from the working directory once): one finding, which says how often the list has it.
    @Test("LD_LIBRARY_PATH=:: is one LD008, in text and JSON, naming the empty element once and how often it occurs")
    func repeatedEmptyElementIsOneFinding() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-emptyllp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let loader = Command.run("/bin/sh", ["-c", "cd \"$0\" && exec env LD_DEBUG=libs LD_LIBRARY_PATH=:: /bin/true", directory],
                                 environment: ["PATH": "/usr/bin:/bin"])
        let tried = loader.stderr.split(separator: "\n").filter { $0.hasSuffix("trying file=libc.so.6") }
        #expect(loader.status == 0 && tried.count == 1, "the loader tries ./libc.so.6 once: \(loader.stderr)")

        let summary = "LD_LIBRARY_PATH element '(empty)' (3 times) is resolved relative to the working directory"
        let arguments = ["check", "--cwd", directory, "--env", "LD_LIBRARY_PATH=::", "/bin/true"]
        let text = Command.ofdoctor(arguments, environment: ["COLUMNS": "500"])
        #expect(text.stdout.components(separatedBy: "LD008").count - 1 == 1 && text.stdout.contains(summary), "\(text.stdout)")
        struct Finding: Decodable { var id: String; var summary: String; var explanation: String }
        struct Report: Decodable { var findings: [Finding] }
        let json = Command.ofdoctor(arguments + ["--format", "json"])
        let findings = try JSONDecoder().decode(Report.self, from: Data(json.stdout.utf8)).findings.filter { $0.id == "LD008" }
        #expect(findings.map(\.summary) == [summary], "\(json.stdout)")
        #expect(findings.allSatisfy { !$0.explanation.contains("searches the working directory") }, "\(findings)")
    }
}

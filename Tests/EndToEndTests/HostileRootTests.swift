import Foundation
import Testing

/// Roots built to break a root-confined analyser (`Tests/Fixtures/build-hostile-roots.sh`):
/// a malformed library on the search path is a finding, not a failure to analyse; links
/// out of the root lead into the root, as under `chroot`; loops end; nothing outside the
/// root is read (strace) or written (the sentinel directory keeps its bytes and times).
@Suite("ofdoctor on hostile roots", .serialized,
       .enabled(if: HostileCLI.isAvailable, HostileCLI.unavailableReason),
       .enabled(if: HostileRoots.isBuilt, HostileRoots.unavailableReason))
struct HostileRootTests {
    static let program = DoctorEndToEndTests.program

    // MARK: - a malformed library on the search path

    /// The dep-* roots: copies of of001 with `/opt/bad/libUtilities.so` first on
    /// LD_LIBRARY_PATH. `fatal`: the loader stops at that file (open_verify's errors).
    struct BadDependency: Sendable, CustomStringConvertible {
        var variant: String
        var fatal: Bool
        var description: String { variant }
    }

    static let badDependencies: [BadDependency] = [
        .init(variant: "dep-text", fatal: true), .init(variant: "dep-empty", fatal: true),
        .init(variant: "dep-short", fatal: true), .init(variant: "dep-header-only", fatal: true),
        .init(variant: "dep-half", fatal: true), .init(variant: "dep-directory", fatal: true),
        .init(variant: "dep-bad-phoff", fatal: true), .init(variant: "dep-bad-phentsize", fatal: true),
        // ELOOP ends the LD_LIBRARY_PATH list (dl-load.c open_path): the good copy is never tried.
        .init(variant: "dep-self-loop", fatal: false), .init(variant: "dep-loop", fatal: false),
        // Another e_machine is skipped silently; the good copy is loaded.
        .init(variant: "dep-wrong-machine", fatal: false),
    ]

    static func check(_ fixture: FixtureRoot, program: String? = nil, format: String = "json", command: String = "check") -> (Command.Result, HostileReport?) {
        let result = HostileCLI.run([command, "--root", fixture.rootPath, "--format", format, program ?? "FeatureExtraction"]
                                    + DoctorEndToEndTests.envArguments(fixture))
        return (result, HostileReport.decode(result.stdout))
    }

    static func expectAnalysed(_ result: Command.Result, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status != 124, "\(what): timed out", sourceLocation: sourceLocation)
        #expect(result.status < 128, "\(what): crashed (exit \(result.status)) \(result.stderr.prefix(500))", sourceLocation: sourceLocation)
        #expect(result.status != 3, "\(what): could not analyse: \(result.stderr)", sourceLocation: sourceLocation)
    }

    @Test("a malformed library on the search path is a finding about that file; the rest of the report stays",
          arguments: badDependencies)
    func malformedDependencyIsAFinding(_ bad: BadDependency) throws {
        let fixture = try #require(HostileRoots.named(bad.variant))
        let (result, decoded) = Self.check(fixture)
        Self.expectAnalysed(result, bad.variant)
        let report = try #require(decoded, "\(bad.variant): no JSON: \(result.stdout.prefix(300)) \(result.stderr)")
        if bad.variant == "dep-wrong-machine" {
            let utilities = report.objects.first { $0.soname == "libUtilities.so" }
            #expect(utilities?.realPath == "/opt/OpenFace/build/lib/libUtilities.so", "the loader skips another machine's file")
        } else {
            let about = report.findings.filter { $0.text.contains("libUtilities.so") }
            #expect(!about.isEmpty, "\(bad.variant): no finding about libUtilities.so: \(report.findings.map(\.summary))")
            if bad.fatal {
                #expect(about.contains { $0.text.contains("/opt/bad/libUtilities.so") && $0.severity == "error" },
                        "\(bad.variant): the finding must name the bad file: \(about.map(\.summary))")
            }
        }
        // The rest of the report: OF001 (libwebp.so.7, two levels down) is still found,
        // and the other libraries are still resolved.
        #expect(report.errors.contains { $0.id == "OF001" }, "\(bad.variant): OF001 lost: \(report.findings.map(\.id))")
        for soname in ["libLandmarkDetector.so", "libFaceAnalyser.so", "libopencv_core.so.406", "libc.so.6"] {
            #expect(report.objects.contains { $0.soname == soname }, "\(bad.variant): \(soname) missing from objects")
        }
        #expect(result.status == 1 || result.status == 2)
    }

    @Test("the finding's loaderMessage is the first line the real loader prints",
          .enabled(if: RealLoader.canRunRoots, RealLoader.unavailableReason), arguments: badDependencies)
    func malformedDependencyMatchesRealLoader(_ bad: BadDependency) throws {
        let fixture = try #require(HostileRoots.named(bad.variant))
        let (_, decoded) = Self.check(fixture)
        let report = try #require(decoded)
        let real = RealLoader.run(root: fixture.rootPath, program: Self.program, argv0: "FeatureExtraction",
                                  arguments: ["-h"], environment: fixture.environment)
        let firstLine = real.stderr.split(separator: "\n").first.map(String.init) ?? ""
        if real.status >= 128 {
            // dep-half: the loader maps segments past the end of the file and dies of SIGBUS
            // before it prints anything; the tool must still point at the file.
            #expect(real.status == 128 + 7, "real loader: \(real)")
            #expect(report.errors.contains { $0.text.contains("/opt/bad/libUtilities.so") })
            return
        }
        #expect(firstLine.contains("error while loading shared libraries"), "real loader: \(real)")
        let predicted = report.errors.first?.loaderMessage
        #expect(predicted == firstLine, "\(bad.variant): predicted \(predicted ?? "nothing"), real loader: \(firstLine)")
        if bad.variant != "dep-wrong-machine" {
            let about = report.errors.first { $0.text.contains("libUtilities.so") }
            #expect(about?.loaderMessage == firstLine, "\(bad.variant): the finding about the file predicts \(about?.loaderMessage ?? "nothing")")
        }
    }

    // MARK: - links out of the root, loops

    @Test("links out of the root lead into it, as under chroot; the sentinel outside is never found")
    func escapeStaysInRoot() throws {
        let fixture = try #require(HostileRoots.named("escape"))
        for command in ["check", "tree"] {
            let (result, decoded) = Self.check(fixture, program: "/usr/bin/hostile", command: command)
            Self.expectAnalysed(result, "escape \(command)")
            let report = try #require(decoded, "\(command): \(result.stdout.prefix(300)) \(result.stderr)")
            // /etc/passwd is the root's: the library libx.so.1, not the host's text file.
            let libx = report.objects.first { $0.soname == "libx.so.1" }
            #expect(libx?.realPath == "/etc/passwd", "\(command): libx.so.1 -> /etc/passwd: \(String(describing: libx))")
            // Found through a directory loop that still names a real directory.
            #expect(report.objects.contains { $0.soname == "libdirloop.so.1" && $0.realPath == "/opt/dirloop/libdirloop.so.1" },
                    "\(command): libdirloop.so.1 not found through /opt/dirloop/self/up/abs/self")
            // Only the sentinel has these: chroot semantics finds none of them.
            for soname in ["librel.so.1", "libabs.so.1", "libdeep.so.1", "libesc.so.1", "libloopa.so.1", "libself.so.1"] {
                #expect(!report.objects.contains { $0.soname == soname || $0.path.hasSuffix("/" + soname) },
                        "\(command): \(soname) reported as found: \(report.objects.filter { $0.path.contains(soname) })")
                if command == "check" {
                    #expect(report.errors.contains { $0.library == soname && $0.rule == "library-not-found" },
                            "\(command): no library-not-found finding for \(soname)")
                }
            }
            for object in report.objects {
                #expect(!object.realPath.contains("/outside/") && !SyscallTrace.isUnder(object.realPath, HostileRoots.sentinel),
                        "\(command): \(object.realPath)")
            }
        }
    }

    @Test("escape: the first error predicted is the real loader's first line",
          .enabled(if: RealLoader.canRunRoots, RealLoader.unavailableReason))
    func escapeMatchesRealLoader() throws {
        let fixture = try #require(HostileRoots.named("escape"))
        let (_, decoded) = Self.check(fixture, program: "/usr/bin/hostile")
        let report = try #require(decoded)
        let real = RealLoader.run(fixture, argv0: "/usr/bin/hostile")
        let firstLine = real.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(real.status == 127, "real loader: \(real)")
        #expect(report.errors.first?.loaderMessage == firstLine, "predicted \(report.errors.first?.loaderMessage ?? "nothing"), real: \(firstLine)")
    }

    /// ld.so.conf include loops and globs, and every abuse of /etc/ld.so.cache: the real
    /// loader starts the program (it ignores a cache it cannot use and searches the
    /// default directories), so the tool must finish and say what it says of the
    /// untouched healthy root (whose only errors are OpenFace's missing model files).
    @Test("include loops, globs, a 3 GB ld.so.conf.d file, a huge, short, looping or directory ld.so.cache: finishes, and agrees with the loader",
          arguments: ["conf-loops", "conf-huge", "cache-huge", "cache-short", "cache-half", "cache-loop", "cache-directory"])
    func configurationAbuse(_ variant: String) throws {
        let fixture = try #require(HostileRoots.named(variant))
        let healthy = try #require(FixtureRoot.named("healthy"))
        let (baseline, baselineReport) = Self.check(healthy)
        let expectedErrors = Set(try #require(baselineReport).errors.map(\.id))
        let loaderRules: Set<String> = ["library-not-found", "version-not-found", "symbol-not-found", "interpreter-not-found", "bad-candidate"]
        let started = Date()
        for command in ["check", "tree"] {
            let (result, decoded) = Self.check(fixture, command: command)
            Self.expectAnalysed(result, "\(variant) \(command)")
            let report = try #require(decoded, "\(variant) \(command): \(result.stdout.prefix(300)) \(result.stderr)")
            #expect(!report.errors.contains { loaderRules.contains($0.rule) }, "\(variant) \(command): \(report.errors.map(\.summary))")
            #expect(report.objects.count == baselineReport?.objects.count, "\(variant) \(command): another load set")
            if command == "check" {
                #expect(result.status == baseline.status, "\(variant): exit \(result.status), healthy gives \(baseline.status)")
                #expect(Set(report.errors.map(\.id)) == expectedErrors, "\(variant): \(report.errors.map(\.summary))")
            }
        }
        #expect(Date().timeIntervalSince(started) < 30, "\(variant): too slow")
        if RealLoader.canRunRoots {
            let real = RealLoader.run(root: fixture.rootPath, program: Self.program, argv0: "FeatureExtraction",
                                      arguments: ["-h"], environment: fixture.environment)
            #expect(real.status == 0, "\(variant): real loader \(real)")
        }
    }

    // MARK: - nothing outside the root is read

    /// The paths `ofdoctor check` names outside the root on a root with nothing in it
    /// but one program: its own runtime (loader, libc, Swift libraries, /proc, /dev).
    static func runtimeAllowlist(traceDirectory: String) throws -> Set<String> {
        let healthy = try #require(FixtureRoot.named("healthy"))
        let data = try #require(FileManager.default.contents(atPath: healthy.rootPath + program))
        let root = traceDirectory + "/empty-root"
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: root + "/bin/prog"))
        let trace = traceDirectory + "/baseline.trace"
        let result = HostileCLI.traced(["check", "--root", root, "--format", "json", "/bin/prog"], traceFile: trace)
        #expect(result.status < 128 && result.status != 124, "baseline: \(result.stderr)")
        let paths = SyscallTrace(file: trace).paths.filter { !SyscallTrace.isUnder($0, root) }
        #expect(!paths.isEmpty, "strace recorded nothing")
        return paths
    }

    static func isRuntimePath(_ path: String, allowlist: Set<String>) -> Bool {
        allowlist.contains(path) || ["/proc/", "/dev/", "/sys/"].contains { path.hasPrefix($0) }
            || SyscallTrace.isUnder(path, (HostileCLI.binaryPath as NSString).deletingLastPathComponent)
    }

    @Test("strace: check and tree open nothing outside the root but their own runtime files",
          .enabled(if: SyscallTrace.isAvailable, SyscallTrace.unavailableReason),
          arguments: ["escape", "conf-loops", "cache-huge", "dep-loop", "apply-escape"])
    func readsNothingOutside(_ variant: String) throws {
        let fixture = try #require(HostileRoots.named(variant))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-strace-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let allowlist = try Self.runtimeAllowlist(traceDirectory: dir)
        let program = fixture.program.map { $0 == Self.program ? "FeatureExtraction" : $0 } ?? "FeatureExtraction"
        let root = fixture.rootPath
        let realRoot = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        for command in ["check", "tree"] {
            let trace = dir + "/\(command).trace"
            let result = HostileCLI.traced([command, "--root", root, "--format", "json", program] + DoctorEndToEndTests.envArguments(fixture),
                                           traceFile: trace)
            Self.expectAnalysed(result, "\(variant) \(command) under strace")
            let accesses = SyscallTrace(file: trace).accesses
            #expect(accesses.count > 20, "\(variant) \(command): strace recorded too little")
            var outside: Set<String> = []
            for access in accesses {
                for path in access.paths where !SyscallTrace.isUnder(path, root) && !SyscallTrace.isUnder(path, realRoot) {
                    if !Self.isRuntimePath(path, allowlist: allowlist) { outside.insert("\(access.call) \(path)") }
                }
                #expect(!access.paths.contains { SyscallTrace.isUnder($0, HostileRoots.sentinel) },
                        "\(variant) \(command): touched the sentinel: \(access)")
                #expect(!access.writes, "\(variant) \(command): a read-only command wrote: \(access)")
            }
            #expect(outside.isEmpty, "\(variant) \(command) read outside the root: \(outside.sorted())")
        }
    }

    /// The detector itself: a file outside the root that the command is told to read
    /// (`--env-from`) must show up as read outside, or a clean result above proves nothing.
    @Test("strace control: a file read outside the root on purpose is detected",
          .enabled(if: SyscallTrace.isAvailable, SyscallTrace.unavailableReason))
    func detectorSeesAnOutsideRead() throws {
        let fixture = try #require(HostileRoots.named("escape"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-strace-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let allowlist = try Self.runtimeAllowlist(traceDirectory: dir)
        let config = dir + "/config.json"
        try Data(#"{"Env": ["LD_LIBRARY_PATH=/opt/dirloop"]}"#.utf8).write(to: URL(fileURLWithPath: config))
        let trace = dir + "/control.trace"
        let result = HostileCLI.traced(["check", "--root", fixture.rootPath, "--env-from", config, "/usr/bin/hostile"], traceFile: trace)
        Self.expectAnalysed(result, "control")
        let outside = SyscallTrace(file: trace).paths.filter {
            !SyscallTrace.isUnder($0, fixture.rootPath) && !Self.isRuntimePath($0, allowlist: allowlist)
        }
        #expect(outside.contains(config), "the detector missed \(config): \(outside.sorted())")
    }

    // MARK: - nothing outside the root is written

    @Test("fix --apply and undo on a root whose profile.d, /usr/local/lib or /var lead out: the sentinel is untouched, undo restores the root",
          .enabled(if: SyscallTrace.isAvailable, SyscallTrace.unavailableReason),
          arguments: ["apply-escape", "apply-escape-locallib", "apply-escape-var"])
    func applyNeverWritesOutside(_ variant: String) throws {
        let fixture = try #require(HostileRoots.named(variant))
        // The copy sits at the same depth as the original, so its relative links out of the
        // root lead to the same host paths (the sentinel's).
        let scratch = HostileRoots.directory + "/scratch-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let copy = Command.run("/bin/cp", ["-a", fixture.rootPath, scratch + "/root"])
        try #require(copy.status == 0, "cp: \(copy.stderr)")
        let root = scratch + "/root"
        let sentinelBefore = MetadataSnapshot(HostileRoots.sentinel, times: true)
        let rootBefore = MetadataSnapshot(root, times: false)
        let hostProfile = FileManager.default.fileExists(atPath: "/etc/profile.d/ofdoctor.sh")

        var steps: [(String, Command.Result, SyscallTrace)] = []
        let program = try #require(fixture.program)
        let env = fixture.environmentArguments
        for (label, arguments) in [("fix --apply", ["fix", "--apply", "--root", root, program] + env),
                                   ("second fix --apply", ["fix", "--apply", "--root", root, program] + env),
                                   ("undo", ["undo", "--root", root])] {
            let traceFile = scratch + "/\(steps.count).trace"
            let result = HostileCLI.traced(arguments, traceFile: traceFile)
            steps.append((label, result, SyscallTrace(file: traceFile)))
            #expect(result.status < 128 && result.status != 124, "\(label): exit \(result.status) \(result.stderr.prefix(500))")
            #expect(MetadataSnapshot(HostileRoots.sentinel, times: true) == sentinelBefore,
                    "\(label) changed the sentinel: \(MetadataSnapshot(HostileRoots.sentinel, times: true).difference(from: sentinelBefore))")
        }
        let (_, apply, _) = steps[0]
        if variant == "apply-escape-locallib" {
            // ldconfig -r chroots: the link out of the root is a dangling link to it. The plan applies.
            #expect(apply.status == 0, "fix --apply: exit \(apply.status): \(apply.stdout.suffix(800)) \(apply.stderr)")
            #expect(apply.stdout.contains("linked /usr/lib/x86_64-linux-gnu/libwebp.so.7") && apply.stdout.contains("ran ldconfig"),
                    "\(apply.stdout)")
            #expect(steps[1].1.status == 0 && !steps[1].1.stdout.contains("done "), "a second apply changes nothing: \(steps[1].1.stdout)")
        } else {
            // The writer refuses a parent that is a link out of the root, before writing anything.
            #expect(apply.status == 4, "fix --apply: exit \(apply.status): \(apply.stdout.suffix(800)) \(apply.stderr)")
            #expect(HostileCLI.errorLines(apply).count == 1, "a failed apply says why in one line: \(apply.stderr)")
        }
        for (label, _, trace) in steps {
            for access in trace.accesses where access.writes {
                #expect(access.paths.allSatisfy { SyscallTrace.isUnder($0, root) || $0.hasPrefix("/proc/") || $0.hasPrefix("/dev/") },
                        "\(label) wrote outside the root: \(access)")
            }
        }
        let undo = steps[2].1
        if variant == "apply-escape-var" {
            // The journal's directory is a link out of the root: nothing could be journaled,
            // so nothing was done; undo may say it cannot read the journal, in one line.
            #expect(undo.status == 0 || (undo.status == 4 && HostileCLI.errorLines(undo).count == 1), "undo: \(undo.stderr)")
        } else {
            #expect(undo.status == 0, "undo: \(undo.stderr)")
        }
        let rootAfter = MetadataSnapshot(root, times: false)
        #expect(rootAfter == rootBefore, "undo did not restore the root: \(rootAfter.difference(from: rootBefore))")
        #expect(FileManager.default.fileExists(atPath: "/etc/profile.d/ofdoctor.sh") == hostProfile, "wrote the host's /etc/profile.d")
    }
}

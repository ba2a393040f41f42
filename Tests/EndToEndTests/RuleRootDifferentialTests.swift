import ELFInspect
import Foundation
import LoaderModel
import RootFS
import Testing

/// The resolver in roots that each isolate one loader rule (RPATH inheritance, RUNPATH,
/// LD_LIBRARY_PATH order, $ORIGIN, hwcaps subdirectories, wrong class and machine, dangling
/// links, stale and fresh caches, preloads, names with '/', soname matches, nodeflib, copy
/// relocations, canonical PLT entries), against the root's own ld.so run in chroot: the same
/// files, in the same order, or the same message where it stops (the library as the loader
/// names it, and why); and check's versions and symbols, the same as `ldd -r`'s. Each root
/// also with glibc 2.41's loader in place of this machine's.
@Suite("Resolver agrees with the real loader in the rule roots", .serialized)
struct RuleRootDifferentialTests {
    struct Listing: Equatable {
        var paths: [String]
        var stoppedAt: String?
    }

    /// `ld.so --list` output in the root: loaded paths in order, or where it stopped.
    static func parse(_ outcome: RealLoader.Outcome) -> Listing {
        if outcome.status != 0 {
            guard let range = outcome.stderr.range(of: "error while loading shared libraries: ") else {
                return Listing(paths: [], stoppedAt: "?\(outcome.stderr)")
            }
            // The library as the loader names it and why: `libleaf.so.1: cannot dynamically load executable`.
            return Listing(paths: [], stoppedAt: outcome.stderr[range.upperBound...].split(separator: "\n").first.map(String.init))
        }
        var paths: [String] = []
        for line in outcome.stdout.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("linux-vdso") || text.isEmpty { continue }
            var entry = text
            if let paren = entry.range(of: " (0x") { entry = String(entry[..<paren.lowerBound]) }
            if let arrow = entry.range(of: " => ") {
                let right = String(entry[arrow.upperBound...])
                // ld.so itself is listed under the name it was run as ("ld.so"): keep its path.
                // A name built in a relative directory has a slash (app/old/libshade.so.1).
                entry = right.contains("/") ? right : String(entry[..<arrow.lowerBound])
            }
            paths.append(entry)
        }
        return Listing(paths: paths, stoppedAt: nil)
    }


    /// - Parameter cached: read through `CachedRoot`, as the commands read a local root.
    static func system(for fixture: FixtureRoot, cached: Bool = false) throws -> TargetSystem {
        let cpu = CPUFeatures(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
        let root = try LocalRoot(directory: fixture.rootPath)
        return TargetSystem.inspect(root: RootView(cached ? CachedRoot(root) : root), cpu: cpu, vdso: HostVDSO.image)
    }

    /// This machine's glibc's, then glibc 2.41's (whose loader has other rules: no legacy
    /// hwcap subdirectories, none of their cache entries).
    static var rules: [FixtureRoot] { FixtureRoot.allRules + FixtureRoot.allRulesTrixie }

    @Test("ld.so --list in the root names exactly the files the model resolves",
          .enabled(if: RealLoader.isAvailable && !FixtureRoot.allRules.isEmpty, RealLoader.unavailableReason),
          arguments: rules)
    func listMatches(_ fixture: FixtureRoot) throws {
        let program = try #require(fixture.program)
        let truth = Self.parse(RealLoader.list(root: fixture.rootPath, program: program, environment: fixture.environment))
        for cached in [false, true] {
            let graph = try Self.system(for: fixture, cached: cached)
                .resolver(environment: LoaderEnvironment(fixture.environment), originFromTypedPath: true)
                .resolve(program: RootPath(program))
            // (ld.so --list runs the version check before it lists: a need of a file nothing
            // loads stops it with the check's assertion)
            let check = graph.missing.isEmpty ? SymbolCheck(graph: graph) : nil
            let unloaded = check?.unloadedVersionFiles.first
            // (and a version-need record of a version it does not know stops it with the usual error)
            let record = check?.unsupportedRecords.first { $0.kind == .need }
            let recordStop = record.map { record in
                Listing(paths: [], stoppedAt: "\(graph.objects[record.object].path): unsupported version \(record.recordVersion) of Verneed record")
            }
            // (a filter cycle: the loader crashes, printing nothing, unless it stopped before)
            let crash = graph.filterCycle.flatMap { $0.missingBefore == 0 ? Listing(paths: [], stoppedAt: "?") : nil }
            let model = crash ?? graph.missing.first.map { Listing(paths: [], stoppedAt: "\($0.loaderName): \($0.reason)") }
                ?? recordStop
                ?? graph.mappingAssertion.flatMap { assertion in
                    // (an entry the assertion reads is absent: a crash, silent)
                    Listing(paths: [], stoppedAt: assertion.loaderMessage(graph.platform.glibc, isProgram: assertion.object == 0)
                        .map { "?" + $0 + "\n" } ?? "?")
                }
                ?? unloaded.map { _ in Listing(paths: [], stoppedAt: "?" + UnloadedVersionFile.loaderMessage(graph.platform.glibc) + "\n") }
                // (ld.so lists from the program on: the program's own filter objects, put
                // before it, are left out)
                ?? Listing(paths: graph.objects.dropFirst().filter { $0.foundVia != .vdso && !graph.programFilters.contains($0.index) }
                    .map(\.loaderName), stoppedAt: nil)
            #expect(model == truth, "\(fixture.name)\(cached ? " (CachedRoot)" : "")")
        }
    }

    /// The symbol side too, as in the generated roots (the listing is `listMatches`'s, with
    /// `$ORIGIN` as the loader run as a command takes it): the copy-relocation and
    /// canonical-plt roots isolate lookups a relocation's type decides.
    @Test("check's objects, missing libraries, versions and symbols are what ldd -r prints in the root",
          .enabled(if: RealLoader.canRunRoots && !FixtureRoot.allRules.isEmpty, RealLoader.unavailableReason),
          arguments: rules)
    func symbolsMatch(_ fixture: FixtureRoot) throws {
        try GeneratedRootTests.expectAgreementWithLddR(fixture, listing: false)
    }

    /// And the first error the program prints is check's (see the generated roots').
    @Test("the loader's first error is check's first error, word for word",
          .enabled(if: RealLoader.canRunRoots && !FixtureRoot.allRules.isEmpty, RealLoader.unavailableReason),
          arguments: rules)
    func firstErrorMatches(_ fixture: FixtureRoot) throws {
        try GeneratedRootTests.expectFirstErrorMatches(fixture)
    }

    /// The headline's verb against the program run as users run it (lazy binding): a
    /// function bound at its first call does not stop the start (canonical-plt: the
    /// program never calls it and prints "started"), a copy relocation does.
    @Test("the headline says 'starts but will fail' exactly when the program gets to main",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("canonical-plt") != nil, RealLoader.unavailableReason),
          arguments: ["canonical-plt", "copy-relocation"])
    func headlineVerbMatchesTheStart(_ name: String) throws {
        let (fixture, program, run) = try Self.started(name)
        let started = run.stdout.contains("started")
        let check = Command.ofdoctor(["check", "--root", fixture.rootPath, program])
        let headline = check.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(headline.contains(started ? "starts but will fail" : "will not start"), "\(name): started \(started); \(headline)")
        let (_, findings, _) = try Self.checkJSON(fixture, program)
        #expect(findings.contains { $0["severity"] as? String == "error" })
        #expect(findings.filter { $0["severity"] as? String == "error" }.allSatisfy { $0["failsAtFirstCall"] as? Bool == started },
                "\(name): \(findings)")
    }

    /// `LD_BIND_NOW` reaches a program started from ofdoctor's own shell, and so reaches check
    /// without --env: the function canonical-plt's program never calls then stops its start.
    @Test("LD_BIND_NOW in ofdoctor's own environment: the start stops where the loader's does",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("canonical-plt") != nil, RealLoader.unavailableReason))
    func bindNowFromOwnEnvironment() throws {
        let (fixture, program, lazily) = try Self.started("canonical-plt")
        #expect(lazily.stdout.contains("started"), "\(lazily)")
        let bound = RealLoader.run(fixture, argv0: program, extraEnvironment: ["LD_BIND_NOW": "1"])
        #expect(bound.status == 127 && !bound.stdout.contains("started"), "\(bound)")
        let check = Command.ofdoctor(["check", "--root", fixture.rootPath, "--format", "json", program],
                                     environment: fixture.environment.merging(["LD_BIND_NOW": "1"]) { $1 })
        let report = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check.stderr)")
        #expect((report["environment"] as? [String: String])?["LD_BIND_NOW"] == "1")
        let errors = (report["findings"] as? [[String: Any]] ?? []).filter { $0["severity"] as? String == "error" }
        #expect(!errors.isEmpty && errors.allSatisfy { $0["failsAtFirstCall"] as? Bool == false }, "\(errors)")
        #expect(errors.first?["loaderMessage"] as? String == bound.stderr.split(separator: "\n").first.map(String.init), "\(bound)")
    }

    /// The first-error comparison shows check names the refused object as the loader does;
    /// here: ldd does not see it, and glibc 2.31, which has no such check, would start it.
    @Test("an object built for an ISA level the CPU lacks: refused by 2.36's rules, not 2.31's; ldd -r shows nothing",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("isa-level") != nil, RealLoader.unavailableReason),
          arguments: ["isa-level", "isa-level-program"])
    func isaLevel(_ name: String) throws {
        let (fixture, program, real) = try Self.started(name)
        #expect(real.status == 127 && real.stderr.contains("CPU ISA level is lower than required"), "\(real)")
        let traced = RealLoader.trace(root: fixture.rootPath, program: program, environment: fixture.environment,
                                      extra: ["LD_BIND_NOW": "yes", "LD_WARN": "yes"])
        #expect(traced.status == 0 && !traced.stderr.contains("ISA"), "\(traced)")
        var system = try Self.system(for: fixture)
        #expect(system.platform.glibc >= ISALevelCheck.since)
        let refused = try system.resolver(environment: LoaderEnvironment(), originFromTypedPath: false).resolve(program: RootPath(program))
        let refusal = try #require(ISALevelCheck.firstRefusal(in: refused))
        #expect(refused.objects[refusal.object].path == (name == "isa-level" ? "/app/lib/libisa.so.1" : program))
        #expect(refusal.needed == 16 && refusal.supported & 1 == 1)
        system.platform.glibc = GlibcVersion(2, 31)
        let older = try system.resolver(environment: LoaderEnvironment(), originFromTypedPath: false).resolve(program: RootPath(program))
        #expect(ISALevelCheck.firstRefusal(in: older) == nil)
    }

    /// Protected definitions the program copies or takes the address of (glibc 2.35+):
    /// the loader's warning is LD020's line and the program starts; from a library built
    /// with -mno-direct-extern-access it is LD019, the loader's error word for word, met at
    /// start-up for a copy relocation and, lazily, at the first call for a canonical PLT
    /// entry (this program never calls sym_fn: it starts, and stops only under BIND_NOW).
    /// glibc 2.31 checks neither.
    @Test("a protected definition the program copies or takes the address of: LD020 warns as the loader does, LD019 stops where it does",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("protected-copy") != nil, RealLoader.unavailableReason),
          arguments: ["protected-copy", "protected-copy-refused", "protected-canonical-refused"])
    func protectedDefinitions(_ name: String) throws {
        let (fixture, program, run) = try Self.started(name)
        let bound = RealLoader.run(fixture, argv0: program, extraEnvironment: ["LD_BIND_NOW": "1"])
        let (status, findings, _) = try Self.checkJSON(fixture, program)
        let first = try #require(findings.first, "\(name): no finding")
        let boundLines = bound.stderr.split(separator: "\n").map(String.init)
        switch name {
        case "protected-copy":
            #expect(run.status == 0 && run.stdout.contains("started"), "\(run)")
            #expect(status == 0 && findings.compactMap { $0["id"] as? String } == ["LD020"], "\(findings)")
            #expect(first["severity"] as? String == "warning")
            #expect(boundLines == [first["loaderMessage"] as? String ?? ""], "\(bound)")
        default:
            let refused = name == "protected-copy-refused"
            #expect(run.status == (refused ? 127 : 0), "\(run)")
            #expect(bound.status == 127 && boundLines.count == 2, "\(bound)")
            #expect(status == 2 && findings.compactMap { $0["id"] as? String } == ["LD019"], "\(findings)")
            #expect(first["loaderMessage"] as? String == boundLines.last)
            #expect(first["failsAtFirstCall"] as? Bool == !refused)
            #expect(first["symbol"] as? String == (refused ? "sym_data" : "sym_fn"))
            #expect((first["explanation"] as? String)?.contains(boundLines.first ?? "?") == true, "the warning before the error")
        }
        var system = try Self.system(for: fixture)
        let graph = try system.resolver(environment: LoaderEnvironment(), originFromTypedPath: false).resolve(program: RootPath(program))
        #expect(SymbolCheck(graph: graph).protectedReferences.count == 1)
        system.platform.glibc = GlibcVersion(2, 31)
        let older = try system.resolver(environment: LoaderEnvironment(), originFromTypedPath: false).resolve(program: RootPath(program))
        #expect(SymbolCheck(graph: older).protectedReferences.isEmpty)
    }

    /// IFUNCs bound at start-up before their object is relocated: the program's, met while
    /// a library is relocated, stop the loader (LD021, its line word for word); a library's,
    /// relocated after the one binding it, are a warning (LD022) and the program starts.
    /// `ldd -r` resolves no IFUNC and shows nothing either way; lazily bound, nothing happens.
    @Test("an IFUNC bound before its object is relocated: the program's stops the loader (LD021), a library's is LD022's warning; ldd -r shows neither",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("ifunc-in-executable") != nil, RealLoader.unavailableReason),
          arguments: ["ifunc-in-executable", "ifunc-not-relocated"])
    func ifuncBindings(_ name: String) throws {
        let (fixture, program, run) = try Self.started(name)
        let fatal = name == "ifunc-in-executable"
        let traced = RealLoader.trace(root: fixture.rootPath, program: program, environment: fixture.environment,
                                      extra: ["LD_BIND_NOW": "yes", "LD_WARN": "yes"])
        #expect(traced.status == 0 && !traced.stderr.contains("IFUNC") && !traced.stdout.contains("IFUNC"), "\(traced)")
        let (status, findings, _) = try Self.checkJSON(fixture, program)
        let first = try #require(findings.first, "\(name): no finding")
        #expect(findings.compactMap { $0["id"] as? String } == [fatal ? "LD021" : "LD022"], "\(findings)")
        #expect(run.stderr.split(separator: "\n").map(String.init) == [first["loaderMessage"] as? String ?? ""], "\(run)")
        #expect(first["resolvedTo"] as? String == (fatal ? program : "/app/lib/libifndef.so.1"))
        if fatal {
            #expect(run.status == 127 && status == 2)
        } else {
            #expect(run.status == 0 && run.stdout.contains("started") && status == 0, "\(run)")
        }
        // bound lazily (libifnuse without -z now), the reference is resolved after every object is relocated
        let graph = try Self.system(for: fixture).resolver(environment: LoaderEnvironment(), originFromTypedPath: false)
            .resolve(program: RootPath(program))
        #expect(SymbolCheck(graph: graph).ifuncBindings.count == 1)
    }

    /// A copied variable whose size the library changed: grown, the loader warns at every
    /// start (LD023, a warning, its line word for word); shrunk, it says nothing unless
    /// LD_WARN is set, as ldd -r sets it (LD023 as information, no loader line).
    @Test("a copy relocation of a variable the library grew or shrank: LD023, a warning with the loader's line or information",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("copy-size") != nil, RealLoader.unavailableReason),
          arguments: ["copy-size", "copy-size-smaller"])
    func copySize(_ name: String) throws {
        let (fixture, program, run) = try Self.started(name)
        let grown = name == "copy-size"
        let line = "\(program): Symbol `sym_data' has different size in shared object, consider re-linking"
        #expect(run.status == 0 && run.stdout.contains("started"), "\(run)")
        #expect(run.stderr.split(separator: "\n").map(String.init) == (grown ? [line] : []), "\(run)")
        let traced = RealLoader.trace(root: fixture.rootPath, program: program, environment: fixture.environment,
                                      extra: ["LD_BIND_NOW": "yes", "LD_WARN": "yes"])
        #expect((traced.stdout + traced.stderr).contains(line), "\(traced)")
        let (status, findings, _) = try Self.checkJSON(fixture, program)
        #expect(status == 0 && findings.compactMap { $0["id"] as? String } == ["LD023"], "\(findings)")
        let first = try #require(findings.first)
        #expect(first["severity"] as? String == (grown ? "warning" : "info"))
        #expect(first["loaderMessage"] as? String == (grown ? line : nil))
        #expect((first["explanation"] as? String)?.contains(grown ? "4 bytes in the program, 16 in the library" : "16 bytes in the program, 4 in the library") == true)
    }

    /// Version records of a version glibc does not know: the first version-need record of
    /// an object stops the loader where the version check reaches it (exit 127, ldd too),
    /// the program's own named by argv[0]; a version-definition record a need walks past is
    /// a version error (exit 1 after the check; ldd -r prints it and goes on). LD024 either way.
    @Test("a version record of a version glibc does not know: LD024, the loader's line, exit 127 for a need, 1 for a definition",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("verneed-record") != nil, RealLoader.unavailableReason),
          arguments: ["verneed-record", "verneed-record-program", "verdef-record"])
    func unsupportedVersionRecord(_ name: String) throws {
        let (fixture, program, run) = try Self.started(name)
        let need = name != "verdef-record"
        #expect(run.status == (need ? 127 : 1), "\(run)")
        let traced = RealLoader.trace(root: fixture.rootPath, program: program, environment: fixture.environment,
                                      extra: ["LD_BIND_NOW": "yes", "LD_WARN": "yes"])
        #expect(traced.status == (need ? 127 : 0), "\(traced)")
        let (status, findings, _) = try Self.checkJSON(fixture, program)
        #expect(status == 2 && findings.compactMap { $0["id"] as? String } == ["LD024"], "\(findings)")
        let first = try #require(findings.first)
        #expect(run.stderr.split(separator: "\n").first.map(String.init) == first["loaderMessage"] as? String, "\(run)")
        let object = first["resolvedTo"] as? String
        #expect(object == (name == "verneed-record" ? "/app/lib/libshadevia.so.1" : name == "verdef-record" ? "/app/lib/libshade.so.1" : program))
        if !need { #expect(first["neededBy"] as? [String] == [program] && first["version"] as? String == "SHADE_2.0") }   // (the first need ld wrote)
    }

    /// A library the loader never searches for a symbol: no hash table, or one without
    /// buckets. Its symbol is undefined to the loader (and to ldd -r) though its symbol table
    /// has it; LD004 says where the definition is and why the loader does not see it.
    @Test("a library without a usable hash table defines nothing to the loader: LD004, naming the library",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("hash-table-none") != nil, RealLoader.unavailableReason),
          arguments: ["hash-table-none", "hash-table-empty"])
    func unsearchableLibrary(_ name: String) throws {
        let (fixture, program, run) = try Self.started(name)
        #expect(run.status == 127 && run.stderr.contains("undefined symbol: leaf"), "\(run)")
        let (status, findings, _) = try Self.checkJSON(fixture, program)
        #expect(status == 2 && findings.compactMap { $0["id"] as? String } == ["LD004"], "\(findings)")
        #expect(findings.first?["failsAtFirstCall"] as? Bool == true)
        #expect((findings.first?["explanation"] as? String)?.contains("/app/lib/libleaf.so.1 does define leaf") == true, "\(findings)")
    }

    /// A Bloom filter of 3 words: the loader asserts as it maps the library, printing only
    /// that, and so do ldd and ld.so --list; LD026, first, with the line word for word.
    @Test("a GNU hash table whose Bloom filter is not a power of two words: the loader's assertion, LD026",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("hash-table-words") != nil, RealLoader.unavailableReason))
    func bloomAssertion() throws {
        let (fixture, program, run) = try Self.started("hash-table-words")
        #expect(run.status == 127 && run.stderr.hasPrefix("Inconsistency detected by ld.so: "), "\(run)")
        let traced = RealLoader.trace(root: fixture.rootPath, program: program, environment: fixture.environment)
        #expect(traced.stderr.contains("_dl_setup_hash: Assertion"), "\(traced)")
        let (status, findings, _) = try Self.checkJSON(fixture, program)
        #expect(status == 2 && findings.first?["id"] as? String == "LD026", "\(findings)")
        #expect(findings.first?["loaderMessage"] as? String == run.stderr.split(separator: "\n").first.map(String.init))
        #expect(findings.first?["resolvedTo"] as? String == "/app/lib/libleaf.so.1")
    }

    /// A rule root, its program, and the program run in it by its full path.
    static func started(_ name: String) throws -> (fixture: FixtureRoot, program: String, run: RealLoader.Outcome) {
        let fixture = try #require(FixtureRoot.rule(name))
        let program = try #require(fixture.program)
        return (fixture, program, RealLoader.run(fixture, argv0: program))
    }

    /// `check --format json` of a rule root's program: its exit status, findings and objects.
    static func checkJSON(_ fixture: FixtureRoot, _ program: String) throws -> (status: Int32, findings: [[String: Any]], objects: [[String: Any]]) {
        let check = Command.ofdoctor(["check", "--root", fixture.rootPath, "--format", "json", program])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check.stdout)")
        return (check.status, report["findings"] as? [[String: Any]] ?? [], report["objects"] as? [[String: Any]] ?? [])
    }

    /// Filter objects as a user meets them: the program gets the filtee's leaf() and starts;
    /// `ldd` says the absent auxiliary filter is "not found", check says why that is harmless
    /// (LD015, exit 0), tree draws both under their filter, and JSON orders the filtee first.
    @Test("filters: the filtee serves the filter's symbols; an absent auxiliary filter is LD015 (info), not a failure",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("filters") != nil, RealLoader.unavailableReason))
    func filters() throws {
        let (fixture, program, run) = try Self.started("filters")
        #expect(run.status == 0 && run.stdout.contains("leaf from: the filtee"), "\(run.stdout)\(run.stderr)")
        let traced = RealLoader.trace(root: fixture.rootPath, program: program, environment: fixture.environment)
        #expect(traced.stdout.contains("libabsent.so.1 => not found"), "ldd: \(traced.stdout)")

        let (status, findings, objects) = try Self.checkJSON(fixture, program)
        #expect(status == 0)
        #expect(findings.map { "\($0["id"] ?? "") \($0["severity"] ?? "") \($0["library"] ?? "")" } == ["LD015 info libabsent.so.1"])
        let paths = objects.compactMap { $0["path"] as? String }
        let filtee = try #require(paths.firstIndex(of: "/app/lib/libleafimpl.so.1"))
        let filter = try #require(paths.firstIndex(of: "/app/lib/libleaf.so.1"))
        #expect(filtee < filter)
        #expect(objects[filtee]["filterOf"] as? [String] == ["/app/lib/libleaf.so.1"])

        let tree = Command.ofdoctor(["tree", "--root", fixture.rootPath, program], environment: ["COLUMNS": "200"])
        #expect(tree.status == 0)
        #expect(tree.stdout.contains("libleafimpl.so.1 => /app/lib/libleafimpl.so.1 [runpath of /app/lib/libleaf.so.1] (filter)"), "\(tree.stdout)")
        #expect(tree.stdout.contains("libabsent.so.1 not found (auxiliary filter: the loader goes on without it) i LD015"), "\(tree.stdout)")
    }

    /// The kernel's vDSO answers to `linux-vdso.so.1`: a program that names it starts.
    @Test("vdso-needed: a DT_NEEDED linux-vdso.so.1 is the kernel's vDSO, with its LINUX_2.6 symbols; check says healthy as the program starts",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("vdso-needed") != nil && HostVDSO.image != nil, RealLoader.unavailableReason))
    func vdsoNeeded() throws {
        let (fixture, program, run) = try Self.started("vdso-needed")
        #expect(run.status == 0 && run.stdout.contains("vdso time ok"), "\(run.stdout)\(run.stderr)")
        let (status, findings, objects) = try Self.checkJSON(fixture, program)
        #expect(status == 0 && findings.isEmpty, "\(findings)")
        let vdso = objects.first { $0["foundVia"] as? String == "vdso" }
        #expect(vdso?["path"] as? String == "linux-vdso.so.1" && vdso?["neededBy"] as? [String] == [program], "\(objects)")
        let tree = Command.ofdoctor(["tree", "--root", fixture.rootPath, program])
        #expect(tree.status == 0 && tree.stdout.contains("linux-vdso.so.1 [kernel vDSO]"), "\(tree.stdout)")
    }

    /// A version need of a file nothing loads: what ldd only calls an assertion, named.
    @Test("verneed-unloaded: the need of libm.so.6, whose DT_NEEDED is gone, is LD016 with its versions and symbols, and no LD004",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("verneed-unloaded") != nil, RealLoader.unavailableReason))
    func versionFileNotLoaded() throws {
        let (fixture, program, run) = try Self.started("verneed-unloaded")
        #expect(run.status == 127 && run.stderr.contains("_dl_check_map_versions: Assertion `needed != NULL' failed!"), "\(run.stderr)")
        let (status, findings, _) = try Self.checkJSON(fixture, program)
        #expect(status == 2)
        #expect(findings.compactMap { $0["id"] as? String } == ["LD016"], "\(findings)")
        let first = try #require(findings.first)
        #expect(first["library"] as? String == "libm.so.6")
        #expect((first["versions"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["GLIBC_2.2.5"])
        #expect((first["symbols"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["cos"])
    }

    /// Filter objects that name each other: the loader (and ldd) die of SIGSEGV, silently.
    @Test("filter-cycle: the loader crashes on two objects that are each other's filter; check says so first (LD017), exit 2",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("filter-cycle") != nil, RealLoader.unavailableReason))
    func filterCycle() throws {
        let (fixture, program, run) = try Self.started("filter-cycle")
        #expect(run.status == 139 && run.stdout.isEmpty && run.stderr.isEmpty, "\(run)")
        let (status, findings, _) = try Self.checkJSON(fixture, program)
        #expect(status == 2)
        #expect(findings.first?["id"] as? String == "LD017", "\(findings)")
        #expect(Set(findings.first?["neededBy"] as? [String] ?? []) == ["/app/lib/libleaf.so.1", "/app/lib/libleafimpl.so.1"])
    }

    /// The program's own filter object (ld does not write one): listed nowhere, fatal.
    @Test("program-filter: a program that names a filter object crashes the loader though ld.so --list shows nothing wrong; check says so (LD018), exit 2",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("program-filter") != nil, RealLoader.unavailableReason))
    func programFilter() throws {
        let (fixture, program, run) = try Self.started("program-filter")
        #expect(run.status == 139 && run.stderr.isEmpty, "\(run)")
        let list = RealLoader.list(root: fixture.rootPath, program: program, environment: fixture.environment)
        #expect(list.status == 0 && !list.stdout.contains("libleafimpl"), "\(list)")
        let (status, findings, objects) = try Self.checkJSON(fixture, program)
        #expect(status == 2)
        #expect(findings.first?["id"] as? String == "LD018" && findings.first?["resolvedTo"] as? String == "/app/lib/libleafimpl.so.1", "\(findings)")
        #expect(objects.contains { $0["path"] as? String == "/app/lib/libleafimpl.so.1" && $0["filterOf"] as? [String] == [program] })
    }

    /// A DT_FILTER object that cannot be loaded stops the loader like a missing DT_NEEDED one.
    @Test("filter-missing: the absent DT_FILTER object is LD002, named as the library's filter object, exit 2 as the program fails",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("filter-missing") != nil, RealLoader.unavailableReason))
    func missingFilter() throws {
        let (fixture, program, run) = try Self.started("filter-missing")
        #expect(run.status == 127 && run.stderr.contains("libleafimpl.so.1: cannot open shared object file"), "\(run.stderr)")
        let check = Command.ofdoctor(["check", "--root", fixture.rootPath, program], environment: ["COLUMNS": "200"])
        #expect(check.status == 2, "\(check.stdout)")
        #expect(check.stdout.contains("LD002  libleafimpl.so.1 not found (the filter object of /app/lib/libleaf.so.1)"), "\(check.stdout)")
    }

    @Test("a real exec takes $ORIGIN from the resolved program path, not the symlink",
          .enabled(if: RealLoader.isAvailable && FixtureRoot.rule("origin") != nil, RealLoader.unavailableReason))
    func originOfSymlinkedProgram() throws {
        let fixture = try #require(FixtureRoot.rule("origin"))
        let program = try #require(fixture.program)
        let run = RealLoader.run(fixture)
        #expect(run.status == 0)
        let graph = try Self.system(for: fixture).resolver(environment: LoaderEnvironment(fixture.environment))
            .resolve(program: RootPath(program))
        let leaf = try #require(graph.objects.first { $0.names.contains("libleaf.so.1") })
        let realDirectory = Resolver.directoryName(leaf.realPath)
        #expect(run.stdout.contains("= \(realDirectory)"), "real: \(run.stdout) model: \(leaf.realPath)")
    }
}

/// A library put into a directory ld.so.conf lists, after the last ldconfig: the loader
/// cannot find it (only the cache leads there). ofdoctor says stale-cache, plans ldconfig,
/// and after `fix --apply` the real loader starts the program.
@Suite("stale-cache: found, fixed with ldconfig, proven by the real loader", .serialized)
struct StaleCacheFixTests {
    @Test("check reports LD005 with an ldconfig plan; fix --apply makes the program start; undo restores",
          .enabled(if: RealLoader.isAvailable && FixtureRoot.rule("stale-cache") != nil, RealLoader.unavailableReason))
    func staleCacheIsFixedByLdconfig() throws {
        let fixture = try #require(FixtureRoot.rule("stale-cache"))
        let program = try #require(fixture.program)
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let before = try TreeSnapshot(root: root)
        #expect(RealLoader.run(root: root, program: program, argv0: "prog", environment: fixture.environment).status == 127)
        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", program])
        #expect(check.status == 1, "\(check.stdout)")
        let report = try JSONDecoder().decode(DoctorEndToEndTests.CheckJSON.self, from: Data(check.stdout.utf8))
        #expect(report.findings.contains { $0.id == "LD005" && $0.rule == "stale-cache" })
        #expect(report.plan.map(\.kind) == ["ldconfig"])
        #expect(Command.ofdoctor(["fix", "--apply", "--root", root, program]).status == 0)
        let after = RealLoader.run(root: root, program: program, argv0: "prog", environment: fixture.environment)
        #expect(after.status == 0, "\(after)")
        #expect(Command.ofdoctor(["undo", "--root", root]).status == 0)
        #expect(try TreeSnapshot(root: root) == before)
    }

    @Test("where ldconfig cannot run (an include loop): a link into the default directory, no ldconfig; the real loader starts the program; with that name taken, a person's step",
          .enabled(if: RealLoader.isAvailable && FixtureRoot.rule("stale-cache") != nil, RealLoader.unavailableReason))
    func staleCacheWhereLdconfigCannotRun() throws {
        let fixture = try #require(FixtureRoot.rule("stale-cache"))
        let program = try #require(fixture.program)
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        try Data("include /etc/ld.so.conf\n".utf8).write(to: URL(fileURLWithPath: root + "/etc/ld.so.conf.d/loop.conf"))
        let before = try TreeSnapshot(root: root)
        #expect(RealLoader.run(root: root, program: program, argv0: "prog", environment: fixture.environment).status == 127)
        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", program])
        #expect(check.status == 1, "\(check.stdout)")
        let report = try JSONDecoder().decode(DoctorEndToEndTests.CheckJSON.self, from: Data(check.stdout.utf8))
        #expect(report.findings.contains { $0.id == "LD005" })
        #expect(report.plan.map(\.kind) == ["symlink"], "\(report.plan.map(\.kind))")
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, program])
        #expect(apply.status == 0, "\(apply.stdout) \(apply.stderr)")
        let after = RealLoader.run(root: root, program: program, argv0: "prog", environment: fixture.environment)
        #expect(after.status == 0, "\(after)")
        #expect(Command.ofdoctor(["undo", "--root", root]).status == 0)
        #expect(try TreeSnapshot(root: root) == before)
        // The link's name taken (a directory the loader passes over): nothing to link, a person's step.
        try FileManager.default.createDirectory(atPath: root + "/usr/lib/x86_64-linux-gnu/libleaf.so.1", withIntermediateDirectories: false)
        #expect(RealLoader.run(root: root, program: program, argv0: "prog", environment: fixture.environment).status == 127)
        let blocked = Command.ofdoctor(["fix", "--root", root, program])
        #expect(blocked.status == 2, "\(blocked.stdout)")
        #expect(blocked.stdout.contains("A person must:") && blocked.stdout.contains("include loop"), "\(blocked.stdout)")
    }
}

/// Names that are not UTF-8 (issue 15, item 7): ofdoctor finds what the loader finds and
/// names what it misses with the byte visible, never a replacement character.
@Suite("names that are not UTF-8, against the real loader")
struct NonUTF8NameTests {
    @Test("check: the loader starts the program whose NEEDED names and RUNPATH are Latin-1; ofdoctor says healthy",
          .enabled(if: RealLoader.isAvailable && FixtureRoot.rule("non-utf8-names") != nil, RealLoader.unavailableReason))
    func foundLikeAnyOther() throws {
        let fixture = try #require(FixtureRoot.rule("non-utf8-names"))
        let run = RealLoader.run(fixture)
        #expect(run.status == 0, "\(run)")
        let check = Command.ofdoctor(["check", "--root", fixture.rootPath, try #require(fixture.program)])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test("check: the missing Latin-1 library is named with its byte shown as \\xe9, exit 1 as the loader fails",
          .enabled(if: RealLoader.isAvailable && FixtureRoot.rule("non-utf8-missing") != nil, RealLoader.unavailableReason))
    func missingNamedWithByteVisible() throws {
        let fixture = try #require(FixtureRoot.rule("non-utf8-missing"))
        let run = RealLoader.run(fixture)
        #expect(run.status != 0 && run.stderr.contains(ByteString.decode(Array("lib".utf8) + [0xE9] + Array(".so.1".utf8))), "\(run)")
        let check = Command.ofdoctor(["check", "--root", fixture.rootPath, try #require(fixture.program)])
        #expect(check.status == 1 || check.status == 2, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains(#"lib\xe9.so.1"#), "\(check.stdout)")
        #expect(!check.stdout.contains("\u{FFFD}"))
    }
}

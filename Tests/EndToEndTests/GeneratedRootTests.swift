import Foundation
import LoaderModel
import LoaderTrace
import RootFS
import Testing

/// ofdoctor on roots nobody wrote by hand: `Tests/Fixtures/build-generated-roots.py` mixes,
/// from a seed, copies of five libraries (good, older, unversioned, for another machine or
/// class, under their soname or only their real name, behind good, dangling or looping links;
/// built with other hash tables, weak, IFUNC, protected or hidden-version definitions, or
/// short of a symbol in the ways the loader tells apart) across a dozen directories, RPATH
/// and RUNPATH, nodeflib, LD_LIBRARY_PATH, LD_PRELOAD, ld.so.conf.d and a fresh, stale or
/// absent cache; the program reads a library's data by a copy relocation and its
/// thread-local variable. The root's own loader in chroot is the oracle for everything
/// `check` says, and for what its plan does once applied.
@Suite("Generated roots: check and its fixes against the real loader")
struct GeneratedRootTests {
    static var roots: [FixtureRoot] { FixtureRoot.allGenerated }
    /// The roots are those of seed 1, `make test`'s (each recipe starts "seed N root M"),
    /// besides the regression roots of other seeds (`--also`: directories named `sN-M`,
    /// whatever glibc's set they are in) and the hand-made ones (`cycle`).
    static var defaultSeed: Bool {
        roots.filter { root in
            let directory = URL(fileURLWithPath: root.rootPath).deletingLastPathComponent().lastPathComponent
            return directory.first?.isNumber == true
        }.allSatisfy { recipe($0).hasPrefix("seed 1 ") }
    }
    static let unavailable: Comment = "needs root (chroot in unshare -m) and `make fixtures` (build-generated-roots.py)"

    /// What `ldd -r` says of the program in its root (trace mode: loading goes on past a
    /// missing library, every version need and relocation is checked).
    struct Trace: Equatable, CustomStringConvertible {
        var loaded: [String] = []
        var missing: Set<String> = []
        var missingVersions: Set<String> = []
        var withoutVersions: Set<String> = []
        var undefined: Set<String> = []
        var fatal: String?
        /// ld.so itself died while relocating (glibc 2.36 segfaults in trace mode when a
        /// program's own DT_NEEDED is missing but a library loads that name): its symbol
        /// lines stop where it died, so only the listing is compared.
        var crashed = false

        /// The same facts with every byte outside ASCII written `\xHH`: compared so, two names
        /// that are canonically equivalent text but not the same bytes (`é`, `e` + U+0301) stay
        /// two, as they are to the loader (`String`'s `==` and hashing would take them as one).
        /// (The sets hold text made so as it is inserted: a `Set<String>` would merge the two.)
        var exact: Trace {
            let bytes = Self.exactText
            var copy = self
            copy.loaded = loaded.map(bytes)
            copy.missing = Set(missing.map(bytes))
            copy.missingVersions = Set(missingVersions.map(bytes))
            copy.withoutVersions = Set(withoutVersions.map(bytes))
            copy.undefined = Set(undefined.map(bytes))
            copy.fatal = fatal.map(bytes)
            return copy
        }

        static func exactText(_ text: String) -> String {
            text.utf8.map { $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
        }

        var description: String {
            "loaded \(loaded) missing \(missing.sorted()) versions \(missingVersions.sorted()) unversioned \(withoutVersions.sorted()) undefined \(undefined.sorted())\(fatal.map { " fatal \($0)" } ?? "")"
        }
    }

    static func trace(_ fixture: FixtureRoot) -> Trace {
        let outcome = RealLoader.trace(root: fixture.rootPath, program: fixture.program ?? "", environment: fixture.environment,
                                       extra: ["LD_BIND_NOW": "yes", "LD_WARN": "yes"])
        var trace = Trace()
        trace.crashed = outcome.status > 128 && outcome.status != 255
        let output = LddOutput(outcome.stdout + "\n" + outcome.stderr)
        trace.fatal = output.fatal
        // (a relative LD_LIBRARY_PATH element keeps its spelling; the chroot's working
        // directory is /, which check takes too and writes out)
        trace.loaded = output.loaded.map(absolute)
        for name in output.missing { trace.missing.insert(Trace.exactText(name)) }
        for u in output.undefined {
            trace.undefined.insert(Trace.exactText("\(absolute(u.requester))|\(u.symbol)|\(u.version ?? "")"))
        }
        for v in output.missingVersions {
            trace.missingVersions.insert(Trace.exactText("\(absolute(v.file))|\(v.version)|\(absolute(v.requester))"))
        }
        for w in output.withoutVersionInformation {
            trace.withoutVersions.insert(Trace.exactText("\(absolute(w.file))|\(absolute(w.requester))"))
        }
        return trace
    }

    /// A path as the loader spelled it, relative ones (from a relative LD_LIBRARY_PATH
    /// element) taken from the chroot's working directory, /, as check writes them.
    static func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : "/" + path }

    struct Report: Decodable {
        struct Object: Decodable { var path: String; var foundVia: String }
        struct Symbol: Decodable { var name: String; var version: String?; var requester: String }
        struct Need: Decodable { var name: String; var requester: String }
        struct Finding: Decodable {
            var id: String, rule: String, severity: String, fixable: Bool, failsAtFirstCall: Bool
            var summary: String, library: String?, resolvedTo: String?, loaderMessage: String?
            var neededBy: [String]
            var symbols: [Symbol], versions: [Need]
        }
        var status: String
        var objects: [Object]
        var findings: [Finding]
        var correctedEnvironment: [String: String]
        var plan: [Action]
        struct Action: Decodable { var kind: String }
    }

    static func check(_ fixture: FixtureRoot) throws -> (Int32, Report) {
        let environment = fixture.environmentArguments
        let result = Command.ofdoctor(["check", "--root", fixture.rootPath, "--format", "json"] + environment + [fixture.program ?? ""])
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        return (result.status, report)
    }

    /// The same facts as `ldd -r` would print them, from `check`'s JSON.
    static func predicted(_ report: Report) -> Trace {
        var trace = Trace()
        // (ldd lists the vDSO without a path, and the harness leaves it out)
        trace.loaded = report.objects.filter { !["executable", "interpreter", "vdso"].contains($0.foundVia) }.map(\.path)
        // the findings the loader meets now, not those behind them (once the others are fixed)
        for finding in report.findings where !finding.summary.hasPrefix("once the other fixes are made") {
            // a library the loader does not find, whatever the cause (a stale cache's
            // `resolvedTo` is the file the cache lacks)
            if finding.severity == "error", finding.resolvedTo == nil || finding.rule == "stale-cache",
               finding.rule != "version-file-not-loaded", let library = finding.library {
                trace.missing.insert(Trace.exactText(library))
            }
            switch finding.rule {
            case "auxiliary-filter-absent":
                // The loader goes on without it (the listing and the run show that); ldd,
                // tracing, lists it "not found" all the same, unless the program itself names
                // it: that one goes before the program, where ldd does not look.
                let program = report.objects.first { $0.foundVia == "executable" }?.path
                if let library = finding.library, finding.neededBy != [program] { trace.missing.insert(Trace.exactText(library)) }
            case "version-not-found":
                for need in finding.versions { trace.missingVersions.insert(Trace.exactText("\(finding.resolvedTo ?? "?")|\(need.name)|\(need.requester)")) }
            case "no-version-information":
                for need in finding.versions { trace.withoutVersions.insert(Trace.exactText("\(finding.resolvedTo ?? "?")|\(need.requester)")) }
            default: break
            }
            for symbol in finding.symbols { trace.undefined.insert(Trace.exactText("\(symbol.requester)|\(symbol.name)|\(symbol.version ?? "")")) }
        }
        return trace
    }

    @Test("check's objects, missing libraries, versions and symbols are what ldd -r prints in the root",
          .enabled(if: RealLoader.canRunRoots && !FixtureRoot.allGenerated.isEmpty, unavailable), arguments: roots)
    func agreesWithLddR(_ fixture: FixtureRoot) throws {
        try Self.expectAgreementWithLddR(fixture)
    }

    /// check's JSON against `ldd -r` in the fixture's root (also the rule roots').
    /// - Parameter listing: compare the objects loaded too. The trace runs the loader as a
    ///   command, which takes `$ORIGIN` from the typed path where an exec takes the real one
    ///   (the rule roots compare their listings that way on their own).
    static func expectAgreementWithLddR(_ fixture: FixtureRoot, listing: Bool = true) throws {
        let truth = Self.trace(fixture)
        // (the program needs at least libc: a trace naming nothing means the harness failed)
        #expect(!truth.loaded.isEmpty || !truth.missing.isEmpty || truth.fatal != nil || truth.crashed, "\(fixture.name): ld.so traced nothing")
        let (status, report) = try Self.check(fixture)
        #expect([0, 1, 2].contains(status), "\(fixture.name): exit \(status)")
        var model = Self.predicted(report)
        var real = truth
        // A missing library's references are undefined to ldd -r too, which carries on past the
        // library: check lists them under the library's finding, so they are compared with the rest.
        if truth.crashed {
            (real.missingVersions, real.withoutVersions, real.undefined) = ([], [], [])
            (model.missingVersions, model.withoutVersions, model.undefined) = ([], [], [])
        }
        // A loader that stops mapping a library prints no listing at all; nor does one that
        // dies as it maps one (check must name that death).
        if !listing || truth.fatal != nil { (real.loaded, model.loaded) = ([], []) }
        if Self.diedMapping(truth, report, fixture) { (real.loaded, model.loaded, real.missing, model.missing) = ([], [], [], []) }
        // One that stops in the version check (a need of a file nothing loads) binds nothing.
        if truth.fatal?.contains("dl-version.c") == true || truth.fatal?.hasSuffix("of Verneed record") == true
            || truth.fatal?.contains("_dl_setup_hash") == true {
            (real.undefined, model.undefined) = ([], [])
        }
        // One that stops at a protected definition the program may not copy stops in the
        // program's relocations, the last it makes: the libraries' undefined symbols are all
        // printed, the program's only up to there (check lists all of them).
        if truth.fatal?.hasSuffix("GNU_PROPERTY_1_NEEDED_INDIRECT_EXTERN_ACCESS") == true, let program = fixture.program {
            let own = Trace.exactText(program + "|")
            (real.undefined, model.undefined) = (real.undefined.filter { !$0.hasPrefix(own) }, model.undefined.filter { !$0.hasPrefix(own) })
        }
        model.crashed = truth.crashed
        model.fatal = truth.fatal.flatMap { fatal in report.findings.contains { $0.loaderMessage?.contains(fatal) == true } ? fatal : "not predicted" }
        #expect(model.exact == real.exact, "\(fixture.name) \(Self.recipe(fixture))\nldd -r: \(real.exact)\ncheck:  \(model.exact)")
    }

    /// Whether the loader died before it listed anything (killed as it mapped a library: a
    /// dynamic section it reads through an entry that is not there, or filter objects that
    /// name each other); records that check has such a death among its errors, silent and
    /// "…loading it", or the filter cycle. (Tracing, the loader goes on past a missing
    /// library, which stops a start: there that library is the first error.)
    static func diedMapping(_ truth: Trace, _ report: Report, _ fixture: FixtureRoot) -> Bool {
        guard truth.crashed, truth.loaded.isEmpty, truth.missing.isEmpty else { return false }
        let errors = report.findings.filter { $0.severity == "error" && !$0.summary.hasPrefix("once the other fixes are made") }
        #expect(errors.contains { $0.loaderMessage == nil && ($0.summary.hasSuffix("the loader dies of SIGSEGV loading it") || $0.rule == "filter-cycle") },
                "\(fixture.name) \(Self.recipe(fixture))\nthe loader died before it listed anything; check's errors: \(errors.map { "\($0.id) \($0.summary)" })")
        return true
    }

    /// What a user sees: the loader's first fatal line (every relocation bound at start-up,
    /// LD_BIND_NOW, so that no call order enters) is the loader line of check's first
    /// error, word for word: which library, version or symbol the loader stops at depends on
    /// the load order, the version checks and the order it relocates the objects in, and the
    /// errno after "cannot open shared object file" on the process's whole history of failed
    /// opens (`LoaderErrno`).
    @Test("the loader's first error is check's first error, word for word",
          .enabled(if: RealLoader.canRunRoots && !FixtureRoot.allGenerated.isEmpty, unavailable), arguments: roots)
    func firstErrorMatches(_ fixture: FixtureRoot) throws {
        try Self.expectFirstErrorMatches(fixture)
    }

    static func expectFirstErrorMatches(_ fixture: FixtureRoot) throws {
        let program = try #require(fixture.program)
        let bound = FixtureRoot(name: fixture.name, rootPath: fixture.rootPath,
                                environment: fixture.environment.merging(["LD_BIND_NOW": "1"]) { $1 }, program: program)
        let real = RealLoader.run(bound, argv0: program)
        // (the binding warnings are compared on their own below)
        let bindingWarnings = ["non-copyable protected symbol", "may break pointer equality", "for IFUNC symbol `",
                               "has different size in shared object"]
        let warnings = ["cannot be preloaded", "no version information available", "weak version `"] + bindingWarnings
        let lines = real.stderr.split(separator: "\n").map(String.init)
        let fatal = lines.first { line in !warnings.contains { line.contains($0) } }
        let (_, report) = try Self.check(bound)
        let errors = report.findings.filter { $0.severity == "error" && !$0.summary.hasPrefix("once the other fixes are made") }
        let first = errors.first
        func firstLine(_ finding: Report.Finding?) -> String? { finding?.loaderMessage?.split(separator: "\n").first.map(String.init) }
        let predicted = firstLine(first)
        if first?.failsAtFirstCall == true {
            // LD_BIND_NOW did not apply (glibc 2.39 and later ignore it in secure-execution
            // mode): the lookups check names wait for their calls, and which fails first is
            // the program's call order, which no reading of its files tells. The loader's
            // line must be one of those lookups' (g0_f() + g1_f(): either may be called first).
            let lazy = errors.filter(\.failsAtFirstCall).compactMap(firstLine)
            #expect(fatal.map(lazy.contains) == true,
                    "\(fixture.name) \(Self.recipe(fixture))\nreal: \(real)\ncheck's lazy errors: \(lazy)")
        } else {
            #expect(fatal == predicted,
                    "\(fixture.name) \(Self.recipe(fixture))\nreal: \(real)\ncheck's first error: \(first?.id ?? "none") \(predicted ?? "")")
        }
        // No fatal line: every warning the loader printed about a binding (a protected
        // definition copied, an IFUNC of an object not yet relocated, a copied variable that
        // changed size) is one check predicts; all of them when check says the program
        // starts. Where check's first error is a silent death (a SIGSEGV while relocating a
        // library, LD010), the loader dies wherever it meets it: a warning from the
        // program's relocations, which come last, is then never printed (seed 66, root 35).
        if fatal == nil {
            let printed = Set(lines.filter { line in bindingWarnings.contains { line.contains($0) } })
            let foreseen = Set(report.findings.filter { ["protected-direct-reference", "ifunc-not-relocated", "copy-size-mismatch"].contains($0.rule) }
                .flatMap { $0.loaderMessage?.split(separator: "\n").map(String.init) ?? [] })
            if first == nil {
                #expect(printed == foreseen, "\(fixture.name) \(Self.recipe(fixture))\nreal: \(real)")
            } else {
                #expect(printed.isSubset(of: foreseen), "\(fixture.name) \(Self.recipe(fixture))\nreal: \(real)\ncheck's first error: \(first?.id ?? "")")
            }
        }
    }

    /// The symbol rules the roots are there to meet, met at least once: otherwise a change
    /// to the generator could leave them untested while every comparison still passed.
    /// Judged on the roots `make test` builds (seed 1): another seed's 90 roots may miss a
    /// rare flavour without anything being wrong.
    @Test("the roots make ldd -r report a copy relocation, a TLS and an unversioned reference undefined, and hold every flavour",
          .enabled(if: RealLoader.canRunRoots && !FixtureRoot.allGenerated.isEmpty, unavailable),
          .enabled(if: defaultSeed, "the roots are not make test's (GENERATED_SEED=1): coverage is judged on those"))
    func rootsCoverTheSymbolRules() throws {
        var undefined: Set<String> = []
        var recipes = ""
        for fixture in Self.roots {
            undefined.formUnion(Self.trace(fixture).undefined)
            recipes += Self.recipe(fixture)
        }
        // the program's g1_data is a copy relocation, its g0_tls an initial-exec TLS one
        #expect(undefined.contains("/app/bin/prog|g1_data|G1_2"), "no root left a copy relocation unresolved")
        #expect(undefined.contains("/app/bin/prog|g0_tls|G0_2"), "no root left a TLS relocation unresolved")
        // a library linked against unversioned builds, meeting a copy that has the symbol
        // only at a hidden version
        #expect(undefined.contains { $0.hasPrefix("/") && !$0.hasPrefix("/app/bin/") && $0.hasSuffix("_f|") },
                "no library's unversioned reference was left unresolved")
        for flavour in ["sysv", "both", "weak", "ifunc", "protected", "hiddenver", "twover", "unvref", "newer", "local",
                        "section", "value0", "hiddenvis", "nodata", "notls", "unversioned-libc",
                        "filter", "auxiliary", "auxabsent", "filtermiss", "protdata", "protindirect",
                        "relasz", "relaent", "nosymtab"] {
            #expect(recipes.contains("is flavour \(flavour))"), "no root has a copy of flavour \(flavour)")
        }
        #expect(recipes.contains("(unversioned references)"), "no root's program has unversioned references")
    }

    @Test("healthy means the program starts; a plan applied makes it start (a partial one leaves only the person's findings); undo puts the root back",
          .enabled(if: RealLoader.canRunRoots && !FixtureRoot.allGenerated.isEmpty, unavailable), arguments: roots)
    func verdictAndPlanHold(_ fixture: FixtureRoot) throws {
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: root).deletingLastPathComponent().path) }
        try Self.expectVerdictAndPlanHold(fixture, copiedTo: root, comparingWithLddR: true)
    }

    /// The same roots with the program made set-group-ID (group 65534) and started by root:
    /// secure-execution mode, in which the loader ignores LD_LIBRARY_PATH and refuses
    /// `$ORIGIN` outside the system directories for the program's own paths. `ldd -r` never
    /// runs in that mode, so the program's run alone judges: its first error, whether it
    /// starts, and whether the plan applied makes it start.
    @Test("set-group-ID: the loader's first error in secure-execution mode is check's, and a plan applied makes the program start",
          .enabled(if: !FixtureRoot.allGenerated.isEmpty, unavailable), .enabled(if: RealLoader.setIDTakesEffect, RealLoader.setIDUnavailableReason),
          arguments: roots)
    func secureExecutionHolds(_ fixture: FixtureRoot) throws {
        let root = try DoctorEndToEndTests.scratchCopy(fixture, under: RealLoader.setIDScratch)
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: root).deletingLastPathComponent().path) }
        let program = try #require(fixture.program)
        let setgid = Command.run("/bin/sh", ["-ec", "test ! -L \"$0\" && chgrp 65534 \"$0\" && chmod 2755 \"$0\"", root + program])
        try #require(setgid.status == 0, "\(setgid.stderr)")
        let copy = FixtureRoot(name: fixture.name, rootPath: root, environment: fixture.environment, program: program)
        try Self.expectFirstErrorMatches(copy)
        try Self.expectVerdictAndPlanHold(copy, copiedTo: root, comparingWithLddR: false)
    }

    /// glibc 2.35's relocation order (a depth-first sort) and the old one the tunable
    /// `glibc.rtld.dynamic_sort=1` selects decide which failed lookup comes first; in
    /// secure-execution mode the tunable is ignored (its security level erases it).
    @Test("GLIBC_TUNABLES=glibc.rtld.dynamic_sort=1: the first error is check's",
          .enabled(if: RealLoader.canRunRoots && !FixtureRoot.allGenerated.isEmpty, unavailable), arguments: roots)
    func dynamicSortTunable(_ fixture: FixtureRoot) throws {
        let program = try #require(fixture.program)
        let environment = fixture.environment.merging(["GLIBC_TUNABLES": "glibc.rtld.dynamic_sort=1"]) { $1 }
        try Self.expectFirstErrorMatches(FixtureRoot(name: fixture.name, rootPath: fixture.rootPath, environment: environment, program: program))
    }

    @Test("GLIBC_TUNABLES=glibc.rtld.dynamic_sort=1, set-group-ID: ignored, the first error is check's",
          .enabled(if: !FixtureRoot.allGenerated.isEmpty, unavailable), .enabled(if: RealLoader.setIDTakesEffect, RealLoader.setIDUnavailableReason),
          arguments: roots)
    func dynamicSortTunableIgnoredWhenSecure(_ fixture: FixtureRoot) throws {
        let program = try #require(fixture.program)
        let environment = fixture.environment.merging(["GLIBC_TUNABLES": "glibc.rtld.dynamic_sort=1"]) { $1 }
        let root = try DoctorEndToEndTests.scratchCopy(fixture, under: RealLoader.setIDScratch)
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: root).deletingLastPathComponent().path) }
        let setgid = Command.run("/bin/sh", ["-ec", "test ! -L \"$0\" && chgrp 65534 \"$0\" && chmod 2755 \"$0\"", root + program])
        try #require(setgid.status == 0, "\(setgid.stderr)")
        try Self.expectFirstErrorMatches(FixtureRoot(name: fixture.name, rootPath: root, environment: environment, program: program))
    }

    /// `fixture`'s check against its run in `root` (a scratch copy), then the plan applied
    /// and undone; `comparingWithLddR`: a partial plan's result is also compared with `ldd -r`.
    static func expectVerdictAndPlanHold(_ fixture: FixtureRoot, copiedTo root: String, comparingWithLddR: Bool) throws {
        let copy = FixtureRoot(name: fixture.name, rootPath: root, environment: fixture.environment, program: fixture.program)
        let (status, report) = try Self.check(copy)
        let before = RealLoader.run(copy, extraEnvironment: ["LD_BIND_NOW": "1"])
        let started = before.status == 0 && before.stdout.contains("started")
        let errors = report.findings.filter { $0.severity == "error" }.map(\.id)
        // The program starts exactly when check finds no error.
        #expect(started == errors.isEmpty, "\(fixture.name) \(Self.recipe(fixture))\nreal: \(before)\ncheck: exit \(status), errors \(errors)")
        #expect((status == 0) == (report.status == "healthy"))
        guard status == 1 || (status == 2 && !report.plan.isEmpty) else { return }
        let snapshot = try TreeSnapshot(root: root)
        let environment = fixture.environmentArguments
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root] + environment + [fixture.program ?? ""])
        let corrected = FixtureRoot(name: fixture.name, rootPath: root, environment: report.correctedEnvironment, program: fixture.program)
        // From outside the root the plan's ldconfig is the host's (`ldconfig -r`); where that
        // one links or caches otherwise than the root's own (a 2.36 host enters `x86_64/`, a
        // 2.41 root's does not), check promises what the worse of the two leaves, and the
        // host's may then do more than promised: the program starts.
        let ldconfigsDiffer = report.plan.contains { $0.kind == "ldconfig" } && !Self.hostLdconfigBehavesAsRoots(root)
        let didMore = status == 2 && apply.status == 0 && ldconfigsDiffer
            && RealLoader.run(corrected, extraEnvironment: ["LD_BIND_NOW": "1"]).stdout.contains("started")
        #expect(apply.status == (status == 1 ? 0 : 2) || didMore, "\(fixture.name): fix --apply exit \(apply.status): \(apply.stdout)\(apply.stderr)")
        let (again, recheck) = try Self.check(corrected)
        if status == 1 || didMore {
            // exactly the corrected environment: a variable the plan unsets is gone
            let after = RealLoader.run(corrected, extraEnvironment: ["LD_BIND_NOW": "1"])
            #expect(after.status == 0 && after.stdout.contains("started"),
                    "\(fixture.name) \(Self.recipe(fixture))\nafter fix --apply, with \(report.correctedEnvironment): \(after)\n\(apply.stdout)")
            #expect(again == 0, "\(fixture.name): check after fix --apply exit \(again)")
        } else {
            // A partial plan leaves exactly the person's findings (those check said need a
            // person, or foresaw behind the others), and the real loader still agrees.
            let foreseen = Set(report.findings.filter { !$0.fixable || $0.summary.hasPrefix("once the other fixes are made") }
                .map { "\($0.id) \($0.library ?? "")" })
            let left = Set(recheck.findings.filter { $0.severity == "error" && !$0.summary.hasPrefix("once the other fixes are made") }
                .map { "\($0.id) \($0.library ?? "")" })
            #expect(left.isSubset(of: foreseen), "\(fixture.name) \(Self.recipe(fixture))\nleft after the partial plan: \(left.subtracting(foreseen).sorted())\n\(apply.stdout)")
            #expect(again == 2 || again == 0, "\(fixture.name): check after the partial plan exit \(again)")
            if comparingWithLddR {
                let real = Self.trace(corrected)
                let model = Self.predicted(recheck)
                #expect(Self.diedMapping(real, recheck, fixture) || model.loaded == real.loaded && model.missing == real.missing,
                        "\(fixture.name) after the partial plan\nldd -r: \(real)\ncheck:  \(model)")
            }
        }
        let undo = Command.ofdoctor(["undo", "--root", root])
        #expect(undo.status == 0, "\(fixture.name): undo exit \(undo.status): \(undo.stderr)")
        let restored = try TreeSnapshot(root: root)
        #expect(restored == snapshot, "\(fixture.name): undo left the root changed")
    }

    /// Whether the host's ldconfig, which `fix --apply --root` runs, scans, links and caches
    /// as the root's own glibc's does.
    static func hostLdconfigBehavesAsRoots(_ root: String) -> Bool {
        guard let host = GlibcVersion.host(), let view = try? RootView(LocalRoot(directory: root)),
              let own = GlibcVersion.read(root: view)?.version else { return true }
        return LdconfigModel.behavesAlike(host, own)
    }

    static func recipe(_ fixture: FixtureRoot) -> String {
        let directory = URL(fileURLWithPath: fixture.rootPath).deletingLastPathComponent().path
        return (try? String(contentsOfFile: directory + "/recipe", encoding: .utf8)) ?? ""
    }
}

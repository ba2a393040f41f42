import Foundation
import Testing

/// A set-user-ID or set-group-ID program that changes who runs it starts in secure-execution
/// mode (AT_SECURE), where the loader ignores LD_LIBRARY_PATH, preloads only set-user-ID
/// libraries by bare name, and restricts `$ORIGIN`. `ldd` and `ld.so --list` never run in
/// that mode (they start the loader themselves), so the only oracle is the program itself:
/// each case runs it as root inside a copy of a rule root and compares what it did — the
/// copy of libleaf.so.1 it printed, or the loader's message — with `check --root`.
@Suite("Secure-execution mode: set-ID programs as the real loader starts them", .serialized)
struct SecureExecutionTests {
    /// One set-up of a rule root: mode and group changes, then the program's environment.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var rule: String
        /// Shell lines run in the copied root (`$R`), e.g. `chgrp 65534 app/bin/prog`.
        var setup: String
        var environment: [String: String]
        /// LD029 expected (the loader left something out because of the mode).
        var ignores: Bool
        /// The kernel starts it in secure-execution mode (JSON `secureExecution` is set).
        var secure = true
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "set-group-ID, RPATH $ORIGIN/../lib outside the system directories: the decoy in /usr/lib loads",
             rule: "origin", setup: "chgrp 65534 app/bin/prog; chmod 2755 app/bin/prog", environment: [:], ignores: true),
        Case(name: "set-group-ID of root's own group: no secure mode, $ORIGIN/../lib as usual",
             rule: "origin", setup: "chgrp 0 app/bin/prog; chmod 2755 app/bin/prog", environment: [:], ignores: false, secure: false),
        Case(name: "set-user-ID root, started by root: no secure mode",
             rule: "origin", setup: "chown 0:0 app/bin/prog; chmod 4755 app/bin/prog", environment: [:], ignores: false, secure: false),
        Case(name: "set-group-ID without group execute (mandatory locking): no secure mode",
             rule: "origin", setup: "chgrp 65534 app/bin/prog; chmod 2705 app/bin/prog", environment: [:], ignores: false, secure: false),
        Case(name: "set-user-ID of another user, program moved into a subdirectory of /usr/lib: $ORIGIN/../lib is trusted",
             rule: "origin",
             setup: "mkdir -p usr/lib/app/bin usr/lib/app/lib; mv app/lib/libleaf.so.1 usr/lib/app/lib/; mv app/bin/prog usr/lib/app/bin/; rm usr/lib/libleaf.so.1; ln -sf /usr/lib/app/bin/prog usr/bin/prog; chown 65534 usr/lib/app/bin/prog; chmod 4755 usr/lib/app/bin/prog",
             environment: [:], ignores: false),
        Case(name: "set-group-ID, a library's RUNPATH $ORIGIN first in its element: kept (only the program's own must be trusted)",
             rule: "runpath-not-inherited", setup: "patchelf --set-rpath '$ORIGIN' app/lib/libmid.so.1; chgrp 65534 app/bin/prog; chmod 2755 app/bin/prog",
             environment: [:], ignores: false),
        Case(name: "set-group-ID, a library's RUNPATH with $ORIGIN inside its element: dropped, the library is missing",
             rule: "runpath-not-inherited", setup: "patchelf --set-rpath '/app/../$ORIGIN' app/lib/libmid.so.1; chgrp 65534 app/bin/prog; chmod 2755 app/bin/prog",
             environment: [:], ignores: true),
        Case(name: "the same, not set-ID: the element is kept and the library found",
             rule: "runpath-not-inherited", setup: "patchelf --set-rpath '/app/../$ORIGIN' app/lib/libmid.so.1",
             environment: [:], ignores: false, secure: false),
        Case(name: "set-group-ID, LD_LIBRARY_PATH shadows the RPATH copy: ignored, the RPATH's copy loads",
             rule: "llp-before-runpath", setup: "chgrp 65534 app/bin/prog; chmod 2755 app/bin/prog", environment: [:], ignores: true),
        Case(name: "set-group-ID, LD_PRELOAD with a slash: ignored without a word",
             rule: "preload", setup: "chgrp 65534 app/bin/prog; chmod 2755 app/bin/prog", environment: [:], ignores: true),
        Case(name: "set-group-ID, LD_PRELOAD by bare name, not set-user-ID: the loader refuses it",
             rule: "preload", setup: "chgrp 65534 app/bin/prog; chmod 2755 app/bin/prog",
             environment: ["LD_PRELOAD": "libpreload.so"], ignores: false),
        Case(name: "set-group-ID, LD_PRELOAD by bare name, set-user-ID in the RPATH directory: preloaded",
             rule: "preload", setup: "chgrp 65534 app/bin/prog; chmod 2755 app/bin/prog; chmod 4755 app/lib/libpreload.so",
             environment: ["LD_PRELOAD": "libpreload.so"], ignores: false),
        Case(name: "set-group-ID, LD_PRELOAD by bare name of a PIE, which mapping refuses: not set-user-ID, so passed over first",
             rule: "preload-pie", setup: "chgrp 65534 app/bin/prog; chmod 2755 app/bin/prog",
             environment: ["LD_PRELOAD": "shim.so"], ignores: false),
        Case(name: "set-group-ID, /etc/ld.so.preload's bare names need the set-user-ID bit too",
             rule: "preload-file", setup: "chgrp 65534 app/bin/prog; chmod 2755 app/bin/prog", environment: [:], ignores: true),
    ]

    static var available: Bool { RealLoader.setIDTakesEffect && FixtureRoot.rule("origin") != nil }

    /// The rule roots with this machine's glibc, and again with glibc 2.41's loader and
    /// libc (`make rules-trixie`) when they are built.
    static let ruleSets = ["rules", "rules-trixie"].filter { FileManager.default.fileExists(atPath: FixtureRoot.directory + "/" + $0 + "/origin") }

    @Test("check predicts what the set-ID program loads, or the loader's message", .enabled(if: available, RealLoader.setIDUnavailableReason),
          arguments: cases, ruleSets)
    func matchesTheRun(_ item: Case, _ set: String) throws {
        let fixture = try #require(FixtureRoot.load(name: item.rule, from: FixtureRoot.directory + "/" + set + "/" + item.rule))
        let root = try DoctorEndToEndTests.scratchCopy(fixture, under: RealLoader.setIDScratch)
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: root).deletingLastPathComponent().path) }
        let setup = Command.run("/bin/sh", ["-ec", "cd \"$0\"\n" + item.setup, root], environment: ["PATH": "/usr/bin:/bin"])
        try #require(setup.status == 0, "\(setup.stderr)")
        let program = fixture.program ?? "/app/bin/prog"
        let environment = fixture.environment.merging(item.environment) { $1 }

        let run = RealLoader.run(root: root, program: program, argv0: program, environment: environment)
        let arguments = environment.sorted { $0.key < $1.key }.flatMap { ["--env", "\($0.key)=\($0.value)"] }
        let check = Command.ofdoctor(["tree", "--root", root, "--format", "json"] + arguments + [program])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check.stdout)\(check.stderr)")
        let findings = try #require(json["findings"] as? [[String: Any]])
        let ids = findings.compactMap { $0["id"] as? String }
        let messages = findings.compactMap { $0["loaderMessage"] as? String }

        if run.status == 0 {
            #expect(check.status == 0, "the program started; check: \(check.stdout)")
            // The copy the program printed is the file check says it loads.
            let printed = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("leaf from: ") }).dropFirst("leaf from: ".count)
            let objects = try #require(json["objects"] as? [[String: Any]])
            let leafProvider = objects.first { ($0["path"] as? String ?? "").hasSuffix("/libleaf.so.1") }
                .flatMap { $0["realPath"] as? String }
            let preloaded = objects.contains { ($0["path"] as? String ?? "").hasSuffix("/libpreload.so") }
            if printed == "LD_PRELOAD" {
                #expect(preloaded, "the run took leaf() from the preload; check does not load it: \(check.stdout)")
            } else {
                #expect(!preloaded, "check preloads what the run did not")
                let path = try #require(leafProvider, "check loads no libleaf.so.1")
                let bytes = try Data(contentsOf: URL(fileURLWithPath: root + path))
                #expect(bytes.range(of: Data(printed.utf8)) != nil, "the run printed \(printed); check loads \(path)")
            }
        } else {
            #expect(check.status != 0, "the run failed (\(run)); check says it starts")
        }
        // Every line the loader printed on stderr is a finding's message (LD013's, or the fatal one).
        for line in run.stderr.split(separator: "\n") where line.contains("ld.so") || line.contains("error while loading") {
            #expect(messages.contains(String(line)), "the loader printed \(line); check: \(messages)")
        }
        #expect(ids.contains("LD029") == item.ignores, "\(ids): \(check.stdout)")
        #expect((json["secureExecution"] as? String != nil) == item.secure, "\(json["secureExecution"] ?? "null")")
    }

    /// An image whose config sets `User` starts its processes as that user (`docker run`,
    /// `docker exec`): a set-user-ID root program is then in secure mode, which it is not
    /// for root. The config is given as `docker inspect` writes it (`--env-from`); the
    /// program is run as the user the runtime would pick (a name through the root's
    /// /etc/passwd, its group too unless one is named).
    @Test("the image config's User (or --user) starts a set-user-ID program in secure mode: check follows it",
          .enabled(if: available, RealLoader.setIDUnavailableReason),
          arguments: [("1000", "1000:1000"), ("2000", "2000:0"), ("app", "1000:1000"), ("app:staff", "1000:50"), ("0", "0:0")])
    func imageUser(_ user: String, _ runAs: String) throws {
        let fixture = try #require(FixtureRoot.rule("origin"))
        let root = try DoctorEndToEndTests.scratchCopy(fixture, under: RealLoader.setIDScratch)
        let dir = URL(fileURLWithPath: root).deletingLastPathComponent().path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let setup = Command.run("/bin/sh", ["-ec", """
            cd "$0"
            chown 0:0 app/bin/prog; chmod 4755 app/bin/prog
            echo 'app:x:1000:1000::/:/bin/sh' >> etc/passwd
            echo 'staff:x:50:' >> etc/group
            """, root], environment: ["PATH": "/usr/bin:/bin"])
        try #require(setup.status == 0, "\(setup.stderr)")
        let config = dir + "/inspect.json"
        try Data(#"[{"Config": {"Env": ["PATH=/usr/bin:/bin"], "User": "\#(user)"}}]"#.utf8).write(to: URL(fileURLWithPath: config))
        let program = fixture.program ?? "/usr/bin/prog"

        let run = RealLoader.run(root: root, program: program, argv0: program, environment: [:], user: runAs)
        #expect(run.status == 0, "\(run)")
        let printed = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("leaf from: ") }).dropFirst("leaf from: ".count)
        let check = Command.ofdoctor(["tree", "--root", root, "--env-from", config, "--format", "json", program])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check.stdout)\(check.stderr)")
        let objects = try #require(json["objects"] as? [[String: Any]])
        let path = try #require(objects.first { ($0["path"] as? String ?? "").hasSuffix("/libleaf.so.1") }?["realPath"] as? String)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: root + path))
        #expect(bytes.range(of: Data(printed.utf8)) != nil, "run as \(runAs), the program printed \(printed); check loads \(path)")
        #expect((json["secureExecution"] as? String)?.contains("started by uid \(runAs.split(separator: ":")[0]) (gid \(runAs.split(separator: ":")[1]))") ?? (runAs == "0:0"),
                "\(json["secureExecution"] ?? "null")")
        // `--user` (as `docker exec -u`) says the same as the config's User.
        let asked = Command.ofdoctor(["tree", "--root", root, "--user", user, "--format", "json", program])
        let askedJSON = try #require(try JSONSerialization.jsonObject(with: Data(asked.stdout.utf8)) as? [String: Any], "\(asked.stdout)\(asked.stderr)")
        #expect(askedJSON["secureExecution"] as? String == json["secureExecution"] as? String)
        #expect((askedJSON["objects"] as? [[String: Any]])?.compactMap { $0["realPath"] as? String } == objects.compactMap { $0["realPath"] as? String })
    }

    /// A copy of the rule root llp-before-runpath in which only LD_LIBRARY_PATH's directory
    /// keeps libleaf.so.1 (the program's own RUNPATH copy goes), its program made set-ID by
    /// `setID` (shell lines, PROG for the program's path); the fixture, the copy's root, the
    /// program and LD_LIBRARY_PATH.
    static func libraryOnlyOnLibraryPath(setID: String) throws -> (FixtureRoot, String, String, String) {
        let fixture = try #require(FixtureRoot.rule("llp-before-runpath"))
        let root = try DoctorEndToEndTests.scratchCopy(fixture, under: RealLoader.setIDScratch)
        let program = fixture.program ?? "/app/bin/prog"
        let llp = try #require(fixture.environment["LD_LIBRARY_PATH"])
        let setup = Command.run("/bin/sh", ["-ec", """
            cd "$0"
            for f in $(find . -name libleaf.so.1); do case "$f" in ./\(llp.dropFirst())/*) ;; *) rm "$f" ;; esac; done
            \(setID.replacingOccurrences(of: "PROG", with: "." + program))
            """, root], environment: ["PATH": "/usr/bin:/bin"])
        try #require(setup.status == 0, "\(setup.stderr)")
        return (fixture, root, program, llp)
    }

    /// `verify` runs the program as the check judged it: as `--user`. A set-user-ID root
    /// program whose library only LD_LIBRARY_PATH reaches starts for root and fails for
    /// uid 1000, and verify says each, agreeing with check both times.
    @Test("verify --user runs the set-user-ID program as that user: its failure is the one check predicted",
          .enabled(if: available, RealLoader.setIDUnavailableReason))
    func verifyRunsAsTheUser() throws {
        let (_, root, program, llp) = try Self.libraryOnlyOnLibraryPath(setID: "chown 0:0 PROG; chmod 4755 PROG")
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: root).deletingLastPathComponent().path) }
        let arguments = ["--root", root, "--env", "LD_LIBRARY_PATH=\(llp)"]
        let asRoot = Command.ofdoctor(["verify"] + arguments + [program])
        #expect(asRoot.status == 0 && asRoot.stdout.contains("exit 0"), "\(asRoot.stdout)\(asRoot.stderr)")
        let asUser = Command.ofdoctor(["verify", "--user", "1000:1000"] + arguments + [program])
        #expect(asUser.status == 1, "\(asUser.stdout)\(asUser.stderr)")
        #expect(asUser.stdout.contains("libleaf.so.1: cannot open shared object file") && asUser.stdout.contains("The plan fixes it"),
                "\(asUser.stdout)")
        let check = Command.ofdoctor(["check", "--user", "1000:1000"] + arguments + [program])
        #expect(check.status == 1, "\(check.stdout)")
    }

    /// The plan for a set-ID program whose library only LD_LIBRARY_PATH reached: a file
    /// and ldconfig, never the environment; applied, the program starts in secure mode.
    @Test("a missing library of a set-group-ID program is planned with files, and the fix works in secure mode",
          .enabled(if: available, RealLoader.setIDUnavailableReason))
    func planReachesSecureProgram() throws {
        let (fixture, root, program, llp) = try Self.libraryOnlyOnLibraryPath(setID: "chgrp 65534 PROG; chmod 2755 PROG")
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: root).deletingLastPathComponent().path) }
        let before = RealLoader.run(root: root, program: program, argv0: "prog", environment: fixture.environment)
        #expect(before.status == 127 && before.stderr.contains("libleaf.so.1: cannot open shared object file"), "\(before)")
        let unprivileged = Command.run("/bin/sh", ["-ec", "chmod 0755 \"$0\"", root + program])
        #expect(unprivileged.status == 0)
        let plain = RealLoader.run(root: root, program: program, argv0: "prog", environment: fixture.environment)
        #expect(plain.status == 0, "without the set-group-ID bit LD_LIBRARY_PATH finds it: \(plain)")
        _ = Command.run("/bin/sh", ["-ec", "chmod 2755 \"$0\"", root + program])

        let arguments = fixture.environment.sorted { $0.key < $1.key }.flatMap { ["--env", "\($0.key)=\($0.value)"] }
        let plan = Command.ofdoctor(["fix", "--root", root, "--format", "json"] + arguments + [program])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any], "\(plan.stdout)\(plan.stderr)")
        let steps = try #require(json["plan"] as? [[String: Any]], "\(plan.stdout)")
        #expect(!steps.isEmpty)
        let findings = try #require(json["findings"] as? [[String: Any]])
        let missing = findings.first { $0["library"] as? String == "libleaf.so.1" }
        let explanation = (missing?["explanation"] as? String) ?? ""
        #expect(explanation.contains("LD_LIBRARY_PATH lists \(llp), which has it, but the loader ignores LD_LIBRARY_PATH"), "\(missing ?? [:])")
        let kinds = steps.compactMap { $0["kind"] as? String }
        #expect(kinds.contains("ldconfig") && !kinds.contains("env"), "a plan through the environment cannot reach it: \(kinds)")

        let apply = Command.ofdoctor(["fix", "--apply", "--root", root] + arguments + [program])
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        let after = RealLoader.run(root: root, program: program, argv0: "prog", environment: fixture.environment)
        #expect(after.status == 0 && after.stdout.contains("leaf from:"), "\(after)")
    }
}

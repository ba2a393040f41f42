import Foundation
import Testing

/// Audit interfaces (LD030): `LD_AUDIT`, the program's `DT_AUDIT` and `DT_DEPAUDIT`. The
/// real loaders of glibc 2.31 (bullseye), this machine's and 2.41 (trixie) are the judges:
/// the lines each prints for the interfaces it cannot open are the `loaderMessage`s of
/// check's LD030 notes, in order (2.31 reads neither tag); an auditor that redirects a
/// library makes a program start that check says will not, and one that refuses a library
/// makes a healthy one fail — both are why LD030 is a warning when the auditor is there.
/// `LD_AUDIT` reaches check from ofdoctor's own environment (no --env), as it reaches a
/// program started from the same shell.
@Suite("audit interfaces: what the loader prints for absent ones, and a warning for one it runs", .serialized)
struct AuditInterfaceTests {
    static let glibcRoots: [String] = ["/", "/var/cache/ofdoctor-bullseye", "/var/cache/ofdoctor-trixie"]
    static var canBuild: Bool { RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }

    /// A root under `parent` with `glibc`'s loader and libc, and (none of them using libc):
    /// `/app/prog` needing libfoo.so.1 from /app/lib (RPATH), with DT_AUDIT
    /// `/absent/a.so:/absent/b.so` and DT_DEPAUDIT `/absent/dep.so`; `/app/gone` needing
    /// libgone.so.1, which only /app/hidden has; auditors `/app/lib/libredirect.so`
    /// (la_objsearch sends libgone.so.1 to /app/hidden) and `/app/lib/librefuse.so` (refuses
    /// libfoo.so.1). Returns the work directory (the root is `WORK/root`).
    static func makeRoot(glibc: String, parent: String? = nil) throws -> String {
        let work = try ImageE2E.temporaryDirectory(under: parent)
        let script = #"""
            set -e; B=$1; W=$2; R=$W/root; L=$R/usr/lib/x86_64-linux-gnu
            mkdir -p "$L" "$R/usr/lib64" "$R/etc" "$R/proc" "$R/app/lib" "$R/app/hidden"
            ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"
            cp -L "$B/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$R/usr/lib64/ld-linux-x86-64.so.2"
            cp -L "$B/lib/x86_64-linux-gnu/libc.so.6" "$L/libc.so.6"
            cd "$W"
            echo 'int foo(void) { return 7; }' > foo.c
            gcc -shared -fPIC -nostdlib -o "$R/app/lib/libfoo.so.1" -Wl,-soname,libfoo.so.1 foo.c
            gcc -shared -fPIC -nostdlib -o "$R/app/hidden/libgone.so.1" -Wl,-soname,libgone.so.1 foo.c
            printf '%s\n' 'int foo(void);' \
              'void _start(void) { long s = foo(); __asm__ volatile ("syscall" :: "a"(60), "D"(s - 7)); for (;;) {} }' > prog.c
            gcc -nostdlib -fno-stack-protector -o "$R/app/prog" prog.c "$R/app/lib/libfoo.so.1" \
                -Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2 -Wl,-rpath,/app/lib \
                -Wl,--audit=/absent/a.so:/absent/b.so -Wl,--depaudit=/absent/dep.so
            gcc -nostdlib -fno-stack-protector -o "$R/app/gone" prog.c "$R/app/hidden/libgone.so.1" \
                -Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2
            cat > aud.c <<'EOF'
            typedef unsigned long uintptr_t;
            static int same(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return *a == *b; }
            unsigned int la_version(unsigned int version) { return version; }
            char *la_objsearch(const char *name, uintptr_t *cookie, unsigned int flag) {
            #ifdef REFUSE
              if (same(name, "libfoo.so.1")) return 0;
            #else
              if (same(name, "libgone.so.1")) return (char *)"/app/hidden/libgone.so.1";
            #endif
              return (char *)name;
            }
            EOF
            gcc -shared -fPIC -nostdlib -o "$R/app/lib/libredirect.so" aud.c
            gcc -shared -fPIC -nostdlib -DREFUSE -o "$R/app/lib/librefuse.so" aud.c
            gcc -static -O2 -o "$R/launch" "$3"
            """#
        let built = ImageE2E.run("/bin/bash", ["-c", script, "sh", glibc, work, FixtureRoot.scriptsDirectory + "/src/launch.c"])
        try #require(built.status == 0, "\(built.stderr)")
        return work
    }

    struct Report: Decodable {
        struct FindingJSON: Decodable {
            var id: String
            var severity: String
            var loaderMessage: String?
            var library: String?
        }
        var status: String
        var environment: [String: String]
        var findings: [FindingJSON]
    }

    static func check(_ root: String, _ program: String, environment: [String: String] = [:]) throws -> (Int32, Report) {
        let run = Command.ofdoctor(["check", "--root", root, "--format", "json", program], environment: environment)
        try #require(run.status != 3, "\(run.stderr)")
        return (run.status, try JSONDecoder().decode(Report.self, from: Data(run.stdout.utf8)))
    }

    static func errorLines(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("ERROR: ld.so:") }
    }

    static var haveDebianRoots: Bool {
        glibcRoots.allSatisfy { FileManager.default.fileExists(atPath: $0 + "/lib/x86_64-linux-gnu/libc.so.6") }
    }

    @Test("each interface the loader cannot open is an LD030 note with its line, in its order; 2.31 reads no DT_AUDIT",
          .enabled(if: canBuild && haveDebianRoots, "needs root (chroot in unshare -m), gcc, and the bullseye and trixie roots (make bullseye trixie)"),
          arguments: glibcRoots)
    func absentInterfaces(_ glibc: String) throws {
        let work = try Self.makeRoot(glibc: glibc)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        // A bare name is searched for: check names it and claims no line for it.
        let audit = "/absent/env.so::libbare.so"
        let real = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: ["LD_AUDIT": audit])
        #expect(real.status == 0, "\(real)")
        let (status, report) = try Self.check(root, "/app/prog", environment: ["LD_AUDIT": audit])
        #expect(status == 0 && report.status == "healthy")
        #expect(report.environment["LD_AUDIT"] == audit, "taken from ofdoctor's own environment")
        let audits = report.findings.filter { $0.id == "LD030" }
        let realLines = Self.errorLines(real.stderr)
        #expect(audits.compactMap(\.loaderMessage) == realLines.filter { !$0.contains("'libbare.so'") }, "\(real.stderr)")
        #expect(realLines.contains { $0.contains("'libbare.so'") })
        #expect(audits.map(\.library) == realLines.map { line in line.split(separator: "'").dropFirst().first.map(String.init) })
        #expect(audits.map(\.severity) == audits.map { $0.library == "libbare.so" ? "warning" : "info" })
        // Which glibc reads the tags is the loader's say, not a number written here.
        #expect(realLines.contains { $0.contains("/absent/dep.so") } == audits.contains { $0.library == "/absent/dep.so" })

        // Without the variable: only what the program names (nothing for 2.31).
        let plain = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:])
        let (_, plainReport) = try Self.check(root, "/app/prog")
        #expect(plainReport.findings.filter { $0.id == "LD030" }.compactMap(\.loaderMessage) == Self.errorLines(plain.stderr), "\(plain)")
    }

    @Test("an auditor that redirects a library starts what check says will not; one that refuses one stops what check says starts: LD030 warns of both",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"))
    func auditorsChangeWhatLoads() throws {
        let work = try Self.makeRoot(glibc: "/")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"

        let redirect = ["LD_AUDIT": "/app/lib/libredirect.so"]
        #expect(RealLoader.run(root: root, program: "/app/gone", argv0: "gone", environment: [:]).status == 127)
        let redirected = RealLoader.run(root: root, program: "/app/gone", argv0: "gone", environment: redirect)
        #expect(redirected.status == 0, "\(redirected)")
        let (status, report) = try Self.check(root, "/app/gone", environment: redirect)
        #expect(status != 0 && report.findings.map(\.id) == ["LD002", "LD030"], "\(report.findings)")
        #expect(report.findings.last?.severity == "warning" && report.findings.last?.library == "/app/lib/libredirect.so")

        let refuse = ["LD_AUDIT": "/app/lib/librefuse.so"]
        let refused = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: refuse)
        #expect(refused.status == 127 && refused.stderr.contains("error while loading shared libraries"), "\(refused)")
        let (healthy, refusedReport) = try Self.check(root, "/app/prog", environment: refuse)
        #expect(healthy == 0 && refusedReport.findings.contains { $0.id == "LD030" && $0.severity == "warning" })
        // verify runs it, sees the loader's failure, and names the auditor, not a miss of the model.
        let verify = Command.ofdoctor(["verify", "--root", root, "/app/prog"], environment: refuse)
        #expect(verify.status != 0 && verify.stdout.contains("LD030") && !verify.stdout.contains("please report"), "\(verify.stdout)")
    }

    @Test("verify in a root without /usr/bin/env (a distroless image) runs the program as check judged it",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"))
    func verifyWithoutEnvInRoot() throws {
        let work = try Self.makeRoot(glibc: "/")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        #expect(!FileManager.default.fileExists(atPath: root + "/usr/bin/env"))
        let real = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:])
        let verify = Command.ofdoctor(["verify", "--root", root, "/app/prog"])
        #expect(real.status == 0 && verify.status == 0 && verify.stdout.contains("→ exit 0: started"), "\(real) \(verify)")
    }

    @Test("secure-execution mode drops an LD_AUDIT path without a word: an LD030 note without a line",
          .enabled(if: RealLoader.setIDTakesEffect && canBuild, RealLoader.setIDUnavailableReason))
    func secureModeDropsPaths() throws {
        let work = try Self.makeRoot(glibc: "/", parent: RealLoader.setIDScratch)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        try #require(Command.run("/bin/sh", ["-ec", "chgrp 65534 \"$0\"; chmod 2755 \"$0\"", root + "/app/prog"]).status == 0)
        let audit = ["LD_AUDIT": "/absent/env.so"]
        let real = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: audit)
        #expect(real.status == 0 && Self.errorLines(real.stderr).isEmpty, "\(real)")
        let (status, report) = try Self.check(root, "/app/prog", environment: audit)
        #expect(status == 0)
        let notes = report.findings.filter { $0.id == "LD030" }
        // (the program's own DT_AUDIT paths are dropped the same way)
        #expect(!notes.isEmpty && notes.allSatisfy { $0.severity == "info" && $0.loaderMessage == nil }, "\(report.findings)")
        #expect(notes.first?.library == "/absent/env.so")
    }
}

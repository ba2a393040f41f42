import Foundation
import LoaderModel
import RootFS
import Testing

/// glibc 2.37 dropped the legacy hwcap subdirectories (`tls`, `x86_64`, `haswell`, …): its
/// loader no longer searches them and skips every ld.so.cache entry marked with their bits,
/// and its ldconfig neither enters them nor marks a directory of that name. An ldconfig of
/// 2.36 or older — this host's, as `ldconfig -r ROOT` — still marks them. The roots are made
/// from the trixie root's own ld.so, libc and ldconfig (glibc 2.41); its loader is the judge.
@Suite("Legacy hwcaps on a glibc 2.41 root", .serialized)
struct Glibc241LegacyHWCapsTests {
    static let trixie = "/var/cache/ofdoctor-trixie"
    static var isAvailable: Bool {
        RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: trixie + "/sbin/ldconfig")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc")
            && (GlibcVersion.host().map(LoaderPlatform.hasLegacyHWCaps) ?? false)
    }
    static let unavailable: Comment =
        "needs root, gcc, a host glibc of 2.36 or older (its ldconfig marks legacy entries) and the trixie root (bash scripts/debian-root.sh trixie)"

    /// A root with glibc 2.41 and `/app/prog` needing libfoo.so.1, which is only in
    /// /opt/l/x86_64 (listed in ld.so.conf.d), and libbar.so.1 in /opt/l/tls/ (under the
    /// listed /opt/l) for the ldconfig comparison; no cache yet. Neither object uses libc.
    static func makeRoot() throws -> String {
        let work = try ImageE2E.temporaryDirectory()
        let script = #"""
            set -e; B=$1; W=$2; R=$W/root; L=$R/usr/lib/x86_64-linux-gnu
            mkdir -p "$L" "$R/usr/lib64" "$R/usr/sbin" "$R/etc/ld.so.conf.d" "$R/proc" "$R/app" "$R/opt/l/x86_64" "$R/opt/l/tls"
            ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"; ln -s usr/sbin "$R/sbin"
            cp -a "$B/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$B/usr/lib/x86_64-linux-gnu/libc.so.6" "$L/"
            ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$R/usr/lib64/ld-linux-x86-64.so.2"
            cp "$B/sbin/ldconfig" "$R/usr/sbin/ldconfig"
            cp -a "$B/etc/ld.so.conf" "$R/etc/"
            printf '/opt/l\n/opt/l/x86_64\n' > "$R/etc/ld.so.conf.d/l.conf"
            cd "$W"
            echo 'int foo(void) { return 7; }' > foo.c
            echo 'int bar(void) { return 8; }' > bar.c
            printf '%s\n' 'int foo(void);' \
              'void _start(void) { long s = foo(); __asm__ volatile ("syscall" :: "a"(60), "D"(s - 7)); for (;;) {} }' > prog.c
            gcc -shared -fPIC -nostdlib -o libfoo.so.1 -Wl,-soname,libfoo.so.1 foo.c
            gcc -shared -fPIC -nostdlib -o "$R/opt/l/tls/libbar.so.1" -Wl,-soname,libbar.so.1 bar.c
            cp libfoo.so.1 "$R/opt/l/x86_64/libfoo.so.1"
            gcc -nostdlib -fno-stack-protector -o "$R/app/prog" prog.c ./libfoo.so.1 \
                -Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2
            gcc -static -O2 -o "$R/launch" "$3"
            """#
        let built = ImageE2E.run("/bin/bash", ["-c", script, "sh", trixie, work, FixtureRoot.scriptsDirectory + "/src/launch.c"])
        try #require(built.status == 0, "\(built.stderr)")
        return work
    }

    /// `body` on a new root (`makeRoot`'s), removed after.
    static func withRoot(_ body: (String) throws -> Void) throws {
        let work = try makeRoot()
        defer { try? FileManager.default.removeItem(atPath: work) }
        try body(work + "/root")
    }

    /// The root's own ldconfig (2.41, in the root) or this host's (`ldconfig -r`).
    static func ldconfig(_ root: String, own: Bool) throws {
        let run = own ? ImageE2E.run("/usr/sbin/chroot", [root, "/sbin/ldconfig"]) : ImageE2E.run("/sbin/ldconfig", ["-r", root])
        try #require(run.status == 0, "\(run.stderr)")
    }

    /// `fix --apply` from outside, the root's loader starts the program, `undo`.
    static func applyStartsUndo(_ root: String) {
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "/app/prog"])
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        let started = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:])
        #expect(started.status == 0, "\(started)\n\(apply.stdout)")
        let undo = Command.ofdoctor(["undo", "--root", root])
        #expect(undo.status == 0, "\(undo.stderr)")
    }

    static func cache(_ root: String) throws -> LdSoCache {
        try LdSoCache(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/etc/ld.so.cache"))))
    }

    static func entries(_ cache: LdSoCache) -> [String] {
        cache.entries.map { "\($0.key) \($0.value) \(String($0.hwcap, radix: 16))" }.sorted()
    }

    @Test("the ldconfig model writes what 2.41's ldconfig and 2.36's ldconfig -r write: legacy bits from 2.36 only",
          .enabled(if: isAvailable, unavailable))
    func ldconfigModelAgrees() throws { try Self.withRoot { root in
        let view = RootView(try LocalRoot(directory: root))
        try Self.ldconfig(root, own: true)
        let real241 = Self.entries(try Self.cache(root))
        #expect(real241.contains("libfoo.so.1 /opt/l/x86_64/libfoo.so.1 0"), "\(real241)")
        #expect(!real241.contains { $0.hasPrefix("libbar.so.1 ") }, "2.41's ldconfig entered tls/: \(real241)")
        #expect(Self.entries(LdconfigModel(root: view, glibc: GlibcVersion(2, 41)).cache) == real241)

        try Self.ldconfig(root, own: false)
        let real236 = Self.entries(try Self.cache(root))
        #expect(real236.contains("libfoo.so.1 /opt/l/x86_64/libfoo.so.1 2"), "\(real236)")
        #expect(real236.contains("libbar.so.1 /opt/l/tls/libbar.so.1 8000000000000000"), "\(real236)")
        #expect(Self.entries(LdconfigModel(root: view, glibc: GlibcVersion.host()).cache) == real236)
    } }

    @Test("an entry an older ldconfig marked x86_64 is skipped by 2.41's loader: check says LD005 and why; its plan, or the root's own ldconfig, makes it start",
          .enabled(if: isAvailable, unavailable))
    func skippedLegacyEntry() throws { try Self.withRoot { root in
        try Self.ldconfig(root, own: false)

        // The oracle: the root's loader does not find libfoo.so.1 through the marked entry.
        let real = RealLoader.list(root: root, program: "/app/prog", environment: [:])
        #expect(real.status != 0 && real.stderr.contains("libfoo.so.1: cannot open shared object file"), "\(real)")

        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "/app/prog"])
        #expect(check.status == 1, "\(check.stdout)\(check.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(findings.map { $0["id"] as? String } == ["LD005"], "\(check.stdout)")
        let summary = findings.first?["summary"] as? String ?? ""
        let remedy = findings.first?["remedy"] as? String ?? ""
        #expect(summary.contains("glibc 2.41's loader skips its ld.so.cache entry"), "\(summary)")
        #expect((findings.first?["explanation"] as? String ?? "").contains("legacy hwcap x86_64"))
        #expect(remedy.contains("chroot ROOT /sbin/ldconfig"), "\(remedy)")
        // This host's ldconfig -r would write the same entry again: the plan links the
        // library into the default directory, which it caches plainly; applied, it starts.
        let plan = json["plan"] as? [[String: Any]] ?? []
        #expect(plan.contains { $0["kind"] as? String == "symlink" && $0["target"] as? String == "/opt/l/x86_64/libfoo.so.1" },
                "\(check.stdout)")
        Self.applyStartsUndo(root)
        #expect(RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:]).status != 0)

        // As the remedy says: the root's own ldconfig, and the program starts.
        try Self.ldconfig(root, own: true)
        let started = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:])
        #expect(started.status == 0, "\(started)")
        let again = Command.ofdoctor(["check", "--root", root, "/app/prog"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
    } }

    @Test("from outside, a library in a directory named x86_64 is not listed in ld.so.conf.d (the host's ldconfig would mark it): the plan is proven and works",
          .enabled(if: isAvailable, unavailable))
    func planAvoidsMarkedDirectory() throws { try Self.withRoot { root in
        // Not configured: libfoo.so.1 is outside the search path, in /opt/l/x86_64 only.
        try FileManager.default.removeItem(atPath: root + "/etc/ld.so.conf.d/l.conf")
        try Self.ldconfig(root, own: true)

        let plan = Command.ofdoctor(["fix", "--root", root, "--format", "json", "/app/prog"])
        #expect(!plan.stdout.contains("/etc/ld.so.conf.d/ofdoctor.conf"), "\(plan.stdout)")
        Self.applyStartsUndo(root)
    } }
}

import Foundation
import LoaderModel
import RootFS
import Testing

/// glibc-hwcaps exist only from glibc 2.33 (elf/dl-hwcaps.c searches them, elf/ldconfig.c
/// scans and caches them). On a 2.31 root a library found only in
/// `…/glibc-hwcaps/x86-64-v2/` is not found at all, and ldconfig does not change that:
/// LD002 (library-not-found), never LD005 (stale cache, "run ldconfig"). The root is made
/// from the bullseye root's own ld.so, libc and ldconfig; the real 2.31 loader is the judge.
@Suite("glibc-hwcaps on a glibc 2.31 root", .serialized)
struct Glibc231HWCapsTests {
    static let bullseye = "/var/cache/ofdoctor-bullseye"
    static var isAvailable: Bool {
        RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: bullseye + "/sbin/ldconfig")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc")
    }

    /// A root with glibc 2.31 and `/app/prog` needing libfoo.so.1, which is only in
    /// `libraryDirectory`; the cache written by the root's own ldconfig. Neither object uses
    /// libc (the host's gcc links against glibc 2.36). Also `WORK/env`, empty.
    static func makeRoot(libraryDirectory: String = "/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v2") throws -> String {
        let work = try ImageE2E.temporaryDirectory()
        let script = #"""
            set -e; B=$1; W=$2; R=$W/root; L=$R/usr/lib/x86_64-linux-gnu; D=$R$4
            mkdir -p "$L" "$D" "$R/usr/lib64" "$R/usr/sbin" "$R/etc" "$R/proc" "$R/app"
            ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"; ln -s usr/sbin "$R/sbin"
            cp -a "$B/usr/lib/x86_64-linux-gnu/ld-2.31.so" "$B/usr/lib/x86_64-linux-gnu/libc-2.31.so" \
                  "$B/usr/lib/x86_64-linux-gnu/libc.so.6" "$L/"
            ln -s /lib/x86_64-linux-gnu/ld-2.31.so "$R/usr/lib64/ld-linux-x86-64.so.2"
            cp "$B/sbin/ldconfig" "$R/usr/sbin/ldconfig"
            cp -a "$B/etc/ld.so.conf" "$B/etc/ld.so.conf.d" "$R/etc/"
            cd "$W"
            echo 'int foo(void) { return 7; }' > foo.c
            printf '%s\n' 'int foo(void);' \
              'void _start(void) { long s = foo(); __asm__ volatile ("syscall" :: "a"(60), "D"(s - 7)); for (;;) {} }' > prog.c
            gcc -shared -fPIC -nostdlib -o libfoo.so.1 -Wl,-soname,libfoo.so.1 foo.c
            cp libfoo.so.1 "$D/libfoo.so.1"
            gcc -nostdlib -fno-stack-protector -o "$R/app/prog" prog.c ./libfoo.so.1 \
                -Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2
            gcc -static -O2 -o "$R/launch" "$3"
            chroot "$R" /sbin/ldconfig
            : > "$W/env"
            """#
        let built = ImageE2E.run("/bin/bash", ["-c", script, "sh", bullseye, work, FixtureRoot.scriptsDirectory + "/src/launch.c",
                                               libraryDirectory])
        try #require(built.status == 0, "\(built.stderr)")
        return work
    }

    @Test("the 2.31 loader does not find it, ldconfig does not help; check says LD002, not LD005",
          .enabled(if: isAvailable, "needs root, gcc and the bullseye root (bash scripts/debian-root.sh bullseye)"))
    func notFoundNotStale() throws {
        let work = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"

        // The oracle: the root's own loader, before and after the root's own ldconfig.
        let real = RealLoader.list(root: root, program: "/app/prog", environment: [:])
        #expect(real.stdout.contains("libfoo.so.1 => not found") || real.stderr.contains("libfoo.so.1: cannot open shared object file"), "\(real)")
        let cacheBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/etc/ld.so.cache")))
        let realCache = try LdSoCache(bytes: cacheBytes)
        #expect(realCache.lookup("libfoo.so.1", glibcHWCaps: ["x86-64-v2"]) == nil)
        #expect(realCache.glibcHWCapsNames.isEmpty)

        // The model of the root's ldconfig: same cache entries, no glibc-hwcaps directory.
        let view = RootView(try LocalRoot(directory: root))
        let model = LdconfigModel(root: view)
        #expect(model.cache.entries.map(\.key) == realCache.entries.map(\.key))
        #expect(model.cache.entries.map(\.value) == realCache.entries.map(\.value))
        #expect(!LdSoConf(root: view).directories.contains { $0.path.contains("glibc-hwcaps") })
        // With glibc 2.36's rules the same directory set does include it (the gate is the version).
        #expect(LdSoConf(root: view, glibc: GlibcVersion(2, 36)).directories.contains { $0.path.hasSuffix("glibc-hwcaps/x86-64-v2") })

        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "/app/prog"])
        let report = try JSONDecoder().decode(DoctorEndToEndTests.CheckJSON.self, from: Data(check.stdout.utf8))
        #expect(report.findings.map(\.id) == ["LD002"], "\(check.stdout)")
        #expect(report.findings.first?.rule == "library-not-found")
        #expect(!report.plan.contains { $0.kind == "ldconfig" }, "running ldconfig does not help on 2.31")
        #expect(check.status != 0 && check.status != 3, "\(check.stderr)")
    }
}

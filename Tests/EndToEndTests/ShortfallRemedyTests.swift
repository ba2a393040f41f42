import Foundation
import Testing

/// A version the found library lacks (LD003), or a versioned symbol (LD004), that no plan step
/// clears: the remedy says which release of glibc the program needs against the root's, or
/// names another copy of the library in the root that has them and what its directory first
/// on LD_LIBRARY_PATH would do, proven by re-resolving. The real loader judges both: it refuses
/// the program as it stands, and starts it (or fails as the remedy says) with that
/// environment. Roots built here.
@Suite("LD003 and LD004 remedies: the glibc release needed, or the copy that has what is missing", .serialized)
struct ShortfallRemedyTests {
    static var canBuild: Bool { RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }
    static let bullseye = "/var/cache/ofdoctor-bullseye"

    struct Report: Decodable {
        struct Finding: Decodable { var id: String; var remedy: String? }
        var status: String
        var findings: [Finding]
    }

    /// How the default directory's libfoo.so.1 falls short of the one /app/prog was linked
    /// with, which is in /opt/vendor/lib.
    enum Shortfall: String, CaseIterable, Sendable {
        /// It lacks the version FOO_2 (LD003).
        case version
        /// The same, and the vendor's copy needs a libbar.so.1 that is nowhere.
        case versionBrokenCopy
        /// It has FOO_1 but not foo2 in it (LD004, `undefined symbol: foo2, version FOO_1`).
        case symbol
    }

    static func makeRoot(_ shortfall: Shortfall) throws -> String {
        let work = try ImageE2E.temporaryDirectory()
        let script = #"""
            set -e; W=$1; R=$W/root
            """# + MinimalRoot.prelude + #"""
            cd "$W"; mkdir -p "$R/opt/vendor/lib"
            echo 'FOO_1 { global: foo1; local: *; };' > v1.map
            if [ "$2" = symbol ]; then
                echo 'FOO_1 { global: foo1; foo2; local: *; };' > v2.map
            else
                printf 'FOO_1 { global: foo1; local: *; };\nFOO_2 { global: foo2; } FOO_1;\n' > v2.map
            fi
            echo 'int foo1(void) { return 1; } int foo2(void) { return 2; }' > foo.c
            echo 'int bar(void) { return 0; }' > bar.c
            gcc -shared -fPIC -o libbar.so.1 -Wl,-soname,libbar.so.1 bar.c
            gcc -shared -fPIC -o "$L/libfoo.so.1" -Wl,-soname,libfoo.so.1 -Wl,--version-script=v1.map foo.c
            if [ "$2" = versionBrokenCopy ]; then extra="-Wl,--no-as-needed ./libbar.so.1"; else extra=; fi
            gcc -shared -fPIC -o "$R/opt/vendor/lib/libfoo.so.1" -Wl,-soname,libfoo.so.1 -Wl,--version-script=v2.map foo.c $extra
            echo 'int foo1(void); int foo2(void); int main(void) { return foo1() + foo2() - 3; }' > prog.c
            gcc -o "$R/app/prog" prog.c "$R/opt/vendor/lib/libfoo.so.1" -Wl,-rpath-link,"$W"
            gcc -static -O2 -o "$R/launch" "$3"
            chroot "$R" /sbin/ldconfig
            """#
        let built = ImageE2E.run("/bin/bash", ["-c", script, "sh", work, shortfall.rawValue,
                                               FixtureRoot.scriptsDirectory + "/src/launch.c"])
        try #require(built.status == 0, "\(built.stderr)")
        return work
    }

    @Test("a copy elsewhere has what the found one lacks: the remedy names it, and the real loader starts the program with its directory first, or fails as the remedy says",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"), arguments: Shortfall.allCases)
    func copyElsewhere(_ shortfall: Shortfall) throws {
        let work = try Self.makeRoot(shortfall)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        let refused = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:])
        let message = shortfall == .symbol ? "undefined symbol: foo2, version FOO_1" : "version `FOO_2' not found"
        #expect(refused.status != 0 && refused.stderr.contains(message), "\(refused)")

        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "/app/prog"])
        #expect(check.status == 2, "\(check.stdout)\(check.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8))
        let remedy = try #require(report.findings.first { $0.id == (shortfall == .symbol ? "LD004" : "LD003") }?.remedy, "\(check.stdout)")
        #expect(remedy.hasPrefix("/opt/vendor/lib/libfoo.so.1 defines it"), "\(remedy)")

        let with = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: ["LD_LIBRARY_PATH": "/opt/vendor/lib"])
        if shortfall == .versionBrokenCopy {
            #expect(remedy.contains("but with LD_LIBRARY_PATH=/opt/vendor/lib the loader fails otherwise (libbar.so.1 not found"), "\(remedy)")
            #expect(with.status == 127 && with.stderr.contains("libbar.so.1: cannot open shared object file"), "\(with)")
        } else {
            #expect(remedy.contains("with LD_LIBRARY_PATH=/opt/vendor/lib the loader takes that copy and this shortfall is gone"), "\(remedy)")
            #expect(with.status == 0, "\(with)")
        }
    }

    /// A program built on this machine (glibc 2.36: `__libc_start_main@GLIBC_2.34`) in a root
    /// with Debian 11's loader and libc (2.31).
    @Test("a program built for a newer glibc: the remedy names the release it needs and the root's",
          .enabled(if: canBuild && FileManager.default.fileExists(atPath: bullseye + "/lib/x86_64-linux-gnu/libc.so.6"),
                   "needs root, gcc and the Debian 11 root (scripts/debian-root.sh bullseye)"))
    func newerGlibc() throws {
        let work = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        let script = #"""
            set -e; W=$1; R=$W/root; B=$2
            """# + MinimalRoot.prelude + #"""
            cp -L "$B/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$R/usr/lib64/ld-linux-x86-64.so.2"
            cp -L "$B/lib/x86_64-linux-gnu/libc.so.6" "$L/libc.so.6"
            cp "$B/sbin/ldconfig" "$R/usr/sbin/ldconfig"
            echo 'int main(void) { return 0; }' > "$W/prog.c"
            gcc -o "$R/app/prog" "$W/prog.c"
            gcc -static -O2 -o "$R/launch" "$3"
            chroot "$R" /sbin/ldconfig
            """#
        let built = ImageE2E.run("/bin/bash", ["-c", script, "sh", work, Self.bullseye, FixtureRoot.scriptsDirectory + "/src/launch.c"])
        try #require(built.status == 0, "\(built.stderr)")

        let refused = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:])
        #expect(refused.status == 1 && refused.stderr.contains("version `GLIBC_2.34' not found"), "\(refused)")
        // The root's glibc, as its libc says when run.
        let banner = Command.run("/usr/sbin/chroot", [root, "/lib/x86_64-linux-gnu/libc.so.6"])
        #expect(banner.stdout.contains("release version 2.31"), "\(banner)")

        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "/app/prog"])
        #expect(check.status == 2, "\(check.stdout)\(check.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8))
        let remedy = try #require(report.findings.first { $0.id == "LD003" }?.remedy)
        #expect(remedy.hasPrefix("/app/prog needs glibc 2.34 or later (GLIBC_2.34), and this root's glibc is 2.31"), "\(remedy)")
        #expect(remedy.contains("manylinux_2_31"), "\(remedy)")
    }
}

import Foundation
import LoaderModel
import Testing

/// `GLIBC_TUNABLES=glibc.cpu.hwcaps=-FEATURE,…` takes x86-64 levels away from the loader:
/// their glibc-hwcaps subdirectories are not searched. The real loaders of this machine
/// (glibc 2.36) and of the trixie root (2.41) are the judges — `ld.so --help` names the levels
/// it supports, and a program whose library has a copy in `lib/`, in `glibc-hwcaps/x86-64-v2/`
/// and in `…/x86-64-v3/` exits with the number of the copy it got — and a set-group-ID copy of
/// the program shows the loader ignoring the tunable in secure-execution mode.
@Suite("GLIBC_TUNABLES' glibc.cpu.hwcaps: the levels it takes away, as the real loaders take them", .serialized)
struct HWCapsTunableTests {
    static let names = ["AVX", "AVX2", "BMI1", "BMI2", "F16C", "FMA", "LZCNT", "MOVBE", "XSAVE", "OSXSAVE", "CX16",
                        "LAHF64_SAHF64", "POPCNT", "SSE3", "SSE4_1", "SSE4_2", "SSSE3", "avx2", "NOSUCH"]
    static let combinations = ["glibc.cpu.hwcaps=-AVX2,-POPCNT", "glibc.cpu.hwcaps=-POPCNT:glibc.cpu.hwcaps=-AVX2",
                               "glibc.cpu.hwcaps=-AVX2:glibc.rtld.dynamic_sort=1", "glibc.cpu.hwcaps=AVX2", "glibc.cpu.hwcaps=-NOSUCH,-FMA"]

    static var loaders: [String] {
        ["/", "/var/cache/ofdoctor-trixie"].filter { FileManager.default.isExecutableFile(atPath: $0 + "/usr/bin/env") }
    }

    /// The glibc-hwcaps levels `ld.so --help` in `root` says are supported, best first.
    static func supportedLevels(root: String, tunables: String?) -> [String] {
        let env = tunables.map { ["GLIBC_TUNABLES=" + $0] } ?? []
        let help = Command.run("/usr/sbin/chroot", [root, "/usr/bin/env", "-i"] + env + ["/lib64/ld-linux-x86-64.so.2", "--help"],
                               environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        return help.stdout.split(separator: "\n").compactMap { line in
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("x86-64-v"), text.contains("(supported, searched)") else { return nil }
            return String(text.prefix { $0 != " " })
        }
    }

    @Test("the levels each feature taken away leaves, as ld.so --help of glibc 2.36 and 2.41 lists them",
          .enabled(if: getuid() == 0 && !loaders.isEmpty, "needs root (chroot) and a loader to ask"))
    func levelsAsTheLoaderLists() {
        for root in Self.loaders {
            let all = Self.supportedLevels(root: root, tunables: nil)
            #expect(!all.isEmpty || root != "/", "this machine's loader lists no level")
            for tunables in Self.names.map({ "glibc.cpu.hwcaps=-" + $0 }) + Self.combinations {
                let real = Self.supportedLevels(root: root, tunables: tunables)
                #expect(HWCapsTunable.apply(to: all, tunables: tunables) == real, "\(root) \(tunables): the loader supports \(real)")
            }
        }
    }

    /// A root with `source`'s loader and libc.so.6, /app/lib, the static /launch that sets argv[0],
    /// and what `script` adds (run in a scratch directory, with $R the root, $A /app/lib and $1…
    /// the `arguments`).
    static func makeRoot(parent: String? = nil, source: String = "/", script: String, arguments: [String] = []) throws -> String {
        let work = try ImageE2E.temporaryDirectory(under: parent)
        let preamble = #"""
            set -e; W=$1; S=$2; C=$3; shift 3; R=$W/root; L=$R/usr/lib/x86_64-linux-gnu; A=$R/app/lib
            mkdir -p "$L" "$R/usr/lib64" "$R/proc" "$A"
            ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"
            cp -L "$S/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$R/usr/lib64/ld-linux-x86-64.so.2"
            cp -L "$S/lib/x86_64-linux-gnu/libc.so.6" "$L/libc.so.6"
            gcc -static -O2 -o "$R/launch" "$C"
            cd "$W"
            printf '%s\n' 'int which(void);' 'void _start(void) { __asm__ volatile ("syscall" :: "a"(60), "D"(which())); for (;;) {} }' > p.c

            """#
        let built = ImageE2E.run("/bin/bash", ["-c", preamble + script, "sh", work, source, FixtureRoot.scriptsDirectory + "/src/launch.c"] + arguments)
        try #require(built.status == 0, "\(built.stderr)")
        return work
    }

    /// The program: `/app/prog` with `_start` exiting with `which()` of its libraries (`p.c`).
    static let linkProgram = #"""
        gcc -nostdlib -fno-stack-protector -o "$R/app/prog" p.c "$@" -Wl,-rpath,/app/lib -Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2

        """#

    /// `/app/prog` needs libw.so.1 from /app/lib (RUNPATH), which has a copy there (1), in
    /// glibc-hwcaps/x86-64-v2 (2) and x86-64-v3 (3); the program exits with the copy's number.
    static func makeRoot(parent: String? = nil) throws -> String {
        try makeRoot(parent: parent, script: #"""
            mkdir -p "$A/glibc-hwcaps/x86-64-v2" "$A/glibc-hwcaps/x86-64-v3"
            for n in 1 2 3; do echo "int which(void) { return $n; }" > w$n.c; done
            gcc -shared -fPIC -nostdlib -o "$A/libw.so.1" -Wl,-soname,libw.so.1 w1.c
            gcc -shared -fPIC -nostdlib -o "$A/glibc-hwcaps/x86-64-v2/libw.so.1" -Wl,-soname,libw.so.1 w2.c
            gcc -shared -fPIC -nostdlib -o "$A/glibc-hwcaps/x86-64-v3/libw.so.1" -Wl,-soname,libw.so.1 w3.c
            set -- "$A/libw.so.1"

            """# + linkProgram)
    }

    /// The copy check resolves libw.so.1 to, by number (1 lib/, 2 …-v2, 3 …-v3).
    static func checkedCopy(_ root: String, tunables: String) throws -> Int {
        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "/app/prog"], environment: ["GLIBC_TUNABLES": tunables])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check.stderr)")
        let paths = (report["objects"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        let path = try #require(paths.first { $0.hasSuffix("/libw.so.1") }, "\(paths)")
        return path.contains("x86-64-v3") ? 3 : path.contains("x86-64-v2") ? 2 : 1
    }

    static let tunableSettings = ["", "glibc.cpu.hwcaps=-AVX2", "glibc.cpu.hwcaps=-SSE4_2", "glibc.cpu.hwcaps=-SSE4_2:glibc.cpu.hwcaps=-FMA"]

    @Test("the copy the loader takes under each setting is the one check names (GLIBC_TUNABLES from ofdoctor's own environment)",
          .enabled(if: RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc"), "needs root (chroot in unshare -m) and gcc"))
    func copyTaken() throws {
        let work = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        var taken = Set<Int32>()
        for tunables in Self.tunableSettings {
            let real = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: ["GLIBC_TUNABLES": tunables])
            #expect((1...3).contains(real.status), "\(tunables): \(real)")
            taken.insert(real.status)
            #expect(try Self.checkedCopy(root, tunables: tunables) == Int(real.status), "\(tunables): the loader took copy \(real.status)")
        }
        #expect(taken.count > 1 || Self.supportedLevels(root: "/", tunables: nil).isEmpty, "the settings changed nothing on a CPU with levels")
    }

    /// The levels the CPU's own feature names take away, one per level (`levels` of `HWCapsTunable`).
    static let maskOfLevel = ["x86-64-v2": "SSE4_2", "x86-64-v3": "AVX2", "x86-64-v4": "AVX512F"]

    /// A root with `source`'s loader, where `/app/prog` needs `/app/lib/libisa.so.1`, whose
    /// note (`-Wl,-z,LEVEL`) needs `level`; the program exits 7 when it starts.
    static func makeISARoot(from source: String, level: String) throws -> String {
        try makeRoot(source: source, script: #"""
            echo 'int which(void) { return 7; }' > w.c
            gcc -shared -fPIC -nostdlib -o "$A/libisa.so.1" -Wl,-soname,libisa.so.1 -Wl,-z,"$1" w.c
            set -- "$A/libisa.so.1"

            """# + linkProgram, arguments: [level])
    }

    @Test("a library built for the CPU's best level starts whatever glibc.cpu.hwcaps masks, as the loaders of glibc 2.36 and 2.41 start it",
          .enabled(if: RealLoader.canRunRoots && !loaders.isEmpty && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc"),
                   "needs root (chroot in unshare -m), gcc and a loader"))
    func isaCheckIgnoresMask() throws {
        for source in Self.loaders {
            // The CPU's best level, as this loader lists it unmasked (none: nothing to mask).
            guard let best = Self.supportedLevels(root: source, tunables: nil).first, let feature = Self.maskOfLevel[best] else { continue }
            let work = try Self.makeISARoot(from: source, level: best)
            defer { try? FileManager.default.removeItem(atPath: work) }
            let root = work + "/root"
            for tunables in ["", "glibc.cpu.hwcaps=-" + feature, "glibc.cpu.hwcaps=-SSE4_2,-AVX2,-AVX512F"] {
                let real = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: ["GLIBC_TUNABLES": tunables])
                let starts = real.status == 7
                #expect(starts || real.stderr.contains("CPU ISA level is lower than required"), "\(source) \(tunables): \(real)")
                let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "/app/prog"], environment: ["GLIBC_TUNABLES": tunables])
                let report = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check.stderr)")
                let ids = (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                #expect(ids.contains("LD014") == !starts, "\(source) \(best) \(tunables): the loader \(starts ? "starts it" : "refuses it"); check says \(ids)")
            }
        }
    }

    @Test("a set-group-ID program: the loader ignores the tunable in secure-execution mode, and so does check",
          .enabled(if: RealLoader.setIDTakesEffect && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc"), RealLoader.setIDUnavailableReason))
    func ignoredInSecureMode() throws {
        let work = try Self.makeRoot(parent: RealLoader.setIDScratch)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        try #require(Command.run("/bin/sh", ["-ec", "chgrp 65534 \"$0\"; chmod 2755 \"$0\"", root + "/app/prog"]).status == 0)
        let plain = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:])
        for tunables in Self.tunableSettings {
            let real = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: ["GLIBC_TUNABLES": tunables])
            #expect(real.status == plain.status, "\(tunables): \(real)")
            #expect(try Self.checkedCopy(root, tunables: tunables) == Int(real.status), "\(tunables)")
        }
    }
}

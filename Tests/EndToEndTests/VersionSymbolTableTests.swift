import Foundation
import Testing

/// An object with version records (`DT_VERNEED`, `DT_VERDEF`) and no `DT_VERSYM`: the loader
/// checks its needs, then takes the address of a `DT_VERSYM` entry it never checked for and
/// dies of SIGSEGV (elf/dl-version.c), printing nothing. ofdoctor says so (LD024). Judged
/// by the real loaders of this machine and, where they are built, of the Debian 11 and 13
/// roots (glibc 2.31 and 2.41), in each root with /proc mounted.
@Suite("Version records without DT_VERSYM: the loader's SIGSEGV, against the real loaders", .serialized)
struct VersionSymbolTableTests {
    static var canBuild: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") && getuid() == 0 }

    /// A report's findings, as far as these tests read them.
    typealias Report = TruncatedLibraryTests.Report

    /// `libl.so.1` (puts@GLIBC_2.2.5: a version need) and `m`, which calls it through
    /// `$ORIGIN`; `libplain.so.1`, which has no version records at all, and `p`, which calls it.
    static func build() throws -> ScratchBuild {
        try ScratchBuild("versym", """
            printf '#include <stdio.h>\\nint hello(void) { return puts("hello") > 0; }\\n' > l.c
            printf 'int hello(void);\\nint main(void) { return !hello(); }\\n' > m.c
            gcc -shared -fPIC -o libl.so.1 -Wl,-soname,libl.so.1 l.c
            gcc -o m m.c libl.so.1 -Wl,-rpath,'$ORIGIN'
            printf 'int plain(void) { return 7; }\\n' > plain.c
            printf 'int plain(void);\\nint main(void) { return plain() != 7; }\\n' > p.c
            gcc -shared -fPIC -nostdlib -o libplain.so.1 -Wl,-soname,libplain.so.1 plain.c
            gcc -o p p.c libplain.so.1 -Wl,-rpath,'$ORIGIN'
            ./m > /dev/null && ./p
            """)
    }

    /// Rewrites every `DT_VERSYM` entry of `path`'s dynamic section as `DT_DEBUG` (which the
    /// loader ignores); false when it has none.
    static func dropVersionSymbolTable(_ path: String) throws -> Bool {
        try ProgramCutShortTests.rewriteDynamicEntries(path, tag: 0x6fff_fff0, newTag: 21)   // DT_VERSYM → DT_DEBUG
    }

    /// Runs `program` (a path inside `root`) there: directly for `/`, else chrooted in a
    /// private mount namespace with /proc mounted (where `$ORIGIN` of a program is found).
    static func run(_ program: String, root: String) -> Command.Result {
        ProgramCutShortTests.runWhenFree {
            guard root != "/" else { return Command.run(program, []) }
            return Command.run("/usr/bin/unshare", ["-m", "/bin/sh", "-c", #"mount -t proc proc "$0/proc" && exec /usr/sbin/chroot "$0" "$1""#, root, program])
        }
    }

    /// The roots to judge in: this machine, and the Debian roots `make test` builds.
    static let roots: [String] = ["/"] + ["bullseye", "trixie"].map { "/var/cache/ofdoctor-\($0)" }
        .filter { FileManager.default.isExecutableFile(atPath: $0 + "/usr/bin/ldd") }

    @Test("a library without DT_VERSYM: SIGSEGV after the version errors before it, and LD024 after their LD003",
          .enabled(if: canBuild, "needs gcc and root (chroot)"), arguments: roots)
    func libraryWithoutVersionSymbols(root: String) throws {
        let build = try Self.build()
        defer { build.remove() }
        #expect(try Self.dropVersionSymbolTable(build.dir + "/libl.so.1"))
        let place = "/tmp/ofdoctor-versym-\(UUID().uuidString)"
        let host = (root == "/" ? "" : root) + place
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: host) }
        for name in ["m", "libl.so.1", "p", "libplain.so.1"] {
            try FileManager.default.copyItem(atPath: build.dir + "/" + name, toPath: host + "/" + name)
        }
        let real = Self.run(place + "/m", root: root)
        #expect(real.status == SIGSEGV, "\(root): \(real)")
        // (The program needs GLIBC_2.34 where it was built: glibc 2.31 prints that first.)
        let versionErrors = real.stderr.split(separator: "\n").filter { $0.contains("version `") && $0.contains("not found") }.count
        let result = Command.ofdoctor(["check", "--format", "json"] + (root == "/" ? [] : ["--root", root]) + [place + "/m"])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        let errors = report.findings.filter { $0.severity == "error" }
        #expect(errors.map(\.id) == Array(repeating: "LD003", count: versionErrors) + ["LD024"], "\(root): \(report.findings.map(\.summary))")
        let crash = errors.last
        #expect(crash?.summary == "\(place)/libl.so.1 has version records (DT_VERNEED) but no DT_VERSYM: the loader dies of SIGSEGV checking its versions")
        #expect(crash?.loaderMessage == nil)

        // Without version records no DT_VERSYM is needed: no crash, and no LD024. (Glibc 2.31
        // stops it at its own need of GLIBC_2.34, as for the other program.)
        let plain = Self.run(place + "/p", root: root)
        #expect(plain.status == (versionErrors == 0 ? 0 : 1), "\(root): \(plain)")
        let plainCheck = Command.ofdoctor(["check", "--format", "json"] + (root == "/" ? [] : ["--root", root]) + [place + "/p"])
        let plainReport = try JSONDecoder().decode(Report.self, from: Data(plainCheck.stdout.utf8))
        #expect(plainReport.findings.filter { $0.severity == "error" }.map(\.id) == Array(repeating: "LD003", count: versionErrors))
    }

    @Test("the program without DT_VERSYM: SIGSEGV, LD024 on the program", .enabled(if: canBuild, "needs gcc"))
    func programWithoutVersionSymbols() throws {
        let build = try Self.build()
        defer { build.remove() }
        let program = build.dir + "/m"
        #expect(try Self.dropVersionSymbolTable(program))
        let real = ProgramCutShortTests.runWhenFree { Command.run(program, []) }
        #expect(real.status == SIGSEGV && real.stderr.isEmpty, "\(real)")
        let result = Command.ofdoctor(["check", "--format", "json", program])
        #expect(result.status == 2)
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(report.findings.filter { $0.severity == "error" }.map(\.summary)
                == ["\(program) has version records (DT_VERNEED) but no DT_VERSYM: the loader dies of SIGSEGV checking its versions"])
    }
}

import Foundation
import Testing

/// A missing library with two copies in the root: an older build of the same soname in a
/// directory of its own (it lacks the version the program needs), found first, and the good
/// one in the default directory under its real name, waiting for ldconfig's link. The plan
/// that puts the older copy on the path leaves the loader's `version not found`: the plan is
/// made again without it, and ldconfig alone fixes everything. With no good copy, the plan
/// stays as it was (the older copy, and the version a person must provide). The real loader
/// judges the program before and after `fix --apply`.
@Suite("a copy the plan provides that lacks a version: planned again without it", .serialized)
struct ShortCopyReplanTests {
    static var canBuild: Bool { RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }

    struct Report: Decodable {
        struct Candidate: Decodable { var path: String; var usable: Bool; var note: String? }
        struct Finding: Decodable { var id: String; var candidates: [Candidate]? }
        struct Step: Decodable { var command: String? }
        var findings: [Finding]
    }

    static func build(goodCopy: Bool) throws -> ScratchBuild {
        try ScratchBuild("short-copy", "R=$PWD/root" + MinimalRoot.prelude + """
            mkdir -p "$R/opt/old/lib"
            \(MinimalRoot.launcher)
            echo 'int bar1(void) { return 1; } int bar2(void) { return 2; }' > bar.c
            printf 'BAR_1.0 { global: bar1; local: *; };\\nBAR_2.0 { global: bar2; } BAR_1.0;\\n' > new.map
            echo 'BAR_1.0 { global: bar1; local: *; };' > old.map
            gcc -shared -fPIC -nostdlib -o libbar.so.1.0 -Wl,-soname,libbar.so.1 -Wl,--version-script=new.map bar.c
            gcc -shared -fPIC -nostdlib -o "$R/opt/old/lib/libbar.so.1" -Wl,-soname,libbar.so.1 -Wl,--version-script=old.map bar.c
            printf '%s\\n' '\(MinimalRoot.program(calling: ["bar1", "bar2"], expected: 3))' > main.c
            gcc -nostdlib -o "$R/app/prog" main.c ./libbar.so.1.0
            \(goodCopy ? "cp libbar.so.1.0 \"$L/libbar.so.1.0\"" : ":")
            """)
    }

    static func report(_ arguments: [String]) throws -> (status: Int32, report: Report, stdout: String) {
        let run = Command.ofdoctor(arguments + ["--format", "json"])
        let report = try #require(try? JSONDecoder().decode(Report.self, from: Data(run.stdout.utf8)), "\(run)")
        return (run.status, report, run.stdout)
    }

    @Test("the good copy under its real name: the older copy is no candidate, ldconfig alone fixes it, and the program starts",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"))
    func replannedWithoutTheShortCopy() throws {
        let scratch = try Self.build(goodCopy: true)
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        let before = RealLoader.run(root: root, program: "/app/prog", argv0: "/app/prog", environment: [:])
        #expect(before.status == 127 && before.stderr.contains("libbar.so.1: cannot open shared object file"), "\(before)")

        let check = try Self.report(["check", "--root", root, "/app/prog"])
        #expect(check.status == 1, "every problem fixed by the plan: \(check.stdout)")
        let candidates = check.report.findings.first { $0.id == "LD002" }?.candidates ?? []
        let old = try #require(candidates.first { $0.path == "/opt/old/lib/libbar.so.1" }, "\(check.stdout)")
        #expect(!old.usable && old.note?.contains("lacks version BAR_2.0") == true, "\(old)")

        let plan = Command.ofdoctor(["fix", "--root", root, "--format", "sh", "/app/prog"])
        #expect(plan.status == 1 && !plan.stdout.contains("/opt/old/lib") && plan.stdout.contains("ldconfig"), "\(plan)")

        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "/app/prog"])
        #expect(apply.status == 0, "\(apply)")
        let after = RealLoader.run(root: root, program: "/app/prog", argv0: "/app/prog", environment: [:])
        #expect(after.status == 0, "the loader starts it, both bar1 and bar2 bound: \(after)")
    }

    @Test("no good copy: the older copy is still provided, and the version it lacks is a person's step, as the loader says",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"))
    func keptWhenNothingBetter() throws {
        let scratch = try Self.build(goodCopy: false)
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        let check = try Self.report(["check", "--root", root, "/app/prog"])
        #expect(check.status == 2, "\(check.stdout)")
        #expect(check.report.findings.contains { $0.id == "LD003" }, "the version the older copy lacks: \(check.stdout)")

        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "/app/prog"])
        #expect(apply.status == 2, "\(apply)")
        let after = RealLoader.run(root: root, program: "/app/prog", argv0: "/app/prog", environment: [:])
        #expect(after.status != 0 && after.stderr.contains("version `BAR_2.0' not found"), "\(after)")
    }

    /// conda's libwebp.so.7 finds its libsharpyuv through `$ORIGIN`: linked into the system
    /// directory, `$ORIGIN` is that directory, whose older libsharpyuv lacks `SHARP_2`. The plan
    /// with it leaves the loader's `version not found`; made again without it, another soname
    /// of the library (the system's libwebp.so.6, which defines what the program imports) is
    /// linked, and the program starts.
    @Test("a copy whose own dependency falls short where the plan links it: planned again, another soname linked, the program starts",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"))
    func dependencyShortWhereLinked() throws {
        let scratch = try ScratchBuild("short-dependency", "R=$PWD/root" + MinimalRoot.prelude + """
            \(MinimalRoot.launcher)
            mkdir -p "$R/opt/conda/lib"
            echo 'int sharp_init(void) { return 1; } int sharp_new(void) { return 2; }' > sharp.c
            echo 'SHARP_1 { global: sharp_init; local: *; };' > s1.map
            printf 'SHARP_1 { global: sharp_init; local: *; };\\nSHARP_2 { global: sharp_new; } SHARP_1;\\n' > s2.map
            gcc -shared -fPIC -nostdlib -o "$L/libsharp.so.0" -Wl,-soname,libsharp.so.0 -Wl,--version-script=s1.map sharp.c
            gcc -shared -fPIC -nostdlib -o "$R/opt/conda/lib/libsharp.so.0" -Wl,-soname,libsharp.so.0 -Wl,--version-script=s2.map sharp.c
            echo 'int webp(void) { return 6; }' > w6.c
            gcc -shared -fPIC -nostdlib -o "$L/libwebp.so.6" -Wl,-soname,libwebp.so.6 w6.c
            echo 'int sharp_new(void); int webp(void) { return 5 + sharp_new(); }' > w7.c
            gcc -shared -fPIC -nostdlib -o "$R/opt/conda/lib/libwebp.so.7" -Wl,-soname,libwebp.so.7 w7.c "$R/opt/conda/lib/libsharp.so.0" \\
                -Wl,--enable-new-dtags,-rpath,'$ORIGIN'
            printf '%s\\n' '\(MinimalRoot.program(calling: ["webp"], expected: 6))' > main.c
            gcc -nostdlib -o "$R/app/prog" main.c "$R/opt/conda/lib/libwebp.so.7" -Wl,-rpath-link,"$R/opt/conda/lib"
            /usr/sbin/chroot "$R" /sbin/ldconfig
            """)
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        let before = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:])
        #expect(before.status == 127 && before.stderr.contains("libwebp.so.7: cannot open shared object file"), "\(before)")

        let check = try Self.report(["check", "--root", root, "/app/prog"])
        #expect(check.status == 1, "every problem fixed by the plan: \(check.stdout)")
        // (OF001: libwebp.so.7 missing is the seed's own failure, an LD002)
        let candidates = check.report.findings.first { ["LD002", "OF001"].contains($0.id) }?.candidates ?? []
        let conda = try #require(candidates.first { $0.path == "/opt/conda/lib/libwebp.so.7" }, "\(candidates) \(check.stdout)")
        #expect(!conda.usable && conda.note?.contains("falls short of it where the plan would put this copy") == true, "\(conda)")

        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "/app/prog"])
        #expect(apply.status == 0, "\(apply)")
        let after = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:])
        #expect(after.status == 0, "the loader starts it, webp bound in libwebp.so.6: \(after)")
    }
}

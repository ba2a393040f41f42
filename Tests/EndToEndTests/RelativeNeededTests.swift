import Foundation
import Testing

/// A needed name that is a relative path (`lib/libc7.so.1`, as a build links by path): the
/// loader opens it from the directory the program is started in and searches for nothing.
/// LD002 says so (not "in none of the directories searched", nor the default path) with what
/// to do, and LD008 warns of it where it loads. The real loader, started from `/` and from
/// `/work` (a static helper changes directory first), is the judge; then the words of the
/// remedy, done on the root's file, let it start from anywhere.
@Suite("a relative path as a needed name: opened from the working directory, said so", .serialized)
struct RelativeNeededTests {
    static var canBuild: Bool {
        RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/patchelf")
    }

    struct Report: Decodable {
        struct Searched: Decodable { var via: String; var directories: [String] }
        struct Finding: Decodable { var id: String; var explanation: String; var searched: [Searched] }
        var findings: [Finding]
    }

    @Test("from /, LD002 names the path it opens and no search; from /work it starts, with LD008; renamed and put on the path, it starts from /",
          .enabled(if: canBuild, "needs root (chroot in unshare -m), gcc and patchelf"))
    func openedFromWorkingDirectory() throws {
        let scratch = try ScratchBuild("relative-needed", "R=$PWD/root" + MinimalRoot.prelude + MinimalRoot.launcher
            + "mkdir -p \"$R/work/lib\"\n"
            + MinimalRoot.library("$R/work/lib/libc7.so.1", function: "c", returning: 7)
            + MinimalRoot.program("$R/app/prog", calling: ["c"], expected: 7, linkedWith: ["$R/work/lib/libc7.so.1"])
            + "patchelf --replace-needed libc7.so.1 lib/libc7.so.1 \"$R/app/prog\"\n"
            + #"printf '#include <unistd.h>\nint main(int c, char **v) { if (chdir(v[1])) return 126; execv(v[2], v + 2); return 127; }\n' > cd.c"# + "\n"
            + "gcc -static -O2 -o \"$R/cdrun\" cd.c\n"
            + "/usr/sbin/chroot \"$R\" /sbin/ldconfig\n")
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        let from = { (directory: String) in RealLoader.run(root: root, program: "/cdrun", argv0: "cdrun", arguments: [directory, "/app/prog"], environment: [:]) }
        let atRoot = from("/")
        #expect(atRoot.status == 127 && atRoot.stderr.contains("lib/libc7.so.1: cannot open shared object file"), "\(atRoot)")
        #expect(from("/work").status == 0)

        let check = Command.ofdoctor(["check", "--root", root, "--cwd", "/", "--format", "json", "/app/prog"])
        let report = try #require(try? JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8)), "\(check)")
        #expect(check.status == 2, "\(check.stdout)")
        let missing = try #require(report.findings.first { $0.id == "LD002" }, "\(check.stdout)")
        #expect(missing.explanation.contains("holds a slash, so the loader searches for no file of that name")
                && missing.explanation.contains("(/ here), /lib/libc7.so.1"), "\(missing.explanation)")
        #expect(missing.searched.map(\.via) == ["direct path"] && missing.searched.first?.directories == ["/lib"], "\(missing.searched)")
        #expect(report.findings.contains { $0.id == "LD008" }, "\(check.stdout)")

        let there = Command.ofdoctor(["check", "--root", root, "--cwd", "/work", "--format", "json", "/app/prog"])
        #expect(there.status == 0 && there.stdout.contains("\"LD008\""), "starts there, with the warning: \(there.stdout)")

        // The remedy's words, on the root's file: the needed name its file name, the library
        // where the loader looks.
        #expect(Command.run("/usr/bin/patchelf", ["--replace-needed", "lib/libc7.so.1", "libc7.so.1", root + "/app/prog"]).status == 0)
        try FileManager.default.copyItem(atPath: root + "/work/lib/libc7.so.1", toPath: root + "/usr/lib/x86_64-linux-gnu/libc7.so.1")
        #expect(Command.run("/usr/sbin/chroot", [root, "/sbin/ldconfig"]).status == 0)
        #expect(from("/").status == 0)
        let after = Command.ofdoctor(["check", "--root", root, "--cwd", "/", "/app/prog"])
        #expect(after.status == 0 && !after.stdout.contains("LD008"), "\(after.stdout)")
    }
}

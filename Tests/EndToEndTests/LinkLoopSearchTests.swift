import Foundation
import Testing

/// A link loop in a directory of LD_LIBRARY_PATH (`/d1/libc7.so.1 -> libc7.so.1`): the loader
/// gives up the rest of that list there (ELOOP is no "not found"), so the copy in `/d2`, later
/// on the same list, is never reached. LD002 says so and names the loop, not a dangling link;
/// the copy in `/d2` is one the loader did not reach, not one outside the path. The real
/// loader judges the root with the loop and without it.
@Suite("a link loop on LD_LIBRARY_PATH: the rest of the list skipped, said so", .serialized)
struct LinkLoopSearchTests {
    static var canBuild: Bool { RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }

    struct Report: Decodable {
        struct Candidate: Decodable { var path: String; var note: String? }
        struct Finding: Decodable { var id: String; var explanation: String; var candidates: [Candidate] }
        var findings: [Finding]
    }

    @Test("the loop named, the later copy unreached; without the loop the loader finds it",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"))
    func loopEndsTheList() throws {
        let scratch = try ScratchBuild("link-loop", "R=$PWD/root" + MinimalRoot.prelude + MinimalRoot.launcher
            + "mkdir -p \"$R/d1\" \"$R/d2\"\n"
            + MinimalRoot.library("$R/d2/libc7.so.1", function: "c", returning: 7)
            + MinimalRoot.program("$R/app/prog", calling: ["c"], expected: 7, linkedWith: ["$R/d2/libc7.so.1"])
            + "ln -s libc7.so.1 \"$R/d1/libc7.so.1\"\n")
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        let environment = ["LD_LIBRARY_PATH": "/d1:/d2"]
        let before = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: environment)
        #expect(before.status == 127 && before.stderr.contains("libc7.so.1: cannot open shared object file"), "\(before)")

        let check = Command.ofdoctor(["check", "--root", root, "--env", "LD_LIBRARY_PATH=/d1:/d2", "--format", "json", "/app/prog"])
        let report = try #require(try? JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8)), "\(check)")
        let missing = try #require(report.findings.first { $0.id == "LD002" }, "\(check.stdout)")
        #expect(missing.explanation.contains("At /d1/libc7.so.1, a symbolic link loop (ELOOP), the loader gave up the rest of that search list (LD_LIBRARY_PATH)"),
                "\(missing.explanation)")
        #expect(missing.candidates.first { $0.path == "/d1/libc7.so.1" }?.note?.hasPrefix("a symbolic link loop") == true, "\(missing.candidates)")
        #expect(missing.candidates.first { $0.path == "/d2/libc7.so.1" }?.note == "the same soname, in a directory of LD_LIBRARY_PATH the loader did not reach",
                "\(missing.candidates)")

        try FileManager.default.removeItem(atPath: root + "/d1/libc7.so.1")
        let after = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: environment)
        #expect(after.status == 0, "without the loop the list goes on to /d2: \(after)")
        #expect(Command.ofdoctor(["check", "--root", root, "--env", "LD_LIBRARY_PATH=/d1:/d2", "/app/prog"]).status == 0)
    }
}

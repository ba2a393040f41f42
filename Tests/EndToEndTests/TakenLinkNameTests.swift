import Foundation
import Testing

/// The link directory already holds a file of the missing library's name that the loader
/// skips (a 32-bit build): the plan links the good copy into the next default directory the
/// loader searches, not onto LD_LIBRARY_PATH, which reaches only the processes started with
/// it (a root whose ld.so.conf includes no ld.so.conf.d, so no conf file would be read).
/// The real loader starts the program after `fix --apply`, with no environment.
@Suite("a link name taken by a file the loader skips: linked in the next default directory", .serialized)
struct TakenLinkNameTests {
    static var canBuild: Bool { RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }

    struct Report: Decodable {
        struct Action: Decodable { var kind: String; var path: String? }
        var plan: [Action]
    }

    @Test("a 32-bit libfoo.so.1 in /usr/lib/x86_64-linux-gnu: the link goes to /lib, the plan sets no variable, the program starts",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"))
    func nextDefaultDirectory() throws {
        let scratch = try ScratchBuild("taken-link", "R=$PWD/root" + MinimalRoot.prelude + MinimalRoot.launcher
            + "rm \"$R/etc/ld.so.conf\"; mkdir -p \"$R/opt/app/lib\"\n"
            + MinimalRoot.library("$R/opt/app/lib/libfoo.so.1", function: "foo", returning: 6) + """
            gcc -m32 -fPIC -c foo.c -o foo32.o
            ld -m elf_i386 -shared -soname libfoo.so.1 -o "$L/libfoo.so.1" foo32.o

            """ + MinimalRoot.program("$R/app/prog", calling: ["foo"], expected: 6, linkedWith: ["$R/opt/app/lib/libfoo.so.1"]))
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        let before = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:])
        #expect(before.status == 127 && before.stderr.contains("wrong ELF class: ELFCLASS32"), "\(before)")

        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "/app/prog"])
        let report = try #require(try? JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8)), "\(check)")
        #expect(check.status == 1, "\(check.stdout)")
        #expect(!report.plan.contains { $0.kind == "env" }, "a link reaches every process: \(report.plan)")
        #expect(report.plan.contains { $0.kind == "symlink" && $0.path == "/lib/libfoo.so.1" }, "\(report.plan)")

        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "/app/prog"])
        #expect(apply.status == 0, "\(apply)")
        let after = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:])
        #expect(after.status == 0, "\(after)")
    }
}

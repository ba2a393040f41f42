import Foundation
import Testing

/// The program interpreter missing where PT_INTERP names it (/lib64/ld-linux-x86-64.so.2):
/// with the loader elsewhere in the root (a copy made without its /lib64 link), the plan
/// links it and the kernel starts the program; with no loader at all, LD001 is the one
/// finding for it — not also an LD002 for the loader's own name that libc needs, which the
/// loader, once there, has loaded. The kernel and the real loader judge the root.
@Suite("a missing program interpreter: linked from where the root has it, and one finding", .serialized)
struct InterpreterLinkTests {
    static var canBuild: Bool { RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }

    struct Report: Decodable {
        struct Finding: Decodable { var id: String; var library: String? }
        var findings: [Finding]
    }

    /// The minimal root with its loader moved to `elsewhere` (nil: removed).
    static func build(loaderElsewhere elsewhere: String?) throws -> ScratchBuild {
        // (libc linked in: its need of the loader's own name is what must not be a second finding)
        try ScratchBuild("interpreter-link", "R=$PWD/root" + MinimalRoot.prelude + MinimalRoot.launcher
            + MinimalRoot.library("$L/libfoo.so.1", function: "foo", returning: 3)
            + MinimalRoot.program("$R/app/prog", calling: ["foo"], expected: 3, linkedWith: ["$L/libfoo.so.1"],
                                  flags: "-Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2 -Wl,--no-as-needed \"$L/libc.so.6\"")
            + (elsewhere.map { "mv \"$R/usr/lib64/ld-linux-x86-64.so.2\" \"$R\($0)\"\n" } ?? "rm \"$R/usr/lib64/ld-linux-x86-64.so.2\"\n")
            + "/usr/sbin/chroot \"$R\" /sbin/ldconfig\n")
    }

    static func report(_ root: String) throws -> (Command.Result, Report) {
        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "/app/prog"])
        return (check, try #require(try? JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8)), "\(check)"))
    }

    @Test("the loader in the multiarch directory: the plan links it to /lib64, and the kernel starts the program",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"))
    func linkedFromElsewhere() throws {
        let scratch = try Self.build(loaderElsewhere: "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        let before = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:])
        #expect(before.status != 0, "the kernel finds no interpreter: \(before)")

        let (check, report) = try Self.report(root)
        #expect(check.status == 1 && report.findings.map(\.id) == ["LD001"], "\(check.stdout)")
        let plan = Command.ofdoctor(["fix", "--root", root, "--format", "sh", "/app/prog"])
        #expect(plan.stdout.contains("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2") && plan.stdout.contains("/usr/lib64/ld-linux-x86-64.so.2"), "\(plan)")

        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "/app/prog"])
        #expect(apply.status == 0, "\(apply)")
        let after = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:])
        #expect(after.status == 0, "started, foo bound: \(after)")
        let undo = Command.ofdoctor(["undo", "--root", root, "/app/prog"])
        #expect(undo.status == 0 && !FileManager.default.fileExists(atPath: root + "/usr/lib64/ld-linux-x86-64.so.2"), "\(undo)")
    }

    @Test("no loader in the root: LD001 alone, a person's step; no LD002 for ld-linux-x86-64.so.2",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"))
    func oneFindingWithoutALoader() throws {
        let scratch = try Self.build(loaderElsewhere: nil)
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        let (check, report) = try Self.report(root)
        #expect(check.status == 2, "\(check.stdout)")
        #expect(report.findings.map(\.id) == ["LD001"], "\(report.findings)")
    }
}

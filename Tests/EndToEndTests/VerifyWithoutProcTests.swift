import Foundation
import Testing

/// `verify --root` of a root with no /proc directory, which a container runtime would make:
/// verify writes nothing in the root, so the program runs without procfs, and the loader,
/// which reads /proc/self/exe for the program's `$ORIGIN`, does not find what its run path
/// names. verify says so, and does not blame ofdoctor's model; with /proc made as it says,
/// the program starts.
@Suite("verify in a root without /proc: the cause said, not a model miss", .serialized)
struct VerifyWithoutProcTests {
    static var canBuild: Bool { RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }

    @Test("an $ORIGIN run path without /proc: verify names the missing /proc and the mkdir; after it, started",
          .enabled(if: canBuild, "needs root (namespaces, chroot) and gcc"))
    func originWithoutProc() throws {
        let scratch = try ScratchBuild("verify-no-proc", "R=$PWD/root" + MinimalRoot.prelude + "mkdir -p \"$R/app/lib\"\n"
            + MinimalRoot.library("$R/app/lib/libfoo.so.1", function: "foo", returning: 2)
            + MinimalRoot.program("$R/app/prog", calling: ["foo"], expected: 2, linkedWith: ["$R/app/lib/libfoo.so.1"], flags: "-Wl,-rpath,'$ORIGIN/lib'")
            + "rmdir \"$R/proc\"\n")
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        let check = Command.ofdoctor(["check", "--root", root, "/app/prog"])
        #expect(check.status == 0, "a container, with /proc, starts it: \(check)")

        let without = Command.ofdoctor(["verify", "--root", root, "/app/prog"])
        #expect(without.status != 0 && without.stdout.contains("libfoo.so.1"), "the loader without /proc misses it: \(without)")
        #expect(without.stdout.contains("The root has no /proc directory") && without.stdout.contains("mkdir \(root)/proc"), "\(without.stdout)")
        #expect(!without.stdout.contains("missed this"), "\(without.stdout)")

        try FileManager.default.createDirectory(atPath: root + "/proc", withIntermediateDirectories: false)
        let with = Command.ofdoctor(["verify", "--root", root, "/app/prog"])
        #expect(with.status == 0 && !with.stdout.contains("/proc"), "\(with)")
    }
}

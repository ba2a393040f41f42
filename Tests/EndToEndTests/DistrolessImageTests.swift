import Foundation
import Testing

/// A distroless image (no /bin/sh, no ln, no ldconfig) whose program misses a library it
/// holds elsewhere: a Dockerfile `RUN` line would fail in `docker build`, so `fix --image
/// --format dockerfile` prints none; it says what the image lacks and names the command that
/// writes a repaired copy — whose program the real loader starts.
@Suite("a distroless image: no RUN line it cannot run, the repaired copy instead", .serialized)
struct DistrolessImageTests {
    static var canBuild: Bool {
        RealLoader.canRunRoots && ImageE2E.cliAvailable && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc")
    }

    @Test("no RUN line, what the image lacks, and fix --output; the copy it writes starts the program",
          .enabled(if: canBuild, "needs root (chroot in unshare -m), gcc and a built ofdoctor"))
    func repairedCopyInsteadOfRun() throws {
        let scratch = try ScratchBuild("distroless", "R=$PWD/root" + MinimalRoot.prelude + MinimalRoot.launcher
            + "rm \"$R/usr/sbin/ldconfig\"; mkdir -p \"$R/opt/app/lib\"\n"
            + MinimalRoot.library("$R/opt/app/lib/libfoo.so.1", function: "foo", returning: 4)
            + MinimalRoot.program("$R/app/prog", calling: ["foo"], expected: 4, linkedWith: ["$R/opt/app/lib/libfoo.so.1"]))
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        let image = scratch.dir + "/in.tar"
        let made = ImageE2E.run("/usr/bin/env", ["python3", ImageE2E.packageRoot + "/Tests/Fixtures/make-image.py", image,
                                                 "--root", root, "--library", "usr/lib/x86_64-linux-gnu/libc.so.6"])
        try #require(made.status == 0, "make-image.py: \(made.stderr)")

        let dockerfile = Command.ofdoctor(["fix", "--image", image, "--format", "dockerfile", "/app/prog"])
        #expect(dockerfile.status == 1, "\(dockerfile)")
        #expect(!dockerfile.stdout.split(separator: "\n").contains { $0.hasPrefix("RUN") }, "\(dockerfile.stdout)")
        // (the plan lists the library's directory in ld.so.conf.d: /bin/sh writes it, ldconfig caches it)
        #expect(dockerfile.stdout.contains("The image has no /bin/sh, no ldconfig:"), "\(dockerfile.stdout)")
        #expect(dockerfile.stdout.contains("fix --output \(scratch.dir)/in-fixed.tar --image \(image) /app/prog"), "\(dockerfile.stdout)")

        let output = scratch.dir + "/in-fixed.tar"
        let repaired = Command.ofdoctor(["fix", "--output", output, "--image", image, "/app/prog"])
        #expect(repaired.status == 1, "\(repaired)")
        let unpacked = scratch.dir + "/fixed"
        let summary = try ImageSpecReader.read(output, unpackInto: unpacked)
        let started = RealLoader.run(root: unpacked, program: "/app/prog", argv0: "prog", environment: summary.environment)
        #expect(started.status == 0, "the repaired copy starts it: \(started)")
    }
}

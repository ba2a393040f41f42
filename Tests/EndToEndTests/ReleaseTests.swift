import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The release binary (`scripts/release.sh` → dist/ofdoctor) must run where nothing
/// else does: a root with no loader and no libraries of its own. It is run chrooted
/// (unshare -m, only /proc mounted) in a root that holds nothing but itself, and in the
/// broken of001 root, which it must diagnose from the inside.
@Suite("release binary", .enabled(if: ReleaseBinary.built, "run make release (scripts/release.sh) to build dist/ofdoctor"))
struct ReleaseTests {
    static var binary: String { ReleaseBinary.path }

    /// Runs `command` (paths inside `root`) chrooted, in a private mount namespace with
    /// /proc mounted, and an empty environment.
    static func inRoot(_ root: String, _ command: [String]) -> ImageE2E.Result {
        ImageE2E.run("/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/sh", "-c",
                                          #"mount -t proc proc "$1/proc" && shift && exec /usr/sbin/chroot "$@""#,
                                          "sh", root, root] + command, environment: [:])
    }

    /// Runs `command` chrooted with no /proc at all (a rescue chroot): `unshare -m`, then
    /// `chroot` with nothing mounted, as `user` (`--userspec`) when given, and `env -i`.
    static func inRootWithoutProc(_ root: String, user: String? = nil, _ command: [String]) -> ImageE2E.Result {
        ImageE2E.run("/usr/bin/unshare", ["-m", "--propagation", "private", "/usr/sbin/chroot"]
                     + (user.map { ["--userspec=\($0)"] } ?? []) + [root] + command, environment: [:])
    }

    @Test("readelf: no PT_INTERP, no dynamic section; stripped")
    func isStatic() {
        let program = ImageE2E.run("/usr/bin/readelf", ["-lW", Self.binary])
        #expect(program.status == 0)
        #expect(!program.stdout.contains("INTERP"))
        #expect(!program.stdout.contains("DYNAMIC"))
        let dynamic = ImageE2E.run("/usr/bin/readelf", ["-dW", Self.binary])
        #expect(!dynamic.stdout.contains("(NEEDED)"))
        #expect(!ImageE2E.run("/usr/bin/readelf", ["-SW", Self.binary]).stdout.contains(".symtab"))
    }

    @Test("ofdoctor check dist/ofdoctor: static and healthy")
    func checksItself() {
        let result = ImageE2E.run(Self.binary, ["check", Self.binary, "--format", "json"], environment: ["NO_COLOR": "1"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any]
        #expect(json?["status"] as? String == "healthy")
        let ids = ((json?["findings"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
        #expect(ids.allSatisfy { $0 == "LD012" }, "\(ids)")
    }

    @Test("runs in a root that holds nothing but itself", .enabled(if: ReleaseBinary.canChroot, "needs root for unshare -m and chroot"))
    func emptyRoot() throws {
        let root = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/proc", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.binary, toPath: root + "/ofdoctor")
        let version = Self.inRoot(root, ["/ofdoctor", "--version"])
        #expect(version.status == 0, "\(version.stderr)")
        #expect(!version.stdout.isEmpty)
        // Checking itself inside the empty root: no libc there, and none needed.
        let check = Self.inRoot(root, ["/ofdoctor", "check", "/ofdoctor"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    /// Issue 17 item 4: the runtime needs /proc/self/exe (its path) and /proc/self/maps
    /// (CommandLine.arguments); Sources/CStartup gives it neither need.
    @Test("runs in a chroot without /proc: with its arguments, env -i, as root and as nobody",
          .enabled(if: ReleaseBinary.canChroot && FixtureRoot.rule("preload") != nil,
                   "needs root and the rule roots (build-rule-roots.sh)"))
    func withoutProc() throws {
        let fixture = try #require(FixtureRoot.rule("preload"))
        let program = try #require(fixture.program)
        let directory = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let root = directory + "/root"
        #expect(ImageE2E.run("/bin/cp", ["-a", fixture.rootPath, root]).status == 0)
        try? FileManager.default.removeItem(atPath: root + "/proc")
        try FileManager.default.copyItem(atPath: Self.binary, toPath: root + "/ofdoctor")
        // Readable by nobody: the copy keeps the fixture's modes, the root directory is 0700.
        #expect(chmod(directory, 0o755) == 0 && chmod(root, 0o755) == 0)

        for user in [nil, "65534:65534"] {
            let who = user ?? "root"
            let version = Self.inRootWithoutProc(root, user: user, ["/ofdoctor", "--version"])
            #expect(version.status == 0, "\(who): \(version.stderr)")
            #expect(!version.stderr.contains("Unable to obtain Swift runtime path"))

            // Arguments arrive: without them the default program (FeatureExtraction) is
            // looked for and not found (exit 3).
            let check = Self.inRootWithoutProc(root, user: user, ["/ofdoctor", "check", "--format", "json", program])
            #expect(check.status == 0, "\(who): \(check.stdout)\(check.stderr)")
            let json = (try? JSONSerialization.jsonObject(with: Data(check.stdout.utf8))) as? [String: Any]
            #expect(json?["status"] as? String == "healthy", "\(who)")
            #expect(json?["binary"] as? String == program, "\(who): \(check.stdout)")
            // What it could not read is said, not silently assumed.
            let notes = ((json?["loader"] as? [String: Any])?["notes"] as? [String]) ?? []
            #expect(notes.contains { $0.contains("/proc/cpuinfo") }, "\(who): \(notes)")

            let text = Self.inRootWithoutProc(root, user: user, ["/ofdoctor", "check", program])
            #expect(text.status == 0, "\(who): \(text.stderr)")
            #expect(text.stdout.contains("note: the CPU's features could not be read"), "\(who): \(text.stdout)")

            let tree = Self.inRootWithoutProc(root, user: user, ["/ofdoctor", "tree", program])
            #expect(tree.status == 0, "\(who): \(tree.stderr)")
            #expect(tree.stdout.contains("/app/lib/libleaf.so.1"), "\(who): \(tree.stdout)")

            // A usage error is still a usage error (the arguments were parsed, not lost).
            let usage = Self.inRootWithoutProc(root, user: user, ["/ofdoctor", "check", "--no-such-option"])
            #expect(usage.status == 64, "\(who): \(usage.stderr)")
        }
    }

    @Test("diagnoses FeatureExtraction inside the broken of001 root (OF001, exit 1)",
          .enabled(if: ReleaseBinary.canChroot && FixtureRoot.isBuilt, "needs root and the fixture roots (build-roots.sh)"))
    func insideBrokenRoot() throws {
        let fixture = try #require(FixtureRoot.named("of001"))
        let directory = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let root = directory + "/root"
        #expect(ImageE2E.run("/bin/cp", ["-a", fixture.rootPath, root]).status == 0)
        try FileManager.default.copyItem(atPath: Self.binary, toPath: root + "/ofdoctor")
        let environment = fixture.environmentArguments
        let result = Self.inRoot(root, ["/ofdoctor", "check", "--format", "json"] + environment
                                        + ["/opt/OpenFace/build/bin/FeatureExtraction"])
        #expect(result.status == 1, "\(result.stderr)")
        let json = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any]
        let findings = (json?["findings"] as? [[String: Any]]) ?? []
        #expect(findings.map { $0["id"] as? String } == ["OF001"])
        #expect(findings.first?["library"] as? String == "libwebp.so.7")
        #expect(json?["status"] as? String == "fixable")
    }
}

/// Where the release script leaves the binary.
enum ReleaseBinary {
    static var path: String { ImageE2E.packageRoot + "/dist/ofdoctor" }
    static var built: Bool { FileManager.default.isExecutableFile(atPath: path) }
    static var canChroot: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")
            && FileManager.default.isExecutableFile(atPath: "/usr/sbin/chroot")
    }
}

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

    @Test("diagnoses FeatureExtraction inside the broken of001 root (OF001, exit 1)",
          .enabled(if: ReleaseBinary.canChroot && FixtureRoot.isBuilt, "needs root and the fixture roots (build-roots.sh)"))
    func insideBrokenRoot() throws {
        let fixture = try #require(FixtureRoot.named("of001"))
        let directory = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let root = directory + "/root"
        #expect(ImageE2E.run("/bin/cp", ["-a", fixture.rootPath, root]).status == 0)
        try FileManager.default.copyItem(atPath: Self.binary, toPath: root + "/ofdoctor")
        let environment = fixture.environment.sorted { $0.key < $1.key }.flatMap { ["--env", "\($0.key)=\($0.value)"] }
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

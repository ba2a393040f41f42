import Doctor
import Foundation
import Testing

/// The NVIDIA driver's libraries are the container runtime's to provide (`--gpus`): an
/// unpacked CUDA image lacks libcuda.so.1 and must not be "fixed" with the CUDA toolkit's
/// link-time stub, which loads and then fails every call. The rule root driver-library has
/// only the stub (lib64/stubs, also under the soname); the root's loader is the judge of
/// the failure, and of the fix the remedy names: the driver's copy put where the NVIDIA
/// Container Toolkit puts it (the multiarch directory), then ldconfig.
@Suite("The NVIDIA driver's libraries: named as the runtime's, never planned for", .serialized)
struct DriverLibraryTests {
    @Test("libcuda.so.1 with only the toolkit's stub in the root: LD002 says whose it is and plans nothing; the driver's copy makes it start",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("driver-library") != nil, RealLoader.unavailableReason))
    func stubIsNoCandidate() throws {
        let fixture = try #require(FixtureRoot.rule("driver-library"))
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: root).deletingLastPathComponent().path) }

        let real = RealLoader.run(root: root, program: "/app/bin/prog", argv0: "prog", environment: [:])
        #expect(real.status == 127 && real.stderr.contains("libcuda.so.1: cannot open shared object file"), "\(real)")

        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "/app/bin/prog"])
        #expect(check.status == 2, "\(check.stdout)\(check.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(findings.map { $0["id"] as? String } == ["LD002"], "\(check.stdout)")
        #expect((findings.first?["explanation"] as? String ?? "").contains("the NVIDIA driver's, not the image's"))
        #expect((findings.first?["remedy"] as? String ?? "").contains("docker run --gpus all"))
        #expect((json["plan"] as? [Any])?.isEmpty == true, "the stub was planned for: \(check.stdout)")

        // Nothing to apply: the root is left as it was.
        let before = try TreeSnapshot(root: root)
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "/app/bin/prog"])
        #expect(apply.status == 2, "\(apply.stdout)\(apply.stderr)")
        #expect(try TreeSnapshot(root: root) == before)

        // As the runtime does it: the driver's copy in the multiarch directory, then ldconfig.
        let driver = try ScratchBuild("driver", """
            printf 'const char *leaf(void) { return "the driver"; }\\n' > cuda.c
            gcc -shared -fPIC -o libcuda.so.1 -Wl,-soname,libcuda.so.1 cuda.c
            cp libcuda.so.1 '\(root)/usr/lib/x86_64-linux-gnu/libcuda.so.1'
            /sbin/ldconfig -r '\(root)'
            """)
        driver.remove()
        let started = RealLoader.run(root: root, program: "/app/bin/prog", argv0: "prog", environment: [:])
        #expect(started.status == 0 && started.stdout.contains("the driver"), "\(started)")
        let again = Command.ofdoctor(["check", "--root", root, "/app/bin/prog"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
    }

    /// The stub put on the search path anyway — by LD_LIBRARY_PATH, or linked into the
    /// multiarch directory — loads, and the program starts: the loader is content, the first
    /// CUDA call is not. LD028 names the stub the real loader lists, and is a problem (exit
    /// non-zero): a program that loads a stub does not work. On LD_LIBRARY_PATH the plan
    /// takes the stubs directory off; with no driver in the root that leaves libcuda.so.1
    /// for the container runtime (a person's step). A link or an ld.so.conf.d line ofdoctor
    /// did not make is a person's to remove: the remedy names it.
    @Test("the stub on the search path loads and the program starts: LD028 names the file the real loader lists",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("driver-library") != nil, RealLoader.unavailableReason),
          arguments: ["LD_LIBRARY_PATH", "link", "conf"])
    func stubLoaded(_ how: String) throws {
        let fixture = try #require(FixtureRoot.rule("driver-library"))
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: root).deletingLastPathComponent().path) }
        var environment: [String: String] = [:]
        var arguments: [String] = []
        if how == "link" {
            try FileManager.default.createSymbolicLink(atPath: root + "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
                                                       withDestinationPath: "/usr/local/cuda/lib64/stubs/libcuda.so")
        } else if how == "conf" {
            try FileManager.default.createDirectory(atPath: root + "/etc/ld.so.conf.d", withIntermediateDirectories: true)
            try "# the toolkit's stubs\n/usr/local/cuda/lib64/stubs\n".write(toFile: root + "/etc/ld.so.conf.d/cuda-stubs.conf",
                                                                          atomically: true, encoding: .utf8)
            let ldconfig = Command.run("/sbin/ldconfig", ["-r", root])
            try #require(ldconfig.status == 0, "\(ldconfig)")
        } else {
            environment["LD_LIBRARY_PATH"] = "/usr/local/cuda/lib64/stubs"
            arguments = ["--env", "LD_LIBRARY_PATH=/usr/local/cuda/lib64/stubs"]
        }
        let run = RealLoader.run(root: root, program: "/app/bin/prog", argv0: "prog", environment: environment)
        #expect(run.status == 0 && run.stdout.contains("the stub"), "\(run)")
        let listed = RealLoader.list(root: root, program: "/app/bin/prog", environment: environment)
        let stubLine = listed.stdout.split(separator: "\n").first { $0.contains("libcuda.so.1 => ") }
        let loadedPath = stubLine.flatMap { $0.components(separatedBy: " => ").last?.components(separatedBy: " (").first }
        let check = Command.ofdoctor(["check", "--root", root, "--format", "json"] + arguments + ["/app/bin/prog"])
        #expect(check.status == 2, "\(check.stdout)\(check.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        let ids = findings.map { $0["id"] as? String }
        #expect(ids == (how == "LD_LIBRARY_PATH" ? ["LD028", "LD002"] : ["LD028"]), "\(check.stdout)")
        #expect(findings.first?["severity"] as? String == "warning")
        #expect(loadedPath != nil && findings.first?["resolvedTo"] as? String == loadedPath, "\(listed.stdout) \(check.stdout)")
        let plan = json["plan"] as? [[String: Any]] ?? []
        let steps = (json["personSteps"] as? [[String: Any]] ?? []).map { $0["remedy"] as? String ?? "" }
        if how != "LD_LIBRARY_PATH" {
            let remedy = findings.first?["remedy"] as? String ?? ""
            #expect(remedy.contains("docker run --gpus all"))
            // (the link as the loader named it: /lib/x86_64-linux-gnu, the first default directory, is /usr/lib's)
            #expect(remedy.hasPrefix(how == "link" ? "Remove the link that leads \(loadedPath ?? "?") to /usr/local/cuda/lib64/stubs/libcuda.so"
                                     : "Remove /usr/local/cuda/lib64/stubs from /etc/ld.so.conf.d/cuda-stubs.conf (line 2), then run ldconfig"),
                    "\(remedy)")
            #expect(plan.isEmpty, "a file ofdoctor did not make was planned for: \(check.stdout)")
        } else {
            // The directory goes; then the driver's library is the runtime's to mount.
            #expect(plan.count == 1 && plan.first?["kind"] as? String == "env" && plan.first?["unset"] as? Bool == true,
                    "\(check.stdout)")
            #expect(steps.contains { $0.contains("docker run --gpus all") }, "\(steps)")
            let text = Command.ofdoctor(["check", "--root", root] + arguments + ["/app/bin/prog"])
            #expect(text.stdout.hasPrefix("✗ /app/bin/prog starts but will fail"), "\(text.stdout)")
        }
    }

    /// The CUDA toolkit's directories on LD_LIBRARY_PATH, stubs first, and the driver's
    /// library where the runtime mounts it: the stub wins. The plan drops the stubs directory
    /// alone (its parent, the toolkit's lib64, stays), the real loader with the corrected
    /// environment then loads the driver's copy, and `undo` gives the root back.
    @Test("stubs before the driver's copy: the plan drops the stubs directory, and the real loader then loads the driver's",
          .enabled(if: RealLoader.canRunRoots && FixtureRoot.rule("driver-library") != nil, RealLoader.unavailableReason))
    func stubShadowsDriver() throws {
        let fixture = try #require(FixtureRoot.rule("driver-library"))
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: root).deletingLastPathComponent().path) }
        let driver = try ScratchBuild("driver", """
            printf 'const char *leaf(void) { return "the driver"; }\\n' > cuda.c
            gcc -shared -fPIC -o libcuda.so.1 -Wl,-soname,libcuda.so.1 cuda.c
            cp libcuda.so.1 '\(root)/usr/lib/x86_64-linux-gnu/libcuda.so.1'
            mkdir -p '\(root)/usr/local/cuda/lib64'
            /sbin/ldconfig -r '\(root)'
            """)
        driver.remove()
        let path = "/usr/local/cuda/lib64/stubs:/usr/local/cuda/lib64"
        let before = RealLoader.run(root: root, program: "/app/bin/prog", argv0: "prog", environment: ["LD_LIBRARY_PATH": path])
        #expect(before.status == 0 && before.stdout.contains("the stub"), "\(before)")

        let arguments = ["--root", root, "--env", "LD_LIBRARY_PATH=" + path, "/app/bin/prog"]
        let check = Command.ofdoctor(["check", "--format", "json"] + arguments)
        #expect(check.status == 1, "\(check.stdout)\(check.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        #expect((json["findings"] as? [[String: Any]])?.map { $0["id"] as? String } == ["LD028"], "\(check.stdout)")
        let corrected = try #require(json["correctedEnvironment"] as? [String: String])
        #expect(corrected == ["LD_LIBRARY_PATH": "/usr/local/cuda/lib64"], "\(check.stdout)")

        let snapshot = try TreeSnapshot(root: root)
        let apply = Command.ofdoctor(["fix", "--apply"] + arguments)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        let after = RealLoader.run(root: root, program: "/app/bin/prog", argv0: "prog", environment: corrected)
        #expect(after.status == 0 && after.stdout.contains("the driver"), "\(after)")
        let listed = RealLoader.list(root: root, program: "/app/bin/prog", environment: corrected)
        #expect(listed.stdout.contains("libcuda.so.1 => /lib/x86_64-linux-gnu/libcuda.so.1")
                || listed.stdout.contains("libcuda.so.1 => /usr/lib/x86_64-linux-gnu/libcuda.so.1"), "\(listed.stdout)")
        let undo = Command.ofdoctor(["undo", "--root", root])
        #expect(undo.status == 0, "\(undo.stdout)\(undo.stderr)")
        #expect(try TreeSnapshot(root: root) == snapshot)
    }

    @Test("a library in a stubs directory is never a candidate, whatever its name")
    func stubsAreNotLibraries() {
        #expect(DriverLibrary.isLinkTimeStub("/usr/local/cuda/lib64/stubs/libcuda.so.1"))
        #expect(DriverLibrary.isLinkTimeStub("/usr/local/cuda-11.7/targets/x86_64-linux/lib/stubs/libnvidia-ml.so"))
        #expect(!DriverLibrary.isLinkTimeStub("/opt/stubs.d/libfoo.so.1"))
        #expect(!DriverLibrary.isLinkTimeStub("/usr/lib/x86_64-linux-gnu/libcuda.so.1"))
        // A directory component exactly "stubs", before the file's own name.
        #expect(DriverLibrary.isLinkTimeStub("stubs/libcuda.so") && DriverLibrary.isLinkTimeStub("/a/stubs//libcuda.so"))
        #expect(!DriverLibrary.isLinkTimeStub("/usr/lib/stubs") && !DriverLibrary.isLinkTimeStub("/usr/lib/stubs/")
                && !DriverLibrary.isLinkTimeStub("/x/mystubs/libcuda.so") && !DriverLibrary.isLinkTimeStub("/x/stubsy/libcuda.so")
                && !DriverLibrary.isLinkTimeStub("/x/libstubs.so") && !DriverLibrary.isLinkTimeStub(""))
        #expect(DriverLibrary.isNVIDIA("libcuda.so.1") && DriverLibrary.isNVIDIA("libnvidia-ml.so.1")
                && DriverLibrary.isNVIDIA("libGLX_nvidia.so.0") && DriverLibrary.isNVIDIA("libnvcuvid.so.1"))
        #expect(!DriverLibrary.isNVIDIA("libcudart.so.11.0") && !DriverLibrary.isNVIDIA("libcublas.so.11")
                && !DriverLibrary.isNVIDIA("libnvrtc.so.11.2") && !DriverLibrary.isNVIDIA("libGLX_mesa.so.0"))
    }
}

import Foundation
import Testing

/// What ofdoctor writes for another program to run (issue 18): the formats of `env` agree on
/// a variable the plan unsets, `fix --format sh` names the root absolutely, and the
/// Dockerfile runs the image's own ldconfig whatever the image's PATH. The real loader
/// judges the outcome.
@Suite("Scripts, Dockerfile lines and dotenv files that work where they run")
struct ScriptOutputTests {
    static let program = DoctorEndToEndTests.program

    /// A copy of a fixture root at `<scratch>/<relative>`; returns the scratch directory.
    static func scratchCopy(_ fixture: FixtureRoot, as relative: String = "root") throws -> String {
        let dir = try OutputReaders.scratchDirectory("script-\(fixture.name)")
        try FileManager.default.createDirectory(atPath: (dir + "/" + relative as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let copy = Command.run("/bin/cp", ["-a", fixture.rootPath, dir + "/" + relative])
        try #require(copy.status == 0, "cp: \(copy.stderr)")
        return dir
    }

    @Test("env: a variable the plan unsets is unset in sh and set empty in dotenv and Dockerfile alike, which the real loader reads as unset",
          .enabled(if: FixtureRoot.isBuilt, "fixture roots not built: run `make fixtures`"))
    func unsetAgrees() throws {
        let fixture = try #require(FixtureRoot.named("all"))
        #expect(fixture.environment["LD_LIBRARY_PATH"] == "/opt/conda/lib")
        let base = ["env", "--root", fixture.rootPath] + DoctorEndToEndTests.envArguments(fixture) + ["FeatureExtraction", "--format"]
        let json = Command.ofdoctor(base + ["json"])
        #expect(json.stdout.contains("\"unset\" : [\n    \"LD_LIBRARY_PATH\"\n  ]"), "\(json.stdout)")
        let sh = Command.ofdoctor(base + ["sh"])
        #expect(sh.status == 0 && sh.stdout.split(separator: "\n").contains("unset LD_LIBRARY_PATH"), "\(sh.stdout)")

        let dotenv = Command.ofdoctor(base + ["dotenv"])
        #expect(dotenv.status == 0, "\(dotenv.stderr)")
        let fromEnvFile = try OutputReaders.dockerEnvFile(Array(dotenv.stdout.utf8))
        let dockerfile = Command.ofdoctor(base + ["dockerfile"])
        #expect(dockerfile.status == 0, "\(dockerfile.stderr)")
        let fromDockerfile = try OutputReaders.dockerfileInstructions(Array(dockerfile.stdout.utf8)).flatMap { try OutputReaders.envPairs($0.rest) }
        #expect(fromEnvFile.map(\.name) == ["LD_LIBRARY_PATH"] && fromEnvFile.map(\.value) == [""], "docker --env-file reads \(fromEnvFile)")
        #expect(fromDockerfile.map(\.name) == fromEnvFile.map(\.name) && fromDockerfile.map(\.value) == fromEnvFile.compactMap(\.value),
                "ENV \(fromDockerfile) vs dotenv \(fromEnvFile)")
        if OutputReaders.hasPythonDotenv {
            let dir = try OutputReaders.scratchDirectory("dotenv")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let python = try #require(try OutputReaders.pythonDotenv(Array(dotenv.stdout.utf8), in: dir))
            #expect(python == ["LD_LIBRARY_PATH": []], "python-dotenv reads \(python)")
        }
        guard RealLoader.canRunRoots else { return }
        // Set but empty is unset to the loader: the same objects from the same places, the
        // same failures (load addresses aside).
        func traced(_ environment: [String: String]) -> [String] {
            let outcome = RealLoader.trace(root: fixture.rootPath, program: Self.program, environment: environment)
            return (outcome.stdout + outcome.stderr).split(separator: "\n").map { line in
                line.split(separator: " ").filter { !$0.hasPrefix("(0x") }.joined(separator: " ")
            }
        }
        let empty = traced(["LD_LIBRARY_PATH": ""])
        #expect(empty.contains { $0.contains("not found") }, "\(empty)")
        #expect(empty == traced([:]), "LD_LIBRARY_PATH= \(empty) vs unset \(traced([:]))")
        #expect(empty != traced(fixture.environment), "conda's directory changes nothing?")
    }

    @Test("fix --format sh with a relative --root writes it absolute: the script works from any directory",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason))
    func shellRootAbsolute() throws {
        let fixture = try #require(FixtureRoot.named("of003"))
        let dir = try Self.scratchCopy(fixture, as: "images/of003/root")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = dir + "/images/of003/root"
        let script = Command.run("/usr/bin/env", ["-C", dir, Command.ofdoctorPath, "fix", "--format", "sh", "--root", "images/of003/root"]
                                    + DoctorEndToEndTests.envArguments(fixture) + ["FeatureExtraction"],
                                 environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NO_COLOR": "1"])
        #expect(script.status == 1, "\(script.stderr)")
        #expect(script.stdout.contains("ROOT='\(root)'"), "\(script.stdout)")
        #expect(!script.stdout.contains("'images/"), "a relative path is left: \(script.stdout)")
        // Run from another directory, as a saved script would be.
        let elsewhere = try OutputReaders.scratchDirectory("elsewhere")
        defer { try? FileManager.default.removeItem(atPath: elsewhere) }
        let ran = try OutputReaders.runScript(Array(script.stdout.utf8), shell: "/usr/bin/dash", in: elsewhere)
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(RealLoader.list(root: root, program: Self.program, environment: fixture.environment).status == 0,
                "the loader still refuses the program after the script")
    }

    @Test("fix --format dockerfile runs the image's own ldconfig by its path: the RUN line works with a PATH without /sbin",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason))
    func dockerfileLdconfigPath() throws {
        let fixture = try #require(FixtureRoot.named("of003"))
        let dir = try Self.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = dir + "/root"
        // The image's ldconfig where Debian puts it (the host's: static, the same glibc).
        try FileManager.default.createDirectory(atPath: root + "/sbin", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/sbin/ldconfig", toPath: root + "/sbin/ldconfig")
        let image = ["PATH": "/usr/local/bin:/usr/bin:/bin"]
        // Why it matters: a bare ldconfig is not found with that PATH.
        let bare = Command.run("/usr/sbin/chroot", [root, "/bin/sh", "-c", "ldconfig"], environment: image)
        #expect(bare.status == 127, "\(bare.stderr)")

        let result = Command.ofdoctor(["fix", "--format", "dockerfile", "--root", root] + DoctorEndToEndTests.envArguments(fixture) + ["FeatureExtraction"])
        #expect(result.status == 1, "\(result.stderr)")
        let instructions = try OutputReaders.dockerfileInstructions(Array(result.stdout.utf8))
        let run = try #require(instructions.first { $0.command == "RUN" }, "\(result.stdout)")
        let argv = try #require(OutputReaders.execForm(run.rest), "shell form: \(run.rest)")
        #expect(argv.last?.hasSuffix("'/sbin/ldconfig'") == true, "\(argv)")
        #expect(RealLoader.list(root: root, program: Self.program, environment: fixture.environment).status != 0)
        // `docker build` runs it in the image with the image's PATH: here, chroot into the copy.
        let ran = Command.run("/usr/sbin/chroot", [root] + argv, environment: image)
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(RealLoader.list(root: root, program: Self.program, environment: fixture.environment).status == 0,
                "the loader still refuses the program after the RUN line")
    }
}

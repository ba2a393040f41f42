import Foundation
import Testing

/// The roots of `Tests/Fixtures/build-injection-roots.sh`, built on first use in
/// `.build/fixtures/injection`: sonames and directories that attack the outputs.
enum InjectionRoots {
    static var directory: String { Command.packageRoot + "/.build/fixtures/injection" }
    static let names = ["soname-link", "quote-env", "newline-env", "terminal"]

    static let isBuilt: Bool = {
        let complete = { names.allSatisfy { FileManager.default.fileExists(atPath: directory + "/" + $0 + "/program") } }
        if complete() { return true }
        let build = Command.run("/bin/bash", [FixtureRoot.scriptsDirectory + "/build-injection-roots.sh", directory],
                                environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        return build.status == 0 && complete()
    }()

    struct CopyFailed: Error { var message: String }

    static let unavailableReason: Comment = "needs gcc and patchelf for Tests/Fixtures/build-injection-roots.sh"

    static func root(_ name: String) -> String { directory + "/" + name + "/root" }

    /// A copy of the root to run a generated script on (removed by the caller).
    static func scratchCopy(of name: String) throws -> String {
        let dir = try OutputReaders.scratchDirectory("inject-\(name)")
        let copy = Command.run("/bin/cp", ["-a", root(name), dir + "/root"])
        guard copy.status == 0 else { throw CopyFailed(message: "cp -a \(root(name)): exit \(copy.status) \(copy.stderr)") }
        return dir
    }
}

/// `fix` and `env` outputs for roots and environments whose names are attacks (issue 15,
/// item 2), each run by its real interpreter; and text for terminals with control bytes
/// escaped. Before the fix, `fix --format sh` ran `$(touch PWNED)` from a soname, the
/// Dockerfile ran backticks in `ln -s`, and a newline started a new Dockerfile or dotenv line.
@Suite("generated scripts and text on hostile names", .serialized,
       .enabled(if: HostileCLI.isAvailable, HostileCLI.unavailableReason),
       .enabled(if: InjectionRoots.isBuilt, InjectionRoots.unavailableReason))
struct OutputInjectionTests {
    static let program = "/app/bin/prog"
    static let evilSoname = "lib$(touch PWNED)`touch PWNED2`.so"
    static let evilDirectory = "/opt/x$(touch PWNED3)"

    static func run(_ arguments: [String]) -> Command.Result { HostileCLI.run(arguments) }

    /// A refusal: exit 3, nothing on stdout, one `ofdoctor: cannot write …` line on stderr.
    static func expectRefused(_ result: Command.Result, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 3, "\(what): exit \(result.status) \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "\(what): printed \(result.stdout.debugDescription)", sourceLocation: sourceLocation)
        let lines = HostileCLI.errorLines(result)
        #expect(lines.count == 1 && lines.first?.hasPrefix("ofdoctor: cannot write ") == true, "\(what): \(lines)", sourceLocation: sourceLocation)
    }

    // MARK: - fix --format sh

    @Test("fix --format sh links a `$(…)`/backtick soname by its own name in dash and bash, twice, and runs nothing",
          arguments: OutputReaders.shells)
    func fixShellOnHostileSoname(_ shell: String) throws {
        let result = Self.run(["fix", "--root", InjectionRoots.root("soname-link"), "--format", "sh", Self.program])
        #expect(result.status == 1, "\(result.stderr)")
        let dir = try InjectionRoots.scratchCopy(of: "soname-link")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for pass in 1...2 {
            let ran = try OutputReaders.runScript(Array(result.stdout.utf8), shell: shell, in: dir, environment: ["OFDOCTOR_ROOT": dir + "/root"])
            #expect(ran.status == 0, "pass \(pass): \(ran.stderr)")
        }
        #expect(OutputReaders.sentinels(under: dir).isEmpty, "the soname's payload ran: \(OutputReaders.sentinels(under: dir))")
        let link = dir + "/root/usr/lib/x86_64-linux-gnu/" + Self.evilSoname
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == Self.evilDirectory + "/" + Self.evilSoname)
    }

    @Test("fix --format sh writes a directory with `'` and `$(…)` into the profile script, and login shells read it back",
          arguments: OutputReaders.shells)
    func fixShellProfileLine(_ shell: String) throws {
        let result = Self.run(["fix", "--root", InjectionRoots.root("quote-env"), "--format", "sh", Self.program])
        #expect(result.status == 1, "\(result.stderr)")
        let dir = try InjectionRoots.scratchCopy(of: "quote-env")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for _ in 1...2 {
            let ran = try OutputReaders.runScript(Array(result.stdout.utf8), shell: shell, in: dir, environment: ["OFDOCTOR_ROOT": dir + "/root"])
            #expect(ran.status == 0, "\(ran.stderr)")
        }
        let profile = try String(contentsOfFile: dir + "/root/etc/profile.d/ofdoctor.sh", encoding: .utf8)
        #expect(profile.split(separator: "\n").count == 2 && profile.hasPrefix("# Written by ofdoctor"), "written twice or split: \(profile)")
        let read = try OutputReaders.runScript(Array(". ./root/etc/profile.d/ofdoctor.sh\nprintf '%s' \"$LD_LIBRARY_PATH\" > value\n".utf8),
                                               shell: shell, in: dir)
        #expect(read.status == 0, "\(read.stderr)")
        #expect(OutputReaders.bytes(dir, "value") == Array("/opt/it's $(touch PWNED4)".utf8))
        #expect(OutputReaders.sentinels(under: dir).isEmpty)
    }

    // MARK: - fix --format dockerfile

    @Test("fix --format dockerfile: RUN is an exec-form array whose script, run in the root, links the soname and runs nothing",
          .enabled(if: getuid() == 0, "chroot needs root"))
    func fixDockerfileRunOnHostileSoname() throws {
        let result = Self.run(["fix", "--root", InjectionRoots.root("soname-link"), "--format", "dockerfile", Self.program])
        #expect(result.status == 1, "\(result.stderr)")
        let instructions = try OutputReaders.dockerfileInstructions(Array(result.stdout.utf8))
        #expect(instructions.map(\.command) == ["RUN"])
        let first = try #require(instructions.first)
        let argv = try #require(OutputReaders.execForm(first.rest), "shell form: \(result.stdout)")
        let dir = try InjectionRoots.scratchCopy(of: "soname-link")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // `docker build` runs it inside the image: here, chroot into a copy of the root.
        let ran = Command.run("/usr/sbin/chroot", [dir + "/root"] + argv, environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(OutputReaders.sentinels(under: dir).isEmpty, "the soname's payload ran: \(OutputReaders.sentinels(under: dir))")
        let link = dir + "/root/usr/lib/x86_64-linux-gnu/" + Self.evilSoname
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == Self.evilDirectory + "/" + Self.evilSoname)
    }

    @Test("fix --format dockerfile: ENV gives BuildKit the directory with `'` and `$(…)` byte for byte")
    func fixDockerfileEnv() throws {
        let result = Self.run(["fix", "--root", InjectionRoots.root("quote-env"), "--format", "dockerfile", Self.program])
        #expect(result.status == 1, "\(result.stderr)")
        let instructions = try OutputReaders.dockerfileInstructions(Array(result.stdout.utf8))
        #expect(instructions.map(\.command) == ["ENV"])
        let first = try #require(instructions.first)
        let pairs = try OutputReaders.envPairs(first.rest)
        #expect(pairs.map(\.name) == ["LD_LIBRARY_PATH"] && pairs.map(\.value) == ["/opt/it's $(touch PWNED4)"])
    }

    @Test("fix --format dockerfile refuses a directory whose name holds a newline and a RUN; --format sh carries it")
    func fixDockerfileNewline() throws {
        Self.expectRefused(Self.run(["fix", "--root", InjectionRoots.root("newline-env"), "--format", "dockerfile", Self.program]),
                           "fix --format dockerfile")
        let sh = Self.run(["fix", "--root", InjectionRoots.root("newline-env"), "--format", "sh", Self.program])
        #expect(sh.status == 1, "\(sh.stderr)")
        let dir = try InjectionRoots.scratchCopy(of: "newline-env")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ran = try OutputReaders.runScript(Array(sh.stdout.utf8), shell: "/usr/bin/dash", in: dir, environment: ["OFDOCTOR_ROOT": dir + "/root"])
        #expect(ran.status == 0, "\(ran.stderr)")
        let read = try OutputReaders.runScript(Array(". ./root/etc/profile.d/ofdoctor.sh\nprintf '%s' \"$LD_LIBRARY_PATH\" > value\n".utf8),
                                               shell: "/usr/bin/dash", in: dir)
        #expect(read.status == 0, "\(read.stderr)")
        #expect(OutputReaders.bytes(dir, "value") == Array("/opt/n\nRUN touch /PWNED5".utf8))
    }

    /// The line an earlier run wrote for another directory whose name shares the first line
    /// with this one's: `grep -qxF` took it for this run's line, and the value was never
    /// written.
    static let earlierProfile = "# Written by ofdoctor fix --apply; `ofdoctor undo` removes it.\nexport LD_LIBRARY_PATH='/opt/n\nOTHER'\n"

    @Test("fix --format sh writes a value holding a newline though a line of it is in the profile already, once; check reads the file back as applied",
          arguments: OutputReaders.shells)
    func fixShellNewlineValueWritten(_ shell: String) throws {
        let sh = Self.run(["fix", "--root", InjectionRoots.root("newline-env"), "--format", "sh", Self.program])
        #expect(sh.status == 1, "\(sh.stderr)")
        let dir = try InjectionRoots.scratchCopy(of: "newline-env")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let profile = dir + "/root/etc/profile.d/ofdoctor.sh"
        try FileManager.default.createDirectory(atPath: dir + "/root/etc/profile.d", withIntermediateDirectories: true)
        try Data(Self.earlierProfile.utf8).write(to: URL(fileURLWithPath: profile))
        for pass in 1...2 {
            let ran = try OutputReaders.runScript(Array(sh.stdout.utf8), shell: shell, in: dir, environment: ["OFDOCTOR_ROOT": dir + "/root"])
            #expect(ran.status == 0, "pass \(pass): \(ran.stderr)")
        }
        let written = try String(contentsOfFile: profile, encoding: .utf8)
        #expect(written == Self.earlierProfile + "export LD_LIBRARY_PATH='/opt/n\nRUN touch /PWNED5'\n", "\(written.debugDescription)")
        let read = try OutputReaders.runScript(Array(". ./root/etc/profile.d/ofdoctor.sh\nprintf '%s' \"$LD_LIBRARY_PATH\" > value\n".utf8),
                                               shell: shell, in: dir)
        #expect(read.status == 0, "\(read.stderr)")
        #expect(OutputReaders.bytes(dir, "value") == Array("/opt/n\nRUN touch /PWNED5".utf8))

        let check = Self.run(["check", "--root", dir + "/root", "--format", "json", Self.program])
        let state = try JSONDecoder().decode(FixJourneyTests.EnvironmentStateJSON.self, from: Data(check.stdout.utf8))
        #expect(check.status == 1 && state.status == "fixable" && state.onlyEnvironmentLeft,
                "the profile the script wrote is not read back as applied: \(check.stdout.prefix(300))")
    }

    @Test("after fix --apply of a value holding a newline, check says the root is fixed and the environment is not")
    func applyNewlineValueReadBack() throws {
        let dir = try InjectionRoots.scratchCopy(of: "newline-env")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = dir + "/root"
        let before = Self.run(["check", "--root", root, "--format", "json", Self.program])
        #expect(try JSONDecoder().decode(FixJourneyTests.EnvironmentStateJSON.self, from: Data(before.stdout.utf8)).onlyEnvironmentLeft == false)
        let apply = Self.run(["fix", "--apply", "--root", root, Self.program])
        #expect(apply.status == 0, "\(apply.stdout) \(apply.stderr)")
        let after = Self.run(["check", "--root", root, "--format", "json", Self.program])
        let state = try JSONDecoder().decode(FixJourneyTests.EnvironmentStateJSON.self, from: Data(after.stdout.utf8))
        #expect(after.status == 1 && state.onlyEnvironmentLeft, "\(after.stdout.prefix(300))")
        let text = Self.run(["check", "--root", root, Self.program])
        #expect(text.stdout.contains("the root is fixed") && !text.stdout.contains("make it:"), "\(text.stdout)")
    }

    // MARK: - env

    /// Values given with `--env` (argv cannot hold NUL or bytes that are not UTF-8: the
    /// quoters' own tests cover those).
    static let environmentValues = QuotingInterpreterTests.values.filter { $0.text != nil && !$0.bytes.contains(0) }

    @Test("env --format sh|dotenv|dockerfile: each value read back by its reader, or refused with exit 3 and nothing printed",
          arguments: environmentValues)
    func envFormats(_ value: QuotingInterpreterTests.Hostile) throws {
        let text = try #require(value.text)
        let base = ["env", "--root", InjectionRoots.root("quote-env"), "--env", "LD_HOSTILE=\(text)", Self.program]
        let dir = try OutputReaders.scratchDirectory("env")
        defer { try? FileManager.default.removeItem(atPath: dir) }

        // `env` exits 0 unless some problem needs a person (2).
        let sh = Self.run(base + ["--format", "sh"])
        #expect(sh.status == 0, "\(sh.stderr)")
        try Data(sh.stdout.utf8).write(to: URL(fileURLWithPath: dir + "/env.sh"))
        for shell in OutputReaders.shells {
            let read = try OutputReaders.runScript(Array("eval \"$(cat env.sh)\"\nprintf '%s' \"$LD_HOSTILE\" > value\n".utf8), shell: shell, in: dir)
            #expect(read.status == 0, "\(shell): \(read.stderr)")
            QuotingInterpreterTests.expectIntact(OutputReaders.bytes(dir, "value"), value, in: dir, "env --format sh, \(shell)")
        }

        let dockerfile = Self.run(base + ["--format", "dockerfile"])
        if value.bytes.contains(UInt8(ascii: "\n")) {
            Self.expectRefused(dockerfile, "env --format dockerfile")
        } else {
            #expect(dockerfile.status == 0, "\(dockerfile.stderr)")
            let instructions = try OutputReaders.dockerfileInstructions(Array(dockerfile.stdout.utf8))
            #expect(instructions.allSatisfy { $0.command == "ENV" })
            let pairs = try instructions.flatMap { try OutputReaders.envPairs($0.rest) }
            #expect(pairs.first { $0.name == "LD_HOSTILE" }.map { Array($0.value.utf8) } == value.bytes, "ENV read back \(pairs)")
        }

        let dotenv = Self.run(base + ["--format", "dotenv"])
        if dotenv.status == 3 {
            Self.expectRefused(dotenv, "env --format dotenv")
            #expect(!["plain path", "empty", "equals signs", "command substitution"].contains(value.name), "\(value.name) refused")
        } else {
            #expect(dotenv.status == 0, "\(dotenv.stderr)")
            let docker = try OutputReaders.dockerEnvFile(Array(dotenv.stdout.utf8))
            #expect(docker.allSatisfy { $0.name.hasPrefix("LD_") && $0.value != nil }, "docker --env-file read \(docker)")
            #expect(docker.first { $0.name == "LD_HOSTILE" }?.value.map { Array($0.utf8) } == value.bytes, "docker --env-file read \(docker)")
            if OutputReaders.hasPythonDotenv {
                let python = try #require(try OutputReaders.pythonDotenv(Array(dotenv.stdout.utf8), in: dir))
                #expect(python["LD_HOSTILE"] == value.bytes, "python-dotenv read \(String(describing: python["LD_HOSTILE"]))")
            }
        }
    }

    @Test("env refuses a variable name a shell would run, in every format but json",
          arguments: ["sh", "dotenv", "dockerfile"])
    func envHostileName(_ format: String) {
        let result = Self.run(["env", "--root", InjectionRoots.root("quote-env"), "--env", "LD_X$(touch PWNED)=1", "--format", format, Self.program])
        Self.expectRefused(result, "env --format \(format)")
    }

    // MARK: - text for a terminal

    @Test("check, tree and fix show a library name's ESC, BEL and C1 bytes escaped, never raw",
          arguments: [["check"], ["tree"], ["tree", "--all"], ["fix"]])
    func terminalText(_ command: [String]) {
        let result = Self.run(command + ["--root", InjectionRoots.root("terminal"), Self.program])
        #expect(result.status < 64, "\(result.stderr)")
        let raw = result.stdout.unicodeScalars.filter { $0.value < 0x20 && $0 != "\n" || (0x7F...0x9F).contains($0.value) }
        #expect(raw.isEmpty, "\(command): raw control characters \(raw.map { String($0.value, radix: 16) })")
        #expect(result.stdout.contains(#"lib\x1b]0;PWNED\x07\x1b[2J\u009b31m.so"#), "\(command): \(result.stdout)")
    }

    @Test("check --format json keeps the name exact and stays valid JSON")
    func terminalJSON() throws {
        let result = Self.run(["check", "--root", InjectionRoots.root("terminal"), "--format", "json", Self.program])
        let report = try #require(HostileReport.decode(result.stdout), "\(result.stdout)")
        #expect(report.findings.contains { $0.library == "lib\u{1B}]0;PWNED\u{7}\u{1B}[2J\u{9B}31m.so" })
    }

    // MARK: - --env-from

    @Test("--env-from a missing, unreadable, non-JSON or Env-less file is bad input: exit 3, one `ofdoctor:` line",
          arguments: ["missing", "directory", "not JSON", "Env is a number"])
    func envFromBadFile(_ kind: String) throws {
        let dir = try OutputReaders.scratchDirectory("env-from")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/config.json"
        switch kind {
        case "directory": try FileManager.default.createDirectory(atPath: file, withIntermediateDirectories: true)
        case "not JSON": try Data("Env=LD_LIBRARY_PATH=/x\n".utf8).write(to: URL(fileURLWithPath: file))
        case "Env is a number": try Data(#"{"Env":5}"#.utf8).write(to: URL(fileURLWithPath: file))
        default: break
        }
        for command in ["check", "fix", "env", "tree"] {
            let result = Self.run([command, "--root", InjectionRoots.root("quote-env"), "--env-from", file, Self.program])
            #expect(result.status == 3, "\(command) \(kind): exit \(result.status) \(result.stderr)")
            let lines = HostileCLI.errorLines(result)
            #expect(lines.count == 1 && lines.first?.hasPrefix("ofdoctor: \(file)") == true, "\(command) \(kind): \(lines)")
        }
    }
}

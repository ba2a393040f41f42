import Foundation
import Testing

/// Exit codes that mean what README's table says (issue 18): each code of the table is
/// produced by the real binary, bad input is exit 3 with one `ofdoctor:` line, a usage
/// error is 64 with one line, and `verify` tells the program's own failure (5) from a
/// library's.
@Suite("Exit codes as README's table says", .enabled(if: HostileCLI.isAvailable, HostileCLI.unavailableReason))
struct ExitCodeTests {
    /// The codes of README's "Exit codes" table, in its order.
    static func readmeCodes() throws -> [Int32] {
        let readme = try String(contentsOfFile: Command.packageRoot + "/README.md", encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## Exit codes").dropFirst().first, "README has no Exit codes section")
        let table = section.components(separatedBy: "\n## ").first ?? section
        return table.split(separator: "\n").compactMap { line in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            return cells.first.flatMap { Int32($0) }
        }
    }

    /// The codes `ofdoctor --help` lists under "Exit status:".
    static func helpCodes() -> [Int32] {
        let help = Command.ofdoctor(["--help"]).stdout
        guard let block = help.components(separatedBy: "Exit status:").dropFirst().first else { return [] }
        let lines = block.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().prefix { !$0.isEmpty }
        return lines.filter { $0.hasPrefix("  ") }.compactMap { $0.split(separator: " ").first.flatMap { Int32($0) } }
    }

    static func scratch(_ label: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-exit-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func target(_ fixture: FixtureRoot, root: String? = nil) -> [String] {
        ["--root", root ?? fixture.rootPath] + DoctorEndToEndTests.envArguments(fixture) + ["FeatureExtraction"]
    }

    /// One failure line on stderr, `ofdoctor: ` first, naming `words`.
    static func expectOneLine(_ result: Command.Result, _ words: [String], _ label: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = HostileCLI.errorLines(result)
        #expect(lines.count == 1, "\(label): want one stderr line, got \(lines)", sourceLocation: sourceLocation)
        #expect(lines.first?.hasPrefix("ofdoctor: ") == true, "\(label): \(lines)", sourceLocation: sourceLocation)
        for word in words {
            #expect(lines.first?.contains(word) == true, "\(label): \(lines) should name \(word)", sourceLocation: sourceLocation)
        }
        #expect(!result.stderr.contains("Error:"), "\(label): ArgumentParser's own error form: \(result.stderr)", sourceLocation: sourceLocation)
    }

    @Test("every code of README's table comes out of the real binary, for the reason the table gives; --help lists the same codes",
          .enabled(if: FixtureRoot.isBuilt && getuid() == 0, "needs the fixture roots (make fixtures) and root (fix --apply on a copy)"),
          .timeLimit(.minutes(5)))
    func everyCodeOfTheTable() throws {
        let readme = try Self.readmeCodes()
        #expect(readme == [0, 1, 2, 3, 4, 5, 64], "README's table: \(readme)")
        #expect(Self.helpCodes() == readme, "ofdoctor --help lists \(Self.helpCodes()), README \(readme)")
        let healthy = try #require(FixtureRoot.named("healthy"))
        let fixable = try #require(FixtureRoot.named("of003"))
        let person = try #require(FixtureRoot.named("models-none"))
        var produced: [Int32: String] = [:]

        let zero = Command.ofdoctor(["check"] + Self.target(healthy))
        #expect(zero.status == 0 && zero.stdout.contains("will start"), "\(zero.stdout) \(zero.stderr)")
        produced[zero.status] = "check, healthy"

        let one = Command.ofdoctor(["check", "--format", "json"] + Self.target(fixable))
        #expect(one.status == 1 && one.stdout.contains("\"status\" : \"fixable\""), "\(one.stderr)")
        produced[one.status] = "check, fixable"

        let two = Command.ofdoctor(["check", "--format", "json"] + Self.target(person))
        #expect(two.status == 2 && two.stdout.contains("\"status\" : \"unfixable\""), "\(two.stderr)")
        produced[two.status] = "check, needs a person"

        let missing = "/nonexistent-\(UUID().uuidString).json"
        let three = Command.ofdoctor(["check", "--env-from", missing] + Self.target(healthy))
        #expect(three.status == 3)
        Self.expectOneLine(three, [missing], "--env-from a missing file")
        produced[three.status] = "check, bad input"

        // The journal's directory is a file: the plan is refused before its first change.
        let dir = try Self.scratch("apply")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(Command.run("/bin/cp", ["-a", fixable.rootPath, dir + "/root"]).status == 0)
        try FileManager.default.createDirectory(atPath: dir + "/root/var/lib", withIntermediateDirectories: true)
        try Data("not a directory\n".utf8).write(to: URL(fileURLWithPath: dir + "/root/var/lib/ofdoctor"))
        let before = try TreeSnapshot(root: dir + "/root")
        let four = Command.ofdoctor(["fix", "--apply"] + Self.target(fixable, root: dir + "/root"))
        #expect(four.status == 4, "\(four.stdout) \(four.stderr)")
        Self.expectOneLine(four, ["/var/lib/ofdoctor"], "fix --apply with /var/lib/ofdoctor a file")
        #expect(try TreeSnapshot(root: dir + "/root") == before, "a refused plan changed the root")
        produced[four.status] = "fix --apply, refused"

        let five = Command.ofdoctor(["verify", "/usr/bin/false"])
        #expect(five.status == 5, "\(five.stdout) \(five.stderr)")
        produced[five.status] = "verify, the program's own failure"

        let usage = Command.ofdoctor(["help", "nonexistent"])
        #expect(usage.status == 64)
        produced[usage.status] = "help of no command"

        #expect(produced.keys.sorted() == readme.sorted(), "produced \(produced), README \(readme)")
    }

    @Test("--env-from a missing file, a directory, a FIFO, a file that is not JSON or whose Env is no list: exit 3, one ofdoctor: line",
          arguments: ["missing", "directory", "fifo", "not JSON", "binary bytes", "Env a number", "Env absent"])
    func envFromBadInput(_ kind: String) throws {
        let dir = try Self.scratch("envfrom")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/config.json"
        switch kind {
        case "missing": break
        case "directory": try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        case "fifo": #expect(mkfifo(path, 0o644) == 0)
        case "not JSON": try Data("Env=LD_LIBRARY_PATH=/opt/lib\n".utf8).write(to: URL(fileURLWithPath: path))
        case "binary bytes": try Data([0xff, 0xfe, 0x00, 0x7b]).write(to: URL(fileURLWithPath: path))
        case "Env a number": try Data(#"{"Env":5}"#.utf8).write(to: URL(fileURLWithPath: path))
        default: try Data(#"{"Config":{"Cmd":["sh"]}}"#.utf8).write(to: URL(fileURLWithPath: path))
        }
        // What the line says is what is wrong with the file, not a guess.
        let reason = ["missing": "No such file or directory", "directory": "not a regular file",
                      "fifo": "not a regular file"][kind]
        for command in ["check", "fix", "tree", "env", "verify"] {
            let result = HostileCLI.run([command, "--env-from", path, "/bin/true"], timeout: 60)
            #expect(result.status == 3, "\(kind), \(command): exit \(result.status) \(result.stderr)")
            Self.expectOneLine(result, [path] + (reason.map { [$0] } ?? []), "\(kind), \(command)")
            #expect(result.stdout.isEmpty, "\(kind), \(command): \(result.stdout)")
        }
    }

    @Test("usage errors: help of no command, --timeout below 1, --root with --image: exit 64, one line naming the problem",
          arguments: [
            (["help", "nonexistent"], "nonexistent"),
            (["help", "check", "extra"], "check extra"),
            (["verify", "--timeout", "-5", "/bin/true"], "--timeout"),
            (["verify", "--timeout", "0", "/bin/true"], "--timeout"),
            (["verify", "--timeout", "soon", "/bin/true"], "--timeout"),
            (["check", "--root", "/", "--image", "/nonexistent.tar", "/bin/true"], "--image"),
            (["fix", "--root", "/srv/x", "--image", "/nonexistent.tar", "/bin/true"], "--image"),
          ])
    func usageErrors(_ arguments: [String], _ named: String) {
        let result = HostileCLI.run(arguments, timeout: 60)
        #expect(result.status == 64, "\(arguments): exit \(result.status) \(result.stdout.prefix(200))")
        Self.expectOneLine(result, [named], "\(arguments)")
        #expect(result.stdout.isEmpty, "\(arguments): printed \(result.stdout.prefix(200))")
    }

    /// fix --apply reports what it changed as text only (docs/json.md): a format asked of it
    /// was once dropped without a word, the plan applied and text printed to a script that
    /// wanted JSON.
    @Test("fix --apply with --format json, sh or dockerfile: exit 64 naming the conflict, the root untouched; --format text applies the plan",
          .enabled(if: RealLoader.canRunRoots, "needs root (ldconfig and the real loader in the scratch root)"))
    func applyRefusesAnotherFormat() throws {
        let root = try LinkPlanRoot.make("apply-format")
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let before = RealLoader.run(root: root, program: LinkPlanRoot.program, argv0: "prog", environment: [:])
        try #require(before.status == 127 && before.stderr.contains("libfoo.so.1"), "the loader refuses it first: \(before)")
        let untouched = try TreeSnapshot(root: root)
        for format in ["json", "sh", "dockerfile"] {
            let result = Command.ofdoctor(["fix", "--apply", "--format", format, "--root", root, LinkPlanRoot.program])
            #expect(result.status == 64, "\(format): exit \(result.status) \(result.stdout)")
            Self.expectOneLine(result, ["--apply", "--format \(format)"], "fix --apply --format \(format)")
            #expect(result.stdout.isEmpty, "\(format): printed \(result.stdout)")
            #expect(try TreeSnapshot(root: root) == untouched, "fix --apply --format \(format) changed the root")
        }
        let text = Command.ofdoctor(["fix", "--apply", "--format", "text", "--root", root, LinkPlanRoot.program])
        #expect(text.status == 0 && text.stdout.contains("linked \(LinkPlanRoot.link)"), "\(text.stdout) \(text.stderr)")
        let after = RealLoader.run(root: root, program: LinkPlanRoot.program, argv0: "prog", environment: [:])
        #expect(after.status == 0, "the plan applied, the loader starts it: \(after)")
    }

    /// check is the default command, so a mistyped one was taken for check's program and the
    /// error named the word after it (`Unexpected argument '/bin/ls'`).
    @Test("a first word that is no command, file or program, with more words after it: exit 64, the line names that word and the command it is a slip of",
          arguments: [
            (["chek", "/bin/ls"], "no command 'chek'; did you mean 'check'?"),
            (["tre", "--root", "/", "/bin/ls"], "no command 'tre'; did you mean 'tree'?"),
            (["fxi", "--apply", "/bin/true"], "no command 'fxi'; did you mean 'fix'?"),
            (["explain", "LD003"], "no command 'explain' "),
          ])
    func mistypedCommand(_ arguments: [String], _ line: String) {
        let result = Command.ofdoctor(arguments)
        #expect(result.status == 64, "\(arguments): exit \(result.status) \(result.stdout.prefix(200))")
        Self.expectOneLine(result, [line], "\(arguments)")
        #expect(!result.stderr.contains("Unexpected argument"), "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty, "\(arguments): printed \(result.stdout.prefix(200))")
    }

    @Test("a format typed as an option (--json, --dot): the usage error names --format with it, not the option spelled closest",
          arguments: [(["check", "--json", "/bin/true"], "Unknown option '--json': --format json gives JSON"),
                      (["tree", "--dot", "/bin/true"], "Unknown option '--dot': --format dot gives dot")])
    func formatAsOption(_ arguments: [String], _ line: String) {
        let result = Command.ofdoctor(arguments)
        #expect(result.status == 64, "\(arguments): exit \(result.status)")
        Self.expectOneLine(result, [line], "\(arguments)")
        #expect(!result.stderr.contains("Did you mean"), "\(result.stderr)")
    }

    @Test("a first word that names a program on PATH stays check's program: the usage error is the word after it")
    func programBeforeAnExtraWord() {
        let result = Command.ofdoctor(["true", "extra"])
        #expect(result.status == 64)
        Self.expectOneLine(result, ["Unexpected argument 'extra'"], "true extra")
        #expect(!result.stderr.contains("no command"), "\(result.stderr)")
    }

    @Test("help of a command that exists still prints its help, exit 0")
    func helpOfACommand() {
        let result = Command.ofdoctor(["help", "verify"])
        #expect(result.status == 0 && result.stdout.contains("--timeout"), "\(result.stdout)")
    }

    @Test("verify of a program that fails by itself: exit 5, the program's own words, no pointer to check",
          arguments: [
            (["/usr/bin/false"], "exited with 1"),
            (["--timeout", "1", "/bin/sleep", "--", "30"], "after 1 s (--timeout 1)"),
            (["/bin/sh", "--", "-c", "kill -SEGV $$"], "signal 11 (SIGSEGV)"),
          ])
    func verifyProgramFailure(_ arguments: [String], _ words: String) {
        let result = HostileCLI.run(["verify"] + arguments, timeout: 60)
        #expect(result.status == 5, "\(arguments): exit \(result.status) \(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains(words), "\(result.stdout)")
        #expect(result.stdout.contains("the program's own"), "\(result.stdout)")
        #expect(!result.stdout.contains("ofdoctor check"), "points at check, which finds nothing: \(result.stdout)")
    }

    @Test("verify of a program that starts and exits 0: exit 0")
    func verifyHealthy() {
        let result = HostileCLI.run(["verify", "/bin/true"], timeout: 60)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("started and exited normally"))
    }

    /// The headline's command is the run's words as a shell takes them back: pasted, it is
    /// the same run (the arguments reach the program as they did).
    @Test("verify's headline quotes the run's words so that a shell reads them back as they were")
    func verifyHeadlineQuotes() {
        let words = ["-c", "printf '%s|' \"$@\"", "sh", "a b", "print(1)", "$HOME", "it's"]
        let result = HostileCLI.run(["verify", "/bin/sh", "--"] + words, timeout: 60)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let headline = result.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let command = headline.components(separatedBy: " → ").first ?? ""
        // Run back through the shell: the program's own output is the same.
        let again = Command.run("/bin/sh", ["-c", command], environment: ["PATH": "/usr/bin:/bin"])
        #expect(again.status == 0 && again.stdout == "a b|print(1)|$HOME|it's|", "\(command) → \(again)")
        #expect(result.stdout.contains("a b|print(1)|$HOME|it's|"), "\(result.stdout)")
    }

    @Test("verify of a program the loader refuses: the check's code and the fix to paste, not 5",
          .enabled(if: FixtureRoot.isBuilt && RealLoader.canRunRoots, "needs the fixture roots and root (verify --root chroots)"))
    func verifyLoaderFailure() throws {
        let fixture = try #require(FixtureRoot.named("of001"))
        let result = HostileCLI.run(["verify"] + Self.target(fixture), timeout: 120)
        #expect(result.status == 1, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("the loader refused it") && result.stdout.contains("libwebp.so.7"), "\(result.stdout)")
        #expect(result.stdout.contains("fix --apply") && result.stdout.contains(fixture.rootPath), "\(result.stdout)")
    }
}

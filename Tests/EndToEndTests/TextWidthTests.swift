import Foundation
import Testing

/// Text output fits the terminal (issue 18 item 1): every line of `check`, `fix` and `tree` on
/// every fixture root is at most COLUMNS wide, `--help` examples stay whole at 80 columns,
/// and colour follows the terminal (`TERM=dumb`, `NO_COLOR`, pipes).
@Suite("Text output fits the terminal", .serialized)
struct TextWidthTests {
    /// Every built fixture root, with the arguments that name its program and environment.
    static var targets: [(name: String, arguments: [String])] {
        FixtureRoot.all.map { ($0.name, ["--root", $0.rootPath, "FeatureExtraction"] + DoctorEndToEndTests.envArguments($0)) }
            + FixtureRoot.allRules.compactMap { fixture in
                fixture.program.map { program in
                    ("rules/" + fixture.name, ["--root", fixture.rootPath, program]
                        + fixture.environmentArguments)
                }
            }
    }

    /// Lines wider than `width`. A word is never cut (a path or a command must still work when
    /// copied), so one line may be wider: a line holding a single word that is itself longer
    /// than the whole width, or one command in backquotes (kept whole, as a word) under the
    /// label's indent. Any other wide line is a failure.
    static func tooWide(_ text: String, width: Int) -> [String] {
        text.split(separator: "\n").map(String.init).filter { line in
            guard line.count > width else { return false }
            let words = line.split(separator: " ")
            if words.count == 1 && words[0].count > width { return false }
            let content = line.drop { $0 == " " }
            let command = content.hasPrefix("`") && content.dropFirst().firstIndex(of: "`").map { content[content.index(after: $0)...].count <= 1 } == true
            return !command
        }
    }

    @Test("every line of check, check --verbose, fix and tree fits COLUMNS=80 and COLUMNS=60 on every fixture root",
          .enabled(if: FixtureRoot.isBuilt, "fixture roots not built: run `make fixtures`"), arguments: [80, 60])
    func linesFit(width: Int) throws {
        let targets = Self.targets
        #expect(targets.count >= 20, "fixture roots missing: \(targets.map(\.name))")
        var measured = 0, wrapped = 0
        for target in targets {
            for command in [["check"], ["check", "--verbose"], ["fix"], ["tree"]] {
                let result = Command.ofdoctor(command + target.arguments, environment: ["COLUMNS": String(width)])
                #expect(result.status != 3 && !result.stdout.isEmpty, "\(target.name) \(command): \(result.stderr)")
                let wide = Self.tooWide(result.stdout, width: width)
                #expect(wide.isEmpty, "\(target.name) \(command.joined(separator: " ")) at \(width): \(wide)")
                measured += result.stdout.split(separator: "\n").count
                wrapped += Self.tooWide(Command.ofdoctor(command + target.arguments, environment: ["COLUMNS": "1000"]).stdout, width: width).count
            }
        }
        print("text width \(width): \(measured) lines of \(targets.count) roots measured; unwrapped, \(wrapped) would be wider")
        #expect(wrapped > 0, "nothing was ever wider than \(width): the test measures nothing")
    }

    @Test("a tree deeper than half the width keeps each library on one line: never a line of tree drawing alone")
    func deepTreeLinesStayWhole() throws {
        let fixture = try #require(FixtureRoot.all.first { $0.name == "healthy" } ?? FixtureRoot.all.first, "no fixture roots built")
        let arguments = ["tree", "--root", fixture.rootPath, "FeatureExtraction"] + DoctorEndToEndTests.envArguments(fixture)
        let narrow = Command.ofdoctor(arguments, environment: ["COLUMNS": "20"]).stdout
        let wide = Command.ofdoctor(arguments, environment: ["COLUMNS": "1000"]).stdout
        let drawingOnly = narrow.split(separator: "\n").filter { line in line.allSatisfy { $0 == " " || $0 == "│" } }
        #expect(drawingOnly.isEmpty, "\(drawingOnly.count) lines of drawing alone")
        // Lines with a prefix of 10 columns or more are the wide tree's lines, unchanged.
        let deep = wide.split(separator: "\n").filter { $0.hasPrefix("│   │") || $0.hasPrefix("    │") || $0.hasPrefix("│       ") }
        #expect(!deep.isEmpty, "the tree is not deep enough to test")
        for line in deep { #expect(narrow.contains(line), "\(line)") }
    }

    @Test("the headline's next steps are commands that fit and still run when pasted with their line continuations",
          .enabled(if: FixtureRoot.isBuilt, "fixture roots not built: run `make fixtures`"))
    func wrappedCommandsRun() throws {
        let fixture = try #require(FixtureRoot.named("of004"))
        let check = Command.ofdoctor(["check", "--root", fixture.rootPath, "FeatureExtraction"] + DoctorEndToEndTests.envArguments(fixture),
                                     environment: ["COLUMNS": "60"])
        let commands = FixJourneyTests.suggestedCommands(check.stdout)
        #expect(commands.count == 2 && commands.allSatisfy { $0.contains(" \\\n") }, "\(check.stdout)")
        let plan = try #require(commands.first)
        let result = Command.run("/bin/sh", ["-c", plan], environment: ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"])
        #expect(result.status == 1 && result.stdout.contains("Plan for"), "\(plan): \(result.stdout) \(result.stderr)")
    }

    /// A root whose path holds a quote and a backslash: the shell quoting of `--root` has
    /// backslashes of its own (`'it'\''s'`), which the terminal text must not double.
    @Test("commands still run when pasted when the root's path holds a quote and a backslash",
          .enabled(if: FixtureRoot.isBuilt, "fixture roots not built: run `make fixtures`"))
    func commandsWithQuotesRun() throws {
        let fixture = try #require(FixtureRoot.named("of004"))
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-it's a \\ \(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let root = try DoctorEndToEndTests.scratchCopy(fixture, under: parent)
        let check = Command.ofdoctor(["check", "--root", root, "FeatureExtraction"] + DoctorEndToEndTests.envArguments(fixture))
        let commands = FixJourneyTests.suggestedCommands(check.stdout)
        #expect(commands.count == 2 && commands.allSatisfy { $0.contains("'\\''") }, "\(check.stdout)")
        let plan = try #require(commands.first)
        let result = Command.run("/bin/sh", ["-c", plan], environment: ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"])
        #expect(result.status == 1 && result.stdout.contains("Plan for"), "\(plan): \(result.stdout) \(result.stderr)")
    }

    static let subcommands = ["", "check", "fix", "undo", "tree", "env", "verify", "resources"]

    @Test("--help examples at 80 columns: each is one whole line, none broken mid-command", arguments: subcommands)
    func helpExamplesWhole(subcommand: String) {
        let help = Command.ofdoctor((subcommand.isEmpty ? [] : [subcommand]) + ["--help"], environment: ["COLUMNS": "80"])
        let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("Examples:") }) else { return }
        let examples = lines[(start + 1)...].prefix { !$0.isEmpty }
        #expect(!examples.isEmpty)
        for line in examples {
            // ArgumentParser puts the rest of a line too long for 80 columns at column 0.
            #expect(line.hasPrefix("  ") && line.count <= 80, "`ofdoctor \(subcommand) --help`: broken example line \(line.debugDescription)")
        }
    }

    /// `check` in a pseudo-terminal of `columns` columns (util-linux `script`), with `environment`.
    static func onTerminal(_ arguments: [String], columns: Int, environment: [String: String]) -> String {
        let assignments = environment.map { "\($0.key)=\(ShellWord.quote($0.value))" }.sorted().joined(separator: " ")
        let command = "stty cols \(columns) rows 50; env \(assignments) " + ([Command.ofdoctorPath] + arguments).map(ShellWord.quote).joined(separator: " ")
        let result = Command.run("/usr/bin/script", ["-qec", command, "/dev/null"], environment: ["PATH": "/usr/bin:/bin", "TERM": "xterm"])
        return result.stdout.replacingOccurrences(of: "\r\n", with: "\n")
    }

    @Test("on a terminal: colour, and its own width; never colour with TERM=dumb or NO_COLOR, nor through a pipe",
          .enabled(if: FixtureRoot.isBuilt && FileManager.default.isExecutableFile(atPath: "/usr/bin/script"),
                   "needs the fixture roots and util-linux's script(1)"))
    func colourAndTerminalWidth() throws {
        let fixture = try #require(FixtureRoot.named("all"))
        let arguments = ["check", "--root", fixture.rootPath, "FeatureExtraction"] + DoctorEndToEndTests.envArguments(fixture)
        let escape = "\u{1B}["
        let colour = Self.onTerminal(arguments, columns: 100, environment: ["TERM": "xterm-256color"])
        #expect(colour.contains(escape), "a terminal gets colour: \(colour.prefix(300))")
        #expect(!Self.onTerminal(arguments, columns: 100, environment: ["TERM": "dumb"]).contains(escape))
        #expect(!Self.onTerminal(arguments, columns: 100, environment: ["TERM": "xterm", "NO_COLOR": "1"]).contains(escape))
        let piped = Command.ofdoctor(arguments, environment: ["TERM": "xterm-256color", "NO_COLOR": ""])
        #expect(!piped.stdout.contains(escape), "a pipe gets none")
        // Without COLUMNS: the terminal's 100 columns, not the fallback 80.
        let plain = Self.onTerminal(arguments, columns: 100, environment: ["TERM": "dumb"])
        let widths = plain.split(separator: "\n").map(\.count)
        #expect(widths.contains { $0 > 80 } && Self.tooWide(plain, width: 100).isEmpty, "\(widths)")
        #expect(Self.tooWide(Self.onTerminal(arguments, columns: 50, environment: ["TERM": "dumb"]), width: 50).isEmpty)
        // Piped, with no COLUMNS: 80.
        #expect(Self.tooWide(Command.ofdoctor(arguments).stdout, width: 80).isEmpty)
    }
}

/// A word for `sh -c`: single-quoted.
enum ShellWord {
    static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

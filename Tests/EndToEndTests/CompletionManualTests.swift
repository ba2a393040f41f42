import Foundation
import Testing

/// Completions that complete paths in a real bash, and a man page made from the same
/// definitions as `--help`, listing every option of every command (issue 18).
@Suite("Completions and the man page")
struct CompletionManualTests {
    /// A folder with a directory and a file whose names start alike.
    static func pathsToComplete() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-complete-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/some-dir", withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: dir + "/some-file.json"))
        return dir
    }

    /// Loads the generated bash completion into a real, non-interactive bash and drives its
    /// function as readline would (COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT), one
    /// command line a case; prints each case's COMPREPLY between markers, then `complete -p`.
    static func bashCompletions(_ lines: [[String]]) throws -> (replies: [[String]], registration: String) {
        let script = Command.ofdoctor(["--generate-completion-script", "bash"])
        try #require(script.status == 0, "\(script.stderr)")
        let dir = try OutputReaders.scratchDirectory("bash-completion")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(script.stdout.utf8).write(to: URL(fileURLWithPath: dir + "/ofdoctor.bash"))
        var driver = """
            source ./ofdoctor.bash
            drive() {
              COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
              _ofdoctor ofdoctor "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
              printf '%s\\n' "${COMPREPLY[@]}"; printf '%s\\n' '--end--'
            }

            """
        for words in lines {
            driver += "drive " + words.map { "'\($0)'" }.joined(separator: " ") + "\n"
        }
        driver += "complete -p ofdoctor\n"
        try Data(driver.utf8).write(to: URL(fileURLWithPath: dir + "/driver.sh"))
        let result = Command.run("/usr/bin/env", ["-C", dir, "/bin/bash", "--norc", "--noprofile", "driver.sh"],
                                 environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        try #require(result.status == 0, "bash: \(result.stderr)")
        var replies: [[String]] = [[]]
        var rest = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while let line = rest.first, replies.count <= lines.count {
            rest.removeFirst()
            if line == "--end--" { replies.append([]) } else if !line.isEmpty { replies[replies.count - 1].append(line) }
        }
        return (Array(replies.prefix(lines.count)), rest.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("bash completes files for BINARY, --image and --env-from, directories for --root and resources' DIR; -o default is the fallback")
    func bashCompletesPaths() throws {
        let dir = try Self.pathsToComplete()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let prefix = dir + "/some-"
        let both = [dir + "/some-dir", dir + "/some-file.json"]
        let cases: [([String], [String])] = [
            (["ofdoctor", "check", prefix], both),
            (["ofdoctor", "tree", "--env", "A=b", prefix], both),
            (["ofdoctor", "check", "--image", prefix], both),
            (["ofdoctor", "fix", "--env-from", prefix], both),
            (["ofdoctor", "env", "--root", prefix], [dir + "/some-dir"]),
            (["ofdoctor", "resources", prefix], [dir + "/some-dir"]),
            (["ofdoctor", "tree", "--format", "d"], ["dot"]),
        ]
        let (replies, registration) = try Self.bashCompletions(cases.map(\.0))
        for ((words, want), got) in zip(cases, replies) {
            #expect(got.sorted() == want.sorted(), "\(words.joined(separator: " "))<TAB>: \(got)")
        }
        // Where the function offers nothing (a BINARY after the default command), readline
        // falls back to file names.
        #expect(registration.contains("-o default") && registration.hasSuffix("ofdoctor"), "\(registration)")
    }

    @Test("zsh completes files for BINARY, --image and --env-from and directories for --root")
    func zshActions() throws {
        let script = Command.ofdoctor(["--generate-completion-script", "zsh"]).stdout
        for command in ["check", "fix", "tree", "env", "verify", "undo"] {
            guard let body = script.components(separatedBy: "_ofdoctor_\(command)() {").dropFirst().first?.components(separatedBy: "\n}").first else {
                Issue.record("no zsh function for \(command)")
                continue
            }
            #expect(body.contains(":DIR:_files -/'") && body.contains("'--root["), "\(command): --root")
            for option in ["--image[", "--env-from["] {
                let line = body.split(separator: "\n").first { $0.contains("'\(option)") }
                #expect(line?.hasSuffix(":FILE:_files'") == true, "\(command) \(option): \(line ?? "none")")
            }
            #expect(body.contains("':BINARY:_files'"), "\(command): BINARY")
        }
    }

    /// Every command of the tree `--experimental-dump-help` prints (what `--help` is made
    /// from), with the spellings of each argument it shows.
    static func commandOptions() throws -> [(command: String, options: [String])] {
        let dump = Command.ofdoctor(["--experimental-dump-help"])
        guard case .object(let tree) = try JSONValue.parse(dump.stdout), case .object(let root)? = tree["command"],
              case .array(let commands)? = root["subcommands"] else { throw CocoaError(.coderReadCorrupt) }
        var found: [(String, [String])] = []
        for case .object(let command) in commands {
            guard case .string(let name)? = command["commandName"], name != "help", case .array(let arguments)? = command["arguments"] else { continue }
            var spellings: [String] = []
            for case .object(let argument) in arguments {
                guard argument["shouldDisplay"] != .boolean(false) else { continue }
                if case .array(let names)? = argument["names"] {
                    for case .object(let spelled) in names {
                        guard case .string(let word)? = spelled["name"], case .string(let kind)? = spelled["kind"] else { continue }
                        spellings.append(kind == "long" ? "--" + word : "-" + word)
                    }
                } else if case .string(let value)? = argument["valueName"] {
                    spellings.append(value)
                }
            }
            found.append((name, spellings))
        }
        return found
    }

    @Test("the man page names every command and every option of every command, as --help does")
    func manualListsEveryOption() throws {
        let page = try String(contentsOfFile: Command.packageRoot + "/docs/ofdoctor.1", encoding: .utf8)
        let commands = try Self.commandOptions()
        // The term of each entry: the line after `.TP`.
        let lines = page.split(separator: "\n").map(String.init)
        let entries = zip(lines, lines.dropFirst()).filter { $0.0 == ".TP" }.map(\.1)
        #expect(commands.count == 7, "\(commands.map(\.command))")
        #expect(commands.flatMap(\.options).contains("--timeout") && commands.flatMap(\.options).contains("--apply"))
        for (command, options) in commands {
            #expect(page.contains(".SS \"ofdoctor \(command)\""), "no section for \(command)")
            // The synopsis line of the command lists each of its options.
            let synopsis = page.components(separatedBy: ".B ofdoctor \(command)\n").dropFirst().first?
                .components(separatedBy: "\n.br").first ?? ""
            for option in options where !["--help", "-h", "--version"].contains(option) {
                let roff = option.replacingOccurrences(of: "-", with: "\\-")
                #expect(synopsis.contains(roff), "ofdoctor \(command): \(option) missing from the synopsis")
                #expect(entries.contains { $0.contains("\\fB\(roff)\\fR") || $0.contains("\\fI\(option)\\fR") },
                        "ofdoctor \(command): \(option) has no entry")
            }
        }
        for word in ["\\-\\-format", "\\fIsh\\fR|\\fIdotenv\\fR", "\\fBresources\\fR", "EXIT STATUS", "\\fB64\\fR", "\\fB5\\fR"] {
            #expect(page.contains(word), "\(word)")
        }
    }

    @Test("docs/ofdoctor.1 is what `ofdoctor --generate-manual` writes now (`make man`), and groff reads it without a warning")
    func manualIsCurrent() throws {
        let committed = try String(contentsOfFile: Command.packageRoot + "/docs/ofdoctor.1", encoding: .utf8)
        let generated = Command.ofdoctor(["--generate-manual"])
        #expect(generated.status == 0)
        #expect(generated.stdout == committed, "docs/ofdoctor.1 is stale: run `make man`")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/groff") else { return }
        let groff = Command.run("/usr/bin/groff", ["-z", "-ww", "-man", Command.packageRoot + "/docs/ofdoctor.1"])
        #expect(groff.status == 0 && groff.stderr.isEmpty, "\(groff.stderr)")
    }
}

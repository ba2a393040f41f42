import ELFInspect
import Foundation
import Apply
import Quoting
import SeededRandom
import Testing

/// Each quoting function against its real reader (issue 15, item 2): a value goes in, the
/// reader gives back the same bytes or the quoter refuses it; no payload ever runs.
@Suite("quoting functions read back by their interpreters")
struct QuotingInterpreterTests {
    struct Hostile: Sendable, CustomStringConvertible {
        var name: String
        var bytes: [UInt8]
        var description: String { name }
        /// The value as a String, when its bytes are UTF-8 (a String cannot hold the others).
        var text: String? { String(validating: bytes, as: UTF8.self) }

        init(_ name: String, _ text: String) { self.name = name; bytes = Array(text.utf8) }
        init(_ name: String, bytes: [UInt8]) { self.name = name; self.bytes = bytes }
    }

    static let values: [Hostile] = [
        Hostile("plain path", "/opt/OpenFace/build/lib"),
        Hostile("single quote", "/opt/it's"),
        Hostile("quote then U+0301 (one Character)", "/opt/a'\u{301}; echo INJECTED; touch INJECTED #"),
        Hostile("double quote", "a\"b\""),
        Hostile("command substitution", "$(touch PWNED)"),
        Hostile("backticks", "`touch PWNED`"),
        Hostile("backslashes", "a\\b\\'c\\"),
        Hostile("newline then RUN", "x\nRUN touch PWNED"),
        Hostile("newline then LD_PRELOAD", "x\nLD_PRELOAD=/tmp/evil.so"),
        Hostile("carriage return", "a\rb"),
        Hostile("trailing carriage return", "a\r"),
        Hostile("combining marks", "e\u{301}\u{302}'\u{308}\"\u{301}"),
        Hostile("invalid UTF-8", bytes: [0x2F, 0x6F, 0xFF, 0xFE, 0xC3, 0x28, 0x27, 0x80]),
        Hostile("leading dash", "-rf"),
        Hostile("equals signs", "A=B=C"),
        Hostile("empty", ""),
        Hostile("ESC, OSC and BEL", "\u{1B}]0;title\u{7}\u{1B}[2J"),
        Hostile("dollar brace", "${HOME}x"),
        Hostile("dollar name", "$HOME:$1"),
        Hostile("space then hash", "a #b"),
        Hostile("leading space", " a"),
        Hostile("trailing space", "a "),
        Hostile("tab", "a\tb"),
        Hostile("NEL and NBSP", "a\u{85}b\u{A0}"),
        Hostile("line separator", "a\u{2028}b"),
        Hostile("shell operators", "a; touch PWNED & touch PWNED2 | >PWNED3"),
        Hostile("glob and tilde", "~root/*?[a]"),
        Hostile("NUL", "a\u{0}b"),
    ]

    /// The value must come back exactly, and no payload may have run.
    static func expectIntact(_ got: [UInt8]?, _ value: Hostile, in directory: String, _ what: String,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got == value.bytes, "\(what): read back \(got.map { String(decoding: $0, as: UTF8.self).debugDescription } ?? "nothing") for \(value.name)",
                sourceLocation: sourceLocation)
        #expect(OutputReaders.sentinels(under: directory).isEmpty, "\(what): a payload ran for \(value.name)", sourceLocation: sourceLocation)
    }

    // MARK: - sh

    @Test("ShellQuote.word: dash and bash read back every byte, as a value and as an argument; NUL is refused",
          arguments: values)
    func shellWord(_ value: Hostile) throws {
        let word: [UInt8]
        do {
            word = try ShellQuote.word(value.bytes, subject: "V")
        } catch {
            #expect(value.bytes.contains(0), "\(value.name) refused: \(error)")
            #expect(error.reason == .nul)
            return
        }
        #expect(!value.bytes.contains(0), "a NUL byte was written")
        for shell in OutputReaders.shells {
            let dir = try OutputReaders.scratchDirectory("sh-word")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let script = Array("V=".utf8) + word + Array("\nprintf '%s' \"$V\" > value\nprintf '%s' ".utf8) + word + Array(" > argument\n".utf8)
            let result = try OutputReaders.runScript(script, shell: shell, in: dir)
            #expect(result.status == 0, "\(shell): \(result.stderr)")
            Self.expectIntact(OutputReaders.bytes(dir, "value"), value, in: dir, "\(shell) value")
            Self.expectIntact(OutputReaders.bytes(dir, "argument"), value, in: dir, "\(shell) argument")
        }
    }

    @Test("a name that is not UTF-8, carried as ByteString, reaches the shell as its own bytes; Dockerfile and dotenv refuse it",
          arguments: values.filter { $0.text == nil && !$0.bytes.contains(0) })
    func shellWordOfByteName(_ value: Hostile) throws {
        let name = ByteString.decode(value.bytes)
        let word = ByteString.bytes(try ShellQuote.word(name, subject: "V"))
        for shell in OutputReaders.shells {
            let dir = try OutputReaders.scratchDirectory("sh-bytes")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let result = try OutputReaders.runScript(Array("printf '%s' ".utf8) + word + Array(" > value\n".utf8), shell: shell, in: dir)
            #expect(result.status == 0, "\(shell): \(result.stderr)")
            Self.expectIntact(OutputReaders.bytes(dir, "value"), value, in: dir, "\(shell) value")
        }
        #expect(throws: QuoteError.self) { try DockerfileQuote.env(name: "V", value: name) }
        #expect(throws: QuoteError.self) { try DockerfileQuote.run(shellScript: "ln -s " + name) }
        #expect(throws: QuoteError.self) { try DotenvQuote.line(name: "V", value: ByteString.bytes(name)) }
        #expect(TerminalEscape.visible(name).unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 })
    }

    @Test("ShellQuote.display, the words of pasted commands: only printable ASCII where a terminal cannot show the value as it is, and bash reads back every byte",
          arguments: values.filter { !$0.bytes.contains(0) })
    func displayedWordPastes(_ value: Hostile) throws {
        let text = ByteString.decode(value.bytes)
        let word = ShellQuote.display(text)
        let shown = TerminalEscape.command(word)
        #expect(!shown.unicodeScalars.contains { $0 != "\\" && TerminalEscape.needsEscape($0) }, "\(value.name): \(shown.debugDescription)")
        // Pasted as shown: what the terminal shows is what the shell reads. Interactive shells
        // (bash, zsh) read `$'…'`; a word without it reads the same in dash too.
        let shells = word.hasPrefix("$'") ? ["/usr/bin/bash"] : OutputReaders.shells
        for shell in shells {
            let dir = try OutputReaders.scratchDirectory("display")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let result = try OutputReaders.runScript(Array("printf '%s' \(shown) > argument\n".utf8), shell: shell, in: dir)
            #expect(result.status == 0, "\(shell): \(result.stderr)")
            Self.expectIntact(OutputReaders.bytes(dir, "argument"), value, in: dir, "\(shell) pasted \(shown)")
        }
    }

    @Test("the profile script gives login shells each value back; `'` + U+0301 no longer closes the quote",
          arguments: values.filter { $0.text != nil })
    func profileScript(_ value: Hostile) throws {
        let text = try #require(value.text)
        let script: String
        do {
            script = try ProfileScript.contents([EnvironmentSetting(name: "V", value: text), EnvironmentSetting(name: "W", value: "after")])
        } catch {
            #expect(value.bytes.contains(0), "\(value.name) refused: \(error)")
            return
        }
        for shell in OutputReaders.shells {
            let dir = try OutputReaders.scratchDirectory("profile")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try Data(script.utf8).write(to: URL(fileURLWithPath: dir + "/ofdoctor.sh"))
            let result = try OutputReaders.runScript(Array(". ./ofdoctor.sh\nprintf '%s' \"$V\" > value\nprintf '%s' \"$W\" > after\n".utf8),
                                                     shell: shell, in: dir)
            #expect(result.status == 0, "\(shell): \(result.stderr)")
            #expect(!result.stdout.contains("INJECTED"), "\(shell) ran the payload: \(result.stdout)")
            Self.expectIntact(OutputReaders.bytes(dir, "value"), value, in: dir, "\(shell) profile")
            #expect(OutputReaders.bytes(dir, "after") == Array("after".utf8))
        }
    }

    @Test("ProfileScript's reader gives back what dash and bash read from the script, a value appended after it as `fix --format sh` appends included",
          arguments: values.filter { !$0.bytes.contains(0) })
    func profileScriptReadBack(_ value: Hostile) throws {
        let text = ByteString.decode(value.bytes)
        let script = ByteString.bytes(try ProfileScript.contents([EnvironmentSetting(name: "V", value: "first"),
                                                                  EnvironmentSetting(name: "W", value: text)]))
            + ByteString.bytes(try ShellQuote.exportLine(name: "V", value: text)) + [UInt8(ascii: "\n")]
        let settings = try #require(ProfileScript.settings(parsing: script), "\(value.name): not read as ofdoctor's script")
        #expect(settings.map(\.name) == ["V", "W", "V"])
        #expect(settings.map { $0.value.map(ByteString.bytes) } == [Array("first".utf8), value.bytes, value.bytes], "\(value.name)")
        for shell in OutputReaders.shells {
            let dir = try OutputReaders.scratchDirectory("profile-read")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try Data(script).write(to: URL(fileURLWithPath: dir + "/ofdoctor.sh"))
            let result = try OutputReaders.runScript(Array(". ./ofdoctor.sh\nprintf '%s' \"$V\" > value\n".utf8), shell: shell, in: dir)
            #expect(result.status == 0, "\(shell): \(result.stderr)")
            Self.expectIntact(OutputReaders.bytes(dir, "value"), value, in: dir, "\(shell) reading the script")
        }
    }

    /// Random profile scripts in ofdoctor's shape, with quoting the writer never makes (runs
    /// split in odd places, backslash escapes, line continuations, comments, values across
    /// lines, bytes that are not UTF-8) and now and then a byte a shell would act on: where
    /// the reader takes a script, dash and bash must read the same values from it. (A script
    /// it refuses is not run: it may hold anything.)
    @Test("ProfileScript's reader, on 300 random scripts, takes only what dash and bash read as it does")
    func profileReaderAgreesWithShells() throws {
        var random = SeededRandom(seed: 32)
        var taken = 0
        for round in 0..<300 {
            var script = Array(ProfileScript.header.utf8) + [0x0A]
            for _ in 0..<random.below(5) { script += Self.randomProfileLine(&random) }
            guard let settings = ProfileScript.settings(parsing: script) else { continue }
            taken += 1
            var expected: [String: [UInt8]] = [:]   // the names set at the end
            for setting in settings {
                expected[setting.name] = setting.value.map(ByteString.bytes)
            }
            for shell in OutputReaders.shells {
                let dir = try OutputReaders.scratchDirectory("profile-random")
                defer { try? FileManager.default.removeItem(atPath: dir) }
                try Data(script).write(to: URL(fileURLWithPath: dir + "/ofdoctor.sh"))
                let driver = ". ./ofdoctor.sh\nfor n in V W; do eval \"[ -n \\\"\\${$n+set}\\\" ]\" && eval \"printf '%s' \\\"\\$$n\\\"\" > \"$n\"; done\nexit 0\n"
                let result = try OutputReaders.runScript(Array(driver.utf8), shell: shell, in: dir)
                #expect(result.status == 0, "round \(round), \(shell): \(result.stderr) for \(String(decoding: script, as: UTF8.self).debugDescription)")
                for name in ["V", "W"] {
                    #expect(OutputReaders.bytes(dir, name) == expected[name],
                            "round \(round), \(shell), \(name): the reader says \(String(describing: expected[name])) for \(String(decoding: script, as: UTF8.self).debugDescription)")
                }
            }
        }
        #expect(taken >= 100, "only \(taken) of 300 random scripts were taken: the generator makes too few readable ones")
    }

    /// One line (or, through a quote or a continuation, several) of a random profile script.
    static func randomProfileLine(_ random: inout SeededRandom) -> [UInt8] {
        switch random.below(20) {
        case 0: return Array("# a comment $(touch PWNED) '".utf8) + [0x0A]
        case 1: return [0x0A]
        case 2: return Array("unset \(random.below(2) == 0 ? "V" : "W")".utf8) + [0x0A]
        default:
            var line = Array("export \(random.below(2) == 0 ? "V" : "W")=".utf8)
            let plain: [UInt8] = Array("a/.:-_=".utf8) + [0xC3, 0xA9, 0xFF, 0x80]
            let anything: [UInt8] = plain + Array("\\ \t\n$`\"#;&|()<>*?~".utf8)
            for _ in 0..<random.below(6) {
                switch random.below(10) {
                case 0...3: line.append(plain[random.below(plain.count)])
                case 4...6:
                    line.append(UInt8(ascii: "'"))
                    for _ in 0..<random.below(4) { line.append(anything[random.below(anything.count)]) }
                    line.append(UInt8(ascii: "'"))
                case 7, 8: line += [UInt8(ascii: "\\"), anything[random.below(anything.count)]]
                default: line.append(Array("$ ;\"".utf8)[random.below(4)])   // refused: never run
                }
            }
            return line + [0x0A]
        }
    }

    // MARK: - Dockerfile

    /// A single-quoted Dockerfile word refuses a value only for a newline, a NUL or bad UTF-8.
    static func expectRefusedOnlyIfUnwritable(_ error: QuoteError, _ value: Hostile) {
        let refusable: [QuoteError.Reason] = [.nul, .newline, .invalidUTF8]
        #expect(refusable.contains(error.reason), "\(value.name) refused: \(error)")
        #expect(value.bytes.contains(0) || value.bytes.contains(UInt8(ascii: "\n")) || value.text == nil,
                "\(value.name) could have been written: \(error)")
    }

    @Test("DockerfileQuote.env: BuildKit's ENV rules read back every value it writes; a newline, a NUL or bad UTF-8 is refused",
          arguments: values)
    func dockerfileEnv(_ value: Hostile) throws {
        let line: String
        do {
            line = try DockerfileQuote.env(name: "V", value: try DockerfileQuote.text(value.bytes, subject: "V"))
        } catch {
            Self.expectRefusedOnlyIfUnwritable(error, value)
            return
        }
        let file = Array("FROM scratch\n\(line)\nRUN true\n".utf8)
        let instructions = try OutputReaders.dockerfileInstructions(file)
        #expect(instructions.map(\.command) == ["FROM", "ENV", "RUN"], "the ENV line became \(instructions)")
        let pairs = try OutputReaders.envPairs(try #require(instructions.first { $0.command == "ENV" }).rest)
        #expect(pairs.count == 1 && pairs.first?.name == "V")
        #expect(pairs.first.map { Array($0.value.utf8) } == value.bytes, "\(value.name): ENV read back \(pairs)")
    }

    @Test("DockerfileQuote.user: the USER word, through BuildKit's word lexer, is each value again; a newline, a NUL or bad UTF-8 is refused",
          arguments: values)
    func dockerfileUser(_ value: Hostile) throws {
        let line: String
        do {
            line = try DockerfileQuote.user(try DockerfileQuote.text(value.bytes, subject: "U"))
        } catch {
            Self.expectRefusedOnlyIfUnwritable(error, value)
            return
        }
        let instructions = try OutputReaders.dockerfileInstructions(Array("FROM scratch\n\(line)\nRUN true\n".utf8))
        #expect(instructions.map(\.command) == ["FROM", "USER", "RUN"], "the USER line became \(instructions)")
        let word = try OutputReaders.processWord(try #require(instructions.first { $0.command == "USER" }).rest)
        #expect(Array(word.utf8) == value.bytes, "\(value.name): USER read back \(word.debugDescription)")
    }

    @Test("DockerfileQuote.run: the exec form's script, run by /bin/sh -c, writes each value back; nothing else runs",
          arguments: values)
    func dockerfileRun(_ value: Hostile) throws {
        let line: String
        do {
            let text = try DockerfileQuote.text(value.bytes, subject: "V")
            line = try DockerfileQuote.run(shellScript: "printf '%s' \(try ShellQuote.word(text, subject: "V")) > value")
        } catch {
            #expect(value.bytes.contains(0) || value.text == nil, "\(value.name) refused: \(error)")
            return
        }
        let instructions = try OutputReaders.dockerfileInstructions(Array("FROM scratch\n\(line)\nENV W=after\n".utf8))
        #expect(instructions.map(\.command) == ["FROM", "RUN", "ENV"], "the RUN line became \(instructions)")
        let run = try #require(instructions.first { $0.command == "RUN" })
        let argv = try #require(OutputReaders.execForm(run.rest), "not the exec form: BuildKit would hand the text to a shell")
        #expect(Array(argv.prefix(2)) == ["/bin/sh", "-c"])
        let dir = try OutputReaders.scratchDirectory("run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = Command.run("/usr/bin/env", ["-C", dir] + argv, environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == 0, "\(result.stderr)")
        Self.expectIntact(OutputReaders.bytes(dir, "value"), value, in: dir, "RUN")
    }

    // MARK: - dotenv

    @Test("DotenvQuote.line: docker --env-file and python-dotenv read back each value it writes; the rest is refused",
          arguments: values)
    func dotenv(_ value: Hostile) throws {
        let line: String
        do {
            line = try DotenvQuote.line(name: "V", value: value.bytes)
        } catch {
            #expect(value.name != "plain path" && value.name != "empty", "\(value.name) refused: \(error)")
            for byte in [0, UInt8(ascii: "\n"), UInt8(ascii: "\r")] where value.bytes.contains(byte) {
                #expect([.nul, .newline, .carriageReturn].contains(error.reason))
            }
            return
        }
        for byte in [0, UInt8(ascii: "\n"), UInt8(ascii: "\r")] {
            #expect(!value.bytes.contains(byte), "\(value.name): a byte docker --env-file cannot carry was written")
        }
        let file = Array("\(line)\nW=after\n".utf8)
        let docker = try OutputReaders.dockerEnvFile(file)
        #expect(docker.map(\.name) == ["V", "W"], "docker --env-file read \(docker)")
        #expect(docker.first?.value.map { Array($0.utf8) } == value.bytes, "\(value.name): docker --env-file read \(docker)")
        if OutputReaders.hasPythonDotenv {
            let dir = try OutputReaders.scratchDirectory("dotenv")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let python = try #require(try OutputReaders.pythonDotenv(file, in: dir), "python-dotenv could not read the file")
            #expect(python.count == 2 && python["W"] == Array("after".utf8))
            #expect(python["V"] == value.bytes, "\(value.name): python-dotenv read \(String(describing: python["V"]))")
        }
    }

    @Test("python-dotenv is there to be the dotenv files' second reader (scripts/deps.sh installs python3-dotenv)")
    func pythonDotenvInstalled() {
        #expect(OutputReaders.hasPythonDotenv, "apt-get install python3-dotenv (scripts/deps.sh)")
    }

    // MARK: - names and terminals

    @Test("a variable name no reader takes is refused by every writer",
          arguments: ["", "1X", "A-B", "A B", "A=B", "É", "X$(touch PWNED)", "X\nY", "X;Y"])
    func badNames(_ name: String) {
        #expect(throws: QuoteError(.shell, subject: "the variable name \(name)", reason: .notAName)) { try ShellQuote.exportLine(name: name, value: "v") }
        #expect(throws: QuoteError(.dockerfile, subject: "the variable name \(name)", reason: .notAName)) { try DockerfileQuote.env(name: name, value: "v") }
        #expect(throws: QuoteError(.dotenv, subject: "the variable name \(name)", reason: .notAName)) { try DotenvQuote.line(name: name, value: "v") }
    }

    @Test("TerminalEscape leaves no byte a terminal acts on", arguments: values.compactMap(\.text))
    func terminal(_ text: String) {
        let shown = TerminalEscape.visible(text)
        for scalar in shown.unicodeScalars {
            let v = scalar.value
            #expect(!(v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)),
                    "\(text.debugDescription) shows U+\(String(v, radix: 16)) raw")
        }
    }

    @Test("TerminalEscape shows ESC, BEL, C1 CSI, DEL and `\\` as escapes and leaves the rest")
    func terminalForms() {
        #expect(TerminalEscape.visible("lib\u{1B}]0;x\u{7}\u{9B}\u{7F}\\é.so") == #"lib\x1b]0;x\x07\u009b\x7f\\é.so"#)
        #expect(TerminalEscape.visible("/usr/lib/libz.so.1") == "/usr/lib/libz.so.1")
        #expect(TerminalEscape.visible(ByteString.decode(Array("lib".utf8) + [0xE9] + Array(".so".utf8))) == #"lib\xe9.so"#)
    }
}

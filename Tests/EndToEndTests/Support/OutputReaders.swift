import Foundation
import Testing

/// The programs that read what ofdoctor writes, run or re-implemented from their source,
/// so that a test can ask what a line really means to its reader.
enum OutputReaders {
    // MARK: - POSIX shells

    /// The shells a `sh` output must survive: dash (Debian's /bin/sh) and bash.
    static let shells = ["/usr/bin/dash", "/usr/bin/bash"].filter { FileManager.default.isExecutableFile(atPath: $0) }

    /// A fresh directory for a script to run in; hostile payloads `touch` names relative to it.
    static func scratchDirectory(_ label: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Runs `script` (bytes, so that any value can be in it) with `shell` in `directory`;
    /// the script writes what the test reads back into files there.
    static func runScript(_ script: [UInt8], shell: String, in directory: String,
                          environment: [String: String] = [:]) throws -> Command.Result {
        let path = directory + "/script.sh"
        try Data(script).write(to: URL(fileURLWithPath: path))
        return Command.run("/usr/bin/env", ["-C", directory, shell, path],
                           environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"].merging(environment) { $1 })
    }

    /// The bytes of `directory/name`, nil when the script did not write it.
    static func bytes(_ directory: String, _ name: String) -> [UInt8]? {
        FileManager.default.contents(atPath: directory + "/" + name).map { Array($0) }
    }

    /// Files under `directory` whose name contains `PWNED` or `INJECTED`: what a payload made.
    static func sentinels(under directory: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        var found: [String] = []
        while let name = enumerator?.nextObject() as? String {
            let last = (name as NSString).lastPathComponent
            if (last.hasPrefix("PWNED") || last.hasPrefix("INJECTED")) && !last.contains("$(") && !last.contains("`") { found.append(name) }
        }
        return found
    }

    // MARK: - Dockerfile (BuildKit's parser, moby/buildkit frontend/dockerfile)

    /// One instruction as BuildKit's `parser.Parse` gives it: the command word and the rest.
    struct Instruction: Equatable {
        var command: String
        var rest: String
    }

    enum DockerfileError: Error, Equatable {
        case unterminatedQuote(String)
        case substitution(String)
        case notNameValue(String)
        case lineTooLong
    }

    /// parser/parser.go `Parse`: lines end at `\n`, trailing `\r\n` are trimmed, leading
    /// whitespace is dropped, `#` lines are comments, a line ending in an unescaped `\`
    /// (then blanks) continues on the next; lines over 65535 bytes are an error.
    static func dockerfileInstructions(_ text: [UInt8]) throws -> [Instruction] {
        var physical = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Array($0) }
        if physical.last == [] { physical.removeLast() }
        var instructions: [Instruction] = []
        var pending: String?
        for raw in physical {
            guard raw.count <= 65_535 else { throw DockerfileError.lineTooLong }
            var line = raw
            while line.last == UInt8(ascii: "\r") { line.removeLast() }
            var string = String(decoding: line, as: UTF8.self)
            if pending == nil { string = String(string.drop(while: { $0.isWhitespace })) }
            if string.drop(while: { $0.isWhitespace }).hasPrefix("#") { continue }
            if pending == nil && string.isEmpty { continue }
            var trimmed = string
            while let last = trimmed.last, last == " " || last == "\t" { trimmed.removeLast() }
            let continues = trimmed.hasSuffix("\\") && !trimmed.hasSuffix("\\\\")
            let body = continues ? String(trimmed.dropLast()) : string
            pending = (pending ?? "") + body
            if !continues, let whole = pending {
                let scalars = whole.unicodeScalars
                let command = String(String.UnicodeScalarView(scalars.prefix(while: { !$0.properties.isWhitespace })))
                let rest = String(String.UnicodeScalarView(scalars.dropFirst(command.unicodeScalars.count).drop(while: { $0.properties.isWhitespace })))
                instructions.append(Instruction(command: command.uppercased(), rest: rest))
                pending = nil
            }
        }
        return instructions
    }

    /// line_parsers.go `parseMaybeJSON` for RUN: the argv of the exec form when the rest
    /// is a JSON array of strings, else nil (shell form: `/bin/sh -c REST`).
    static func execForm(_ rest: String) -> [String]? {
        let trimmed = rest.drop(while: { $0.isWhitespace })
        guard trimmed.hasPrefix("["),
              let array = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [Any] else { return nil }
        let strings = array.compactMap { $0 as? String }
        return strings.count == array.count ? strings : nil
    }

    /// `ENV` in the `NAME=value …` form: line_parsers.go `parseWords` splits the rest into
    /// words (quotes kept, `\` escapes the next character outside `'…'`), each word splits
    /// at its first `=`, and the value goes through shell/lex.go `ProcessWord`: `'…'` is
    /// literal, `"…"` literal but for `\"`, `\$`, `\\` and `$NAME`, a bare `\x` is `x`, and
    /// `$NAME` expands (the test's environment is empty).
    static func envPairs(_ rest: String) throws -> [(name: String, value: String)] {
        try parseWords(rest).map { word in
            // Go splits bytes and runes, never graphemes: `=` and `'` followed by a
            // combining mark are still `=` and `'` to it.
            let scalars = Array(word.unicodeScalars)
            guard let eq = scalars.firstIndex(of: "=") else { throw DockerfileError.notNameValue(word) }
            return (String(String.UnicodeScalarView(scalars[..<eq])), try processWord(String(String.UnicodeScalarView(scalars[(eq + 1)...]))))
        }
    }

    static func parseWords(_ rest: String) -> [String] {
        var words: [String] = []
        var word = String.UnicodeScalarView()
        var inWord = false, blankOK = false
        var quote: Unicode.Scalar?
        var chars = Array(rest.unicodeScalars)[...]
        while let ch = chars.popFirst() {
            if let q = quote {
                if ch == q { quote = nil }
                if ch == "\\" && q != "'" {
                    guard let next = chars.popFirst() else { quote = nil; continue }
                    word.append(ch)
                    word.append(next)
                    continue
                }
                word.append(ch)
                continue
            }
            if !inWord {
                if ch.properties.isWhitespace { continue }
                inWord = true
            }
            if ch.properties.isWhitespace {
                if blankOK || !word.isEmpty { words.append(String(word)) }
                word = String.UnicodeScalarView()
                inWord = false
                blankOK = false
                continue
            }
            if ch == "'" || ch == "\"" { quote = ch; blankOK = true }
            if ch == "\\" {
                guard let next = chars.popFirst() else { continue }
                word.append(ch)
                word.append(next)
                continue
            }
            word.append(ch)
        }
        if inWord && (blankOK || !word.isEmpty) { words.append(String(word)) }
        return words
    }

    static func processWord(_ word: String) throws -> String {
        var out = ""
        var chars = Array(word.unicodeScalars)[...]
        func dollar() throws -> String {
            if chars.first == "{" { throw DockerfileError.substitution(word) }
            var name = ""
            while let c = chars.first, c == "_" || c.properties.isAlphabetic || ("0"..."9").contains(c) { name.unicodeScalars.append(c); chars.removeFirst() }
            return name.isEmpty ? "$" : ""   // the test's environment is empty
        }
        while let ch = chars.popFirst() {
            switch ch {
            case "'":
                guard let end = chars.firstIndex(of: "'") else { throw DockerfileError.unterminatedQuote(word) }
                out.unicodeScalars.append(contentsOf: chars[..<end])
                chars = chars[(end + 1)...]
            case "\"":
                while true {
                    guard let c = chars.popFirst() else { throw DockerfileError.unterminatedQuote(word) }
                    if c == "\"" { break }
                    if c == "$" { out += try dollar(); continue }
                    if c == "\\", let next = chars.first, next == "\"" || next == "$" || next == "\\" {
                        out.unicodeScalars.append(next)
                        chars.removeFirst()
                        continue
                    }
                    out.unicodeScalars.append(c)
                }
            case "$":
                out += try dollar()
            case "\\":
                if let next = chars.popFirst() { out.unicodeScalars.append(next) }
            default:
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    // MARK: - dotenv

    enum EnvFileError: Error, Equatable {
        case invalidUTF8(line: Int)
        case badKey(String)
    }

    /// docker/cli opts/file.go `parseKeyValueFile` (`docker run --env-file`): lines split at
    /// `\n` with one `\r` before it dropped (bufio.ScanLines), invalid UTF-8 refused, leading
    /// whitespace and `#` lines skipped, the name up to the first `=` (no blanks in it), the
    /// value after it taken literally. A line without `=` would import the caller's variable:
    /// it is reported with a nil value.
    static func dockerEnvFile(_ bytes: [UInt8]) throws -> [(name: String, value: String?)] {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Array($0) }
        if lines.last == [] { lines.removeLast() }
        var result: [(String, String?)] = []
        for (number, raw) in lines.enumerated() {
            var line = raw
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            guard let text = String(validating: line, as: UTF8.self) else { throw EnvFileError.invalidUTF8(line: number + 1) }
            let trimmed = String(text.unicodeScalars.drop(while: { $0.properties.isWhitespace }))
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let eq = trimmed.firstIndex(of: "=") else { result.append((trimmed, nil)); continue }
            let name = String(trimmed[..<eq].drop(while: { $0 == " " || $0 == "\t" }))
            if name.isEmpty || name.contains(" ") || name.contains("\t") { throw EnvFileError.badKey(name) }
            result.append((name, String(trimmed[trimmed.index(after: eq)...])))
        }
        return result
    }

    /// python-dotenv can be imported (`pip install python-dotenv`).
    static let hasPythonDotenv: Bool =
        Command.run("/usr/bin/python3", ["-c", "import dotenv"], environment: ProcessInfo.processInfo.environment).status == 0

    /// What python-dotenv's `dotenv_values` reads from `bytes`, as UTF-8 bytes per name
    /// (nil for a name with no `=`); nil when it fails to read the file.
    static func pythonDotenv(_ bytes: [UInt8], in directory: String) throws -> [String: [UInt8]?]? {
        let file = directory + "/values.env"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let program = """
        import dotenv, json, sys
        values = dotenv.dotenv_values(sys.argv[1])
        print(json.dumps({k: (None if v is None else list(v.encode('utf-8', 'surrogateescape'))) for k, v in values.items()}))
        """
        let result = Command.run("/usr/bin/python3", ["-c", program, file], environment: ProcessInfo.processInfo.environment)
        guard result.status == 0,
              let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else { return nil }
        var values: [String: [UInt8]?] = [:]
        for (name, value) in object { values[name] = (value as? [Int]).map { $0.map { UInt8(truncatingIfNeeded: $0) } } }
        return values
    }
}

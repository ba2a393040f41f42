/// A `#!` line as the kernel reads it (fs/binfmt_script.c `load_script`): the interpreter
/// it executes and the one optional argument it passes, from the file's first 256 bytes.
///
/// The kernel's rules, which a shell's or an editor's reading of the line does not share:
/// the interpreter ends at a space, tab or NUL; everything after the spaces that follow it,
/// up to the end of the line less trailing spaces and tabs, is one argument (`#!/usr/bin/env
/// python3 -u` passes `python3 -u` as one word); a carriage return is neither a space nor
/// the end of the line, so a file saved with Windows line ends names `/bin/sh\r`.
public struct ScriptLine: Equatable, Sendable {
    /// `BINPRM_BUF_SIZE`: how much of the file the kernel reads to decide.
    public static let kernelBufferSize = 256

    public var interpreter: String
    public var argument: String?

    public init(interpreter: String, argument: String? = nil) {
        self.interpreter = interpreter
        self.argument = argument
    }

    /// Why the kernel refuses a file that starts with `#!` (`ENOEXEC`).
    public enum Refusal: Error, Equatable, Sendable {
        /// Nothing but spaces and tabs after `#!`.
        case noInterpreter
        /// No end of line in the first 256 bytes and the interpreter's name runs to their
        /// end: the kernel will not execute a name it may have cut.
        case interpreterCut
    }

    /// nil when the file does not start with `#!`.
    public static func read(_ file: UnsafeRawBufferPointer) -> Result<ScriptLine, Refusal>? {
        // The kernel's buffer holds the file's first bytes and zeros after a short file.
        var buffer = [UInt8](repeating: 0, count: kernelBufferSize)
        for (n, byte) in file.prefix(kernelBufferSize).enumerated() { buffer[n] = byte }
        guard buffer[0] == UInt8(ascii: "#"), buffer[1] == UInt8(ascii: "!") else { return nil }
        let last = kernelBufferSize - 1
        func isSpaceOrTab(_ n: Int) -> Bool { buffer[n] == 0x20 || buffer[n] == 0x09 }
        func nextNonSpaceOrTab(_ first: Int, _ last: Int) -> Int? {
            first > last ? nil : (first...last).first { !isSpaceOrTab($0) }
        }
        func nextTerminator(_ first: Int, _ last: Int) -> Int? {
            first > last ? nil : (first...last).first { isSpaceOrTab($0) || buffer[$0] == 0 }
        }
        var end: Int
        if let newline = buffer.firstIndex(of: 0x0a) {
            end = newline
        } else {
            guard let start = nextNonSpaceOrTab(2, last) else { return .failure(.noInterpreter) }
            guard nextTerminator(start, last) != nil else { return .failure(.interpreterCut) }
            end = last
        }
        while isSpaceOrTab(end - 1) { end -= 1 }
        guard let name = nextNonSpaceOrTab(2, end), name != end else { return .failure(.noInterpreter) }
        var argumentStart: Int?
        let separator = nextTerminator(name, end)
        if let separator, buffer[separator] != 0 { argumentStart = nextNonSpaceOrTab(separator, end) }
        // Each is a C string: it ends at the first NUL, or where the kernel writes one.
        func text(_ from: Int, _ to: Int) -> String {
            let bytes = buffer[from..<max(from, to)]
            return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        let interpreter = text(name, argumentStart == nil ? end : separator ?? end)
        return .success(ScriptLine(interpreter: interpreter, argument: argumentStart.map { text($0, end) }))
    }

    /// The line as written after `#!` (a space between the two parts).
    public var shown: String { argument.map { interpreter + " " + $0 } ?? interpreter }

    /// The program `env` starts when it is the interpreter (coreutils `env`: options, then
    /// `NAME=VALUE` assignments, then the command; `-S` splits the kernel's one argument into
    /// words). nil when the interpreter is not `env`, or its argument names no command
    /// (options only, or assignments only, after which env runs the script itself again).
    public var envCommand: String? {
        guard interpreter.afterLastSlash == "env", let argument else { return nil }
        var words: [String]
        if argument.hasBytePrefix("-S") {
            words = String(decoding: argument.utf8.dropFirst(2), as: UTF8.self).split(bytes: { $0 == 0x20 || $0 == 0x09 })
        } else {
            // Without -S the whole argument is one word, spaces and all: env looks for a
            // program named `python3 -u`.
            guard !argument.hasBytePrefix("-") else { return nil }
            words = [argument]
        }
        var n = 0
        while n < words.count {
            let word = words[n]
            if word == "-u" || word == "-C" || word == "--unset" || word == "--chdir" { n += 2; continue }
            if word.hasBytePrefix("-") || word.containsByte(UInt8(ascii: "=")) { n += 1; continue }
            return word
        }
        return nil
    }
}

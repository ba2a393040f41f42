import LoaderModel
import RootFS
import Support

/// What starting a `#!` script comes to inside the root: the program the loader then starts
/// (the interpreter, or the command `env` finds on `PATH`), or where the start stops first.
public enum ScriptStart: Equatable, Sendable {
    /// The interpreter is an executable file: the kernel executes it, and the loader starts it.
    case interpreter(RootPath)
    /// The interpreter is `env`, which starts `name`, found on `PATH` at `path`.
    case envCommand(name: String, path: RootPath)
    /// No file by the interpreter's name: execve fails with ENOENT (a shell's "bad interpreter").
    case interpreterMissing(String)
    /// The interpreter is there but is no executable file: execve fails with EACCES.
    case interpreterNotExecutable(RootPath)
    /// `env` finds no `name` on `PATH`.
    case envCommandMissing(name: String, searched: [String])
    /// `env` with an argument that names no command to follow (options or assignments only).
    case envWithoutCommand

    /// `line` of a script, in `root`, for a process with `environment` (its `PATH`, its
    /// working directory for an interpreter named without a slash at the front).
    public static func judge(_ line: ScriptLine, root: RootView, environment: LoaderEnvironment) -> ScriptStart {
        let base = environment.workingDirectory.startsWithSlash ? environment.workingDirectory : "/" + environment.workingDirectory
        let interpreter = RootPath(line.interpreter.startsWithSlash ? line.interpreter : base + "/" + line.interpreter)
        guard let found = try? root.resolve(interpreter) else { return .interpreterMissing(line.interpreter) }
        guard found.entry.kind == .file, found.entry.mode & 0o111 != 0 else { return .interpreterNotExecutable(interpreter) }
        guard line.interpreter.afterLastSlash == "env", line.argument != nil else { return .interpreter(interpreter) }
        guard let name = line.envCommand else { return .envWithoutCommand }
        if name.containsSlash {
            let path = RootPath(name.startsWithSlash ? name : base + "/" + name)
            return ProgramLocation.isProgram(path, root) ? .envCommand(name: name, path: path)
                                                          : .envCommandMissing(name: name, searched: [])
        }
        if let found = ProgramLocation.lookUpOnPath(name, root: root, environment: environment) {
            return .envCommand(name: name, path: found.path)
        }
        return .envCommandMissing(name: name, searched: ProgramLocation.searchDirectories(environment))
    }

    /// The program to check in the script's place, when the start gets that far.
    public var program: RootPath? {
        switch self {
        case .interpreter(let path), .envCommand(_, let path): return path
        default: return nil
        }
    }

    /// One sentence on `script` (its path, as given) and `line`. The caller adds the command
    /// of the next step: checking `program` where it is set, or `lineEndRepair`.
    public func description(script: String, line: ScriptLine) -> String {
        let head = "\(script) is a script (#!\(line.shown)), not an ELF program"
        switch self {
        case .interpreter(let path):
            return "\(head); the loader starts its interpreter, \(path.string)"
        case .envCommand(let name, let path):
            return "\(head); env starts \(name) from PATH, \(path.string)"
        case .interpreterMissing(let name):
            return "\(head), and its interpreter \(name) is not in the root: the kernel refuses to start it (ENOENT; a shell says \"bad interpreter\")"
                + Self.carriageReturnNote(name)
        case .interpreterNotExecutable(let path):
            return "\(head), and its interpreter \(path.string) is not an executable file: the kernel refuses to start it (EACCES)"
        case .envCommandMissing(let name, let searched):
            let place = searched.isEmpty ? "" : " (PATH: \(searched.joined(separator: ":")))"
            var text = "\(head), and env finds no \(name) on PATH\(place): it stops with \"No such file or directory\""
            if name.containsByte(0x20) || name.containsByte(0x09), line.argument.map({ !$0.hasBytePrefix("-S") }) ?? true {
                text += "; the kernel passes everything after the interpreter as one word, so env looks for a program named \"\(name)\": write #!\(line.interpreter) -S \(name) to split it"
            }
            return text + Self.carriageReturnNote(name)
        case .envWithoutCommand:
            return "\(head) whose env names no command (\(line.argument ?? "")): pass the program it starts"
        }
    }

    /// Whether the name that was not found ends in a carriage return: the file has Windows
    /// line ends, and the kernel or env read the CR as part of the name.
    public var lineEndRepair: Bool {
        switch self {
        case .interpreterMissing(let name), .envCommandMissing(let name, _): return name.hasByteSuffix("\r")
        default: return false
        }
    }

    /// The words that take the carriage returns out of every line of `file` (a path on this
    /// machine), for a shell.
    public static func lineEndRepairWords(_ file: String) -> [String] {
        ["sed", "-i", "s/\\r$//", file]
    }

    static func carriageReturnNote(_ name: String) -> String {
        guard name.hasByteSuffix("\r") else { return "" }
        return "; its #! line ends in a carriage return (the file has Windows line ends), which is read as part of the name"
    }
}

import LoaderModel
import RootFS
import Support

/// What starting a `#!` script comes to inside the root, as the kernel's exec does it
/// (fs/exec.c, fs/binfmt_script.c): the script's own execute permission, its interpreter's,
/// and an interpreter that is a script in turn, followed up to the kernel's limit; then the
/// program the loader starts (the last interpreter, or the command `env` finds on `PATH`),
/// or where the start stops first.
public struct ScriptStart: Equatable, Sendable {
    /// A script of the chain: the file and its `#!` line.
    public struct Script: Equatable, Sendable {
        public var path: RootPath
        public var line: ScriptLine
    }

    public enum Outcome: Equatable, Sendable {
        /// The last interpreter is an executable file that is no script: the kernel executes
        /// it, and the loader starts it.
        case interpreter(RootPath)
        /// The last interpreter is `env`, which starts `name`, found on `PATH` at `path`.
        case envCommand(name: String, path: RootPath)
        /// The given script may not be executed by the process (no execute bit for it, or a
        /// directory on the way it may not search): execve fails with EACCES.
        case scriptNotExecutable(AccessDenial)
        /// No file by the interpreter's name: execve fails with ENOENT (a shell's "bad interpreter").
        case interpreterMissing(String)
        /// The interpreter's name runs into a symlink loop: execve fails with ELOOP.
        case interpreterLoop(String)
        /// The interpreter is no regular file (`denial` nil), or one the process may not
        /// execute: execve fails with EACCES.
        case interpreterNotExecutable(RootPath, denial: AccessDenial?)
        /// More scripts in a row than the kernel follows (`chain` holds them all): ELOOP.
        case tooManyScripts
        /// `env` finds no `name` on `PATH`.
        case envCommandMissing(name: String, searched: [String])
        /// `env` with an argument that names no command to follow (options or assignments only).
        case envWithoutCommand
    }

    /// The scripts the kernel reads, the given one first; each one's interpreter is the next.
    public var chain: [Script]
    public var outcome: Outcome

    /// How many scripts in a row the kernel's exec reads before it gives up with ELOOP
    /// (`exec_binprm`: a sixth handler call; measured here: five run, six fail).
    public static let maxScripts = 5

    /// `line`, the `#!` line of the script at `script`, in `root`, for a process with
    /// `environment` (its identity, its `PATH`, its working directory for an interpreter
    /// named without a slash at the front).
    public static func judge(_ line: ScriptLine, script: RootPath, root: RootView, environment: LoaderEnvironment) -> ScriptStart {
        let identity = environment.identity
        var chain = [Script(path: script, line: line)]
        if let denial = identity.denial(.execute, path: script, in: root) {
            return ScriptStart(chain: chain, outcome: .scriptNotExecutable(denial))
        }
        while true {
            let line = chain[chain.count - 1].line
            let interpreter = ProgramLocation.path(line.interpreter, in: environment)
            let found: RootView.Resolved?
            do {
                found = try root.resolve(interpreter)
            } catch .symlinkLoop {
                return ScriptStart(chain: chain, outcome: .interpreterLoop(line.interpreter))
            } catch {
                found = nil
            }
            guard let found else { return ScriptStart(chain: chain, outcome: .interpreterMissing(line.interpreter)) }
            guard found.entry.kind == .file else {
                return ScriptStart(chain: chain, outcome: .interpreterNotExecutable(interpreter, denial: nil))
            }
            if let denial = identity.denial(.execute, path: interpreter, in: root) {
                return ScriptStart(chain: chain, outcome: .interpreterNotExecutable(interpreter, denial: denial))
            }
            // An interpreter that is a script itself: the kernel reads its line in turn.
            if let head = try? root.filesystem.head(of: found.path, count: ScriptLine.kernelBufferSize),
               case .success(let next)? = head.bytes.withUnsafeBytes({ ScriptLine.read($0) }) {
                chain.append(Script(path: interpreter, line: next))
                if chain.count > maxScripts { return ScriptStart(chain: chain, outcome: .tooManyScripts) }
                continue
            }
            return ScriptStart(chain: chain, outcome: envOutcome(line, interpreter: interpreter, root: root, environment: environment))
        }
    }

    /// The last interpreter's outcome: itself, or when it is `env` with an argument, the
    /// command env goes on to.
    static func envOutcome(_ line: ScriptLine, interpreter: RootPath, root: RootView, environment: LoaderEnvironment) -> Outcome {
        guard line.interpreter.afterLastSlash == "env", line.argument != nil else { return .interpreter(interpreter) }
        guard let name = line.envCommand else { return .envWithoutCommand }
        if name.containsSlash {
            let path = ProgramLocation.path(name, in: environment)
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
        switch outcome {
        case .interpreter(let path), .envCommand(_, let path): return path
        default: return nil
        }
    }

    /// The given script, when the process may not execute it for want of the file's own
    /// execute bit (not a directory on the way): `chmod a+x` gives it.
    public var scriptNeedsExecuteBit: Bool {
        guard case .scriptNotExecutable(let denial) = outcome else { return false }
        return !denial.isDirectory
    }

    /// One sentence on the script (`script`: its path, as given). The caller adds the
    /// command of the next step: checking `program` where it is set, `lineEndRepair`, or
    /// `chmod a+x`.
    public func description(script: String) -> String {
        let first = chain[0].line
        var head = "\(script) is a script (#!\(first.shown)), not an ELF program"
        for nested in chain.dropFirst() {
            head += "; \(nested.path.string) is a script too (#!\(nested.line.shown))"
        }
        let last = chain[chain.count - 1].line
        let its = chain.count == 1 ? "its" : "that one's"
        switch outcome {
        case .interpreter(let path):
            return "\(head); the loader starts \(its) interpreter, \(path.string)"
        case .envCommand(let name, let path):
            return "\(head); env starts \(name) from PATH, \(path.string)"
        case .scriptNotExecutable(let denial):
            return "\(head), and \(denial): the kernel refuses to start it (EACCES; a shell says \"Permission denied\")"
        case .interpreterMissing(let name):
            return "\(head), and \(its) interpreter \(name) is not in the root: the kernel refuses to start it (ENOENT; a shell says \"bad interpreter\")"
                + Self.carriageReturnNote(name)
        case .interpreterLoop(let name):
            return "\(head), and \(its) interpreter \(name) leads into a loop of symbolic links: the kernel refuses to start it (ELOOP, \"Too many levels of symbolic links\")"
        case .interpreterNotExecutable(let path, let denial?):
            let place = denial.isDirectory ? "on the way to \(its) interpreter \(path.string)" : "\(its) interpreter"
            return "\(head), and \(denial), \(place): the kernel refuses to start it (EACCES)"
        case .interpreterNotExecutable(let path, nil):
            return "\(head), and \(its) interpreter \(path.string) is not an executable file: the kernel refuses to start it (EACCES)"
        case .tooManyScripts:
            return "\(head): the kernel follows at most \(Self.maxScripts) scripts in a row and refuses to start it (ELOOP, \"Too many levels of symbolic links\"); name an ELF program as one of their interpreters"
        case .envCommandMissing(let name, let searched):
            let place = searched.isEmpty ? "" : " (PATH: \(searched.joined(separator: ":")))"
            var text = "\(head), and env finds no \(name) on PATH\(place): it stops with \"No such file or directory\""
            if name.containsByte(0x20) || name.containsByte(0x09), last.argument.map({ !$0.hasBytePrefix("-S") }) ?? true {
                text += "; the kernel passes everything after the interpreter as one word, so env looks for a program named \"\(name)\": write #!\(last.interpreter) -S \(name) to split it"
            }
            return text + Self.carriageReturnNote(name)
        case .envWithoutCommand:
            return "\(head) whose env names no command (\(last.argument ?? "")): pass the program it starts"
        }
    }

    /// The script whose line names what was not found, when that name ends in a carriage
    /// return: that file has Windows line ends, and the kernel or env read the CR as part of
    /// the name.
    public var lineEndRepair: RootPath? {
        switch outcome {
        case .interpreterMissing(let name), .envCommandMissing(let name, _):
            return name.hasByteSuffix("\r") ? chain[chain.count - 1].path : nil
        default: return nil
        }
    }

    /// The words that take the carriage returns out of every line of `file` (a path on this
    /// machine), for a shell.
    public static func lineEndRepairWords(_ file: String) -> [String] {
        ["sed", "-i", "s/\\r$//", file]
    }

    /// The words that give `file` (a path on this machine) an execute bit for everyone.
    public static func executeBitWords(_ file: String) -> [String] {
        ["chmod", "a+x", file]
    }

    static func carriageReturnNote(_ name: String) -> String {
        guard name.hasByteSuffix("\r") else { return "" }
        return "; its #! line ends in a carriage return (the file has Windows line ends), which is read as part of the name"
    }
}

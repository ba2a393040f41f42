#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Doctor
import LoaderModel
import RootFS
import Support
import CStartup
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Which root, environment and program a command looks at: what `TargetOptions` parses, and
/// what `QuickCommand` fills in without ArgumentParser.
protocol TargetDescription {
    var root: String { get }
    var image: String? { get }
    var environmentAssignments: [String] { get }
    var environmentFile: String? { get }
    var givenWorkingDirectory: String? { get }
    /// `--user`: who starts the program (else the image config's `User`).
    var givenUser: String? { get }
    var binary: String? { get }
}

extension TargetDescription {
    /// `--cwd`, else where the program would start: this shell's directory for this
    /// machine's own root (a relative or empty search-path element means it), `/` in
    /// another root or an image (whose config's WorkingDir `environment(of:)` prefers).
    var workingDirectory: String {
        givenWorkingDirectory ?? (isHostRoot ? FileManager.default.currentDirectoryPath : "/")
    }

    /// The root as an absolute path, for what is run elsewhere (a script, a pasted command).
    var absoluteRoot: String { TargetOptions.absolute(root) }

    /// What reports call the examined root: the image file, or the root directory.
    var rootLabel: String { image ?? root }

    var isHostRoot: Bool { image == nil && (root == "/" || root.isEmpty) }

    /// The target's environment: the image config, else this process's loader variables;
    /// then each `--env` on top.
    /// - Parameter system: the system already read, whose image config is used rather
    ///   than reading the image again (a gzip'd archive is inflated once).
    func environment(of system: TargetSystem? = nil) throws -> LoaderEnvironment {
        var variables: [String: String] = [:]
        var user: String?, configDirectory: String?
        if let file = environmentFile {
            // A missing, unreadable or malformed config is bad input (exit 3), like a bad root.
            do {
                let config = try ImageConfigEnvironment.readConfig(path: file)
                (variables, user, configDirectory) = (config.environment, config.user, config.workingDirectory)
            } catch { throw CommandFailure.analysis(error.description) }
        } else if let image {
            let config: ImageRootConfig
            if let read = system?.root.filesystem as? ImageRoot {
                config = read.config
            } else {
                do { config = try ImageRoot.config(path: image) } catch { throw CommandFailure.analysis(error.description) }
            }
            (variables, user, configDirectory) = (config.environment, config.user, config.workingDirectory)
        } else {
            variables = ProcessEnvironment.loaderVariables
            if isHostRoot, let path = ProcessEnvironment.value("PATH") { variables["PATH"] = path }
        }
        variables.merge(assignments) { $1 }
        // Who starts the program (a set-ID one may run in secure mode): the image config's
        // User, as `docker run` and `docker exec` do; else whoever runs ofdoctor on this
        // machine, and root in another root or an image.
        var identity = isHostRoot ? ProcessIdentity.ofThisProcess : .root
        if let given = givenUser {
            // Named on the command line: a name the root does not list is bad input.
            guard let root = system?.root else { throw CommandFailure.analysis("--user \(given): the root is needed to read it") }
            switch ProcessIdentity.container(user: given, root: root) {
            case .success(let named): identity = named
            case .failure(let unknown):
                throw CommandFailure.analysis("--user \(given): no \(unknown.kind == .user ? "user" : "group") \(unknown.name) in \(rootLabel)'s \(unknown.file); give UID:GID")
            }
        }
        var unknownUser: UnknownContainerUser?
        if givenUser == nil, let user, let root = system?.root {
            // A name neither file lists: the runtime refuses to start the container at all
            // (LD031); the loader's part is judged as root.
            switch ProcessIdentity.container(user: user, root: root) {
            case .success(let named): identity = named
            case .failure(let unknown): unknownUser = unknown
            }
        }
        // Where it starts: --cwd, else the image config's WorkingDir, as the runtime starts it there.
        let directory = givenWorkingDirectory ?? configDirectory ?? workingDirectory
        var environment = LoaderEnvironment(variables, workingDirectory: directory, identity: identity)
        environment.unknownContainerUser = unknownUser
        environment.containerUser = givenUser ?? user
        // (an image's files are read from its layers, past any permission)
        environment.reader = image == nil ? .ofThisProcessReading : nil
        return environment
    }

    func localRoot() throws -> LocalRoot {
        if image != nil {
            throw CommandFailure.analysis("--image is read-only: `fix --image IN --output OUT` writes a repaired copy; `fix --format dockerfile` prints the lines for its Dockerfile")
        }
        do {
            return try LocalRoot(directory: isHostRoot ? "/" : root)
        } catch {
            throw CommandFailure.analysis(error.description)
        }
    }

    /// This machine's CPU features; nil without /proc (a rescue chroot): TargetSystem notes the assumption.
    func cpuFeatures() -> CPUFeatures? {
        ProcFile.bytes(at: "/proc/cpuinfo").map(CPUFeatures.init(cpuinfo:))
    }

    /// The `--env` assignments alone, NAME → value.
    var assignments: [String: String] {
        var variables: [String: String] = [:]
        for assignment in environmentAssignments {
            guard let (name, value) = assignment.splitAtFirst(UInt8(ascii: "=")) else { continue }
            variables[String(name)] = String(value)
        }
        return variables
    }

    func system() throws -> TargetSystem {
        let cpu = cpuFeatures()
        let filesystem: any RootFilesystem
        if let image {
            do { filesystem = try ImageRoot(path: image) } catch { throw CommandFailure.analysis(error.description) }
        } else {
            // Read-only from here on: each path's lstat and readlink are made once.
            filesystem = CachedRoot(try localRoot())
        }
        let vdso = UnsafeRawPointer(bitPattern: UInt(ofdoctor_vdso_address())).flatMap(KernelVDSO.read(at:))
        var system = TargetSystem.inspect(root: RootView(filesystem), cpu: cpu, vdso: vdso)
        // From outside, a plan's `ldconfig -r ROOT` is the host's (an image gets the cache
        // written for it instead: `fix --image --output`).
        system.ldconfigRunsOnHost = image == nil && !isHostRoot
        system.examinedFromOutside = image != nil || !isHostRoot
        KeptUntilExit.keep(system)   // its ld.so.cache entries are freed by exiting
        return system
    }

    /// The program inside the root, and the `argv[0]` it is started with. A relative path
    /// starts from the environment's working directory (`workingDirectory`).
    func program(in system: TargetSystem, environment: LoaderEnvironment) throws -> ProgramLocation {
        do {
            return try ProgramLocation.find(binary, root: system.root, environment: environment)
        } catch {
            // In the working directory, which a bare name does not reach: the check of `./NAME`.
            if case .notFound(let name, _, _, _, .some) = error {
                throw CommandFailure.analysisWithStep(error.description,
                                                      command: Invocation(self, program: nil, programWord: "./" + name).words("check"))
            }
            // Found elsewhere in the root, or one by a name a slip away: the check of that one, to paste.
            guard case .notFound(_, _, let elsewhere, let similar, _) = error, let first = elsewhere.first ?? similar else {
                throw CommandFailure.analysis(error.description)
            }
            let location = ProgramLocation(path: RootPath(first), argv0: first, viaPATH: false)
            throw CommandFailure.analysisWithStep(error.description + (elsewhere.isEmpty ? " Check it" : "; check it"),
                                                  command: Invocation(self, program: location, namingProgram: true).words("check"))
        }
    }

}

extension TargetOptions {
    /// `path` from this process's working directory when it is relative.
    /// `path` from the working directory, with its `.` components left out (`./ofdoctor` is
    /// `/tmp/ofdoctor`, not `/tmp/./ofdoctor`); `..` stays, which only the file system may
    /// resolve (the directory before it may be a link).
    static func absolute(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let joined = path.startsWithSlash ? path : (cwd.endsWithSlash ? cwd : cwd + "/") + path
        guard joined.containsBytes("/.") else { return joined }
        var components = joined.split(separator: "/", omittingEmptySubsequences: false)
        components.removeAll { $0 == "." }
        let cleaned = components.joined(separator: "/")
        return cleaned.isEmpty ? "/" : cleaned
    }
}

extension ProcessIdentity {
    /// This process's user, group, supplementary groups and `no_new_privs` (its
    /// /proc/self/status, inherited by what it starts): what a program it starts runs as.
    static var ofThisProcess: ProcessIdentity {
        let status = ProcFile.bytes(at: "/proc/self/status").flatMap { ProcessPrivileges(status: $0) }
        return ProcessIdentity(uid: UInt32(getuid()), gid: UInt32(getgid()), groups: RootedRun.ownGroups(),
                               privileges: status ?? .assumed)
    }

    /// This process as the kernel checks its own reads: its effective user and group.
    static var ofThisProcessReading: ProcessIdentity {
        ProcessIdentity(uid: UInt32(geteuid()), gid: UInt32(getegid()), groups: RootedRun.ownGroups())
    }
}

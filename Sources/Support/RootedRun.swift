#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A program run in a root with exactly the given environment, stopped after `timeout`
/// seconds (its whole process group killed; the output so far returned, marked `timedOut`).
/// ofdoctor's child enters the root itself (namespaces of its own, /proc mounted, `chroot`:
/// root only; the program runs as PID 2 under a PID 1 that reaps, and the child ends as the
/// program did) and becomes the user, then `execve`s the program: no tool of the root (a
/// distroless image has no `env`) or of this machine stands in between, so the target's
/// variables reach only the target, the program dies with ofdoctor (the death signal, and in
/// a root the end of its PID 1), and a program the kernel refuses (no interpreter, no execute
/// permission) is told apart from one that ran and failed.
public enum RootedRun {
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// Another root was named and this process is not root.
        case needsRoot
        /// Another user was named (`--user`, the image's `User`) and this process is not root.
        case needsRootToSwitchUser
        /// The directory to start in (`--cwd`, the image's `WorkingDir`) is not one of the root's.
        case noWorkingDirectory(String)
        case subprocess(SubprocessError)

        public var description: String {
            switch self {
            case .needsRoot: return "verify --root needs root (chroot in namespaces of its own)"
            case .needsRootToSwitchUser: return "verify as another user (--user, or the image's User) needs root (setuid)"
            case .noWorkingDirectory(let directory):
                return "verify starts the program in \(directory) (--cwd, or the image's WorkingDir), and the root has no such directory"
            case .subprocess(let error): return error.description
            }
        }
    }

    /// How the run went: the program ran (and exited, or was stopped), or the kernel refused
    /// to start it (execve's errno: ENOENT for a missing interpreter, EACCES without an
    /// execute bit, ENOEXEC for what is no executable of this machine).
    public enum Outcome: Sendable {
        case ran(SubprocessOutput)
        case refusedByKernel(errno: Int32)
    }

    /// - Parameters:
    ///   - root: the root directory on this machine; nil for the host itself.
    ///   - user: `(uid, gid, supplementary groups)` to start the program as, as a container
    ///     whose image names a User does: switched to when it is not who the run would be
    ///     anyway (root in another root, this process on the host), or has groups to add; nil: that one.
    ///   - workingDirectory: where it starts, inside the root; nil: `/` in a root, else here.
    public static func run(_ program: String, arguments: [String], environment: [String: String], root: String?,
                           user: (uid: UInt32, gid: UInt32, groups: [UInt32])? = nil, workingDirectory: String? = nil,
                           timeout: Int) throws(Failure) -> Outcome {
        let runsAs = root == nil ? (uid: UInt32(getuid()), gid: UInt32(getgid())) : (uid: 0, gid: 0)
        // (Groups matter to anyone but root: this process's own on the host, none in a root.)
        let runsWithGroups = root == nil ? Set(Self.ownGroups()) : []
        let switchTo = user.flatMap { $0.uid != runsAs.uid || $0.gid != runsAs.gid || ($0.uid != 0 && Set($0.groups) != runsWithGroups) ? $0 : nil }
        if root != nil, getuid() != 0 { throw .needsRoot }
        if switchTo != nil, getuid() != 0 { throw .needsRootToSwitchUser }
        do throws(SubprocessError) {
            return .ran(try Subprocess.run(program, arguments: arguments, environment: environment,
                                           timeout: .seconds(timeout), whenTimeUp: .stop,
                                           confinement: Subprocess.Confinement(root: root, user: switchTo,
                                                                               workingDirectory: workingDirectory)))
        } catch {
            if case .refusedByKernel(_, let code) = error { return .refusedByKernel(errno: code) }
            throw .subprocess(error)
        }
    }

    /// This process's supplementary groups (`getgroups`).
    public static func ownGroups() -> [UInt32] {
        let count = getgroups(0, nil)
        guard count > 0 else { return [] }
        var list = [gid_t](repeating: 0, count: Int(count))
        let got = getgroups(count, &list)
        return got > 0 ? list.prefix(Int(got)).map { UInt32($0) } : []
    }
}

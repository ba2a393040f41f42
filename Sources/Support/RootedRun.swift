#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A program run in a root with exactly the given environment, stopped after `timeout`
/// seconds (its whole process group killed; the output so far returned, marked `timedOut`).
/// On the host its tools run with a clean environment (`env -i`), so the target's LD_
/// variables reach only the target; another root is entered with `chroot` in a private
/// mount namespace, /proc mounted, which needs root. Each step `exec`s the next, so the
/// program itself is the process ofdoctor started: it gets ofdoctor's death signal and dies
/// with it (with `timeout(1)` in between, only `timeout` got the signal and the program lived on).
public enum RootedRun {
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// Another root was named and this process is not root.
        case needsRoot
        /// Another user was named (`--user`, the image's `User`) and this process is not root.
        case needsRootToSwitchUser
        /// The root has no `/usr/bin/env`, through which the program gets exactly its
        /// environment (a distroless or `scratch` image).
        case noEnvInRoot(String)
        case subprocess(SubprocessError)

        public var description: String {
            switch self {
            case .needsRoot: return "verify --root needs root (chroot in a private mount namespace)"
            case .needsRootToSwitchUser: return "verify as another user (--user, or the image's User) needs root (chroot --userspec)"
            case .noEnvInRoot(let root):
                return "verify starts the program through the root's /usr/bin/env (so that it gets exactly its environment), and \(root) has none: run it in its container instead"
            case .subprocess(let error): return error.description
            }
        }
    }

    /// - Parameters:
    ///   - root: the root directory on this machine; nil for the host itself.
    ///   - user: `(uid, gid)` to start the program as, as a container whose image names a User
    ///     does: switched to with `chroot --userspec` when it is not who the run would be
    ///     anyway (root in another root, this process on the host); nil: that one.
    public static func run(_ program: String, arguments: [String], environment: [String: String], root: String?,
                           user: (uid: UInt32, gid: UInt32)? = nil, timeout: Int) throws(Failure) -> SubprocessOutput {
        var command: [String]
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let runsAs = root == nil ? (uid: UInt32(getuid()), gid: UInt32(getgid())) : (uid: 0, gid: 0)
        let switchTo = user.flatMap { $0.uid != runsAs.uid || $0.gid != runsAs.gid ? $0 : nil }
        let userspec = switchTo.map { ["--userspec=\($0.uid):\($0.gid)", "--groups=\($0.gid)"] } ?? []
        if let root {
            guard getuid() == 0 else { throw .needsRoot }
            let script = "mount -t proc proc \"$0/proc\" 2>/dev/null; exec chroot \"$@\""
            command = ["/usr/bin/unshare", "-m", "--propagation", "private",
                       "/bin/sh", "-c", script, root] + userspec + [root, "/usr/bin/env", "-i"] + assignments + [program] + arguments
        } else if switchTo != nil {
            guard getuid() == 0 else { throw .needsRootToSwitchUser }
            command = ["/usr/sbin/chroot"] + userspec + ["/", "/usr/bin/env", "-i"] + assignments + [program] + arguments
        } else {
            command = ["/usr/bin/env", "-i"] + assignments + [program] + arguments
        }
        do throws(SubprocessError) {
            return try Subprocess.run(command[0], arguments: Array(command.dropFirst()),
                                      environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"],
                                      timeout: .seconds(timeout), whenTimeUp: .stop)
        } catch {
            throw .subprocess(error)
        }
    }
}

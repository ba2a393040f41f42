#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CSpawn

/// Why `Subprocess.run` could not run a program to completion.
public enum SubprocessError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A pipe or the spawn's file actions or attributes could not be set up.
    case setup(operation: String, errno: Int32)
    /// The fork or exec failed: the program is missing, not executable, or not a valid executable.
    case cannotStart(executable: String, errno: Int32)
    /// execve itself failed for a confined run (`Subprocess.Confinement`): the kernel refused
    /// the program (no interpreter, no execute permission, not a valid executable) — for
    /// `verify`, an answer, not a failure of ofdoctor.
    case refusedByKernel(executable: String, errno: Int32)
    /// Entering the root or becoming the user failed before the exec; `step` says which
    /// (CSpawn's `OFDOCTOR_SPAWN_…`, named by `ofdoctor_spawn_step_name`).
    case cannotConfine(executable: String, errno: Int32, step: Int32)
    /// Reading the program's output or waiting for it failed.
    case io(executable: String, operation: String, errno: Int32)
    /// The program ran past its time limit; it was killed (SIGKILL) with its process group.
    case timedOut(command: String, limit: Duration)

    public var description: String {
        switch self {
        case .setup(let operation, let code):
            let hint = code == EMFILE || code == ENFILE ? "; too many open files: raise `ulimit -n`" : ""
            return "cannot start a program: \(operation) failed: \(Errno.describe(code))\(hint)"
        case .cannotStart(let executable, let code):
            return "cannot run \(executable): \(Errno.describe(code)); check that it exists and is executable"
        case .refusedByKernel(let executable, let code):
            return "the kernel refused to start \(executable): \(Errno.describe(code))"
        case .cannotConfine(let executable, let code, let step):
            // (namespaces and mounts need CAP_SYS_ADMIN, which a container's root lacks)
            let needsAdmin = step == Int32(OFDOCTOR_SPAWN_NAMESPACES) || step == Int32(OFDOCTOR_SPAWN_MOUNT)
            let hint = code == EPERM && needsAdmin
                ? "; verify --root needs root with CAP_SYS_ADMIN: run it on the host, or in a privileged container" : ""
            return "cannot start \(executable) inside its root or as its user: \(String(cString: ofdoctor_spawn_step_name(step))) failed: \(Errno.describe(code))\(hint)"
        case .io(let executable, let operation, let code):
            return "\(executable): \(operation) failed while collecting its output: \(Errno.describe(code))"
        case .timedOut(let command, let limit):
            return "`\(command)` was still running after \(Self.seconds(limit)) s and was killed; it loops or hangs on this input"
        }
    }

    /// A limit in seconds as a person writes it: `120`, `0.5`.
    static func seconds(_ limit: Duration) -> String {
        let (whole, fraction) = limit.components
        guard fraction != 0 else { return String(whole) }
        return String(Double(whole) + Double(fraction) / 1e18)
    }
}

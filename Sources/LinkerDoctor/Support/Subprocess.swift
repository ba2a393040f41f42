#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a program run by `Subprocess.run` ended, and what it wrote.
public struct SubprocessOutput: Equatable, Sendable {
    /// The exit status, or 128 + N when killed by signal N (as a shell reports it).
    public var status: Int32
    public var stdout: [UInt8]
    public var stderr: [UInt8]

    public init(status: Int32, stdout: [UInt8], stderr: [UInt8]) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Runs a program to completion: `posix_spawn` with stdin from `/dev/null` and stdout and
/// stderr each into a pipe, both drained with `poll` (a program that fills one pipe while
/// nobody reads it cannot dead-lock us), then `waitpid`.
public enum Subprocess {
    /// Runs `executable` (a path; there is no `PATH` search) with `arguments` (argv[1...]).
    /// `environment` nil: this process's environment; otherwise exactly those variables.
    public static func run(_ executable: String, arguments: [String],
                           environment: [String: String]? = nil) throws(SubprocessError) -> SubprocessOutput {
        let out = try makePipe()
        let err: [Int32]
        do throws(SubprocessError) { err = try makePipe() } catch {
            close(out[0]); close(out[1])
            throw error
        }
        let pid: pid_t
        do throws(SubprocessError) {
            pid = try spawn(executable, arguments: arguments, environment: environment, stdout: out[1], stderr: err[1])
        } catch {
            for fd in out + err { close(fd) }
            throw error
        }
        // Only the child holds write ends now, so the reads see end of file when it exits.
        close(out[1])
        close(err[1])

        var captured: (stdout: [UInt8], stderr: [UInt8]) = ([], [])
        var readFailure: SubprocessError?
        do throws(SubprocessError) {
            captured = try drain(stdout: out[0], stderr: err[0], executable: executable)
        } catch {
            readFailure = error
        }
        close(out[0])
        close(err[0])
        // Reaped even when reading failed, so no zombie is left behind.
        let status = try reap(pid, executable: executable)
        if let readFailure { throw readFailure }
        return SubprocessOutput(status: exitStatus(status), stdout: captured.stdout, stderr: captured.stderr)
    }

    /// A pipe whose ends are close-on-exec: they reach the child only through the dup2'ed
    /// 1 and 2. (`pipe2` is not visible from Swift's Glibc module.)
    private static func makePipe() throws(SubprocessError) -> [Int32] {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .setup(operation: "pipe", errno: errno) }
        for fd in fds where fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 {
            let code = errno
            close(fds[0]); close(fds[1])
            throw .setup(operation: "fcntl(FD_CLOEXEC)", errno: code)
        }
        return fds
    }

    /// A `waitpid` status as a shell reports it: the exit code, or 128 + the signal.
    static func exitStatus(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7F
        return signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
    }

    private static func spawn(_ executable: String, arguments: [String], environment: [String: String]?,
                              stdout: Int32, stderr: Int32) throws(SubprocessError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        var code = posix_spawn_file_actions_init(&actions)
        guard code == 0 else { throw .setup(operation: "posix_spawn_file_actions_init", errno: code) }
        defer { posix_spawn_file_actions_destroy(&actions) }
        code = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if code == 0 { code = posix_spawn_file_actions_adddup2(&actions, stdout, 1) }
        if code == 0 { code = posix_spawn_file_actions_adddup2(&actions, stderr, 2) }
        // Nothing else reaches the child, not even descriptors we inherited without
        // close-on-exec (as with Foundation's Process).
        for fd in openDescriptors() where code == 0 { code = posix_spawn_file_actions_addclose(&actions, fd) }
        guard code == 0 else { throw .setup(operation: "posix_spawn_file_actions", errno: code) }

        // Its own process group, as Foundation's Process did: a ^C meant for ofdoctor
        // does not cut ldconfig short halfway through writing the cache.
        var attributes = posix_spawnattr_t()
        code = posix_spawnattr_init(&attributes)
        guard code == 0 else { throw .setup(operation: "posix_spawnattr_init", errno: code) }
        defer { posix_spawnattr_destroy(&attributes) }
        code = posix_spawnattr_setpgroup(&attributes, 0)
        if code == 0 { code = posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP)) }
        guard code == 0 else { throw .setup(operation: "posix_spawnattr", errno: code) }

        let argv = CStringList([executable] + arguments)
        defer { argv.release() }
        let envp = environment.map { CStringList($0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }) }
        defer { envp?.release() }
        var pid: pid_t = 0
        code = argv.pointers.withUnsafeBufferPointer { args in
            guard let envp else { return posix_spawn(&pid, executable, &actions, &attributes, args.baseAddress!, environ) }
            return envp.pointers.withUnsafeBufferPointer { env in
                posix_spawn(&pid, executable, &actions, &attributes, args.baseAddress!, env.baseAddress!)
            }
        }
        guard code == 0 else { throw .cannotStart(executable: executable, errno: code) }
        return pid
    }

    /// The descriptors from 3 up open now, from /proc/self/fd; without /proc, every
    /// number below the limit (closing one that is not open is no error for posix_spawn).
    private static func openDescriptors() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else {
            let limit = min(sysconf(Int32(_SC_OPEN_MAX)), 1 << 16)
            return limit > 3 ? Array(3..<Int32(limit)) : []
        }
        defer { closedir(directory) }
        let own = dirfd(directory)
        var result: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let fd = Int32(name), fd > 2, fd != own { result.append(fd) }
        }
        return result
    }

    /// Reads both pipes until each reports end of file.
    private static func drain(stdout: Int32, stderr: Int32,
                              executable: String) throws(SubprocessError) -> (stdout: [UInt8], stderr: [UInt8]) {
        var collected: [[UInt8]] = [[], []]
        // poll skips negative descriptors: a stream at end of file stays in place as -1.
        var fds = [pollfd(fd: stdout, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: stderr, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while fds.contains(where: { $0.fd >= 0 }) {
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                throw .io(executable: executable, operation: "poll", errno: errno)
            }
            for index in fds.indices where fds[index].fd >= 0 && fds[index].revents != 0 {
                let fd = fds[index].fd
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    collected[index].append(contentsOf: buffer[..<count])
                } else if count == 0 {
                    fds[index].fd = -1
                } else if errno != EINTR && errno != EAGAIN {
                    throw .io(executable: executable, operation: "read", errno: errno)
                }
            }
        }
        return (collected[0], collected[1])
    }

    private static func reap(_ pid: pid_t, executable: String) throws(SubprocessError) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw .io(executable: executable, operation: "waitpid", errno: errno) }
        }
        return status
    }
}

/// A NULL-terminated `char *[]` for `posix_spawn`'s argv and envp, until `release()`.
private struct CStringList {
    let pointers: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        pointers = strings.map { strdup($0) } + [nil]
    }

    func release() {
        for pointer in pointers { free(pointer) }
    }
}

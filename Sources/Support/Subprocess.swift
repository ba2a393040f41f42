#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ELFInspect
import CSpawn

/// How a program run by `Subprocess.run` ended, and what it wrote.
public struct SubprocessOutput: Equatable, Sendable {
    /// The exit status, or 128 + N when killed by signal N (as a shell reports it).
    public var status: Int32
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    /// True when the time limit stopped it (`Subprocess.TimeUp.stop`): `status` is then the
    /// SIGKILL's 137 and the output what it wrote until then.
    public var timedOut: Bool
    /// Bytes of its output left out between each stream's first and last 4 MiB (`BoundedCapture`).
    public var droppedBytes: Int

    public init(status: Int32, stdout: [UInt8], stderr: [UInt8], timedOut: Bool = false, droppedBytes: Int = 0) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
        self.droppedBytes = droppedBytes
    }
}

/// Runs a program to completion: forked by `ofdoctor_spawn_confined` (CSpawn) with stdin from
/// `/dev/null` and stdout and stderr each into a pipe, both drained with `poll` (a program
/// that fills one pipe while nobody reads it cannot dead-lock us), then `waitpid`.
///
/// A child never outlives ofdoctor: it gets `PR_SET_PDEATHSIG` SIGKILL (prctl(2)), so when
/// ofdoctor dies, even by SIGKILL, the kernel kills the child too; and with a `timeout`, the
/// child's process group is killed when the time is up. (The death signal follows the
/// thread that forked; `run` blocks that thread until the child is reaped, so it holds.)
public enum Subprocess {
    /// What a run that reaches its time limit gives, after its process group is killed.
    public enum TimeUp: Sendable {
        /// `.timedOut` is thrown: a tool that hangs is an error (ldconfig).
        case fail
        /// The output so far, marked `timedOut`: a program stopped is a result (verify).
        case stop
    }

    /// Where and as whom the child runs (`verify`): entered in the child, between fork and
    /// exec, so no tool of the root or of this machine stands between ofdoctor and the program.
    public struct Confinement: Sendable {
        /// The root directory to `chroot` into, in namespaces of its own (mount, process ids,
        /// network, IPC, host name; `OfdoctorConfinement`) with procfs mounted on its `/proc`;
        /// nil: this machine's.
        public var root: String?
        /// Who to become (supplementary groups {gid} and `groups`, then gid, uid); nil: stay.
        public var user: (uid: UInt32, gid: UInt32, groups: [UInt32])?
        /// Where to start (inside `root`); nil: `/` in a root, else this process's directory.
        public var workingDirectory: String?

        public init(root: String?, user: (uid: UInt32, gid: UInt32, groups: [UInt32])?, workingDirectory: String? = nil) {
            self.root = root
            self.user = user
            self.workingDirectory = workingDirectory
        }
    }

    /// Runs `executable` (a path; there is no `PATH` search) with `arguments` (argv[1...]).
    /// `environment` nil: this process's environment; otherwise exactly those variables.
    /// `timeout` nil: no limit; otherwise the child and its process group are killed with
    /// SIGKILL once it has run that long, and `whenTimeUp` says what is returned.
    public static func run(_ executable: String, arguments: [String],
                           environment: [String: String]? = nil,
                           timeout: Duration? = nil, whenTimeUp: TimeUp = .fail,
                           confinement: Confinement? = nil) throws(SubprocessError) -> SubprocessOutput {
        let deadline = timeout.map { ContinuousClock.now.advanced(by: $0) }
        let out = try makePipe()
        let err: [Int32]
        do throws(SubprocessError) { err = try makePipe() } catch {
            close(out[0]); close(out[1])
            throw error
        }
        let pid: pid_t
        do throws(SubprocessError) {
            pid = try spawn(executable, arguments: arguments, environment: environment, stdout: out[1], stderr: err[1],
                            confinement: confinement)
        } catch {
            for fd in out + err { close(fd) }
            throw error
        }
        // Only the child holds write ends now, so the reads see end of file when it exits.
        close(out[1])
        close(err[1])

        var captured = [BoundedCapture(), BoundedCapture()]
        var failure: SubprocessError?
        do throws(SubprocessError) {
            try drain(stdout: out[0], stderr: err[0], into: &captured, executable: executable, deadline: deadline)
        } catch {
            failure = error
        }
        close(out[0])
        close(err[0])
        var status: Int32?
        if failure == nil {
            if let deadline { status = try waitUntil(deadline, pid, executable: executable) }
            else { status = try reap(pid, executable: executable) }
        }
        guard let status else {
            // Time is up, or reading failed: the child goes, with whatever it started in its
            // group, and is reaped so no zombie is left behind.
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            let killed = try? reap(pid, executable: executable)
            if let failure, failure != Self.timeUp { throw failure }
            if whenTimeUp == .stop {
                return SubprocessOutput(status: killed.map(exitStatus) ?? 128 + SIGKILL, stdout: captured[0].bytes,
                                        stderr: captured[1].bytes, timedOut: true,
                                        droppedBytes: captured[0].droppedBytes + captured[1].droppedBytes)
            }
            throw .timedOut(command: ([executable] + arguments).joined(separator: " "), limit: timeout ?? .zero)
        }
        return SubprocessOutput(status: exitStatus(status), stdout: captured[0].bytes, stderr: captured[1].bytes,
                                droppedBytes: captured[0].droppedBytes + captured[1].droppedBytes)
    }

    /// What `drain` throws when the deadline passes; `run` names the command and the limit.
    private static let timeUp = SubprocessError.timedOut(command: "", limit: .zero)

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
                              stdout: Int32, stderr: Int32, confinement: Confinement?) throws(SubprocessError) -> pid_t {
        let argv = CStringList([executable] + arguments)
        defer { argv.release() }
        let envp = environment.map { CStringList($0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }) }
        defer { envp?.release() }
        // A confined child's paths (root, its /proc, the directory to start in) as C strings
        // made here: the child may not allocate.
        let places = CStringList(confinement.map { ($0.root.map { [$0, $0 + "/proc"] } ?? ["", ""]) + [$0.workingDirectory ?? ""] } ?? [])
        defer { places.release() }
        // ... and its groups: {gid} then the supplementary ones, each once.
        var groups: [gid_t] = []
        if let user = confinement?.user {
            for group in [user.gid] + user.groups where !groups.contains(group) { groups.append(group) }
        }
        var pid: pid_t = 0
        var failedStep: Int32 = 0
        let code = groups.withUnsafeBufferPointer { groupList in argv.pointers.withUnsafeBufferPointer { args in
            envp.withPointers { env in
                guard let confinement else {
                    return ofdoctor_spawn_confined(executable, args.baseAddress, env, stdout, stderr, nil, &pid, &failedStep)
                }
                var confined = OfdoctorConfinement(
                    root: confinement.root == nil ? nil : places.pointers[0].map { UnsafePointer($0) },
                    proc: confinement.root == nil ? nil : places.pointers[1].map { UnsafePointer($0) },
                    cwd: confinement.workingDirectory == nil ? nil : places.pointers[2].map { UnsafePointer($0) },
                    switch_user: confinement.user == nil ? 0 : 1,
                    uid: confinement.user?.uid ?? 0, gid: confinement.user?.gid ?? 0,
                    groups: groupList.baseAddress, ngroups: groupList.count)
                return ofdoctor_spawn_confined(executable, args.baseAddress, env, stdout, stderr, &confined, &pid, &failedStep)
            }
        } }
        guard code == 0 else {
            if confinement == nil { throw .cannotStart(executable: executable, errno: code) }
            throw failedStep == Int32(OFDOCTOR_SPAWN_EXEC) ? .refusedByKernel(executable: executable, errno: code)
                : .cannotConfine(executable: executable, errno: code, step: failedStep)
        }
        return pid
    }

    /// Reads both pipes into `collected` (each within its bound) until each reports end of file.
    /// With a `deadline`, throws `timeUp` when it passes first (what was read stays in
    /// `collected`): a child (or one it started) that keeps the pipes open never lets them
    /// reach end of file.
    private static func drain(stdout: Int32, stderr: Int32, into collected: inout [BoundedCapture], executable: String,
                              deadline: ContinuousClock.Instant?) throws(SubprocessError) {
        // poll skips negative descriptors: a stream at end of file stays in place as -1.
        var fds = [pollfd(fd: stdout, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: stderr, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while fds.contains(where: { $0.fd >= 0 }) {
            var wait: Int32 = -1
            if let deadline {
                guard let left = milliseconds(until: deadline) else { throw timeUp }
                wait = left
            }
            if poll(&fds, nfds_t(fds.count), wait) < 0 {
                if errno == EINTR { continue }
                throw .io(executable: executable, operation: "poll", errno: errno)
            }
            for index in fds.indices where fds[index].fd >= 0 && fds[index].revents != 0 {
                let fd = fds[index].fd
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    collected[index].append(buffer[..<count])
                } else if count == 0 {
                    fds[index].fd = -1
                } else if errno != EINTR && errno != EAGAIN {
                    throw .io(executable: executable, operation: "read", errno: errno)
                }
            }
        }
    }

    /// The status once `pid` exits, or nil when `deadline` passes first (checked every 5 ms:
    /// the child has closed its pipes, so it is ending or has let go of them).
    private static func waitUntil(_ deadline: ContinuousClock.Instant, _ pid: pid_t,
                                  executable: String) throws(SubprocessError) -> Int32? {
        var status: Int32 = 0
        while true {
            let found = waitpid(pid, &status, WNOHANG)
            if found == pid { return status }
            if found < 0 && errno != EINTR { throw .io(executable: executable, operation: "waitpid", errno: errno) }
            guard let left = milliseconds(until: deadline) else { return nil }
            usleep(useconds_t(min(left, 5)) * 1000)
        }
    }

    /// Whole milliseconds left until `deadline`, rounded up (poll's unit); nil once it has passed.
    private static func milliseconds(until deadline: ContinuousClock.Instant) -> Int32? {
        let left = ContinuousClock.now.duration(to: deadline)
        guard left > .zero else { return nil }
        let (seconds, attoseconds) = left.components
        let whole = seconds.multipliedReportingOverflow(by: 1000)
        guard !whole.overflow else { return Int32.max }
        let rounded = whole.partialValue.addingReportingOverflow((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
        return rounded.overflow ? Int32.max : Int32(clamping: rounded.partialValue)
    }

    private static func reap(_ pid: pid_t, executable: String) throws(SubprocessError) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw .io(executable: executable, operation: "waitpid", errno: errno) }
        }
        return status
    }
}

/// A NULL-terminated `char *[]` for execve's argv and envp, until `release()`.
private struct CStringList {
    let pointers: [UnsafeMutablePointer<CChar>?]

    /// Each string's bytes (`ByteString`: a path that is not UTF-8 reaches the child as it is).
    init(_ strings: [String]) {
        pointers = strings.map { ByteString.withCString($0) { strdup($0) } } + [nil]
    }

    func release() {
        for pointer in pointers { free(pointer) }
    }
}

extension Optional where Wrapped == CStringList {
    /// The list's `char *[]` (nil for no list: the spawn then passes this process's environment).
    fileprivate func withPointers<R>(_ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> R) -> R {
        guard let list = self else { return body(nil) }
        return list.pointers.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}

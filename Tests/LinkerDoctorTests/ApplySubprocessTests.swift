import Foundation
import Testing
@testable import Apply
@testable import Support

/// The runner `ldconfig` and `verify` use: fork + exec (CSpawn), both pipes drained with
/// poll, waitpid; a time limit, and a death signal so no child outlives ofdoctor.
@Suite("Subprocess (fork/exec, poll, waitpid, deadline)")
struct ApplySubprocessTests {
    @Test("stdout and stderr are captured apart; stdin is /dev/null; the exit status comes back")
    func capturesBothStreams() throws {
        let result = try Subprocess.run("/bin/sh", arguments: ["-c", "echo out; echo err >&2; cat; exit 3"])
        #expect(result.status == 3)
        #expect(String(decoding: result.stdout, as: UTF8.self) == "out\n")
        #expect(String(decoding: result.stderr, as: UTF8.self) == "err\n")
    }

    @Test("a child that fills both pipes (1 MiB each, interleaved) does not dead-lock")
    func bothPipesFull() throws {
        let script = "i=0; while [ $i -lt 16 ]; do head -c 65536 /dev/zero; head -c 65536 /dev/zero >&2; i=$((i+1)); done"
        let result = try Subprocess.run("/bin/sh", arguments: ["-c", script])
        #expect(result.status == 0)
        #expect(result.stdout.count == 1 << 20)
        #expect(result.stderr.count == 1 << 20)
    }

    @Test("killed by a signal: 128 + the signal, as a shell reports it")
    func signalStatus() throws {
        #expect(try Subprocess.run("/bin/sh", arguments: ["-c", "kill -9 $$"]).status == 137)
        #expect(try Subprocess.run("/bin/sh", arguments: ["-c", "kill -SEGV $$"]).status == 139)
    }

    @Test("an explicit environment is all the child gets; nil inherits ours")
    func environment() throws {
        let explicit = try Subprocess.run("/usr/bin/env", arguments: [], environment: ["PATH": "/usr/bin:/bin", "A": "1=2"])
        #expect(String(decoding: explicit.stdout, as: UTF8.self) == "A=1=2\nPATH=/usr/bin:/bin\n")
        let inherited = try Subprocess.run("/usr/bin/env", arguments: [])
        let ours = ProcessInfo.processInfo.environment
        let lines = String(decoding: inherited.stdout, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == ours.count)
        if let path = ours["PATH"] { #expect(lines.contains("PATH=\(path)")) }
    }

    @Test("arguments reach the child as given, blanks and quotes included")
    func arguments() throws {
        let result = try Subprocess.run("/bin/sh", arguments: ["-c", "printf '%s|' \"$@\"", "sh", "a b", "'\"", ""])
        #expect(String(decoding: result.stdout, as: UTF8.self) == "a b|'\"||")
    }

    @Test("a missing or non-executable program is a typed error naming it")
    func cannotStart() {
        #expect(throws: SubprocessError.cannotStart(executable: "/nonexistent/tool", errno: ENOENT)) {
            try Subprocess.run("/nonexistent/tool", arguments: [])
        }
        #expect(throws: SubprocessError.cannotStart(executable: "/etc/passwd", errno: EACCES)) {
            try Subprocess.run("/etc/passwd", arguments: [])
        }
        let message = SubprocessError.cannotStart(executable: "/nonexistent/tool", errno: ENOENT).description
        #expect(message.hasPrefix("cannot run /nonexistent/tool: No such file or directory (ENOENT)"))
    }

    @Test("no descriptor of ours leaks into the child beyond 0, 1 and 2")
    func noLeakedDescriptors() throws {
        let result = try Subprocess.run("/bin/sh", arguments: ["-c", "ls /proc/self/fd"])
        let fds = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").compactMap { Int($0) }
        // ls itself opens one descriptor for the directory it lists.
        #expect(fds.filter { $0 > 2 }.count <= 1, "\(fds)")
    }

    @Test("past its time limit the child is killed with its process group and the error names command and limit")
    func deadlineKillsTheGroup() throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("subprocess-\(getpid())-bg").path
        defer { unlink(pidFile) }
        // The background sleep keeps both pipes open: only killing the group ends the read.
        let script = "sleep 30 & echo $! > \"$0\"; sleep 30"
        let start = ContinuousClock.now
        #expect(throws: SubprocessError.timedOut(command: "/bin/sh -c \(script) \(pidFile)", limit: .milliseconds(300))) {
            try Subprocess.run("/bin/sh", arguments: ["-c", script, pidFile], timeout: .milliseconds(300))
        }
        #expect(ContinuousClock.now - start < .seconds(10))
        let text = try String(contentsOfFile: pidFile, encoding: .utf8)
        let background = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        // Gone, or a zombie waiting for init to reap it: not running either way.
        var state = "gone"
        for _ in 0..<200 {
            guard let stat = try? String(contentsOfFile: "/proc/\(background)/stat", encoding: .utf8) else { state = "gone"; break }
            state = stat.split(separator: ")").last.map { String($0.dropFirst().prefix(1)) } ?? "?"
            if state == "Z" { break }
            usleep(10_000)
        }
        #expect(state == "gone" || state == "Z", "background child \(background) still in state \(state)")
        let message = SubprocessError.timedOut(command: "/sbin/ldconfig -r /x", limit: .seconds(120)).description
        #expect(message == "`/sbin/ldconfig -r /x` was still running after 120 s and was killed; it loops or hangs on this input")
    }

    @Test("a child that ends within its limit is unaffected by it")
    func deadlineNotReached() throws {
        let result = try Subprocess.run("/bin/sh", arguments: ["-c", "echo ok; exit 4"], timeout: .seconds(30))
        #expect(result.status == 4)
        #expect(result.stdout == Array("ok\n".utf8))
        // It closed its pipes but goes on: the wait after them honours the limit too.
        #expect(throws: SubprocessError.self) {
            try Subprocess.run("/bin/sh", arguments: ["-c", "exec >&- 2>&-; sleep 30"], timeout: .milliseconds(300))
        }
    }

    @Test("the child carries PR_SET_PDEATHSIG SIGKILL, so it dies when ofdoctor dies")
    func deathSignal() throws {
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("python3 is needed to read prctl(PR_GET_PDEATHSIG) in the child; scripts/deps.sh installs it")
            return
        }
        let script = "import ctypes; v = ctypes.c_int(); ctypes.CDLL(None).prctl(2, ctypes.byref(v)); print(v.value)"
        let result = try Subprocess.run(python, arguments: ["-c", script])
        #expect(String(decoding: result.stdout, as: UTF8.self) == "9\n")
        // And its own process group, led by itself.
        let group = try Subprocess.run("/bin/sh", arguments: ["-c", "ps -o pid=,pgid= -p $$"])
        let fields = String(decoding: group.stdout, as: UTF8.self).split(separator: " ", omittingEmptySubsequences: true)
        #expect(fields.count == 2 && fields[0] == fields[1].trimmingCharacters(in: .whitespacesAndNewlines), "\(fields)")
    }

    @Test("`ldconfig -r` on two conf files that include each other never ends by itself; the limit ends it")
    func ldconfigIncludeLoop() throws {
        guard let ldconfig = SystemLdconfig.candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            Issue.record("no ldconfig at \(SystemLdconfig.candidates)")
            return
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ldconfig-loop-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/etc/ld.so.conf.d", withIntermediateDirectories: true)
        // Each file includes both: ldconfig recurses through a binary tree as deep as its descriptors allow.
        for file in ["/etc/ld.so.conf", "/etc/ld.so.conf.d/a.conf", "/etc/ld.so.conf.d/b.conf"] {
            try "include /etc/ld.so.conf.d/*.conf\n".write(toFile: root + file, atomically: true, encoding: .utf8)
        }
        let start = ContinuousClock.now
        #expect(throws: SubprocessError.timedOut(command: "\(ldconfig) -r \(root)", limit: .seconds(2))) {
            try Subprocess.run(ldconfig, arguments: ["-r", root], timeout: .seconds(2))
        }
        #expect(ContinuousClock.now - start < .seconds(15))
    }
}

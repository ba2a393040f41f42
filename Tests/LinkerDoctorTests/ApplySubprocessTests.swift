import Foundation
import Testing
@testable import LinkerDoctor

/// The runner `ldconfig` and `verify` use: posix_spawn, both pipes drained with poll, waitpid.
@Suite("Subprocess (posix_spawn, poll, waitpid)")
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
}

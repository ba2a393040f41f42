import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `verify` starts the program as its own child (no `timeout(1)` in between), so the
/// program gets ofdoctor's death signal: killing ofdoctor, even with SIGKILL, ends it.
@Suite("verify's program does not outlive ofdoctor", .enabled(if: HostileCLI.isAvailable, HostileCLI.unavailableReason))
struct VerifyLifetimeTests {
    @Test("ofdoctor killed with SIGKILL mid-verify: the program it runs is gone too")
    func programDiesWithOfdoctor() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("verify-lifetime-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pidFile = dir + "/pid"
        // The program writes its own pid, then becomes a long sleep (same pid).
        let process = Process()
        process.executableURL = URL(fileURLWithPath: HostileCLI.binaryPath)
        process.arguments = ["verify", "--timeout", "600", "/bin/sh", "--", "-c", "echo $$ > \"$0\"; exec sleep 300", pidFile]
        process.environment = HostileCLI.baseEnvironment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        var program: pid_t?
        for _ in 0..<3000 where program == nil {   // up to 30 s for the check and the start
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), text.hasSuffix("\n") {
                program = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
            } else {
                usleep(10_000)
            }
        }
        let pid = try #require(program, "the program never started")
        #expect(Self.running(pid), "the program should be running while ofdoctor waits for it")

        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        var alive = true
        for _ in 0..<500 where alive {   // up to 5 s
            alive = Self.running(pid)
            if alive { usleep(10_000) }
        }
        if alive { kill(pid, SIGKILL) }
        #expect(!alive, "the program (pid \(pid)) outlived ofdoctor")
    }

    /// Running: present and not a zombie.
    static func running(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return stat.split(separator: ")").last.map { !$0.dropFirst().hasPrefix("Z") } ?? false
    }
}

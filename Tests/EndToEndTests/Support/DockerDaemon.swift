import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A private Docker daemon for one test: `dockerd` with the vfs storage driver (works as
/// root without overlayfs), its own data root, socket and pid file under a temporary
/// directory, no bridge and no iptables rules. Stopped by its pid, and its files removed.
final class DockerDaemon {
    /// `dockerd` and `docker` are installed (`docker.io`, scripts/deps.sh) and we are root.
    static let isInstalled: Bool = getuid() == 0
        && ["/usr/bin/dockerd", "/usr/sbin/dockerd"].contains(where: FileManager.default.isExecutableFile(atPath:))
        && FileManager.default.isExecutableFile(atPath: client)

    static let unavailable: Comment = "needs root and dockerd (Debian's docker.io, installed by scripts/deps.sh)"

    static var client: String {
        ["/usr/bin/docker", "/usr/local/bin/docker"].first(where: FileManager.default.isExecutableFile(atPath:)) ?? "/usr/bin/docker"
    }

    let directory: String
    private let process: Process

    var socket: String { directory + "/docker.sock" }

    /// Starts the daemon and waits (up to 60 s) until it answers.
    init() throws {
        directory = "/tmp/ofdoctor-dockerd-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: ["/usr/bin/dockerd", "/usr/sbin/dockerd"].first(where: FileManager.default.isExecutableFile(atPath:)) ?? "/usr/bin/dockerd")
        process.arguments = ["--storage-driver=vfs", "--data-root", directory + "/data", "--exec-root", directory + "/exec",
                             "--pidfile", directory + "/dockerd.pid", "-H", "unix://" + socket,
                             "--iptables=false", "--ip6tables=false", "--bridge=none"]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        let log = directory + "/dockerd.log"
        try #require(FileManager.default.createFile(atPath: log, contents: nil), "cannot create \(log)")
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        for _ in 0..<120 {
            if docker(["version"]).status == 0 { return }
            guard process.isRunning else { break }
            usleep(500_000)
        }
        stop()
        throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "dockerd did not start: "
            + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")])
    }

    func docker(_ arguments: [String]) -> Command.Result {
        Command.run(Self.client, arguments, environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DOCKER_HOST": "unix://" + socket])
    }

    /// SIGTERM to the daemon this test started, then its files go.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            for _ in 0..<60 where process.isRunning { usleep(250_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        _ = Command.run("/bin/rm", ["-rf", directory])
    }

    deinit { stop() }
}

import Foundation

/// Runs the built CLI and other host commands for the end-to-end tests; output goes through
/// files so that neither pipe can block the child.
enum Command {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var packageRoot: String {
        // Tests/EndToEndTests/Support/Command.swift → the package root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// The debug CLI `swift build` makes; `OFDOCTOR_BINARY` (or `OFDOCTOR_BIN`) overrides it
    /// for a build with another `--scratch-path`.
    static var ofdoctorPath: String {
        let environment = ProcessInfo.processInfo.environment
        return environment["OFDOCTOR_BINARY"] ?? environment["OFDOCTOR_BIN"] ?? packageRoot + "/.build/debug/ofdoctor"
    }

    static func ofdoctor(_ arguments: [String], environment: [String: String] = [:]) -> Result {
        run(ofdoctorPath, arguments, environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NO_COLOR": "1"].merging(environment) { $1 })
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-cmd-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
              FileManager.default.createFile(atPath: errURL.path, contents: nil),
              let out = try? FileHandle(forWritingTo: outURL), let err = try? FileHandle(forWritingTo: errURL) else {
            return Result(status: 125, stdout: "", stderr: "cannot create output files")
        }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return Result(status: 125, stdout: "", stderr: "\(error)") }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}

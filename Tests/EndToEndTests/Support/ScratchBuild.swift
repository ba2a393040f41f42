import Foundation

/// A fresh temporary directory with what a shell script (run by `sh -e` inside it, PATH
/// /usr/bin:/bin) built there: the host tests that compile their own programs.
struct ScratchBuild {
    let dir: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(_ name: String, _ script: String) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let result = Command.run("/bin/sh", ["-ec", "cd \"$0\"\n" + script, dir], environment: ["PATH": "/usr/bin:/bin"])
        guard result.status == 0 else {
            remove()
            throw Failure(description: "the build script failed: \(result.stderr)")
        }
    }

    /// Removes the directory (call it in a `defer`).
    func remove() { try? FileManager.default.removeItem(atPath: dir) }
}

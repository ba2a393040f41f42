import Foundation

/// The tests' own reader of image archives (`Tests/Fixtures/unpack-image.py`, Python's
/// tarfile, gzip and hashlib, nothing of ofdoctor's): checks an image against the
/// image-spec (manifest, index, blob digests, diff IDs, history) and unpacks it layer by
/// layer, whiteouts honoured, into a root the real loader can run.
struct ImageSpecReader {
    /// What the reader found; a violation of the spec fails `read` instead.
    struct Summary: Decodable {
        var format: String
        var gzip: Bool
        var env: [String]
        var diff_ids: [String]
        var history: [[String: String]]
        var tags: [String]

        /// `Env` as NAME → value.
        var environment: [String: String] {
            var result: [String: String] = [:]
            for line in env {
                guard let eq = line.firstIndex(of: "=") else { continue }
                result[String(line[..<eq])] = String(line[line.index(after: eq)...])
            }
            return result
        }
    }

    enum Failure: Error, CustomStringConvertible {
        case violation(String)
        var description: String {
            switch self { case .violation(let message): return message }
        }
    }

    /// Checks `image`; with `unpackInto`, also applies its layers there.
    static func read(_ image: String, unpackInto root: String? = nil) throws -> Summary {
        let script = Command.packageRoot + "/Tests/Fixtures/unpack-image.py"
        let result = Command.run("/usr/bin/env", ["python3", script, image] + (root.map { [$0] } ?? []))
        guard result.status == 0 else { throw Failure.violation("\(image): \(result.stderr)") }
        return try JSONDecoder().decode(Summary.self, from: Data(result.stdout.utf8))
    }

    /// The bytes of a file or of every file under a directory, for byte-identity checks.
    static func snapshot(_ path: String) throws -> [String: Data] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [:] }
        guard isDirectory.boolValue else { return ["": try Data(contentsOf: URL(fileURLWithPath: path))] }
        var files: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(atPath: path) else { return [:] }
        for case let name as String in walker {
            var dir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &dir), !dir.boolValue {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: path + "/" + name))
            }
        }
        return files
    }
}

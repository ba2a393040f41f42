import Foundation

/// The environment an image gives its containers, from the JSON of `docker inspect`
/// (an array of objects with `Config.Env`) or an OCI image config (`config.Env`).
public enum ImageConfigEnvironment {
    public enum ReadError: Error, Equatable, Sendable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case noEnv(path: String)
        public var description: String {
            switch self {
            case .unreadable(let path, let reason): return "\(path): cannot read the image config: \(reason)"
            case .noEnv(let path):
                return "\(path): no Env list found; give the JSON of `docker inspect IMAGE` or an OCI image config"
            }
        }
    }

    public static func read(path: String) throws(ReadError) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "no such file or not readable")
        }
        return try parse(data, path: path)
    }

    public static func parse(_ data: Data, path: String) throws(ReadError) -> [String: String] {
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data) } catch {
            throw .unreadable(path: path, reason: "not JSON (\(error.localizedDescription))")
        }
        let object: Any = (json as? [Any])?.first ?? json
        guard let dict = object as? [String: Any] else { throw .noEnv(path: path) }
        let config = (dict["Config"] as? [String: Any]) ?? (dict["config"] as? [String: Any]) ?? dict
        guard let env = config["Env"] as? [String] else { throw .noEnv(path: path) }
        var result: [String: String] = [:]
        for item in env {
            guard let eq = item.firstIndex(of: "=") else { continue }
            result[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        return result
    }
}

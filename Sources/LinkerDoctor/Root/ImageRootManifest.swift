import Foundation

/// Which config and which layers, in order, make the image: from `manifest.json`
/// (`docker save`) or from `index.json` → manifest blob (OCI image layout, image-spec
/// image-layout.md). Docker 25+ writes both; `manifest.json` is read first.
struct ImageRootManifest: Equatable, Sendable {
    /// Member names inside the source.
    var config: String
    var layers: [String]

    static func read(_ source: ImageRootSource) throws(ImageRootError) -> ImageRootManifest {
        if source.contains("manifest.json") { return try docker(source) }
        if source.contains("index.json") { return try oci(source) }
        throw .notAnImage(path: source.path)
    }

    private static func docker(_ source: ImageRootSource) throws(ImageRootError) -> ImageRootManifest {
        let json = try object(source, "manifest.json")
        guard let images = json as? [Any], let first = images.first as? [String: Any],
              let config = first["Config"] as? String, let layers = first["Layers"] as? [String] else {
            throw .badManifest(path: source.path, member: "manifest.json", reason: "no image with Config and Layers")
        }
        return ImageRootManifest(config: config, layers: layers)
    }

    private static func oci(_ source: ImageRootSource) throws(ImageRootError) -> ImageRootManifest {
        var member = "index.json"
        var json = try object(source, member)
        // An index may point at a further index (multi-platform images); a few levels suffice.
        for _ in 0..<4 {
            guard let dict = json as? [String: Any] else {
                throw .badManifest(path: source.path, member: member, reason: "not a JSON object")
            }
            if let manifests = dict["manifests"] as? [[String: Any]] {
                guard let chosen = pick(manifests), let digest = chosen["digest"] as? String,
                      let blob = blobPath(digest) else {
                    throw .badManifest(path: source.path, member: member, reason: "no usable manifest digest")
                }
                member = blob
                json = try object(source, member)
                continue
            }
            guard let config = (dict["config"] as? [String: Any])?["digest"] as? String,
                  let configPath = blobPath(config), let layers = dict["layers"] as? [[String: Any]] else {
                throw .badManifest(path: source.path, member: member, reason: "no config digest or layers")
            }
            var paths: [String] = []
            for layer in layers {
                guard let digest = layer["digest"] as? String, let path = blobPath(digest) else {
                    throw .badManifest(path: source.path, member: member, reason: "a layer has no valid digest")
                }
                paths.append(path)
            }
            return ImageRootManifest(config: configPath, layers: paths)
        }
        throw .badManifest(path: source.path, member: member, reason: "indexes nested too deeply")
    }

    /// The linux/amd64 entry when platforms are given, else the first.
    private static func pick(_ manifests: [[String: Any]]) -> [String: Any]? {
        manifests.first { entry in
            guard let platform = entry["platform"] as? [String: Any] else { return false }
            return platform["os"] as? String == "linux" && platform["architecture"] as? String == "amd64"
        } ?? manifests.first
    }

    /// `blobs/<algorithm>/<hex>` for a digest (image-spec descriptor.md); nil for a digest
    /// whose parts could form any other path.
    static func blobPath(_ digest: String) -> String? {
        let parts = digest.split(separator: ":", maxSplits: 1)
        guard parts.count == 2,
              parts[0].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "+._-".contains($0)) }),
              !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && ($0.isHexDigit || $0.isLetter || $0 == "=" || $0 == "_" || $0 == "-") }),
              !parts[0].hasPrefix(".") else { return nil }
        return "blobs/\(parts[0])/\(parts[1])"
    }

    private static func object(_ source: ImageRootSource, _ member: String) throws(ImageRootError) -> Any {
        let bytes = try source.file(member)
        do {
            return try JSONSerialization.jsonObject(with: Data(bytes.buffer))
        } catch {
            throw .badManifest(path: source.path, member: member, reason: "not JSON")
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ELFInspect
import Support

/// Which config and which layers, in order, make the image: from `manifest.json`
/// (`docker save`) or from `index.json` → manifest blob (OCI image layout, image-spec
/// image-layout.md). Docker 25+ writes both; `manifest.json` is read first.
struct ImageRootManifest: Equatable, Sendable {
    /// Member names inside the source.
    var config: String
    var layers: [String]
    /// OCI: member → the digest that names it (`sha256:…`), checked before it is read.
    var digests: [String: String] = [:]

    static func read(_ source: ImageRootSource) throws(ImageRootError) -> ImageRootManifest {
        if source.contains("manifest.json") { return try docker(source) }
        if source.contains("index.json") { return try oci(source) }
        // A directory with /usr and /etc is a root filesystem given to the wrong option.
        let unpackedRoot = source.isDirectory && ["usr", "etc"].allSatisfy { name in
            var st = stat()
            return ByteString.withCString(source.path + "/" + name) { stat($0, &st) } == 0 && st.st_mode & S_IFMT == S_IFDIR
        }
        throw .notAnImage(path: source.path, unpackedRoot: unpackedRoot)
    }

    private static func docker(_ source: ImageRootSource) throws(ImageRootError) -> ImageRootManifest {
        let document = try decode(DockerSaveDocument.self, source, "manifest.json")
        // Which of several images is meant cannot be guessed; reading the first would judge
        // one the person did not ask about.
        guard document.names.count <= 1 else { throw .severalImages(path: source.path, names: document.names) }
        guard let image = document.first else {
            throw .badManifest(path: source.path, member: "manifest.json", reason: "no image with Config and Layers")
        }
        return ImageRootManifest(config: image.config, layers: image.layers)
    }

    private static func oci(_ source: ImageRootSource) throws(ImageRootError) -> ImageRootManifest {
        var member = "index.json"
        var document = try decode(OCIDocument.self, source, member, digest: nil)
        // An index may point at a further index (multi-platform images); a few levels suffice.
        for _ in 0..<4 {
            guard document.isObject else {
                throw .badManifest(path: source.path, member: member, reason: "not a JSON object")
            }
            if let manifests = document.manifests {
                // Platforms of one image are chosen between; several images are not (a layout
                // may hold many, each under its ref name): reading the first would judge one
                // the person did not ask about, as for `docker save` of several.
                let images = candidates(manifests)
                if images.count > 1 {
                    throw .severalImages(path: source.path, names: images.map { $0.refName ?? $0.digest ?? "untagged" })
                }
                guard let chosen = pick(manifests), let digest = chosen.digest, let blob = blobPath(digest) else {
                    throw .badManifest(path: source.path, member: member, reason: "no usable manifest digest")
                }
                member = blob
                document = try decode(OCIDocument.self, source, member, digest: digest)
                continue
            }
            guard let config = document.config?.digest, let configPath = blobPath(config), let layers = document.layers else {
                throw .badManifest(path: source.path, member: member, reason: "no config digest or layers")
            }
            var paths: [String] = []
            var digests = [configPath: config]
            for layer in layers {
                guard let digest = layer.digest, let path = blobPath(digest) else {
                    throw .badManifest(path: source.path, member: member, reason: "a layer has no valid digest")
                }
                paths.append(path)
                digests[path] = digest
            }
            return ImageRootManifest(config: configPath, layers: paths, digests: digests)
        }
        throw .badManifest(path: source.path, member: member, reason: "indexes nested too deeply")
    }

    /// The distinct images an index offers for this machine: its linux/amd64 entries when
    /// any entry names that platform, the first when entries name only others, else all
    /// entries; one per digest (two tags of the same image are one image).
    private static func candidates(_ manifests: [OCIDescriptor]) -> [OCIDescriptor] {
        let amd64 = manifests.filter { $0.platform?.os == "linux" && $0.platform?.architecture == "amd64" }
        // (platforms without this one: one image built for others, which the check names)
        let pool = !amd64.isEmpty ? amd64 : manifests.contains { $0.platform != nil } ? Array(manifests.prefix(1)) : manifests
        var seen: Set<String> = []
        return pool.filter { seen.insert($0.digest ?? "").inserted }
    }

    /// The linux/amd64 entry when platforms are given, else the first.
    private static func pick(_ manifests: [OCIDescriptor]) -> OCIDescriptor? {
        pickIndex(manifests.map { ($0.platform?.os, $0.platform?.architecture) }).map { manifests[$0] }
    }

    /// Which of an index's descriptors, given their platforms, is read: linux/amd64, else the first.
    static func pickIndex(_ platforms: [(os: String?, architecture: String?)]) -> Int? {
        platforms.firstIndex { $0.os == "linux" && $0.architecture == "amd64" } ?? (platforms.isEmpty ? nil : 0)
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

    private static func decode<Document: Decodable>(_ type: Document.Type, _ source: ImageRootSource,
                                                    _ member: String, digest: String? = nil) throws(ImageRootError) -> Document {
        let bytes = try source.read(member, digest: digest)
        do {
            return try JSONDecoder().decode(type, from: Data(bytes.buffer))
        } catch {
            throw .badManifest(path: source.path, member: member, reason: "not JSON")
        }
    }
}

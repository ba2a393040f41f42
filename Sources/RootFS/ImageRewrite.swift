import Archive
import Support

/// The members a new image writes anew, computed from the input's documents: the layer and
/// config blobs, and every document that names them — `manifest.json` and `repositories`
/// (`docker save`), the image manifest and each index above it up to `index.json` (OCI
/// image layout; Docker 25+ writes both kinds). Each rewritten document keeps every field
/// it had (tags, annotations, labels) but the ones that name the new layer and config.
struct ImageRewrite {
    /// New members in writing order.
    private(set) var added: [(name: String, bytes: [UInt8])] = []
    /// Input members that are not copied: their new versions are in `added`.
    private(set) var replaced: Set<String> = []
    /// `sha256:…` of the layer (its diff ID: it is stored uncompressed) and of the config.
    let layerDigest: String
    let configDigest: String

    static let manifestName = "manifest.json"
    static let indexName = "index.json"
    static let repositoriesName = "repositories"

    init(source: ImageRootSource, addition: ImageAddition) throws(ImageWriteError) {
        let manifest: ImageRootManifest
        do { manifest = try ImageRootManifest.read(source) } catch { throw .input(error) }
        let configBytes: [UInt8]
        do { configBytes = try source.read(manifest.config, digest: manifest.digests[manifest.config]).bytes } catch { throw .input(error) }
        guard let config = JSONValue.parse(configBytes), config.isObject else {
            throw .badDocument(path: source.path, member: manifest.config, reason: "the image config is not a JSON object")
        }
        layerDigest = "sha256:" + Self.sha256(addition.layer)
        let newConfig = try ImageConfigEdit.apply(addition, diffID: layerDigest, to: config, path: source.path, member: manifest.config)
            .encoded
        configDigest = "sha256:" + Self.sha256(newConfig)

        let docker = try Self.document(source, Self.manifestName)
        // Docker before 25 names members `<id>/layer.tar` and `<id>.json`; OCI layouts (and
        // Docker 25+, whose manifest.json names blobs) store everything under blobs/sha256.
        let legacy = docker?.array?.first?["Config"]?.string.map { !$0.hasPrefix("blobs/") } ?? false
        let layerHex = String(layerDigest.dropFirst(7)), configHex = String(configDigest.dropFirst(7))
        let layerName = legacy ? layerHex + "/layer.tar" : "blobs/sha256/" + layerHex
        let configName = legacy ? configHex + ".json" : "blobs/sha256/" + configHex
        add(layerName, addition.layer, source)
        add(configName, newConfig, source)

        if let docker {
            guard case .array(var images) = docker, var image = images.first, image.isObject,
                  let layers = image["Layers"]?.array else {
                throw .badDocument(path: source.path, member: Self.manifestName, reason: "no image with Config and Layers")
            }
            let oldTop = layers.last?.string.map { Self.layerID($0, legacy: legacy) }
            image["Config"] = .string(configName)
            image["Layers"] = .array(layers + [.string(layerName)])
            images[0] = image
            replace(Self.manifestName, JSONValue.array(images).encoded)
            if let oldTop, var repositories = try Self.document(source, Self.repositoriesName),
               case .object(let repos) = repositories {
                // {"repo": {"tag": "<top layer id>"}}: the tags move to the new top layer.
                for (repo, tags) in repos {
                    guard case .object(var byTag) = tags else { continue }
                    for (tag, id) in byTag where id.string == oldTop { byTag[tag] = .string(Self.layerID(layerName, legacy: legacy)) }
                    repositories[repo] = .object(byTag)
                }
                replace(Self.repositoriesName, repositories.encoded)
            }
        }
        if source.contains(Self.indexName) {
            try rewriteIndex(source, config: manifest.config, configSize: newConfig.count, layerSize: addition.layer.count)
        }
    }

    /// index.json → (indexes) → the image manifest, as `ImageRootManifest` walks it; each
    /// document on the way written again with the new digest of the one below it. Skipped
    /// when that manifest is not the one whose config was read (manifest.json chose another).
    private mutating func rewriteIndex(_ source: ImageRootSource, config: String, configSize: Int, layerSize: Int) throws(ImageWriteError) {
        var chain: [(member: String, document: JSONValue, chosen: Int)] = []
        var member = Self.indexName
        guard var document = try Self.document(source, member) else { return }
        for _ in 0..<5 {
            if let manifests = document["manifests"]?.array {
                guard let chosen = ImageRootManifest.pickIndex(manifests.map { ($0["platform"]?["os"]?.string, $0["platform"]?["architecture"]?.string) }),
                      let digest = manifests[chosen]["digest"]?.string, let blob = ImageRootManifest.blobPath(digest),
                      let next = try Self.document(source, blob) else { return }
                chain.append((member, document, chosen))
                member = blob
                document = next
                continue
            }
            guard let configDigest = document["config"]?["digest"]?.string, ImageRootManifest.blobPath(configDigest) == config,
                  let layers = document["layers"]?.array else { return }
            var newConfig = document["config"] ?? .object([:])
            newConfig["digest"] = .string(self.configDigest)
            newConfig["size"] = .integer(Int64(configSize))
            document["config"] = newConfig
            // Uncompressed, in the media type family of the manifest (Docker's or OCI's).
            let docker = document["mediaType"]?.string == "application/vnd.docker.distribution.manifest.v2+json"
            let layer: JSONValue = .object([
                "mediaType": .string(docker ? "application/vnd.docker.image.rootfs.diff.tar" : "application/vnd.oci.image.layer.v1.tar"),
                "digest": .string(layerDigest), "size": .integer(Int64(layerSize)),
            ])
            document["layers"] = .array(layers + [layer])
            var bytes = document.encoded
            for level in chain.reversed() {
                var parent = level.document
                guard var manifests = parent["manifests"]?.array else { return }
                manifests[level.chosen]["digest"] = .string("sha256:" + Self.sha256(bytes))
                manifests[level.chosen]["size"] = .integer(Int64(bytes.count))
                parent["manifests"] = .array(manifests)
                add("blobs/sha256/" + Self.sha256(bytes), bytes, source)
                bytes = parent.encoded
            }
            // The top of the chain is index.json itself (chain is never empty here: index.json has `manifests`
            // or it is the manifest, which an OCI layout never makes its index).
            if chain.isEmpty { return }
            replace(Self.indexName, bytes)
            return
        }
    }

    private mutating func add(_ name: String, _ bytes: [UInt8], _ source: ImageRootSource) {
        // Content-addressed: a blob already there is these very bytes.
        guard !source.contains(name), !added.contains(where: { $0.name == name }) else { return }
        added.append((name, bytes))
    }

    private mutating func replace(_ name: String, _ bytes: [UInt8]) {
        replaced.insert(name)
        added.append((name, bytes))
    }

    /// `<id>/layer.tar` → `<id>`; `blobs/sha256/<hex>` → `<hex>`: how `repositories` names a layer.
    private static func layerID(_ member: String, legacy: Bool) -> String {
        let parts = member.slashSeparated()
        return String((legacy ? parts.first : parts.last) ?? "")
    }

    /// A member parsed as JSON; nil when absent.
    private static func document(_ source: ImageRootSource, _ member: String) throws(ImageWriteError) -> JSONValue? {
        guard source.contains(member) else { return nil }
        let bytes: [UInt8]
        do { bytes = try source.file(member).bytes } catch { throw .input(error) }
        guard let value = JSONValue.parse(bytes) else { throw .badDocument(path: source.path, member: member, reason: "not JSON") }
        return value
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        var hasher = SHA256Digest()
        hasher.update(bytes)
        return hasher.hexDigest()
    }
}

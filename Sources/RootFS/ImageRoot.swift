import ELFInspect
import Support
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What an image's config says about the containers it starts.
public struct ImageRootConfig: Equatable, Sendable {
    /// `config.Env`, as NAME → value (empty when the config sets none).
    public var environment: [String: String]
    /// `config.User` (`name`, `uid`, `name:group`, `uid:gid`…): whom its processes run as
    /// (`docker run` and `docker exec` by default); nil for root.
    public var user: String?
    /// `config.WorkingDir`: where its processes start (relative search-path elements and
    /// paths mean it); nil for `/`.
    public var workingDirectory: String?

    public init(environment: [String: String], user: String? = nil, workingDirectory: String? = nil) {
        self.environment = environment
        self.user = user
        self.workingDirectory = workingDirectory
    }
}

/// A container image read in place as a root: a `docker save` archive, or an OCI image
/// layout (directory or tar). Layers are applied in order with whiteouts honoured
/// (`ImageRootTree`); nothing is unpacked to disk. Plain layers are served straight
/// from one mapping of the archive; gzip layers are inflated once by zlib into an unlinked
/// temporary file and mapped (`ImageGzip`), so memory stays bounded.
public struct ImageRoot: RootFilesystem {
    /// The image file or directory, as given.
    public let path: String
    public let config: ImageRootConfig
    /// Each layer's tar bytes, in order.
    private let layers: [FileBytes]
    private let tree: ImageRootTree
    /// `st_dev` of every entry: one per archive, so identities never meet a real disk's.
    private let device: UInt64

    /// A ceiling on inflated gzip data across all layers (decompression bombs).
    public static let defaultInflateLimit: UInt64 = 32 << 30

    public init(path: String, inflateLimit: UInt64 = ImageRoot.defaultInflateLimit) throws(ImageRootError) {
        let source = try ImageRootSource(path: path, inflateLimit: inflateLimit)
        let manifest = try ImageRootManifest.read(source)
        self.path = path
        self.config = try Self.config(source, manifest)
        var layers: [FileBytes] = []
        var tree = ImageRootTree()
        var budget = inflateLimit - (source.isGzip ? min(inflateLimit, UInt64(source.archive?.count ?? 0)) : 0)
        for member in manifest.layers {
            let stored = try source.read(member, digest: manifest.digests[member])
            let bytes: FileBytes
            let compression = ImageLayerCompression(stored.buffer)
            switch compression {
            case .none:
                bytes = stored
            case .zstd, .xz, .bzip2:
                throw .unsupportedCompression(path: path, member: member, format: compression.unsupportedName ?? "")
            case .gzip:
                do {
                    bytes = try ImageGzip.inflate(stored, budget: budget)
                    budget -= UInt64(bytes.count)
                } catch {
                    switch error {
                    case .tooLarge(let limit): throw .tooLarge(path: path, member: member, limit: limit)
                    case .damaged(let reason): throw .badGzip(path: path, member: member, reason: reason)
                    case .io(let operation, let code): throw .io(path: path, operation: operation, errno: code)
                    }
                }
            }
            let entries: [LayerTarEntry]
            do { entries = try LayerTarIndex.entries(of: bytes.buffer) } catch {
                throw ImageRootSource.tarError(error, path: path, member: member)
            }
            do { try tree.apply(entries, layer: layers.count) } catch {
                throw Self.memberError(error, path: path, member: member)
            }
            layers.append(bytes)
        }
        self.layers = layers
        self.tree = tree
        self.device = Self.archiveIdentity(path)
    }

    /// The config alone (its `Env`), without reading any layer.
    public static func config(path: String) throws(ImageRootError) -> ImageRootConfig {
        let source = try ImageRootSource(path: path)
        return try config(source, try ImageRootManifest.read(source))
    }

    private static func config(_ source: ImageRootSource, _ manifest: ImageRootManifest) throws(ImageRootError) -> ImageRootConfig {
        let bytes = try source.read(manifest.config, digest: manifest.digests[manifest.config])
        do {
            // (an image may set no variables: `config` reads a missing Env as none)
            return try ImageConfigEnvironment.imageConfig(Data(bytes.buffer), path: manifest.config)
        } catch {
            switch error {
            case .noEnv: return ImageRootConfig(environment: [:])   // (not thrown by `config`)
            case .unreadable(_, let reason):
                throw .badManifest(path: source.path, member: manifest.config, reason: reason)
            }
        }
    }

    public var label: String { path }

    public var layerCount: Int { layers.count }

    private static func memberError(_ problem: LayerMemberProblem, path: String, member: String) -> ImageRootError {
        switch problem {
        case .tooLong(let name, let field):
            return .memberTooLong(path: path, member: member, name: name, linkTarget: field == .linkTarget)
        case .linkTargetNotAFile(let name, let target):
            return .hardLinkTargetNotAFile(path: path, member: member, name: name, target: target)
        case .parentNotADirectory(let name, let parent):
            return .memberUnderNonDirectory(path: path, member: member, name: name, parent: parent)
        }
    }

    public func entry(at path: RootPath) throws(RootError) -> RootEntry? {
        guard let node = tree.node(at: path) else { return nil }
        return RootEntry(kind: node.kind, size: node.size,
                         identity: FileIdentity(device: device, inode: node.inode), mode: node.mode,
                         owner: FileOwner(uid: node.owner.uid, gid: node.owner.gid))
    }

    /// Owner, group and time of a real path (parents resolved), as its layer wrote it.
    package func owner(at path: RootPath) -> LayerTarOwner? {
        tree.node(at: path)?.owner
    }

    /// The file capabilities its layer recorded; an image says nothing of mounts.
    public func executionAttributes(of path: RootPath) -> ExecutionAttributes {
        ExecutionAttributes(fileCapabilities: tree.node(at: path)?.capabilities)
    }

    public func linkTarget(at path: RootPath) throws(RootError) -> String {
        guard let node = tree.node(at: path) else { throw .notFound(path: path.string) }
        guard node.kind == .symlink else { throw .io(path: path.string, operation: "readlink", errno: 22) }   // EINVAL
        return node.linkTarget
    }

    public func names(in directory: RootPath) throws(RootError) -> [String] {
        guard let node = tree.node(at: directory) else { throw .notFound(path: directory.string) }
        guard node.kind == .directory else { throw .notADirectory(path: directory.string) }
        return tree.names(at: directory) ?? []
    }

    public func contents(of path: RootPath) throws(RootError) -> FileBytes {
        guard let node = tree.node(at: path) else { throw .notFound(path: path.string) }
        guard node.kind == .file, layers.indices.contains(node.layer) else {
            throw .io(path: path.string, operation: "read", errno: 21)   // EISDIR
        }
        let layer = layers[node.layer]
        // The index checked every body against its layer; checked again rather than trusted.
        guard node.offset >= 0, node.size >= 0, node.offset <= layer.count - node.size else {
            throw .io(path: path.string, operation: "read", errno: 5)   // EIO
        }
        return FileBytes(slice: UnsafeRawBufferPointer(rebasing: layer.buffer[node.offset..<(node.offset + node.size)]),
                         owner: layer)
    }

    /// FNV-1a of the path, top bit set: a device number no local filesystem uses.
    private static func archiveIdentity(_ path: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash | 1 << 63
    }
}

import Support

/// Why an image archive (`docker save` output or OCI layout) cannot be read as a root.
public enum ImageRootError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call on the image file or directory failed.
    case io(path: String, operation: String, errno: Int32)
    /// Neither `manifest.json` (docker save) nor `index.json` (OCI image layout) is there.
    case notAnImage(path: String, unpackedRoot: Bool = false)
    /// `manifest.json`, `index.json` or an OCI manifest is not what the formats describe.
    case badManifest(path: String, member: String, reason: String)
    /// A file the manifest names (layer, config, blob) is not in the image.
    case missingMember(path: String, member: String)
    /// A tar (the archive itself or one layer) is damaged at `offset`.
    case badTar(path: String, member: String, offset: Int, reason: String)
    /// A gzip layer does not decompress.
    case badGzip(path: String, member: String, reason: String)
    /// A layer compressed with something this reader does not decode (zstd, xz, bzip2).
    case unsupportedCompression(path: String, member: String, format: String)
    /// The whole archive compressed with one of those (`docker save | xz`: docker load takes it).
    case compressedArchive(path: String, format: String)
    /// A compressed layer inflates past the limit (a decompression bomb, or a huge layer).
    case tooLarge(path: String, member: String, limit: UInt64)
    /// The image, or a file of its layout, is a FIFO, device, socket or symlink: refused
    /// before it is read (a FIFO would block the read forever; a link could leave the layout).
    case notRegularFile(path: String, kind: String)
    /// A `docker save` archive of more than one image (`names`: each one's first tag).
    case severalImages(path: String, names: [String])
    /// An OCI blob whose bytes do not hash to the digest that names it.
    case digestMismatch(path: String, member: String, expected: String, actual: String)
    /// A layer member's name (or its link's text) has PATH_MAX (4096) bytes or more: no
    /// unpack can create it.
    case memberTooLong(path: String, member: String, name: String, linkTarget: Bool)
    /// A GNU sparse member: its stored bytes are a map of the file, which this reader does not
    /// expand (Docker never writes one).
    case sparseMember(path: String, member: String, name: String)
    /// A hard link to nothing the layers made so far, or to a directory: `docker load` fails.
    case hardLinkTargetNotAFile(path: String, member: String, name: String, target: String)
    /// A member below a file, a link loop or a dangling link, when the member is met:
    /// `docker load` fails.
    case memberUnderNonDirectory(path: String, member: String, name: String, parent: BlockedParent)
    /// A member of a tar type Docker's unpack refuses (`LayerTarProblem.unknownType`).
    case unknownMemberType(path: String, member: String, name: String, type: UInt8)

    public var description: String {
        switch self {
        case .io(let p, let op, let e):
            return "\(p): \(op) failed: \(Errno.describe(e))"
        case .notAnImage(let p, let unpackedRoot):
            return "\(p): not an image: no manifest.json (`docker save IMAGE -o FILE.tar`) or index.json (OCI image layout)"
                + (unpackedRoot ? "; it holds /usr and /etc, as an unpacked root filesystem does: pass that with --root" : "")
        case .badManifest(let p, let m, let r):
            return "\(p): \(m): \(r); save the image again with `docker save IMAGE -o FILE.tar`"
        case .missingMember(let p, let m):
            return "\(p): \(m) is named by the manifest but missing; the archive is incomplete, save the image again"
        case .badTar(let p, let m, let o, let r):
            return "\(p): \(m): \(r) at byte \(o); the archive is damaged or truncated, save the image again"
        case .badGzip(let p, let m, let r):
            return "\(p): \(m): gzip data is damaged (\(r)); save the image again"
        case .compressedArchive(let p, let f):
            let tool = f == "bzip2" ? "bunzip2 -k" : f == "xz" ? "unxz -k" : "zstd -d"
            return "\(p): the archive is \(f)-compressed, which ofdoctor does not read; decompress it first (`\(tool) FILE`) or give it plain or gzip'd"
        case .unsupportedCompression(let p, let m, let f):
            return "\(p): \(m): \(f)-compressed layers are not supported; save the image with `docker save` (plain or gzip layers)"
        case .tooLarge(let p, let m, let l):
            return "\(p): \(m): inflates to more than \(l) bytes; unpack the image and use --root DIR instead"
        case .notRegularFile(let p, let k):
            return "\(p): is \(k), not a regular file; pass an image archive or an OCI layout whose files are regular files"
        case .severalImages(let p, let names):
            let shown = names.count <= 3 ? names.joined(separator: ", ") : names.prefix(3).joined(separator: ", ") + ", …"
            return "\(p): holds \(names.count) images (\(shown)); save the one to check alone: `docker save IMAGE -o FILE.tar`"
        case .memberTooLong(let p, let m, let n, let link):
            let what = link ? "the link target of member \(Self.shortened(n))" : "member \(Self.shortened(n))"
            return "\(p): \(m): \(what) is longer than PATH_MAX (4096 bytes), which no unpack can create; build the layer again with shorter paths"
        case .sparseMember(let p, let m, let n):
            return "\(p): \(m): member \(Self.shortened(n)) is a sparse file, which ofdoctor does not read"
        case .hardLinkTargetNotAFile(let p, let m, let n, let t):
            return "\(p): \(m): member \(Self.shortened(n)) is a hard link to \(Self.shortened(t)), which is no file of the image at that point (missing, itself or a directory), so docker load fails; save the image again"
        case .memberUnderNonDirectory(let p, let m, let n, let parent):
            return "\(p): \(m): member \(Self.shortened(n)) lies under \(parent.noun) at that point, so docker load fails (\"\(parent.errorText)\"); save the image again"
        case .unknownMemberType(let p, let m, let n, let type):
            let shown = (0x21...0x7E).contains(type) ? "'\(Character(Unicode.Scalar(type)))'" : "byte \(type)"
            return "\(p): \(m): member \(Self.shortened(n)) has tar type \(shown), which docker load refuses (\"unhandled tar header type\"); save the image again"
        case .digestMismatch(let p, let m, let e, let a):
            return "\(p): \(m): content hashes to \(a), not \(e); the blob was altered or damaged, pull and save the image again"
        }
    }

    /// A member name as a message shows it: a 4,000-byte name would drown the line, so a
    /// long one keeps its first 80 characters and says how long it was.
    static func shortened(_ name: String) -> String {
        let scalars = name.unicodeScalars
        guard scalars.count > 96 else { return name }
        return String(String.UnicodeScalarView(scalars.prefix(80))) + "… (\(name.utf8.count) bytes)"
    }
}

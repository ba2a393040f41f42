#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Archive
import ELFInspect
import Support

/// The files of an image as saved: members of one tar (`docker save`, or an OCI layout
/// packed with tar), or files under an OCI layout directory. Members are served as
/// windows onto one mapping of the archive, never copied.
struct ImageRootSource: Sendable {
    /// The image file or directory, as given.
    let path: String
    /// The archive as a tar (inflated when the file is gzip'd); nil for a layout directory.
    let archive: FileBytes?
    /// By the bytes of the normalized name (two names that are the same text are still two).
    private let members: [TextKey: LayerTarEntry]
    /// The archive's members in their order, as written (nil for a layout directory).
    let memberList: [LayerTarEntry]?
    /// True when the file is a gzip'd tar (`docker save IMAGE | gzip`).
    let isGzip: Bool

    /// - Parameter inflateLimit: a ceiling on a gzip'd archive's inflated size.
    init(path: String, inflateLimit: UInt64 = ImageRoot.defaultInflateLimit) throws(ImageRootError) {
        self.path = path
        var st = stat()
        guard stat(path, &st) == 0 else { throw .io(path: path, operation: "stat", errno: errno) }
        if (st.st_mode & S_IFMT) != S_IFDIR && (st.st_mode & S_IFMT) != S_IFREG {
            throw .notRegularFile(path: path, kind: Self.kind(st.st_mode))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            archive = nil
            members = [:]
            memberList = nil
            isGzip = false
            return
        }
        var bytes = try Self.map(path)
        let compression = ImageLayerCompression(bytes.buffer)
        if let name = compression.unsupportedName { throw .compressedArchive(path: path, format: name) }
        isGzip = compression == .gzip
        if isGzip {
            // `docker save | gzip`: docker load takes it as it is, and so does this reader.
            do { bytes = try ImageGzip.inflate(bytes, budget: inflateLimit) } catch {
                switch error {
                case .tooLarge(let limit): throw .tooLarge(path: path, member: "the archive", limit: limit)
                case .damaged(let reason): throw .badGzip(path: path, member: "the archive", reason: reason)
                case .io(let operation, let code): throw .io(path: path, operation: operation, errno: code)
                }
            }
        }
        let entries: [LayerTarEntry]
        do { entries = try LayerTarIndex.entries(of: bytes.buffer) } catch {
            throw Self.tarError(error, path: path, member: "the archive")
        }
        var index: [TextKey: LayerTarEntry] = [:]
        for entry in entries {
            if let name = Self.normalize(entry.name) { index[TextKey(name)] = entry }
        }
        archive = bytes
        members = index
        memberList = entries
    }

    var isDirectory: Bool { archive == nil }

    func contains(_ member: String) -> Bool {
        (try? file(member)) != nil
    }

    /// The member at `name` (relative, `/`-separated); archive symlinks and hard links
    /// are followed, since `docker save` links a layer shared by two images.
    func file(_ name: String) throws(ImageRootError) -> FileBytes {
        guard let relative = Self.normalize(name) else { throw .missingMember(path: path, member: name) }
        guard let archive else { return try Self.mapInside(layout: path, relative) }
        var current = relative
        for _ in 0..<8 {
            guard let entry = members[TextKey(current)] else { throw .missingMember(path: path, member: name) }
            switch entry.kind {
            case .file:
                return FileBytes(slice: UnsafeRawBufferPointer(rebasing: archive.buffer[entry.offset..<(entry.offset + entry.size)]),
                                 owner: archive)
            case .symlink:
                let base = entry.linkName.startsWithSlash ? "" : Self.parent(of: current)
                guard let next = Self.normalize(base + "/" + entry.linkName) else { throw .missingMember(path: path, member: name) }
                current = next
            case .hardLink:
                guard let next = Self.normalize(entry.linkName) else { throw .missingMember(path: path, member: name) }
                current = next
            case .directory, .other:
                throw .missingMember(path: path, member: name)
            }
        }
        throw .missingMember(path: path, member: name)
    }

    /// A relative member name without `.`, empty parts or a leading `/`; nil when it
    /// climbs out with `..` (a name that could escape is never looked up).
    static func normalize(_ name: String) -> String? {
        var parts: [String] = []
        for part in name.slashSeparated() where part != "." {
            if part == ".." {
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    private static func parent(of name: String) -> String {
        guard let slash = name.lastSlashIndex else { return "" }
        return String(name[..<slash])
    }

    /// The image file itself. O_NONBLOCK: opening a FIFO that slipped in after the stat
    /// returns at once, and fstat refuses it.
    static func map(_ file: String) throws(ImageRootError) -> FileBytes {
        let fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .io(path: file, operation: "open", errno: errno) }
        defer { close(fd) }
        return try map(fd, name: file)
    }

    /// `relative` (normalized: no `..`) inside the layout directory, walked one component at
    /// a time from a descriptor with O_NOFOLLOW: a symlink anywhere on the way is refused, so
    /// no blob is read from outside the layout; FIFOs and devices are refused by fstat
    /// (opened with O_NONBLOCK, so the open itself cannot block).
    static func mapInside(layout: String, _ relative: String) throws(ImageRootError) -> FileBytes {
        var fd = open(layout, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: layout, operation: "open", errno: errno) }
        let parts = relative.slashSeparated()
        for (index, part) in parts.enumerated() {
            let last = index == parts.count - 1
            let next = openat(fd, part, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (last ? O_NONBLOCK : O_DIRECTORY))
            let code = errno
            close(fd)
            guard next >= 0 else {
                let shown = layout + "/" + parts[...index].joined(separator: "/")
                if code == ENOENT { throw .missingMember(path: layout, member: relative) }
                if code == ELOOP || code == ENOTDIR { throw .notRegularFile(path: shown, kind: "a symbolic link or not a directory") }
                throw .io(path: shown, operation: "open", errno: code)
            }
            fd = next
        }
        defer { close(fd) }
        return try map(fd, name: layout + "/" + relative)
    }

    private static func map(_ fd: Int32, name: String) throws(ImageRootError) -> FileBytes {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(path: name, operation: "fstat", errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .notRegularFile(path: name, kind: kind(st.st_mode)) }
        guard let bytes = FileBytes(mapping: fd, size: Int(clamping: st.st_size)) else {
            throw .io(path: name, operation: "mmap", errno: errno)
        }
        return bytes
    }

    /// The kind of a non-regular file, for messages.
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        case S_IFDIR: return "a directory"
        default: return "a special file"
        }
    }

    /// `member`, checked against `digest` when there is one.
    func read(_ member: String, digest: String?) throws(ImageRootError) -> FileBytes {
        guard let digest else { return try file(member) }
        return try blob(member, digest: digest)
    }

    /// An OCI blob, checked against the digest that names it before its bytes are trusted
    /// (image-spec descriptor.md: "the content MUST be verified"); only sha256 is read.
    func blob(_ member: String, digest: String) throws(ImageRootError) -> FileBytes {
        let bytes = try file(member)
        let parts = digest.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[0] == "sha256" else {
            throw .badManifest(path: path, member: member, reason: "digest algorithm of \(digest) is not sha256, the only one read")
        }
        var hasher = SHA256Digest()
        hasher.update(bytes.buffer)
        let actual = hasher.hexDigest()
        guard actual == parts[1] else {
            throw .digestMismatch(path: path, member: member, expected: digest, actual: "sha256:" + actual)
        }
        return bytes
    }

    static func tarError(_ problem: LayerTarProblem, path: String, member: String) -> ImageRootError {
        switch problem {
        case .badHeader(let offset):
            return .badTar(path: path, member: member, offset: offset, reason: "a tar header fails its checksum")
        case .truncated(let name, let offset):
            return .badTar(path: path, member: member, offset: offset, reason: "\(name) runs past the end of the data")
        case .sparse(let name, _):
            return .sparseMember(path: path, member: member, name: name)
        case .unknownType(let name, let type, _):
            return .unknownMemberType(path: path, member: member, name: name, type: type)
        }
    }
}

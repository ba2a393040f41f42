#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ELFInspect

/// The files of an image as saved: members of one tar (`docker save`, or an OCI layout
/// packed with tar), or files under an OCI layout directory. Members are served as
/// windows onto one mapping of the archive, never copied.
struct ImageRootSource: Sendable {
    /// The image file or directory, as given.
    let path: String
    private let archive: FileBytes?
    private let members: [String: LayerTarEntry]

    init(path: String) throws(ImageRootError) {
        self.path = path
        var st = stat()
        guard stat(path, &st) == 0 else { throw .io(path: path, operation: "stat", errno: errno) }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            archive = nil
            members = [:]
            return
        }
        let bytes = try Self.map(path)
        let entries: [LayerTarEntry]
        do { entries = try LayerTarIndex.entries(of: bytes.buffer) } catch {
            throw Self.tarError(error, path: path, member: "the archive")
        }
        var index: [String: LayerTarEntry] = [:]
        for entry in entries {
            if let name = Self.normalize(entry.name) { index[name] = entry }
        }
        archive = bytes
        members = index
    }

    var isDirectory: Bool { archive == nil }

    func contains(_ member: String) -> Bool {
        (try? file(member)) != nil
    }

    /// The member at `name` (relative, `/`-separated); archive symlinks and hard links
    /// are followed, since `docker save` links a layer shared by two images.
    func file(_ name: String) throws(ImageRootError) -> FileBytes {
        guard let relative = Self.normalize(name) else { throw .missingMember(path: path, member: name) }
        guard let archive else { return try Self.map(path + "/" + relative, member: relative) }
        var current = relative
        for _ in 0..<8 {
            guard let entry = members[current] else { throw .missingMember(path: path, member: name) }
            switch entry.kind {
            case .file:
                return FileBytes(slice: UnsafeRawBufferPointer(rebasing: archive.buffer[entry.offset..<(entry.offset + entry.size)]),
                                 owner: archive)
            case .symlink:
                let base = entry.linkName.hasPrefix("/") ? "" : Self.parent(of: current)
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
        var parts: [Substring] = []
        for part in name.split(separator: "/") where part != "." {
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
        guard let slash = name.lastIndex(of: "/") else { return "" }
        return String(name[..<slash])
    }

    static func map(_ file: String, member: String? = nil) throws(ImageRootError) -> FileBytes {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if let member, errno == ENOENT || errno == ENOTDIR { throw .missingMember(path: file, member: member) }
            throw .io(path: file, operation: "open", errno: errno)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(path: file, operation: "fstat", errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .io(path: file, operation: "read", errno: EISDIR) }
        guard let bytes = FileBytes(mapping: fd, size: Int(clamping: st.st_size)) else {
            throw .io(path: file, operation: "mmap", errno: errno)
        }
        return bytes
    }

    static func tarError(_ problem: LayerTarProblem, path: String, member: String) -> ImageRootError {
        switch problem {
        case .badHeader(let offset):
            return .badTar(path: path, member: member, offset: offset, reason: "a tar header fails its checksum")
        case .truncated(let name, let offset):
            return .badTar(path: path, member: member, offset: offset, reason: "\(name) runs past the end of the data")
        }
    }
}

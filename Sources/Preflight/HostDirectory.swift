#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Archive
import RootFS

/// A directory on this machine (the user's docker_resources, not a `--root`): stat(2),
/// readdir(3) and files opened for `pread`. Symlinks are followed, as `docker build` does
/// when it sends the context.
public struct HostDirectory: Sendable {
    public enum Kind: Equatable, Sendable { case file, directory, other }

    public let path: String

    public init(path: String) throws(ResourceReadError) {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { throw .notADirectory(path: path) }
        guard let dir = opendir(path) else { throw .io(path: path, operation: "opendir", errno: errno) }
        closedir(dir)
        self.path = path
    }

    private func host(_ relative: String) -> String {
        relative.isEmpty ? path : (path.endsWithSlash ? path : path + "/") + relative
    }

    /// Kind and size of `relative`, nil when absent (a dangling link counts as absent).
    public func item(_ relative: String) -> (kind: Kind, size: UInt64)? {
        var st = stat()
        guard stat(host(relative), &st) == 0 else { return nil }
        let kind: Kind
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .file
        case S_IFDIR: kind = .directory
        default: kind = .other
        }
        return (kind, UInt64(clamping: st.st_size))
    }

    /// Names in the folder `relative` (empty when it cannot be listed).
    public func names(in relative: String) -> [String] {
        guard let dir = opendir(host(relative)) else { return [] }
        defer { closedir(dir) }
        return DirectoryStream.entries(dir).map(\.name).sorted()
    }

    public func open(_ relative: String) throws(ResourceReadError) -> HostFile {
        try HostFile(path: host(relative), name: relative)
    }
}

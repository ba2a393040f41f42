#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A new image written completely under a temporary name beside its output path: readable
/// (and checked) there, then published with one `rename(2)`, or discarded.
public struct StagedImage: Sendable {
    /// How the image is stored (the input's own way).
    public enum Format: String, Sendable {
        case dockerArchive = "docker save archive"
        case ociArchive = "OCI image layout (tar)"
        case ociDirectory = "OCI image layout (directory)"
    }

    /// Where the image is now, and where `commit` puts it.
    public let temporary: String
    public let output: String
    public let format: Format
    public let isGzip: Bool
    /// `sha256:…` of the added layer and of the new config; nil when nothing was added.
    public let layerDigest: String?
    public let configDigest: String?
    public let layerCount: Int

    /// Renames the image to its output path (replacing a file there) and syncs the directory.
    public func commit() throws(ImageWriteError) {
        guard rename(temporary, output) == 0 else { throw .write(path: output, cause: .io(operation: "rename", errno: errno)) }
        let directory = ImageWriter.parent(of: output)
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    /// Removes the temporary file or directory.
    public func discard() {
        ImageWriter.removeTree(temporary)
    }
}

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

/// Copies an OCI image layout directory into a new (empty) one: every regular file under
/// it, read from the layout one component at a time with `O_NOFOLLOW` (a symbolic link or
/// a special file in the layout is refused, as when it is read), minus the replaced
/// documents, plus the new members.
enum LayoutDirectoryCopy {
    static func copy(from layout: String, to target: String, skipping replaced: Set<String>,
                     adding added: [(name: String, bytes: [UInt8])]) throws(ImageWriteError) {
        for file in try files(in: layout, "") where !replaced.contains(file) {
            let bytes: FileBytes
            do { bytes = try ImageRootSource.mapInside(layout: layout, file) } catch { throw .input(error) }
            try write(target, file, bytes.buffer)
        }
        for (name, bytes) in added {
            let result: Result<Void, ImageWriteError> = bytes.withUnsafeBytes { buffer in
                do throws(ImageWriteError) { try write(target, name, buffer) } catch { return .failure(error) }
                return .success(())
            }
            try result.get()
        }
    }

    /// Relative paths of the regular files under `layout/relative`, sorted.
    private static func files(in layout: String, _ relative: String) throws(ImageWriteError) -> [String] {
        let directory = relative.isEmpty ? layout : layout + "/" + relative
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0, let dir = fdopendir(fd) else {
            let code = errno
            if fd >= 0 { close(fd) }
            throw .input(.io(path: directory, operation: "opendir", errno: code))
        }
        let entries = DirectoryStream.entries(dir)
        closedir(dir)
        var result: [String] = []
        for (name, _) in entries.sorted(by: { $0.name < $1.name }) {
            let path = relative.isEmpty ? name : relative + "/" + name
            // Layout names are digests and fixed names; a name that is not UTF-8 is not one of them.
            guard !ByteString.containsEscape(name) else {
                throw .badDocument(path: layout, member: path, reason: "a file name that is not UTF-8 has no place in an OCI layout")
            }
            var st = stat()
            guard lstat(layout + "/" + path, &st) == 0 else { throw .input(.io(path: layout + "/" + path, operation: "lstat", errno: errno)) }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: result += try files(in: layout, path)
            case S_IFREG: result.append(path)
            default: throw .input(.notRegularFile(path: layout + "/" + path, kind: ImageRootSource.kind(st.st_mode)))
            }
        }
        return result
    }

    /// Creates `target/relative` (and its directories) holding `bytes`, synced.
    private static func write(_ target: String, _ relative: String, _ bytes: UnsafeRawBufferPointer) throws(ImageWriteError) {
        var directory = target
        for part in relative.slashSeparated().dropLast() {
            directory += "/" + part
            guard mkdir(directory, 0o755) == 0 || errno == EEXIST else {
                throw .write(path: directory, cause: .io(operation: "mkdir", errno: errno))
            }
        }
        let path = target + "/" + relative
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .write(path: path, cause: .io(operation: "open", errno: errno)) }
        defer { close(fd) }
        do throws(ArchiveWriteError) {
            let sink = FileSink(descriptor: fd)
            try sink.write(bytes)
            try sink.finish()
        } catch {
            throw .write(path: path, cause: error)
        }
    }
}

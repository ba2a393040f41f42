#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Archive
import Support
import ELFInspect

/// Writes a new image from an existing one, in the same format (a `docker save` archive,
/// gzip'd or not, or an OCI image layout as a tar or a directory): every input member
/// copied unchanged (layers byte for byte), plus one layer, a new config and the documents
/// that name them (`ImageRewrite`). The input is only read. The output is staged under a
/// temporary name in the output's directory, so that it can be checked before `commit`.
public enum ImageWriter {
    /// - Parameter addition: nil copies the image as it is.
    public static func stage(from input: String, to output: String, adding addition: ImageAddition?) throws(ImageWriteError) -> StagedImage {
        let source: ImageRootSource
        do { source = try ImageRootSource(path: input) } catch { throw .input(error) }
        try checkOutput(output, input: input, isDirectory: source.isDirectory)
        let rewrite = try addition.map { (addition) throws(ImageWriteError) in try ImageRewrite(source: source, addition: addition) }
        let format: StagedImage.Format = source.isDirectory ? .ociDirectory
            : source.contains(ImageRewrite.manifestName) ? .dockerArchive : .ociArchive
        let temporary = try source.isDirectory ? makeTemporaryDirectory(for: output) : makeTemporaryFile(for: output)
        do throws(ImageWriteError) {
            if source.isDirectory {
                try LayoutDirectoryCopy.copy(from: input, to: temporary, skipping: rewrite?.replaced ?? [], adding: rewrite?.added ?? [])
            } else if let rewrite {
                try writeArchive(source, to: temporary, rewrite: rewrite)
            } else {
                try copyFile(input, to: temporary)
            }
        } catch {
            removeTree(temporary)
            throw error
        }
        let layers: Int
        do { layers = try ImageRootManifest.read(source).layers.count + (addition == nil ? 0 : 1) } catch { throw .input(error) }
        return StagedImage(temporary: temporary, output: output, format: format, isGzip: source.isGzip,
                           layerDigest: rewrite?.layerDigest, configDigest: rewrite?.configDigest, layerCount: layers)
    }

    /// The input's members (those not rewritten) in their order and with their headers'
    /// names, modes, owners and times, then the new members; gzip'd again when the input was.
    private static func writeArchive(_ source: ImageRootSource, to path: String, rewrite: ImageRewrite) throws(ImageWriteError) {
        guard let archive = source.archive, let members = source.memberList else { return }
        let fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw .write(path: path, cause: .io(operation: "open", errno: errno)) }
        defer { close(fd) }
        do throws(ArchiveWriteError) {
            let file = FileSink(descriptor: fd)
            let tar = TarWriter(into: source.isGzip ? try GzipSink(into: file) : file)
            let skipped = rewrite.replaced
            for member in members where !skipped.contains(ImageRootSource.normalize(member.name) ?? member.name) {
                let kind: TarWriterEntry.Kind
                switch member.kind {
                case .file: kind = .file
                case .directory: kind = .directory
                case .symlink: kind = .symlink(target: member.linkName)
                case .hardLink: kind = .hardLink(target: member.linkName)
                case .other: continue   // a device or FIFO has no place in an image archive
                }
                let entry = TarWriterEntry(name: member.name, kind: kind, mode: member.mode, uid: member.owner.uid,
                                           gid: member.owner.gid, mtime: member.owner.mtime)
                // Copied once, front to back: the pages behind need not stay in this process.
                try tar.append(entry, body: member.kind == .file
                    ? UnsafeRawBufferPointer(rebasing: archive.buffer[member.offset..<(member.offset + member.size)])
                    : UnsafeRawBufferPointer(start: nil, count: 0),
                    written: { archive.dropResidentPages(below: member.offset + $0) })
            }
            for (name, bytes) in rewrite.added {
                try tar.append(TarWriterEntry(name: name, kind: .file, mode: 0o644), bytes: bytes)
            }
            try tar.finish()
        } catch {
            throw .write(path: path, cause: error)
        }
    }

    /// The input's bytes as they are (nothing to add: the new image is the old one).
    private static func copyFile(_ input: String, to path: String) throws(ImageWriteError) {
        let bytes: FileBytes
        do { bytes = try ImageRootSource.map(input) } catch { throw .input(error) }
        let fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw .write(path: path, cause: .io(operation: "open", errno: errno)) }
        defer { close(fd) }
        do throws(ArchiveWriteError) {
            let sink = FileSink(descriptor: fd)
            let step = 64 << 20
            for start in stride(from: 0, to: bytes.count, by: step) {
                try sink.write(UnsafeRawBufferPointer(rebasing: bytes.buffer[start..<min(start + step, bytes.count)]))
                bytes.dropResidentPages(below: start + step)
            }
            try sink.finish()
        } catch {
            throw .write(path: path, cause: error)
        }
    }

    /// The output may be a new name, or (for an archive) a file to replace; never the input.
    private static func checkOutput(_ output: String, input: String, isDirectory: Bool) throws(ImageWriteError) {
        var out = stat(), inp = stat()
        guard !output.isEmpty, !output.endsWithSlash else { throw .badOutput(path: output, reason: "give a file name for the new image") }
        if isDirectory && isInside(parent(of: output), directory: input) {
            throw .badOutput(path: output, reason: "is inside the input layout \(input), which is never changed; give a name outside it")
        }
        guard lstat(output, &out) == 0 else {
            if errno == ENOENT { return }
            throw .badOutput(path: output, reason: "cannot be examined: \(Errno.describe(errno))")
        }
        if stat(input, &inp) == 0, out.st_dev == inp.st_dev, out.st_ino == inp.st_ino {
            throw .badOutput(path: output, reason: "is the input image itself; the input is never changed, give another name")
        }
        if isDirectory {
            throw .badOutput(path: output, reason: "exists; an OCI layout directory is written to a new name only")
        }
        guard (out.st_mode & S_IFMT) == S_IFREG else {
            throw .badOutput(path: output, reason: "exists and is \(ImageRootSource.kind(out.st_mode)), not a file to replace")
        }
    }

    /// Whether `path` (an existing directory) is `directory` or lies below it: its
    /// ancestors, walked up by `..`, met by device and inode (no text comparison to fool).
    private static func isInside(_ path: String, directory: String) -> Bool {
        var target = stat()
        guard stat(directory, &target) == 0 else { return false }
        var current = path
        var previous = stat()
        for _ in 0..<4096 {
            var here = stat()
            guard stat(current, &here) == 0 else { return false }
            if here.st_dev == target.st_dev && here.st_ino == target.st_ino { return true }
            // (at `/`, `..` is `/` itself)
            if here.st_dev == previous.st_dev && here.st_ino == previous.st_ino { return false }
            previous = here
            current += "/.."
        }
        return false
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastSlashIndex else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func temporaryTemplate(for output: String) -> [CChar] {
        let name = output.slashSeparated().last ?? "image"
        return Array((parent(of: output) + "/." + name + ".ofdoctor-XXXXXX").utf8CString)
    }

    private static func makeTemporaryFile(for output: String) throws(ImageWriteError) -> String {
        var template = temporaryTemplate(for: output)
        let fd = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else { throw .write(path: output, cause: .io(operation: "mkstemp in \(parent(of: output))", errno: errno)) }
        _ = fchmod(fd, 0o644)
        close(fd)
        return string(template)
    }

    private static func makeTemporaryDirectory(for output: String) throws(ImageWriteError) -> String {
        var template = temporaryTemplate(for: output)
        let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard made != nil else { throw .write(path: output, cause: .io(operation: "mkdtemp in \(parent(of: output))", errno: errno)) }
        _ = chmod(string(template), 0o755)
        return string(template)
    }

    private static func string(_ template: [CChar]) -> String {
        String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Removes a file, or a directory tree this process made (links are unlinked, never followed).
    static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            unlink(path)
            return
        }
        if let dir = opendir(path) {
            let names = DirectoryStream.entries(dir).map(\.name)
            closedir(dir)
            for name in names { removeTree(path + "/" + name) }
        }
        rmdir(path)
    }
}

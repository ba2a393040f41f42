#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Archive
import ELFInspect
import Support

/// Layer compression, told by magic number rather than media type: `docker save`
/// names every layer `layer.tar` whatever it holds, and OCI media types are advisory.
enum ImageLayerCompression: Equatable, Sendable {
    case none, gzip, zstd, xz, bzip2

    init(_ bytes: UnsafeRawBufferPointer) {
        let head = Array(bytes.prefix(10))
        if head.starts(with: [0x1F, 0x8B]) { self = .gzip }
        else if head.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { self = .zstd }
        else if head.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { self = .xz }
        // "BZh", the block size 1–9, then a block's magic (π) or the end of stream (√π): a
        // tar member named "BZh…" is not taken for it
        else if head.count == 10, head.starts(with: [0x42, 0x5A, 0x68]), (0x31...0x39).contains(head[3]),
                [[0x31, 0x41, 0x59, 0x26, 0x53, 0x59], [0x17, 0x72, 0x45, 0x38, 0x50, 0x90]].contains(Array(head[4...])) {
            self = .bzip2
        }
        else { self = .none }
    }

    /// The name this reader does not decode, for messages: nil for plain and gzip.
    var unsupportedName: String? {
        switch self {
        case .none, .gzip: return nil
        case .zstd: return "zstd"
        case .xz: return "xz"
        case .bzip2: return "bzip2"
        }
    }
}

/// A gzip layer inflated by zlib, streamed into an unlinked temporary file (in `$TMPDIR`,
/// else `/tmp`) that is then mapped: memory stays at zlib's window and one buffer whatever
/// the layer's size, and the file disappears with the mapping. Limits (docs/reliability.md):
/// the caller's budget across all layers, and a ratio: past `ratioFloor` bytes a layer may
/// not inflate to more than `maxRatio` times its compressed size (decompression bombs).
enum ImageGzip {
    enum Failure: Error, Equatable, Sendable {
        case damaged(String)
        /// Past `limit` bytes (the budget or the ratio bound, whichever is lower).
        case tooLarge(limit: UInt64)
        case io(operation: String, errno: Int32)
    }

    static let maxRatio: UInt64 = 100
    static let ratioFloor: UInt64 = 256 << 20

    /// The layer's bound: `budget`, and the ratio bound when it is lower.
    static func limit(compressed: Int, budget: UInt64) -> UInt64 {
        let (scaled, overflow) = UInt64(compressed).multipliedReportingOverflow(by: maxRatio)
        return min(budget, max(ratioFloor, overflow ? UInt64.max : scaled))
    }

    static func inflate(_ bytes: FileBytes, budget: UInt64) throws(Failure) -> FileBytes {
        let limit = limit(compressed: bytes.count, budget: budget)
        let (spool, directory) = try temporaryFile()
        defer { close(spool) }
        // A failed write is the temporary directory's (ENOSPC, EIO), not the data's.
        var writeFailure: Int32?
        do {
            let inflater = try ZlibInflater(.gzip)
            // The pages read behind let go: an incompressible layer or archive, as large as its
            // output, does not stay resident in this process.
            try inflater.feed(bytes.buffer, limit: limit, consumed: { bytes.dropResidentPages(below: $0) }) { chunk throws(ZlibInflater.Failure) in
                var done = 0
                while done < chunk.count {
                    let n = write(spool, chunk.baseAddress! + done, chunk.count - done)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else {
                        writeFailure = n < 0 ? errno : ENOSPC
                        throw .sinkRefused
                    }
                    done += n
                }
            }
            guard inflater.finished else { throw ZlibInflater.Failure.damaged("the data ends before the gzip stream does") }
            guard let mapped = FileBytes(mapping: spool, size: Int(clamping: inflater.produced)) else {
                throw Failure.io(operation: "mmap", errno: errno)
            }
            return mapped
        } catch let failure as ZlibInflater.Failure {
            if let code = writeFailure {
                throw .io(operation: "writing the inflated layer to \(directory) (set TMPDIR to a directory with room)", errno: code)
            }
            switch failure {
            case .tooLong: throw .tooLarge(limit: limit)
            case .damaged(let reason): throw .damaged(reason)
            case .sinkRefused: throw .io(operation: "writing the inflated layer to \(directory)", errno: EIO)   // (writeFailure is set first)
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .damaged("\(error)")
        }
    }

    /// An unlinked file for the inflated bytes (mkstemp, then unlink: only the descriptor holds it).
    private static func temporaryFile() throws(Failure) -> (descriptor: Int32, directory: String) {
        let directory = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((directory + "/ofdoctor-layer-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .io(operation: "mkstemp in \(directory)", errno: errno) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return (fd, directory)
    }
}

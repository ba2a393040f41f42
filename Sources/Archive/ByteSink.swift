#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Support

/// Why bytes could not be written out: a system call and its `errno`, or zlib's refusal.
public enum ArchiveWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    case io(operation: String, errno: Int32)
    case deflate(String)

    public var description: String {
        switch self {
        case .io(let operation, let code): return "\(operation) failed: \(Errno.describe(code))"
        case .deflate(let reason): return "gzip compression failed: \(reason)"
        }
    }
}

/// Where a writer's bytes go, in order: memory, a file, or a compressor in front of either.
package protocol ByteSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveWriteError)
    /// Everything written so far is handed on (a compressor ends its stream).
    func finish() throws(ArchiveWriteError)
}

extension ByteSink {
    package func write(_ bytes: [UInt8]) throws(ArchiveWriteError) {
        let result: Result<Void, ArchiveWriteError> = bytes.withUnsafeBytes { buffer in
            do throws(ArchiveWriteError) { try write(buffer) } catch { return .failure(error) }
            return .success(())
        }
        try result.get()
    }
}

/// Bytes collected in memory (a layer of a few links and files).
package final class MemorySink: ByteSink {
    package private(set) var bytes: [UInt8] = []

    package init() {}

    package func write(_ buffer: UnsafeRawBufferPointer) throws(ArchiveWriteError) { bytes.append(contentsOf: buffer) }

    package func finish() throws(ArchiveWriteError) {}
}

/// Bytes written to an open file through a 1 MiB buffer; `finish` flushes and `fsync`s.
/// The descriptor stays the caller's.
package final class FileSink: ByteSink {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private static let capacity = 1 << 20
    /// Bytes handed to `write(2)` so far, and still buffered.
    package private(set) var count: UInt64 = 0

    package init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(Self.capacity)
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveWriteError) {
        count += UInt64(bytes.count)
        if buffer.count + bytes.count <= Self.capacity {
            buffer.append(contentsOf: bytes)
            return
        }
        try flush()
        if bytes.count >= Self.capacity { try Self.writeAll(descriptor, bytes) } else { buffer.append(contentsOf: bytes) }
    }

    package func finish() throws(ArchiveWriteError) {
        try flush()
        guard fsync(descriptor) == 0 else { throw .io(operation: "fsync", errno: errno) }
    }

    private func flush() throws(ArchiveWriteError) {
        let pending = buffer
        buffer.removeAll(keepingCapacity: true)
        let result: Result<Void, ArchiveWriteError> = pending.withUnsafeBytes { bytes in
            do throws(ArchiveWriteError) { try Self.writeAll(descriptor, bytes) } catch { return .failure(error) }
            return .success(())
        }
        try result.get()
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(ArchiveWriteError) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = systemWrite(fd, base + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .io(operation: "write", errno: n < 0 ? errno : EIO) }
            done += n
        }
    }
}

/// `write(2)`, named apart from the sinks' own `write`.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

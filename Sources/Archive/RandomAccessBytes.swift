#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes read at any offset, a window at a time: archives of several GB are walked by
/// seeking over their bodies, never loaded whole.
public protocol RandomAccessBytes {
    /// Total length in bytes.
    var size: UInt64 { get }
    /// Up to `count` bytes from `offset` (fewer only at the end of the data).
    func read(at offset: UInt64, count: Int) throws(ResourceReadError) -> [UInt8]
    /// The name used in messages.
    var name: String { get }
}

extension RandomAccessBytes {
    /// Exactly `count` bytes from `offset`, or `.truncated` when the data ends first.
    func readExactly(at offset: UInt64, count: Int) throws(ResourceReadError) -> [UInt8] {
        let bytes = try read(at: offset, count: count)
        guard bytes.count == count else { throw .truncated(path: name, offset: offset) }
        return bytes
    }

    /// Streams `length` bytes from `offset` in chunks of `chunk` bytes (constant memory).
    package func stream(from offset: UInt64, length: UInt64, chunk: Int = 1 << 20,
                _ body: ([UInt8]) throws(ResourceReadError) -> Void) throws(ResourceReadError) {
        var position = offset
        let (end, overflow) = offset.addingReportingOverflow(length)
        guard !overflow else { throw .truncated(path: name, offset: offset) }
        while position < end {
            let want = Int(clamping: min(UInt64(chunk), end - position))
            let bytes = try read(at: position, count: want)
            guard !bytes.isEmpty else { throw .truncated(path: name, offset: position) }
            try body(bytes)
            position += UInt64(bytes.count)
        }
    }
}

/// Bytes held in memory (tests, small stand-ins).
public struct MemoryBytes: RandomAccessBytes, Sendable {
    public let bytes: [UInt8]
    public let name: String

    public init(_ bytes: [UInt8], name: String = "<memory>") {
        self.bytes = bytes
        self.name = name
    }

    public var size: UInt64 { UInt64(bytes.count) }

    public func read(at offset: UInt64, count: Int) throws(ResourceReadError) -> [UInt8] {
        guard offset < UInt64(bytes.count), count > 0 else { return [] }
        let start = Int(offset)   // offset < bytes.count, so it fits
        let end = start + min(count, bytes.count - start)
        return Array(bytes[start..<end])
    }
}

/// A regular file on this machine, read with pread(2); the descriptor closes with the value.
public final class HostFile: RandomAccessBytes {
    public let name: String
    public let size: UInt64
    private let fd: Int32

    /// Opens `path` read-only; `name` is how messages call it.
    public init(path: String, name: String? = nil) throws(ResourceReadError) {
        // O_NONBLOCK: a FIFO put in place after the caller's stat must not block the open;
        // the fstat below refuses anything that is not a regular file.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw .io(path: name ?? path, operation: "open", errno: errno) }
        var st = stat()
        guard fstat(descriptor, &st) == 0 else {
            let code = errno
            close(descriptor)
            throw .io(path: name ?? path, operation: "fstat", errno: code)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw .notARegularFile(path: name ?? path)
        }
        self.fd = descriptor
        self.name = name ?? path
        self.size = UInt64(clamping: st.st_size)
    }

    deinit { close(fd) }

    public func read(at offset: UInt64, count: Int) throws(ResourceReadError) -> [UInt8] {
        guard count > 0, offset < size, let start = off_t(exactly: offset) else { return [] }
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return pread(fd, base + filled, count - filled, start + off_t(filled))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: name, operation: "pread", errno: errno)
            }
            if n == 0 { break }
            filled += n
        }
        if filled < count { buffer.removeLast(count - filled) }
        return buffer
    }
}

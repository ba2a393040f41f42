#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ELFInspect

/// Lines for standard output, written in 64 KiB blocks with write(2): a tree of a few
/// thousand libraries cost more in `print`'s per-call locking and conversion than in
/// building its lines. Call `flush()` before anything else writes to standard output.
final class OutputBuffer {
    private var bytes: [UInt8] = []
    private let descriptor: Int32
    private static let blockSize = 1 << 16

    init(descriptor: Int32 = 1) {
        self.descriptor = descriptor
        bytes.reserveCapacity(Self.blockSize + 4096)
    }

    /// A line of a script: a name's bytes that are not UTF-8 (`ByteString`) go out as bytes.
    func scriptLine(_ text: String) {
        bytes.append(contentsOf: ByteString.bytes(text))
        bytes.append(UInt8(ascii: "\n"))
        if bytes.count >= Self.blockSize { flush() }
    }

    func line(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        bytes.append(UInt8(ascii: "\n"))
        if bytes.count >= Self.blockSize { flush() }
    }

    /// Writes what is buffered; a closed pipe (EPIPE) or full disk drops the rest, as `print` would.
    func flush() {
        bytes.withUnsafeBytes { raw in
            guard var next = raw.baseAddress else { return }
            var left = raw.count
            while left > 0 {
                let n = write(descriptor, next, left)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                next += n
                left -= n
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}

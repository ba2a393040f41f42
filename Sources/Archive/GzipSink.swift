import CZlib

/// A gzip stream (RFC 1952) compressed by zlib's `deflate` into another sink. zlib writes
/// the header with no name and mtime 0, so the same bytes in give the same bytes out.
/// Level 1: a repaired image is written again whole, and its layers are mostly compressed
/// already, so speed matters more than the last few per cent.
package final class GzipSink: ByteSink {
    private let next: any ByteSink
    private var stream = z_stream()
    private var ready = false
    private var output = [UInt8](repeating: 0, count: 256 << 10)

    package init(into next: any ByteSink, level: Int32 = 1) throws(ArchiveWriteError) {
        self.next = next
        // 15 + 16: the largest window, with the gzip wrapper (zlib.h, deflateInit2); memLevel 8 is zlib's default.
        guard ofdoctor_deflate_init2(&stream, level, 15 + 16, 8) == Z_OK else {
            throw .deflate("zlib could not start (out of memory)")
        }
        ready = true
    }

    deinit { if ready { deflateEnd(&stream) } }

    package func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveWriteError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        var offset = 0
        while offset < bytes.count {
            let chunk = min(bytes.count - offset, Int(UInt32.max >> 1))
            stream.next_in = UnsafeMutablePointer(mutating: (base + offset).assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(chunk)
            try run(Z_NO_FLUSH)
            offset += chunk
        }
    }

    package func finish() throws(ArchiveWriteError) {
        stream.next_in = nil
        stream.avail_in = 0
        try run(Z_FINISH)
        try next.finish()
    }

    /// Deflates until zlib has taken all input (or, with Z_FINISH, ended the stream).
    private func run(_ flush: Int32) throws(ArchiveWriteError) {
        while true {
            let (code, count) = output.withUnsafeMutableBytes { buffer -> (Int32, Int) in
                stream.next_out = buffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(buffer.count)
                let code = deflate(&stream, flush)
                return (code, buffer.count - Int(stream.avail_out))
            }
            guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else {
                throw .deflate(stream.msg.map { String(cString: $0) } ?? "zlib error \(code)")
            }
            if count > 0 {
                let failure: ArchiveWriteError? = output.withUnsafeBytes { buffer in
                    do throws(ArchiveWriteError) { try next.write(UnsafeRawBufferPointer(rebasing: buffer[..<count])) } catch { return error }
                    return nil
                }
                if let failure { throw failure }
            }
            if flush == Z_FINISH {
                if code == Z_STREAM_END { return }
            } else if stream.avail_in == 0 && stream.avail_out != 0 {
                return
            }
        }
    }
}

import CZlib

/// zlib's `inflate` (RFC 1951 raw deflate, or RFC 1952 gzip with its CRC-32 and length
/// checked by zlib), fed compressed bytes in pieces and handing out what they decode in
/// pieces: memory is zlib's 32 KiB window plus one 256 KiB buffer, whatever the sizes.
package final class ZlibInflater {
    package enum Format { case rawDeflate, gzip }

    package enum Failure: Error, Equatable, Sendable {
        /// zlib's message (`invalid distance too far back`, `incorrect data check`, …).
        case damaged(String)
        /// More output than `limit`.
        case tooLong
        /// The sink refused a chunk: its own failure, which it keeps and reports.
        case sinkRefused
    }

    private var stream = z_stream()
    private let format: Format
    private var ready = false
    private var output = [UInt8](repeating: 0, count: 256 << 10)
    /// Bytes decoded so far, across gzip members.
    package private(set) var produced: UInt64 = 0
    /// True once the (last) stream has ended.
    package private(set) var finished = false

    package init(_ format: Format) throws(Failure) {
        self.format = format
        // 15: the largest window; +16: gzip wrapper; negative: raw deflate (zlib.h, inflateInit2).
        guard ofdoctor_inflate_init2(&stream, format == .gzip ? 15 + 16 : -15) == Z_OK else {
            throw .damaged("zlib could not start (out of memory)")
        }
        ready = true
    }

    deinit { if ready { inflateEnd(&stream) } }

    /// Decodes all of `input`, giving `sink` each piece of output. gzip members that follow
    /// one another (pigz, `cat a.gz b.gz`) decode as one stream, as gunzip does; bytes after
    /// a raw stream's end are ignored (a zip entry's size may include padding).
    /// - Parameter consumed: called after each 64 MiB of input with the bytes taken so far
    ///   (a caller reading a mapping lets the pages behind go).
    package func feed(_ input: UnsafeRawBufferPointer, limit: UInt64, consumed: ((Int) -> Void)? = nil,
              _ sink: (UnsafeRawBufferPointer) throws(Failure) -> Void) throws(Failure) {
        guard let base = input.baseAddress, !input.isEmpty else { return }
        var offset = 0
        while offset < input.count {
            if finished {
                // Another gzip member may follow; anything else after the end is not ours.
                guard format == .gzip, input.count - offset >= 2, input[offset] == 0x1F, input[offset + 1] == 0x8B else { return }
                inflateReset(&stream)
                finished = false
            }
            let chunk = min(input.count - offset, 64 << 20)
            stream.next_in = UnsafeMutablePointer(mutating: (base + offset).assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(chunk)
            repeat {
                let (code, count) = output.withUnsafeMutableBytes { buffer -> (Int32, Int) in
                    stream.next_out = buffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = uInt(buffer.count)
                    let code = inflate(&stream, Z_NO_FLUSH)
                    return (code, buffer.count - Int(stream.avail_out))
                }
                guard code == Z_OK || code == Z_STREAM_END || (code == Z_BUF_ERROR && count == 0) else {
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(code)"
                    throw .damaged(message)
                }
                if count > 0 {
                    let (total, overflow) = produced.addingReportingOverflow(UInt64(count))
                    guard !overflow, total <= limit else { throw .tooLong }
                    produced = total
                    let refused = output.withUnsafeBytes { buffer -> Failure? in
                        do throws(Failure) { try sink(UnsafeRawBufferPointer(rebasing: buffer[..<count])) } catch { return error }
                        return nil
                    }
                    if let refused { throw refused }
                }
                if code == Z_STREAM_END { finished = true; break }
                if code == Z_BUF_ERROR { break }
            } while stream.avail_in > 0 || stream.avail_out == 0
            offset += chunk - Int(stream.avail_in)
            consumed?(offset)
            if !finished && stream.avail_in == 0 { continue }
            if !finished { break }
        }
    }
}

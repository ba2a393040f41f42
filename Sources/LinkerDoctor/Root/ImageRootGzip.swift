import ELFInspect

/// Layer compression, told by magic number rather than media type: `docker save`
/// names every layer `layer.tar` whatever it holds, and OCI media types are advisory.
enum ImageLayerCompression: Equatable, Sendable {
    case none, gzip, zstd

    init(_ bytes: UnsafeRawBufferPointer) {
        let head = Array(bytes.prefix(4))
        if head.starts(with: [0x1F, 0x8B]) { self = .gzip }
        else if head == [0x28, 0xB5, 0x2F, 0xFD] { self = .zstd }
        else { self = .none }
    }
}

/// gzip (RFC 1952) around the package's DEFLATE decoder: each member's header is
/// skipped, its data inflated, and its CRC-32 and length checked. Concatenated members
/// (pigz, `cat a.gz b.gz`) decode as one stream, as gunzip does.
enum ImageGzip {
    enum Failure: Error, Equatable, Sendable {
        case damaged(String)
        case tooLarge
    }

    static func inflate(_ bytes: FileBytes, limit: UInt64) throws(Failure) -> [UInt8] {
        let source = ImageBufferBytes(bytes)
        var output: [UInt8] = []
        var offset = 0
        repeat {
            let start = try headerLength(bytes.buffer, at: offset)
            var inflater = Inflater(source: source, offset: UInt64(start), length: UInt64(bytes.count - start),
                                    outputLimit: limit - UInt64(output.count))
            var crc = CRC32()
            let before = output.count
            do {
                _ = try inflater.run { chunk in
                    crc.update(chunk)
                    output.append(contentsOf: chunk)
                }
            } catch let failure as Inflater.Failure {
                throw failure == .outputTooLong ? .tooLarge : .damaged("\(failure)")
            } catch {
                throw .damaged("\(error)")
            }
            guard let end = Int(exactly: inflater.consumed), end <= bytes.count - 8 else {
                throw .damaged("the CRC-32 and length trailer is missing")
            }
            let trailer = Array(bytes.buffer[end..<(end + 8)])
            let storedCRC = trailer[0..<4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let storedSize = trailer[4..<8].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard storedCRC == crc.value else { throw .damaged("CRC-32 mismatch") }
            guard storedSize == UInt32(truncatingIfNeeded: output.count - before) else {
                throw .damaged("length mismatch")
            }
            offset = end + 8
        } while offset < bytes.count - 1 && bytes.buffer[offset] == 0x1F && bytes.buffer[offset + 1] == 0x8B
        return output
    }

    /// The offset of the deflate data after the member header at `offset` (RFC 1952 2.3).
    private static func headerLength(_ buffer: UnsafeRawBufferPointer, at offset: Int) throws(Failure) -> Int {
        guard buffer.count - offset >= 10, buffer[offset] == 0x1F, buffer[offset + 1] == 0x8B else {
            throw .damaged("no gzip header")
        }
        guard buffer[offset + 2] == 8 else { throw .damaged("compression method \(buffer[offset + 2]) is not deflate") }
        let flags = buffer[offset + 3]
        var position = offset + 10
        if flags & 0x04 != 0 {   // FEXTRA: two-byte length, then the field
            guard buffer.count - position >= 2 else { throw .damaged("truncated header") }
            position += 2 + (Int(buffer[position]) | Int(buffer[position + 1]) << 8)
        }
        for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {   // FNAME, FCOMMENT: NUL-terminated
            while position < buffer.count && buffer[position] != 0 { position += 1 }
            position += 1
        }
        if flags & 0x02 != 0 { position += 2 }   // FHCRC
        guard position < buffer.count else { throw .damaged("truncated header") }
        return position
    }
}

/// `RandomAccessBytes` over memory already mapped or inflated, for the DEFLATE decoder.
struct ImageBufferBytes: RandomAccessBytes {
    let bytes: FileBytes
    var name: String { "<layer>" }
    var size: UInt64 { UInt64(bytes.count) }

    init(_ bytes: FileBytes) { self.bytes = bytes }

    func read(at offset: UInt64, count: Int) throws(ResourceReadError) -> [UInt8] {
        guard count > 0, offset < size, let start = Int(exactly: offset) else { return [] }
        let end = start + min(count, bytes.count - start)
        return Array(bytes.buffer[start..<end])
    }
}

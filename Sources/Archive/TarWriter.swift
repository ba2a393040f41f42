import ELFInspect

/// Writes a tar archive (POSIX ustar; a pax `x` header in front of a member whose name,
/// link, size, owner or time does not fit its ustar field) into a sink. Nothing is taken
/// from the machine: no user names, no device numbers, times only as given, so the same
/// entries give the same bytes (a layer's digest is its identity).
package final class TarWriter {
    private let sink: any ByteSink
    private static let block = 512
    /// The largest value of an octal field of `width` bytes (one byte for the NUL).
    private static func octalLimit(_ width: Int) -> UInt64 { (1 << (3 * UInt64(width - 1))) - 1 }

    package init(into sink: any ByteSink) {
        self.sink = sink
    }

    /// A member and its body (a file's; empty for the other kinds), whose length becomes
    /// the header's `size`.
    /// - Parameter written: called after each 64 MiB of a large body with the bytes written so
    ///   far (a caller copying from a mapping lets those pages go).
    package func append(_ entry: TarWriterEntry, body: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                written: ((Int) -> Void)? = nil) throws(ArchiveWriteError) {
        var entry = entry
        entry.size = entry.kind == .file ? UInt64(body.count) : 0
        try sink.write(Self.headers(for: entry))
        guard entry.kind == .file else { return }
        let step = 64 << 20
        for start in stride(from: 0, to: body.count, by: step) {
            try sink.write(UnsafeRawBufferPointer(rebasing: body[start..<min(start + step, body.count)]))
            written?(min(start + step, body.count))
        }
        let padding = (Self.block - body.count % Self.block) % Self.block
        if padding > 0 { try sink.write([UInt8](repeating: 0, count: padding)) }
    }

    package func append(_ entry: TarWriterEntry, bytes: [UInt8]) throws(ArchiveWriteError) {
        let result: Result<Void, ArchiveWriteError> = bytes.withUnsafeBytes { buffer in
            do throws(ArchiveWriteError) { try append(entry, body: buffer) } catch { return .failure(error) }
            return .success(())
        }
        try result.get()
    }

    /// The two zero blocks that end an archive; then the sink finishes.
    package func finish() throws(ArchiveWriteError) {
        try sink.write([UInt8](repeating: 0, count: 2 * Self.block))
        try sink.finish()
    }

    /// The header block of `entry`, preceded by a pax header when a field does not fit.
    package static func headers(for entry: TarWriterEntry) -> [UInt8] {
        // Names are bytes (`ByteString`): a name that is not UTF-8 is written as it was read.
        var name = ByteString.bytes(entry.name)
        if entry.kind == .directory && name.last != UInt8(ascii: "/") { name.append(UInt8(ascii: "/")) }
        var records: [(String, [UInt8])] = []
        let parts = split(name)
        if parts == nil { records.append(("path", name)) }
        var link: [UInt8] = []
        switch entry.kind {
        case .symlink(let target), .hardLink(let target):
            link = ByteString.bytes(target)
            if link.count > 100 { records.append(("linkpath", link)) }
        case .file, .directory:
            break
        }
        if entry.size > octalLimit(12) { records.append(("size", Array(String(entry.size).utf8))) }
        if UInt64(entry.uid) > octalLimit(8) { records.append(("uid", Array(String(entry.uid).utf8))) }
        if UInt64(entry.gid) > octalLimit(8) { records.append(("gid", Array(String(entry.gid).utf8))) }
        if entry.mtime < 0 || UInt64(entry.mtime) > octalLimit(12) { records.append(("mtime", Array(String(entry.mtime).utf8))) }

        var out: [UInt8] = []
        if !records.isEmpty {
            let body = records.flatMap { paxRecord($0.0, $0.1) }
            out += header(name: Array("././@PaxHeader".utf8), prefix: [], type: UInt8(ascii: "x"), mode: 0o644,
                          size: UInt64(body.count), link: [], uid: 0, gid: 0, mtime: 0)
            out += body + [UInt8](repeating: 0, count: (block - body.count % block) % block)
        }
        let type: UInt8
        switch entry.kind {
        case .file: type = UInt8(ascii: "0")
        case .directory: type = UInt8(ascii: "5")
        case .symlink: type = UInt8(ascii: "2")
        case .hardLink: type = UInt8(ascii: "1")
        }
        out += header(name: parts?.name ?? Array(name.prefix(100)),
                      prefix: parts?.prefix ?? [], type: type, mode: entry.mode & 0o7777,
                      size: entry.size > octalLimit(12) ? 0 : entry.size,
                      link: Array(link.prefix(100)),
                      uid: UInt64(entry.uid) > octalLimit(8) ? 0 : UInt64(entry.uid),
                      gid: UInt64(entry.gid) > octalLimit(8) ? 0 : UInt64(entry.gid),
                      mtime: entry.mtime < 0 || UInt64(entry.mtime) > octalLimit(12) ? 0 : UInt64(entry.mtime))
        return out
    }

    /// `name` as ustar `prefix` + `name` (at most 155 and 100 bytes, split at a `/`);
    /// nil when it cannot be.
    static func split(_ bytes: [UInt8]) -> (prefix: [UInt8], name: [UInt8])? {
        if bytes.count <= 100 { return ([], bytes) }
        // The name part may end with the directory's `/`; the split point is another `/`.
        for cut in stride(from: min(bytes.count - 1, 155), through: 1, by: -1) where bytes[cut] == UInt8(ascii: "/") {
            let rest = bytes.count - cut - 1
            guard rest <= 100, rest > 0 else { continue }
            return (Array(bytes[..<cut]), Array(bytes[(cut + 1)...]))
        }
        return nil
    }

    /// `"<length> <key>=<value>\n"`, the length counting the whole record (POSIX pax).
    static func paxRecord(_ key: String, _ value: [UInt8]) -> [UInt8] {
        let body = Array(" \(key)=".utf8) + value + [10]
        var length = body.count + 1
        while String(length).utf8.count + body.count != length { length += 1 }
        return Array(String(length).utf8) + body
    }

    private static func header(name: [UInt8], prefix: [UInt8], type: UInt8, mode: UInt32, size: UInt64, link: [UInt8],
                               uid: UInt64, gid: UInt64, mtime: UInt64) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: block)
        put(Array(name.prefix(100)), at: 0, in: &h)
        put(octal(UInt64(mode), width: 8), at: 100, in: &h)
        put(octal(uid, width: 8), at: 108, in: &h)
        put(octal(gid, width: 8), at: 116, in: &h)
        put(octal(size, width: 12), at: 124, in: &h)
        put(octal(mtime, width: 12), at: 136, in: &h)
        h[156] = type
        put(Array(link.prefix(100)), at: 157, in: &h)
        put(Array("ustar\u{0}00".utf8), at: 257, in: &h)
        put(octal(0, width: 8), at: 329, in: &h)   // devmajor
        put(octal(0, width: 8), at: 337, in: &h)   // devminor
        put(Array(prefix.prefix(155)), at: 345, in: &h)
        // chksum: the sum of the header with the field read as spaces; six digits, NUL, space.
        for i in 148..<156 { h[i] = 32 }
        let sum = h.reduce(UInt64(0)) { $0 + UInt64($1) }
        put(octal(sum, width: 7) + [32], at: 148, in: &h)
        return h
    }

    /// `width - 1` octal digits, zero-padded, and a NUL.
    private static func octal(_ value: UInt64, width: Int) -> [UInt8] {
        let digits = Array(String(value, radix: 8).utf8)
        return [UInt8](repeating: UInt8(ascii: "0"), count: max(0, width - 1 - digits.count)) + digits + [0]
    }

    private static func put(_ bytes: [UInt8], at offset: Int, in header: inout [UInt8]) {
        for (i, byte) in bytes.enumerated() where offset + i < header.count { header[offset + i] = byte }
    }
}

/// One central-directory entry of a ZIP file (APPNOTE.TXT 4.3.12).
public struct ZipEntry: Equatable, Sendable {
    public var name: String
    /// 0 stored, 8 deflated (APPNOTE 4.4.5).
    public var method: UInt16
    public var flags: UInt16
    public var crc32: UInt32
    public var compressedSize: UInt64
    public var uncompressedSize: UInt64
    public var localHeaderOffset: UInt64
}

/// Why a ZIP file, or one of its entries, is not sound.
public enum ZipProblem: Error, Equatable, Sendable {
    /// No end-of-central-directory record in the last 64 KiB: not a zip, or cut short.
    case noEndRecord
    /// The central directory lies outside the file or does not parse.
    case badCentralDirectory(reason: String)
    /// The entry's local header is missing or its data runs past the file.
    case badLocalHeader(entry: String)
    /// The bytes do not hash to the CRC-32 the archive recorded.
    case crcMismatch(entry: String, recorded: UInt32, computed: UInt32)
    /// Decompressed length differs from the recorded one.
    case sizeMismatch(entry: String, recorded: UInt64, actual: UInt64)
    /// The deflate stream is damaged.
    case corruptData(entry: String, reason: String)
    /// A method this reader cannot decode (its CRC is left unchecked).
    case unsupportedMethod(entry: String, method: UInt16)
    /// Encrypted entries cannot be checked.
    case encrypted(entry: String)
}

/// Reads a ZIP's central directory (ZIP64 included) and verifies each entry's CRC-32 by
/// streaming it: stored entries directly, deflated ones through zlib (`ZlibInflater`).
public enum ZipArchive {
    static let maxCentralDirectory: UInt64 = 64 << 20

    /// The entries listed in the central directory.
    public static func entries(of file: any RandomAccessBytes) throws(ResourceReadError) -> Result<[ZipEntry], ZipProblem> {
        let tailLength = min(file.size, 65_557)
        let tailStart = file.size - tailLength
        let tail = try file.read(at: tailStart, count: Int(clamping: tailLength))
        guard tail.count >= 22 else { return .failure(.noEndRecord) }
        var eocd: Int?
        var i = tail.count - 22
        while i >= 0 {
            if le32(tail, i) == 0x0605_4B50, i + 22 + Int(le16(tail, i + 20)) <= tail.count { eocd = i; break }
            i -= 1
        }
        guard let e = eocd else { return .failure(.noEndRecord) }
        var total = UInt64(le16(tail, e + 10))
        var cdSize = UInt64(le32(tail, e + 12))
        var cdOffset = UInt64(le32(tail, e + 16))
        if total == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
            // ZIP64: a locator just before the record points at the ZIP64 end record (APPNOTE 4.3.14-15).
            let eocdAt = tailStart + UInt64(e)
            guard eocdAt >= 20 else { return .failure(.badCentralDirectory(reason: "no ZIP64 locator")) }
            let locator = try file.read(at: eocdAt - 20, count: 20)
            guard locator.count == 20, le32(locator, 0) == 0x0706_4B50 else {
                return .failure(.badCentralDirectory(reason: "no ZIP64 locator"))
            }
            let record = try file.read(at: le64(locator, 8), count: 56)
            guard record.count == 56, le32(record, 0) == 0x0606_4B50 else {
                return .failure(.badCentralDirectory(reason: "no ZIP64 end record"))
            }
            total = le64(record, 32)
            cdSize = le64(record, 40)
            cdOffset = le64(record, 48)
        }
        guard cdSize <= maxCentralDirectory, cdOffset <= file.size, cdSize <= file.size - cdOffset else {
            return .failure(.badCentralDirectory(reason: "central directory at \(cdOffset)+\(cdSize) lies outside the \(file.size)-byte file"))
        }
        let cd = try file.read(at: cdOffset, count: Int(clamping: cdSize))
        var entries: [ZipEntry] = []
        var p = 0
        while p + 46 <= cd.count, UInt64(entries.count) < total {
            guard le32(cd, p) == 0x0201_4B50 else {
                return .failure(.badCentralDirectory(reason: "bad entry signature at byte \(cdOffset + UInt64(p))"))
            }
            let nameLength = Int(le16(cd, p + 28)), extraLength = Int(le16(cd, p + 30)), commentLength = Int(le16(cd, p + 32))
            let nameStart = p + 46
            guard nameStart + nameLength + extraLength + commentLength <= cd.count else {
                return .failure(.badCentralDirectory(reason: "entry \(entries.count) runs past the directory"))
            }
            var entry = ZipEntry(
                name: String(decoding: cd[nameStart..<nameStart + nameLength], as: UTF8.self),
                method: le16(cd, p + 10), flags: le16(cd, p + 8), crc32: le32(cd, p + 16),
                compressedSize: UInt64(le32(cd, p + 20)), uncompressedSize: UInt64(le32(cd, p + 24)),
                localHeaderOffset: UInt64(le32(cd, p + 42)))
            applyZip64(Array(cd[nameStart + nameLength..<nameStart + nameLength + extraLength]), to: &entry)
            entries.append(entry)
            p = nameStart + nameLength + extraLength + commentLength
        }
        guard UInt64(entries.count) == total else {
            return .failure(.badCentralDirectory(reason: "\(entries.count) entries found, the end record says \(total)"))
        }
        if let overlap = overlap(entries, before: cdOffset) { return .failure(.badCentralDirectory(reason: overlap)) }
        return .success(entries)
    }

    /// Why the entries' stored bytes are not disjoint, or nil. Each entry spans at least its
    /// 30-byte local header and its compressed data, before the central directory; an entry
    /// whose data covers the next one's header is how overlap bombs make a small file inflate
    /// to terabytes (each byte decoded once per entry covering it), so it is refused before
    /// anything is inflated, and decoding work stays within deflate's ratio of the file size.
    static func overlap(_ entries: [ZipEntry], before centralDirectory: UInt64) -> String? {
        let ordered = entries.sorted { $0.localHeaderOffset < $1.localHeaderOffset }
        for (index, entry) in ordered.enumerated() {
            let (withHeader, headerOverflow) = entry.localHeaderOffset.addingReportingOverflow(30)
            let (end, overflow) = withHeader.addingReportingOverflow(entry.compressedSize)
            let limit = index + 1 < ordered.count ? ordered[index + 1].localHeaderOffset : centralDirectory
            if headerOverflow || overflow || end > limit {
                let other = index + 1 < ordered.count ? "entry \(ordered[index + 1].name)" : "the central directory"
                return "entry \(entry.name) overlaps \(other) (entries sharing bytes: a zip bomb, or damage)"
            }
        }
        return nil
    }

    /// Where the entry's data starts: after its local header's name and extra field.
    private static func dataStart(of entry: ZipEntry, local: [UInt8]) -> UInt64? {
        let (start, overflow) = entry.localHeaderOffset.addingReportingOverflow(30 + UInt64(le16(local, 26)) + UInt64(le16(local, 28)))
        return overflow ? nil : start
    }

    /// ZIP64 extended information (header 0x0001): only the fields saturated in the entry follow.
    private static func applyZip64(_ extra: [UInt8], to entry: inout ZipEntry) {
        var q = 0
        while q + 4 <= extra.count {
            let id = le16(extra, q), length = Int(le16(extra, q + 2))
            let body = q + 4
            guard body + length <= extra.count else { return }
            if id == 0x0001 {
                var f = body
                func take() -> UInt64? {
                    guard f + 8 <= body + length else { return nil }
                    defer { f += 8 }
                    return le64(extra, f)
                }
                if entry.uncompressedSize == 0xFFFF_FFFF, let v = take() { entry.uncompressedSize = v }
                if entry.compressedSize == 0xFFFF_FFFF, let v = take() { entry.compressedSize = v }
                if entry.localHeaderOffset == 0xFFFF_FFFF, let v = take() { entry.localHeaderOffset = v }
            }
            q = body + length
        }
    }

    /// Checks `entry`'s local header and CRC-32; `progress` gets compressed bytes as they are covered.
    public static func verify(_ entry: ZipEntry, in file: any RandomAccessBytes,
                              progress: (UInt64) -> Void = { _ in }) throws(ResourceReadError) -> ZipProblem? {
        if entry.name.endsWithSlash && entry.uncompressedSize == 0 { return nil }
        if entry.flags & 1 != 0 { return .encrypted(entry: entry.name) }
        let local = try file.read(at: entry.localHeaderOffset, count: 30)
        guard local.count == 30, le32(local, 0) == 0x0403_4B50 else { return .badLocalHeader(entry: entry.name) }
        guard let dataStart = dataStart(of: entry, local: local),
              case let (dataEnd, overflow) = dataStart.addingReportingOverflow(entry.compressedSize),
              !overflow, dataEnd <= file.size else { return .badLocalHeader(entry: entry.name) }
        var crc = CRC32()
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                return .sizeMismatch(entry: entry.name, recorded: entry.uncompressedSize, actual: entry.compressedSize)
            }
            try file.stream(from: dataStart, length: entry.compressedSize) { chunk in
                crc.update(chunk)
                progress(UInt64(chunk.count))
            }
        case 8:
            // zlib, fed 1 MiB of compressed bytes at a time; progress is in compressed bytes.
            let inflater: ZlibInflater
            do throws(ZlibInflater.Failure) { inflater = try ZlibInflater(.rawDeflate) } catch {
                return .corruptData(entry: entry.name, reason: "\(error)")
            }
            var damage: ZlibInflater.Failure?
            try file.stream(from: dataStart, length: entry.compressedSize) { chunk in
                defer { progress(UInt64(chunk.count)) }
                guard damage == nil, !inflater.finished else { return }
                damage = chunk.withUnsafeBytes { input -> ZlibInflater.Failure? in
                    do throws(ZlibInflater.Failure) {
                        try inflater.feed(input, limit: entry.uncompressedSize) { piece in crc.update(piece) }
                    } catch { return error }
                    return nil
                }
            }
            if damage == nil && !inflater.finished { damage = .damaged("the data ends before the deflate stream does") }
            if damage == nil && inflater.produced != entry.uncompressedSize {
                return .sizeMismatch(entry: entry.name, recorded: entry.uncompressedSize, actual: inflater.produced)
            }
            switch damage {
            case .tooLong?:
                return .sizeMismatch(entry: entry.name, recorded: entry.uncompressedSize, actual: entry.uncompressedSize &+ 1)
            case .damaged(let reason)?:
                return .corruptData(entry: entry.name, reason: reason)
            case .sinkRefused?:   // (the sink here, a checksum, never refuses)
                return .corruptData(entry: entry.name, reason: "the inflated data could not be taken")
            case nil:
                break
            }
        default:
            progress(entry.compressedSize)
            return .unsupportedMethod(entry: entry.name, method: entry.method)
        }
        guard crc.value == entry.crc32 else {
            return .crcMismatch(entry: entry.name, recorded: entry.crc32, computed: crc.value)
        }
        return nil
    }

    static func le16(_ b: [UInt8], _ i: Int) -> UInt16 {
        guard i >= 0, i + 2 <= b.count else { return 0 }
        return UInt16(b[i]) | UInt16(b[i + 1]) << 8
    }

    static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        guard i >= 0, i + 4 <= b.count else { return 0 }
        return UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    static func le64(_ b: [UInt8], _ i: Int) -> UInt64 {
        UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32
    }
}

import Archive
import ELFInspect

/// One member of an image layer (or of a `docker save` archive), as its headers say:
/// enough to serve it as a file without unpacking it.
struct LayerTarEntry: Equatable, Sendable {
    enum Kind: Equatable, Sendable { case file, directory, symlink, hardLink, other }
    /// The member name as written (`./usr/lib/x.so`, `usr/lib/`, …), not yet normalized.
    var name: String
    var kind: Kind
    /// Permission bits (`mode & 07777`).
    var mode: UInt32
    /// The symlink text, or the member a hard link names.
    var linkName: String
    /// Where the body starts in the archive's bytes, and its length (always inside them).
    var offset: Int
    var size: Int
    /// Owner, group and modification time as the header (or its pax records) says: what a
    /// layer written over this path must repeat so that the path stays as it was.
    var owner = LayerTarOwner()
    /// The raw `security.capability` attribute (`struct vfs_cap_data`) from the member's pax
    /// record `SCHILY.xattr.security.capability`, which is how Docker stores file
    /// capabilities in a layer; nil when it has none.
    var capabilities: [UInt8]? = nil
}

/// `uid`, `gid` and `mtime` of one member.
package struct LayerTarOwner: Equatable, Sendable {
    package var uid: UInt32 = 0
    package var gid: UInt32 = 0
    /// Whole seconds since the epoch.
    package var mtime: Int64 = 0

    package init(uid: UInt32 = 0, gid: UInt32 = 0, mtime: Int64 = 0) {
        self.uid = uid
        self.gid = gid
        self.mtime = mtime
    }
}

/// Why a layer's headers cannot be walked to the end.
enum LayerTarProblem: Error, Equatable, Sendable {
    /// A header fails the ustar checksum or has an unreadable number (POSIX ustar `chksum`).
    case badHeader(offset: Int)
    /// A header or a body runs past the end of the bytes.
    case truncated(member: String, offset: Int)
    /// A GNU sparse member (typeflag `S`, or pax `GNU.sparse.*` records): its body is a map
    /// of holes and data, not the file, and Docker never writes one.
    case sparse(member: String, offset: Int)
    /// A typeflag neither a filesystem nor Docker's unpack knows (GNU `V` volume label, `M`
    /// multi-volume, `D` dump directory, …): moby's `createTarFile` and containerd's
    /// `applyNaive` fail on it ("unhandled tar header type"), so `docker load` does.
    case unknownType(member: String, type: UInt8, offset: Int)
}

/// Indexes the headers of a tar held in memory (POSIX ustar, GNU `L`/`K` long names,
/// pax `path`/`linkpath`/`size` records and the capability attribute). Bodies are never
/// copied: entries give their offset, so a mapped archive of any size costs only its header pages.
enum LayerTarIndex {
    private static let block = 512

    static func entries(of buffer: UnsafeRawBufferPointer) throws(LayerTarProblem) -> [LayerTarEntry] {
        var entries: [LayerTarEntry] = []
        var offset = 0
        var longName: String?
        var longLink: String?
        var paxSize: Int?
        var paxOwner: [String: String] = [:]
        var paxCapabilities: [UInt8]?
        var paxSparse = false
        var paxSparseName: String?
        while true {
            let remaining = buffer.count - offset
            // An archive that simply stops at a header boundary is read as ended (GNU tar
            // warns and does the same); a partial header is damage.
            if remaining == 0 { return entries }
            guard remaining >= block else { throw .truncated(member: longName ?? "(header)", offset: offset) }
            let header = Array(UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + block)]))
            if header.allSatisfy({ $0 == 0 }) { return entries }   // end-of-archive block
            guard checksumMatches(header), let rawSize = number(header[124..<136]) else {
                throw .badHeader(offset: offset)
            }
            let body = offset + block
            let name = longName ?? fullName(header)
            guard let size = paxSize ?? Int(exactly: rawSize), size <= buffer.count - body else {
                throw .truncated(member: name, offset: offset)
            }
            let padded = size + (block - size % block) % block
            // `padded` may pass the end by less than one block on a truncated final body.
            let next = padded <= buffer.count - body ? body + padded : buffer.count
            let bodyBytes = { Array(UnsafeRawBufferPointer(rebasing: buffer[body..<(body + size)])) }
            let type = header[156]
            switch type {
            case UInt8(ascii: "L"): longName = cString(bodyBytes())
            case UInt8(ascii: "K"): longLink = cString(bodyBytes())
            case UInt8(ascii: "x"):
                let records = paxRecords(bodyBytes())
                func text(_ key: String) -> String? { records[key].map { ByteString.decode($0) } }
                if let path = text("path") { longName = path }
                if let link = text("linkpath") { longLink = link }
                if let size = text("size") {
                    guard let value = Int(size), value >= 0 else { throw .badHeader(offset: offset) }
                    paxSize = value
                }
                for key in ["uid", "gid", "mtime"] { if let value = text(key) { paxOwner[key] = value } }
                if let value = records[Self.capabilityRecord] { paxCapabilities = value }
                // GNU tar's pax sparse formats 0.0, 0.1 and 1.0 (`GNU.sparse.map`, `.offset`,
                // `.major`, …): the real name is `GNU.sparse.name` (1.0 writes a made-up `path`).
                if records.keys.contains(where: { $0.hasPrefix("GNU.sparse.") }) {
                    paxSparse = true
                    paxSparseName = text("GNU.sparse.name")
                }
            case UInt8(ascii: "g"):
                break   // global pax defaults: nothing here that changes the tree
            default:
                // Served as they stand, a sparse member's bytes would be its map, not the file.
                if type == UInt8(ascii: "S") || paxSparse {
                    throw .sparse(member: paxSparseName ?? name, offset: offset)
                }
                let mode = UInt32(truncatingIfNeeded: number(header[100..<108]) ?? 0o644) & 0o7777
                let link = longLink ?? cString(Array(header[157..<257]))
                guard let kind = kind(of: type, name: name) else { throw .unknownType(member: name, type: type, offset: offset) }
                // Only regular files carry a body; a link's size field is ignored (POSIX).
                let length = kind == .file ? size : 0
                entries.append(LayerTarEntry(name: name, kind: kind, mode: mode, linkName: link,
                                             offset: body, size: length, owner: owner(header, pax: paxOwner),
                                             capabilities: paxCapabilities))
                longName = nil
                longLink = nil
                paxSize = nil
                paxOwner = [:]
                paxCapabilities = nil
            }
            offset = next
        }
    }

    /// The header's `uid`, `gid` and `mtime`, pax records first (a fractional pax time is
    /// cut to whole seconds); an unreadable field reads as 0.
    private static func owner(_ header: [UInt8], pax: [String: String]) -> LayerTarOwner {
        func id(_ key: String, _ field: Range<Int>) -> UInt32 {
            if let text = pax[key], let value = UInt32(text) { return value }
            return UInt32(exactly: number(header[field]) ?? 0) ?? 0
        }
        let seconds = pax["mtime"].flatMap { Int64($0.split(separator: ".").first ?? "") }
            ?? Int64(exactly: number(header[136..<148]) ?? 0) ?? 0
        return LayerTarOwner(uid: id("uid", 108..<116), gid: id("gid", 116..<124), mtime: seconds)
    }

    /// The pax record Docker (Go's archive/tar `Xattrs`) stores file capabilities in.
    static let capabilityRecord = "SCHILY.xattr.security.capability"

    /// ustar typeflags; nil for the ones Docker's unpack refuses (volume labels, …). A pre-POSIX
    /// (v7) member has typeflag NUL, and one whose name ends in `/` is a directory (Go's
    /// archive/tar promotes `TypeRegA` so, and Docker unpacks what Go reads).
    private static func kind(of type: UInt8, name: String) -> LayerTarEntry.Kind? {
        switch type {
        case 0: return name.endsWithSlash ? .directory : .file
        case UInt8(ascii: "0"), UInt8(ascii: "7"): return .file
        case UInt8(ascii: "1"): return .hardLink
        case UInt8(ascii: "2"): return .symlink
        case UInt8(ascii: "5"): return .directory
        case UInt8(ascii: "3"), UInt8(ascii: "4"), UInt8(ascii: "6"): return .other
        default: return nil
        }
    }

    /// ustar checksum (see `TarHeaderField`).
    static func checksumMatches(_ header: [UInt8]) -> Bool { TarHeaderField.checksumMatches(header) }

    /// An octal or base-256 field (see `TarHeaderField`).
    static func number(_ field: ArraySlice<UInt8>) -> UInt64? { TarHeaderField.number(field) }

    private static func fullName(_ header: [UInt8]) -> String { TarHeaderField.fullName(header) }

    private static func cString(_ bytes: [UInt8]) -> String { TarHeaderField.cString(bytes) }

    /// pax records, `"<length> <key>=<value>\n"` each; the length counts the whole record,
    /// so values may hold newlines, and are kept as bytes (an attribute's value is binary).
    /// A malformed record ends the parse (what was read stays).
    static func paxRecords(_ bytes: [UInt8]) -> [String: [UInt8]] {
        var records: [String: [UInt8]] = [:]
        var start = 0
        while start < bytes.count {
            guard let space = bytes[start...].firstIndex(of: 32),
                  let length = Int(String(decoding: bytes[start..<space], as: UTF8.self)),
                  length > space - start, length <= bytes.count - start else { break }
            let record = bytes[(space + 1)..<(start + length)]
            if let eq = record.firstIndex(of: UInt8(ascii: "=")) {
                var value = record[(eq + 1)...]
                if value.last == 10 { value = value.dropLast() }
                records[String(decoding: record[..<eq], as: UTF8.self)] = Array(value)
            }
            start += length
        }
        return records
    }
}

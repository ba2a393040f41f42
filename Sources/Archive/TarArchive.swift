/// One member of a tar archive: its name and where its body lies.
public struct TarMember: Equatable, Sendable {
    public var name: String
    /// ustar `typeflag`: `0`/NUL regular file, `5` directory, `2` symlink, …
    public var type: UInt8
    public var offset: UInt64
    public var size: UInt64
}

/// Why a tar archive cannot be walked.
public enum TarProblem: Error, Equatable, Sendable {
    /// A header's checksum does not add up (POSIX ustar `chksum`): not a tar, or damaged.
    case badHeader(offset: UInt64)
    /// A member's body runs past the end of the file.
    case truncated(member: String, needed: UInt64, size: UInt64)
    /// The file ends without the two zero blocks that close an archive.
    case missingEnd(offset: UInt64)
}

/// Reads the member list of a tar (POSIX ustar, GNU `L` long names, pax `x` paths) by
/// seeking from header to header: memory stays constant whatever the archive's size.
public enum TarArchive {
    /// The members, or the problem that stopped the walk (with the members read before it).
    public static func members(of file: any RandomAccessBytes) throws(ResourceReadError)
        -> (members: [TarMember], problem: TarProblem?)
    {
        var members: [TarMember] = []
        var offset: UInt64 = 0
        var longName: String?
        while true {
            let header = try file.read(at: offset, count: 512)
            if header.count < 512 {
                return (members, offset == 0 ? .badHeader(offset: 0) : .missingEnd(offset: offset))
            }
            if header.allSatisfy({ $0 == 0 }) { return (members, nil) }   // end-of-archive block
            guard checksumMatches(header), let size = number(header[124..<136]) else {
                return (members, .badHeader(offset: offset))
            }
            let type = header[156]
            let body = offset + 512
            var name = longName ?? fullName(header)
            longName = nil
            // A base-256 size may be up to 2^64 - 1: every sum is checked (the padding too).
            let (bodyEnd, endOverflow) = body.addingReportingOverflow(size)
            let (next, overflow) = bodyEnd.addingReportingOverflow((512 - size % 512) % 512)
            guard !overflow, !endOverflow, bodyEnd <= file.size else {
                return (members, .truncated(member: name, needed: endOverflow ? UInt64.max : bodyEnd, size: file.size))
            }
            switch type {
            case UInt8(ascii: "L"):   // GNU: the body is the next member's name
                longName = cString(try file.read(at: body, count: Int(clamping: min(size, 65536))))
            case UInt8(ascii: "x"):   // pax extended header: "len path=value\n" records
                let records = try file.read(at: body, count: Int(clamping: min(size, 1 << 20)))
                longName = paxPath(records)
            case UInt8(ascii: "g"):
                break
            default:
                if name.hasPrefix("./") { name.removeFirst(2) }
                members.append(TarMember(name: name, type: type, offset: body, size: size))
            }
            offset = next
        }
    }

    /// ustar checksum (see `TarHeaderField`).
    static func checksumMatches(_ header: [UInt8]) -> Bool { TarHeaderField.checksumMatches(header) }

    /// An octal or base-256 field (see `TarHeaderField`).
    static func number(_ field: ArraySlice<UInt8>) -> UInt64? { TarHeaderField.number(field) }

    private static func fullName(_ header: [UInt8]) -> String { TarHeaderField.fullName(header) }

    private static func cString(_ bytes: [UInt8]) -> String { TarHeaderField.cString(bytes) }

    private static func paxPath(_ records: [UInt8]) -> String? {
        let text = String(decoding: records, as: UTF8.self)
        for line in text.split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            let record = line[line.index(after: space)...]
            if record.hasPrefix("path=") { return String(record.dropFirst(5)) }
        }
        return nil
    }
}

/// What the first bytes of a MATLAB MAT-file say.
public enum MatFile {
    public enum Kind: Equatable, Sendable {
        /// Level 5 (MATLAB 5.0 to 7.2): 116 bytes of text, then version and endian marks.
        case version5
        /// v7.3: an HDF5 file whose 512-byte user block carries the MAT text header.
        case version73
    }

    public enum Problem: Error, Equatable, Sendable {
        case notMatFile
        /// A level-5 data element claims to run past the end of the file.
        case truncated(elementOffset: UInt64, needed: UInt64)
    }

    static let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The kind, or why the file is not a sound MAT-file. Level-5 files are walked element
    /// by element (seeking, constant memory) to catch a cut-short download.
    public static func check(_ file: any RandomAccessBytes) throws(ResourceReadError) -> Result<Kind, Problem> {
        let header = try file.read(at: 0, count: 128)
        let text = String(decoding: header.prefix(116), as: UTF8.self)
        if try file.read(at: 512, count: 8) == hdf5Signature { return .success(.version73) }
        if text.hasPrefix("MATLAB 7.3 MAT-file") { return .failure(.notMatFile) }   // HDF5 part missing
        guard header.count == 128, text.hasPrefix("MATLAB 5.0 MAT-file") else { return .failure(.notMatFile) }
        let little = header[126] == UInt8(ascii: "I") && header[127] == UInt8(ascii: "M")
        let big = header[126] == UInt8(ascii: "M") && header[127] == UInt8(ascii: "I")
        guard little || big else { return .failure(.notMatFile) }
        var offset: UInt64 = 128
        // Level-5 layout (MAT-File Format, "Data Element Format"): an 8-byte tag (type, byte
        // count), data, padding to 8 except after miCOMPRESSED (15). The walk is bounded.
        for _ in 0..<1_000_000 {
            if offset >= file.size { return .success(.version5) }
            let tag = try file.read(at: offset, count: 8)
            guard tag.count == 8 else { return .failure(.truncated(elementOffset: offset, needed: offset + 8)) }
            var type = UInt32(tag[0]) | UInt32(tag[1]) << 8 | UInt32(tag[2]) << 16 | UInt32(tag[3]) << 24
            var count = UInt32(tag[4]) | UInt32(tag[5]) << 8 | UInt32(tag[6]) << 16 | UInt32(tag[7]) << 24
            if big { type = type.byteSwapped; count = count.byteSwapped }
            if type >> 16 != 0 { offset += 8; continue }   // small data element: packed in the tag
            guard (1...18).contains(type) else { return .success(.version5) }   // unknown: stop judging
            var next = offset + 8 + UInt64(count)
            if type != 15 { next = (next + 7) / 8 * 8 }
            let end = offset + 8 + UInt64(count)
            guard end <= file.size else { return .failure(.truncated(elementOffset: offset, needed: end)) }
            offset = next
        }
        return .success(.version5)
    }
}

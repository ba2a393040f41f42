import ELFInspect

extension LdSoCache {
    /// The bytes of this cache in the new format alone (`glibc-ld.so.cache1.1`, what
    /// ldconfig writes by default since glibc 2.32, `save_cache` in elf/cache.c): the
    /// 48-byte header, the entries in their order, the string table, then the extension
    /// directory (generator string, glibc-hwcaps names) at a 4-aligned offset. Loaders
    /// before 2.32 read it too: they take a file that starts with the new magic as it is
    /// (elf/dl-cache.c), and the header's flags and extension offset lie in what they call
    /// `unused`. Each string is stored once; string offsets count from the start of the file.
    public func encodedNewFormat(generator: String) -> [UInt8] {
        let headerSize = 48, entrySize = 24
        let stringsStart = headerSize + entries.count * entrySize
        var strings: [UInt8] = []
        var offsets: [[UInt8]: UInt32] = [:]
        func intern(_ bytes: [UInt8]) -> UInt32 {
            if let known = offsets[bytes] { return known }
            let offset = UInt32(truncatingIfNeeded: stringsStart + strings.count)
            strings += bytes + [0]
            offsets[bytes] = offset
            return offset
        }
        var table: [UInt8] = []
        for entry in entries {
            table += Self.littleEndian(UInt32(bitPattern: entry.flags))
            table += Self.littleEndian(intern(entry.keyBytes))
            table += Self.littleEndian(intern(ByteString.bytes(entry.value)))
            table += Self.littleEndian(UInt32(0))   // osversion_unused
            table += Self.littleEndian(entry.hwcap)
        }
        let hwcapOffsets = glibcHWCapsNames.map { intern(ByteString.bytes($0)) }
        let extensionOffset = (stringsStart + strings.count + 3) & ~3

        var out = Self.newMagic
        out += Self.littleEndian(UInt32(truncatingIfNeeded: entries.count))
        out += Self.littleEndian(UInt32(truncatingIfNeeded: strings.count))
        out += [2, 0, 0, 0]   // flags: cache_file_new_flags_endian_little; padding
        out += Self.littleEndian(UInt32(truncatingIfNeeded: extensionOffset))
        out += [UInt8](repeating: 0, count: 12)
        out += table + strings
        out += [UInt8](repeating: 0, count: extensionOffset - out.count)

        // The directory: magic, count, then one 16-byte section per tag (tag, flags, offset, size).
        let generatorBytes = Array(generator.utf8)
        let sectionCount = hwcapOffsets.isEmpty ? 1 : 2
        let hwcapsAt = extensionOffset + 8 + 16 * sectionCount
        let generatorAt = hwcapsAt + 4 * hwcapOffsets.count
        out += Self.littleEndian(Self.extensionMagic) + Self.littleEndian(UInt32(sectionCount))
        out += Self.littleEndian(UInt32(0)) + Self.littleEndian(UInt32(0))
        out += Self.littleEndian(UInt32(truncatingIfNeeded: generatorAt)) + Self.littleEndian(UInt32(truncatingIfNeeded: generatorBytes.count))
        if !hwcapOffsets.isEmpty {
            out += Self.littleEndian(UInt32(1)) + Self.littleEndian(UInt32(0))
            out += Self.littleEndian(UInt32(truncatingIfNeeded: hwcapsAt)) + Self.littleEndian(UInt32(truncatingIfNeeded: 4 * hwcapOffsets.count))
            for offset in hwcapOffsets { out += Self.littleEndian(offset) }
        }
        out += generatorBytes
        return out
    }

    private static func littleEndian(_ value: UInt32) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    private static func littleEndian(_ value: UInt64) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}

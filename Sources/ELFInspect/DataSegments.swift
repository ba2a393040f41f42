/// The file ranges of an ELF image's `PT_LOAD` segments that are not executable, in
/// program-header order, read from the bytes without libelf: where a constant string
/// (glibc's banner) lies, without searching megabytes of code.
public enum DataSegments {
    private static let executable: UInt32 = 1   // PF_X

    /// Nil when the bytes are not an ELF image whose program headers can be read.
    public static func ranges(_ raw: UnsafeRawBufferPointer) -> [Range<Int>]? {
        guard let (fileClass, order) = try? ELFIdentification.classAndOrder(raw, path: "") else { return nil }
        let is64 = fileClass == .elf64
        let reader = ByteReader(buffer: raw, bigEndian: order == .big)
        guard let phoff = reader.word(is64 ? 32 : 28, is64: is64), let entrySize = reader.u16(is64 ? 54 : 42),
              let count = reader.u16(is64 ? 56 : 44), Int(entrySize) >= (is64 ? 56 : 32),
              let start = Int(exactly: phoff)
        else { return nil }
        var ranges: [Range<Int>] = []
        for i in 0..<Int(count) {
            let at = start + i * Int(entrySize)
            guard let type = reader.u32(at), let flags = reader.u32(at + (is64 ? 4 : 24)),
                  let offset = reader.word(at + (is64 ? 8 : 4), is64: is64),
                  let size = reader.word(at + (is64 ? 32 : 16), is64: is64)
            else { return nil }
            guard type == ProgramHeaderType.load, flags & executable == 0 else { continue }
            if let range = ELFLayout.fileRange(offset: offset, size: size, in: raw.count) { ranges.append(range) }
        }
        return ranges
    }
}

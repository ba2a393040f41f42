/// The program headers read from an image's bytes without libelf: what the loader reads of a
/// file before it maps it, for callers that need nothing behind them (`DataSegments`) or whose
/// file may end before its tables do (`PastEndOfFile`).
struct RawProgramHeaders {
    let headers: [ProgramHeader]
    let is64: Bool
    let bigEndian: Bool

    /// Nil when the bytes are not an ELF image whose program headers can all be read.
    init?(_ raw: UnsafeRawBufferPointer) {
        guard let (fileClass, order) = try? ELFIdentification.classAndOrder(raw, path: "") else { return nil }
        let is64 = fileClass == .elf64
        let reader = ByteReader(buffer: raw, bigEndian: order == .big)
        guard let phoff = reader.word(is64 ? 32 : 28, is64: is64).flatMap({ Int(exactly: $0) }),
              let entrySize = reader.u16(is64 ? 54 : 42).map(Int.init), let count = reader.u16(is64 ? 56 : 44).map(Int.init),
              entrySize >= (is64 ? 56 : 32), count <= raw.count / entrySize, phoff <= raw.count - count * entrySize
        else { return nil }
        var headers: [ProgramHeader] = []
        for i in 0..<count {
            let at = phoff + i * entrySize
            // Elf64_Phdr: type, flags, offset, vaddr, paddr, filesz, memsz, align;
            // Elf32_Phdr: type, offset, vaddr, paddr, filesz, memsz, flags, align.
            guard let type = reader.u32(at), let flags = reader.u32(at + (is64 ? 4 : 24)),
                  let offset = reader.word(at + (is64 ? 8 : 4), is64: is64),
                  let address = reader.word(at + (is64 ? 16 : 8), is64: is64),
                  let fileSize = reader.word(at + (is64 ? 32 : 16), is64: is64),
                  let memorySize = reader.word(at + (is64 ? 40 : 20), is64: is64),
                  let align = reader.word(at + (is64 ? 48 : 28), is64: is64)
            else { return nil }
            headers.append(ProgramHeader(type: type, offset: offset, virtualAddress: address, fileSize: fileSize,
                                         memorySize: memorySize, alignment: align, flags: flags))
        }
        self.headers = headers
        self.is64 = is64
        bigEndian = reader.bigEndian
    }
}

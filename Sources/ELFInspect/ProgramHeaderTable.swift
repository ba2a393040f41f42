import CLibElf

/// The program headers, read through libelf, and `PT_INTERP` from them.
enum ProgramHeaderTable {
    static func read(_ elf: OpaquePointer, phoff: UInt64, _ raw: UnsafeRawBufferPointer, is64: Bool,
                     path: String) throws(ELFError) -> [ProgramHeader] {
        var phnum = 0
        var phdrs: [ProgramHeader] = []
        if elf_getphdrnum(elf, &phnum) != 0 {
            throw .malformed(path: path, what: "program header count: \(ELFLayout.libelfMessage())")
        }
        let phentsize = is64 ? 56 : 32
        if phnum > 0 {
            guard let phoff = Int(exactly: phoff), phnum <= (raw.count / phentsize),
                  phoff <= raw.count - phnum * phentsize
            else { throw .truncated(path: path, what: "program headers") }
            phdrs.reserveCapacity(phnum)
            for i in 0..<phnum {
                var ph = GElf_Phdr()
                guard gelf_getphdr(elf, Int32(i), &ph) != nil else {
                    throw .malformed(path: path, what: "program header \(i): \(ELFLayout.libelfMessage())")
                }
                phdrs.append(ProgramHeader(type: ph.p_type, offset: ph.p_offset, virtualAddress: ph.p_vaddr,
                                           fileSize: ph.p_filesz, memorySize: ph.p_memsz, alignment: ph.p_align, flags: ph.p_flags))
            }
        }
        return phdrs
    }

    /// `PT_INTERP`'s path, nil when there is none.
    static func interpreter(_ phdrs: [ProgramHeader], _ reader: ByteReader, path: String) throws(ELFError) -> String? {
        guard let ph = phdrs.first(where: { $0.type == ProgramHeaderType.interpreter }) else { return nil }
        guard let range = ELFLayout.fileRange(offset: ph.offset, size: ph.fileSize, in: reader.count) else {
            throw .truncated(path: path, what: "PT_INTERP")
        }
        guard let text = reader.cString(range.lowerBound, limit: range.upperBound) else {
            throw .malformed(path: path, what: "PT_INTERP is not a NUL-terminated path")
        }
        return text
    }
}

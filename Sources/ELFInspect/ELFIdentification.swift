import CLibElf

/// The ELF header: `e_ident` checked by hand (libelf accepts what the loader refuses), the
/// rest through libelf's `gelf_getehdr`.
enum ELFIdentification {
    /// The class and byte order from `e_ident`, after the magic and the header's length.
    static func classAndOrder(_ raw: UnsafeRawBufferPointer, path: String) throws(ELFError)
        -> (fileClass: ELFHeader.FileClass, order: ELFHeader.ByteOrder) {
        guard raw.count >= 4, raw[0] == 0x7f, raw[1] == 0x45, raw[2] == 0x4c, raw[3] == 0x46 else {
            throw .notELF(path: path)
        }
        guard raw.count >= 16 else { throw .truncated(path: path, what: "ELF identification (e_ident)") }
        guard let fileClass = ELFHeader.FileClass(rawValue: raw[4]) else {
            throw .malformed(path: path, what: "EI_CLASS is \(raw[4]), neither 32- nor 64-bit")
        }
        guard let order = ELFHeader.ByteOrder(rawValue: raw[5]) else {
            throw .malformed(path: path, what: "EI_DATA is \(raw[5]), neither little nor big endian")
        }
        guard raw.count >= (fileClass == .elf64 ? 64 : 52) else { throw .truncated(path: path, what: "ELF header") }
        return (fileClass, order)
    }

    /// The header libelf reads (`e_phoff` is wanted by the program header reader too).
    static func header(_ elf: OpaquePointer, _ raw: UnsafeRawBufferPointer, fileClass: ELFHeader.FileClass,
                       order: ELFHeader.ByteOrder, path: String) throws(ELFError) -> (ELFHeader, GElf_Ehdr) {
        var ehdr = GElf_Ehdr()
        guard gelf_getehdr(elf, &ehdr) != nil else { throw .libelf(path: path, message: ELFLayout.libelfMessage()) }
        let header = ELFHeader(
            fileClass: fileClass, byteOrder: order, identVersion: raw[6], osABI: raw[7], abiVersion: raw[8],
            identPaddingIsZero: raw[9..<16].allSatisfy { $0 == 0 },
            type: ehdr.e_type, machine: ehdr.e_machine, version: ehdr.e_version,
            programHeaderEntrySize: ehdr.e_phentsize)
        return (header, ehdr)
    }
}

import CLibElf

/// What an ELF image says of itself before any table: identification, program headers,
/// `PT_INTERP` and `PT_DYNAMIC`, read through libelf as `ELFFile` reads them, without the
/// symbol, version and relocation tables that `ELFFile` reads next (28,000 instructions of a
/// small library's 33,000, and a large one's tables paged in). What ldconfig reads of each
/// library it scans.
public struct ELFHeaders: Sendable {
    public let header: ELFHeader
    public let programHeaders: [ProgramHeader]
    /// `PT_INTERP`: the program interpreter's path.
    public let interpreter: String?
    /// Nil when the file has no `PT_DYNAMIC`.
    public let dynamic: DynamicSection?

    /// Reads an ELF image in memory; `path` is only used in messages. The same errors as
    /// `ELFFile(bytes:path:)` for the same parts.
    public init(bytes: FileBytes, path: String) throws(ELFError) {
        let image = try OpenedImage(bytes.buffer, path: path)
        header = image.header
        programHeaders = image.programHeaders
        interpreter = image.interpreter
        dynamic = try image.dynamicTable?.section()
    }
}

/// An image opened with libelf and read up to its dynamic table, for `ELFFile` and
/// `ELFHeaders`; closes the libelf handle when released.
final class OpenedImage {
    let elf: OpaquePointer
    let is64: Bool
    let byteOrder: ELFHeader.ByteOrder
    let reader: ByteReader
    let header: ELFHeader
    let programHeaders: [ProgramHeader]
    let interpreter: String?
    let dynamicTable: DynamicTable?

    /// - Parameter readsDynamicTable: false for a program whose dynamic section no process
    ///   reads before it dies (`ELFFile`'s `withoutDynamicSection`).
    init(_ raw: UnsafeRawBufferPointer, path: String, readsDynamicTable: Bool = true) throws(ELFError) {
        let (fileClass, order) = try ELFIdentification.classAndOrder(raw, path: path)
        let is64 = fileClass == .elf64
        let reader = ByteReader(buffer: raw, bigEndian: order == .big)
        guard libelfReady else { throw .libelf(path: path, message: "libelf could not be initialised") }
        guard let base = raw.baseAddress,
              let elf = elf_memory(UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: CChar.self)), raw.count)
        else { throw .libelf(path: path, message: ELFLayout.libelfMessage()) }
        guard elf_kind(elf) == ELF_K_ELF else {
            elf_end(elf)
            throw .notELF(path: path)
        }
        do {
            let (header, ehdr) = try ELFIdentification.header(elf, raw, fileClass: fileClass, order: order, path: path)
            let phdrs = try ProgramHeaderTable.read(elf, phoff: ehdr.e_phoff, raw, is64: is64, path: path)
            self.header = header
            programHeaders = phdrs
            interpreter = try ProgramHeaderTable.interpreter(phdrs, reader, path: path)
            dynamicTable = readsDynamicTable ? try DynamicTable(elf, programHeaders: phdrs, reader: reader, is64: is64, path: path) : nil
        } catch {
            elf_end(elf)
            throw error
        }
        self.elf = elf
        self.is64 = is64
        byteOrder = order
        self.reader = reader
    }

    deinit { elf_end(elf) }
}

/// libelf must be told the ELF version once per process before any other call.
let libelfReady: Bool = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)

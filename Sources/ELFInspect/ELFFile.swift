import CLibElf

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One ELF file, read as the dynamic loader sees it: through its program headers and
/// `PT_DYNAMIC`, so files without section headers read the same. Holds no loader policy.
/// Immutable after `init`; the symbol table is read on demand from the mapped bytes.
public final class ELFFile: @unchecked Sendable {
    public let path: String
    public let header: ELFHeader
    public let programHeaders: [ProgramHeader]
    /// `PT_INTERP`: the program interpreter's path.
    public let interpreter: String?
    /// Nil when the file has no `PT_DYNAMIC` (a static executable, an object file).
    public let dynamic: DynamicSection?
    public let versionNeeds: [VersionNeed]
    public let versionDefinitions: [VersionDefinition]
    /// Entries in `DT_SYMTAB`, index 0 (the null symbol) included.
    public let symbolCount: Int
    /// The x86 ISA levels the object's property note says it needs (1 baseline, 2
    /// x86-64-v2, 4 v3, 8 v4); 0 when it names none or is not an x86 object.
    public let x86ISANeeded: UInt32

    /// Set once in `init` (possibly to a shorter copy, see `neededPrefix`), then never changed;
    /// these and the offsets below are read by ELFFile+Symbols, +SymbolLookup and +Relocations.
    private(set) var bytes: FileBytes
    private(set) var reader: ByteReader
    let is64: Bool
    let stringTable: Range<Int>?
    /// Where `DT_SYMTAB`, `DT_VERSYM` and the hash tables lie (nil offsets without `PT_DYNAMIC`).
    let symbolTable: SymbolTableLayout
    let relocationTables: [RelocationTable]
    /// `vd_ndx` / `vna_other` → (name, file) for version lookups of symbols.
    let versionNames: VersionIndexMap<(name: String, file: String?)>
    let definedVersionNames: VersionIndexMap<String>
    /// `gnuHashes()` and `undefinedReferences()` worked out ahead of the symbol check
    /// (`readTablesAhead`), by another thread while the closure is still being resolved; nil
    /// until then. That thread writes it once and is joined before anyone reads it.
    var tablesReadAhead: TablesReadAhead?

    struct TablesReadAhead {
        var gnuHashes: [UInt32]?
        var undefinedReferences: [UndefinedReference]
    }

    /// Reads the file at a host path (memory-mapped).
    public convenience init(path: String) throws(ELFError) {
        let fd = ByteString.withCString(path) { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw .libelf(path: path, message: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw .libelf(path: path, message: "not a regular file")
        }
        guard let mapped = FileBytes(mapping: fd, size: Int(clamping: st.st_size)) else {
            throw .libelf(path: path, message: String(cString: strerror(errno)))
        }
        try self.init(bytes: mapped, path: path)
    }

    /// Reads an ELF image already in memory; `path` is only used in messages. Each table has
    /// its reader: `ELFIdentification`, `ProgramHeaderTable`, `DynamicTable`,
    /// `VersionTableReader`, `SymbolTableLayout`, `RelocationTable`.
    public init(bytes: FileBytes, path: String) throws(ELFError) {
        self.path = path
        self.bytes = bytes
        let raw = bytes.buffer
        let image = try OpenedImage(raw, path: path)
        is64 = image.is64
        let order = image.byteOrder
        let reader = image.reader
        self.reader = reader
        header = image.header
        programHeaders = image.programHeaders
        interpreter = image.interpreter
        x86ISANeeded = image.header.machine == 62 || image.header.machine == 3   // EM_X86_64, EM_386
            ? X86ISANote.needed(image.programHeaders, reader, is64: is64) : 0

        guard let table = image.dynamicTable else {
            dynamic = nil
            versionNeeds = []
            versionDefinitions = []
            stringTable = nil
            symbolTable = SymbolTableLayout()
            symbolCount = 0
            relocationTables = []
            versionNames = VersionIndexMap()
            definedVersionNames = VersionIndexMap()
            return
        }
        stringTable = table.stringTable
        dynamic = try table.section()

        let versions = try VersionTableReader(table)
        versionNeeds = versions.needs
        versionDefinitions = versions.definitions
        versionNames = VersionIndexMap(versions.neededNames)
        definedVersionNames = VersionIndexMap(versions.definedNames)

        symbolTable = SymbolTableLayout(image.elf, table, is64: is64)
        withExtendedLifetime(image) {}   // the libelf handle is closed only after its last use
        symbolCount = symbolTable.symbolCount

        relocationTables = RelocationTable.tables(table, is64: is64)

        // A library read into memory keeps only the bytes later reads need (symbol, string,
        // hash and version tables, relocations: laid out first by every linker); its code
        // and data are never read again. A closure of thousands of small libraries then
        // costs half the memory. Mapped files are left as they are: their untouched pages
        // cost nothing.
        if !bytes.isMapped, let needed = neededPrefix(), needed < raw.count - raw.count / 4 {
            let kept = bytes.prefix(needed)
            self.bytes = kept
            self.reader = ByteReader(buffer: kept.buffer, bigEndian: order == .big)
        }
        // A mapped library's tables are read next (the symbol check): mapped at once when
        // they span more than the first fault's 64 KB (the kernel maps that much around it).
        if bytes.isMapped, let needed = neededPrefix(), needed > 1 << 16 { bytes.populate(upTo: needed) }
    }

    /// The end of the last byte any method reads after `init`: nil when it cannot be told
    /// (an unknown symbol count, a hash table that cannot be read), and then all is kept.
    private func neededPrefix() -> Int? {
        let entrySize = is64 ? 24 : 16
        var end = is64 ? 64 : 52
        if let strings = stringTable { end = max(end, strings.upperBound) }
        if let table = symbolTable.symbolTableOffset {
            guard symbolCount > 0 else { return nil }
            end = max(end, table + symbolCount * entrySize)
        }
        if let versym = symbolTable.versymOffset { end = max(end, versym + symbolCount * 2) }
        // (Without a readable header nothing ever reads the table: no bound needed.)
        if let gnu = symbolTable.gnuHash {
            guard symbolCount > 0 else { return nil }
            end = max(end, gnu.chainStart + max(0, symbolCount - Int(gnu.symoffset)) * 4)
        }
        if let sysv = symbolTable.sysvHashOffset {
            guard let nbucket = reader.u32(sysv), let nchain = reader.u32(sysv + 4) else { return nil }
            end = max(end, sysv + 8 + (Int(nbucket) + Int(nchain)) * 4)
        }
        for table in relocationTables { end = max(end, table.range.upperBound) }
        return min(end, reader.count)
    }
}

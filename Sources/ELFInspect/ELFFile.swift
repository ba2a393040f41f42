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
    /// The file's size (`bytes` may keep only the part later reads need).
    public let fileSize: Int
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
    /// The object's property note sets `GNU_PROPERTY_1_NEEDED_INDIRECT_EXTERN_ACCESS` (built
    /// with `-mno-direct-extern-access`): glibc 2.35 and later refuse a copy relocation or a
    /// canonical PLT entry of the program that binds to one of its protected symbols.
    public let needsIndirectExternAccess: Bool

    /// Set once in `init` (possibly to a shorter copy, see `neededPrefix`), then never changed;
    /// these and the offsets below are read by ELFFile+Symbols, +SymbolLookup and +Relocations.
    private(set) var bytes: FileBytes
    private(set) var reader: ByteReader
    let is64: Bool
    let stringTable: Range<Int>?
    /// Where `DT_SYMTAB`, `DT_VERSYM` and the hash tables lie (nil offsets without `PT_DYNAMIC`).
    let symbolTable: SymbolTableLayout
    let relocationTables: [RelocationTable]
    /// The loader never searches this file for a symbol: no usable hash table (worked out
    /// once, `ELFFile.unsearchable`).
    public let isUnsearchable: Bool
    /// `vd_ndx` / `vna_other` → (name, file) for version lookups of symbols.
    let versionNames: VersionIndexMap<NeededVersionName>
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

    /// True when the loader can relocate and initialise the object as its dynamic section
    /// describes it: that names a string table and a symbol table (the loader dereferences
    /// both as it relocates, and crashes on one that is missing), and constructors only with
    /// relocations (a library's `DT_INIT_ARRAY` holds pointers its relative relocations fix;
    /// unfixed, the first call jumps to an unmapped address). Every linked library has all
    /// of them; a dynamic section cut short and read on as zeros may not.
    public var relocatesAsDescribed: Bool { lostForRelocation == nil }

    /// What `relocatesAsDescribed` finds missing, for a sentence ("no DT_SYMTAB"); nil when
    /// nothing is.
    public var lostForRelocation: String? {
        guard dynamic != nil else { return nil }
        if lacksStringTable { return "no DT_STRTAB" }
        if symbolTable.symbolTableOffset == nil { return "no DT_SYMTAB" }
        if hasConstructorArray && relocationTables.isEmpty { return "a DT_INIT_ARRAY but no relocations to fix its pointers" }
        return nil
    }
    /// Whether every symbol lookup that reaches this file dies: the loader takes the symbol
    /// and string tables' addresses of each object it searches with a hash table before it
    /// tests the name (elf/dl-lookup.c `do_lookup_x`), and this one lacks one of them. The
    /// first lookup that walks past it — libc's own, relocated first, or any failed one —
    /// is the last.
    public var lostForLookups: Bool {
        guard dynamic != nil, lacksStringTable || symbolTable.symbolTableOffset == nil else { return false }
        return uncheckedEntries.map { $0.gnuHash != nil || $0.hash != nil } ?? false
    }
    /// True when the dynamic section has no `DT_STRTAB`: its names (read with
    /// `namesWithoutStringTable`) are left out, and the loader reads them through a null
    /// pointer.
    public var lacksStringTable: Bool { dynamic != nil && stringTable == nil }
    /// `DT_INIT_ARRAY` with a nonzero `DT_INIT_ARRAYSZ`.
    let hasConstructorArray: Bool

    /// What the loader's version check dereferences and this file lacks, for a sentence; nil
    /// when nothing is. An object with a string table and version records (`DT_VERNEED`,
    /// `DT_VERDEF`) whose indices are not all 0 gets a table of its versions, and the loader
    /// then takes the address of its `DT_VERSYM` entry without checking that there is one
    /// (elf/dl-version.c `_dl_check_map_versions`): with none it dies of SIGSEGV. A linker
    /// never writes such a file; a dynamic section cut short, or edited, may be one.
    public var lostForVersionCheck: String? {
        guard stringTable != nil, !hasVersionSymbolTag else { return nil }
        let needed = versionNeeds.contains { $0.entries.contains { $0.index & 0x7fff != 0 } }
        let defined = versionDefinitions.contains { $0.index & 0x7fff != 0 }
        guard needed || defined else { return nil }
        return "version records (\(needed ? "DT_VERNEED" : "DT_VERDEF")) but no DT_VERSYM"
    }
    /// A `DT_VERSYM` entry, whatever its value.
    let hasVersionSymbolTag: Bool
    /// The entries the loader follows unchecked (`UncheckedEntries`); nil without a dynamic
    /// section. (Kept beside `dynamic`: read for every object, it copies no arrays.)
    public let uncheckedEntries: UncheckedEntries?

    /// The largest index of the file's version records: the loader's table of its versions
    /// has entries up to it (elf/dl-version.c), and a `DT_VERSYM` index above it is read
    /// past the table's end; with none (0) it makes no table, and reads a relocated symbol's
    /// version through a null pointer (do-rel.h: `&l_versions[ndx]`).
    public var highestVersionIndex: UInt16 {
        let needed = versionNeeds.lazy.flatMap(\.entries).map { $0.index & 0x7fff }.max() ?? 0
        return max(needed, versionDefinitions.lazy.map { $0.index & 0x7fff }.max() ?? 0)
    }

    /// What the loader's first read of the dynamic section dereferences and this file lacks;
    /// nil when nothing is. On x86-64 it asserts that `DT_RELAENT` is the size of a `Rela`
    /// whenever there is a `DT_RELA`, reading the entry without checking that there is one
    /// (elf/get-dynamic-info.h): with none it dies of SIGSEGV as it maps the object. A
    /// dynamic section cut between the two is such a file.
    public var lostForMapping: String? {
        hasRelaWithoutEntrySize ? "DT_RELA but no DT_RELAENT" : nil
    }
    let hasRelaWithoutEntrySize: Bool

    /// The first check x86-64's loader asserts of this file's dynamic section and it fails
    /// (`DynamicInfoCheck`), in the loader's order; nil when it passes. (The last entry of a
    /// tag is the one the loader keeps.)
    public let failedDynamicInfoCheck: DynamicInfoCheck?

    /// Reads an ELF image already in memory; `path` is only used in messages. Each table has
    /// its reader: `ELFIdentification`, `ProgramHeaderTable`, `DynamicTable`,
    /// `VersionTableReader`, `SymbolTableLayout`, `RelocationTable`.
    /// - Parameters:
    ///   - fileSize: the size of the file `bytes` stand for, when they are its bytes followed
    ///     by the zeros the loader's mapping reads past its end (`PastEndOfFile.zeroPadded`).
    ///   - namesWithoutStringTable: read a dynamic section without `DT_STRTAB` whose entries
    ///     name something (`ELFError.namesWithoutStringTable`), leaving those out: a library
    ///     the loader maps and then crashes on (`lostForRelocation`).
    ///   - withoutDynamicSection: read the headers and `PT_INTERP` only, as if the file had no
    ///     dynamic section: a program cut short that dies before its dynamic section is used
    ///     (`ProgramCut.read`).
    public init(bytes: FileBytes, path: String, fileSize: Int? = nil, namesWithoutStringTable: Bool = false,
                withoutDynamicSection: Bool = false) throws(ELFError) {
        self.path = path
        self.bytes = bytes
        let raw = bytes.buffer
        let image = try OpenedImage(raw, path: path, readsDynamicTable: !withoutDynamicSection)
        is64 = image.is64
        let order = image.byteOrder
        let reader = image.reader
        self.reader = reader
        header = image.header
        programHeaders = image.programHeaders
        self.fileSize = fileSize ?? raw.count
        interpreter = image.interpreter
        let properties = image.header.machine == 62 || image.header.machine == 3   // EM_X86_64, EM_386
            ? X86PropertyNote.read(image.programHeaders, reader, is64: is64) : X86PropertyNote()
        x86ISANeeded = properties.isaNeeded
        needsIndirectExternAccess = properties.needed1 & 1 != 0

        guard let table = image.dynamicTable else {
            uncheckedEntries = nil
            hasConstructorArray = false
            hasVersionSymbolTag = false
            hasRelaWithoutEntrySize = false
            failedDynamicInfoCheck = nil
            dynamic = nil
            versionNeeds = []
            versionDefinitions = []
            stringTable = nil
            symbolTable = SymbolTableLayout()
            isUnsearchable = false
            symbolCount = 0
            relocationTables = []
            versionNames = VersionIndexMap()
            definedVersionNames = VersionIndexMap()
            return
        }
        stringTable = table.stringTable
        hasConstructorArray = table.value(DynamicTag.initArray) != nil && (table.value(DynamicTag.initArraySize) ?? 0) > 0
        hasVersionSymbolTag = table.value(DynamicTag.versym) != nil
        hasRelaWithoutEntrySize = image.header.machine == 62 && table.value(DynamicTag.rela) != nil && table.value(DynamicTag.relaent) == nil
        failedDynamicInfoCheck = image.header.machine == 62 ? Self.dynamicInfoCheck(table) : nil
        dynamic = try table.section(namesWithoutStringTable: namesWithoutStringTable)
        uncheckedEntries = UncheckedEntries(table)

        let versions = try VersionTableReader(table)
        versionNeeds = versions.needs
        versionDefinitions = versions.definitions
        versionNames = VersionIndexMap(versions.neededNames)
        definedVersionNames = VersionIndexMap(versions.definedNames)

        symbolTable = SymbolTableLayout(image.elf, table, is64: is64)
        withExtendedLifetime(image) {}   // the libelf handle is closed only after its last use
        symbolCount = symbolTable.symbolCount
        isUnsearchable = Self.unsearchable(symbolTable, reader)

        relocationTables = RelocationTable.tables(table, is64: is64)

        // A library read into memory keeps only the bytes later reads need (symbol, string,
        // hash and version tables, relocations: laid out first by every linker); its code
        // and data are never read again. A closure of thousands of small libraries then
        // costs half the memory. Mapped files are left as they are: their untouched pages
        // cost nothing.
        // (A file cut short keeps all it has: `PastEndOfFile` reads where the loader dies.)
        if !bytes.isMapped, let needed = neededPrefix(), needed < raw.count - raw.count / 4,
           PastEndOfFile.shortfall(programHeaders, fileSize: UInt64(raw.count)) == nil {
            let kept = bytes.prefix(needed)
            self.bytes = kept
            self.reader = ByteReader(buffer: kept.buffer, bigEndian: order == .big)
        }
        // A mapped library's tables are read next (the symbol check): mapped at once when
        // they span more than the first fault's 64 KB (the kernel maps that much around it),
        // table by table: a large program's relocations are mostly relative ones, which
        // nothing reads (`RelocationTable`), 3 of sourcekit-lsp's 4 MB of tables.
        if bytes.isMapped, let ranges = neededRanges(), let end = ranges.map(\.upperBound).max(), end > 1 << 16 {
            for range in Self.merged(ranges, across: 1 << 16) { bytes.populate(range) }
        }
    }

    /// `failedDynamicInfoCheck` for x86-64.
    static func dynamicInfoCheck(_ table: DynamicTable) -> DynamicInfoCheck? {
        if let type = table.lastValue(DynamicTag.pltrel), type != UInt64(DynamicTag.rela) { return .pltRelocationType(type) }
        if table.lastValue(DynamicTag.rela) != nil, let size = table.lastValue(DynamicTag.relaent), size != 24 { return .relaEntrySize(size) }
        if table.lastValue(DynamicTag.relr) != nil, let size = table.lastValue(DynamicTag.relrent), size != 8 { return .relrEntrySize(size) }
        return nil
    }

    /// Ranges closer than `gap` joined: one call maps the few pages between them for less
    /// than a second call costs.
    static func merged(_ ranges: [Range<Int>], across gap: Int) -> [Range<Int>] {
        var result: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where !range.isEmpty {
            if let last = result.last, range.lowerBound <= last.upperBound + gap {
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }

    /// The end of the last byte any method reads after `init`: nil when it cannot be told
    /// (an unknown symbol count, a hash table that cannot be read), and then all is kept.
    private func neededPrefix() -> Int? {
        // (Without a list: this runs for every library read into memory.)
        var end = is64 ? 64 : 52
        guard forEachNeededRange({ end = max(end, $0.upperBound) }) else { return nil }
        return min(end, reader.count)
    }

    /// The bytes any method reads after `init`, table by table, each within the file; nil
    /// when that cannot be told (see `neededPrefix`).
    private func neededRanges() -> [Range<Int>]? {
        var ranges: [Range<Int>] = []
        guard forEachNeededRange({ ranges.append($0) }) else { return nil }
        return ranges
    }

    /// Calls `body` with each range `neededRanges` lists (clamped to the file); false, having
    /// called it for some, when they cannot be told.
    private func forEachNeededRange(_ body: (Range<Int>) -> Void) -> Bool {
        let entrySize = is64 ? 24 : 16
        let count = reader.count
        func add(_ range: Range<Int>) { body(min(range.lowerBound, count)..<min(range.upperBound, count)) }
        add(0..<(is64 ? 64 : 52))
        if let strings = stringTable { add(strings) }
        if let table = symbolTable.symbolTableOffset {
            guard symbolCount > 0 else { return false }
            add(table..<(table + symbolCount * entrySize))
        }
        if let versym = symbolTable.versymOffset { add(versym..<(versym + symbolCount * 2)) }
        // (Without a readable header nothing ever reads the table: no bound needed.)
        if let gnu = symbolTable.gnuHash {
            guard symbolCount > 0 else { return false }
            add((gnu.bloomStart - 16)..<(gnu.chainStart + max(0, symbolCount - Int(gnu.symoffset)) * 4))
        }
        if let sysv = symbolTable.sysvHashOffset {
            guard let nbucket = reader.u32(sysv), let nchain = reader.u32(sysv + 4) else { return false }
            add(sysv..<(sysv + 8 + (Int(nbucket) + Int(nchain)) * 4))
        }
        for table in relocationTables { add(table.range) }
        return true
    }
}

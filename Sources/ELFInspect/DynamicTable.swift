import CLibElf

/// `PT_DYNAMIC` read as entries of the file's class and byte order, up to `DT_NULL`, with
/// what every other table reader needs from it: tag values, addresses mapped to file
/// offsets, and strings read from `DT_STRTAB` to their NUL (`DT_STRSZ` only says how much of
/// the file the table takes: what a file read into memory keeps).
struct DynamicTable {
    let tags: [(tag: Int64, value: UInt64)]
    let programHeaders: [ProgramHeader]
    let reader: ByteReader
    let path: String
    /// `DT_STRTAB`, to `DT_STRSZ` (or the file's end without one).
    let stringTable: Range<Int>?

    /// Nil when the file has no `PT_DYNAMIC` with bytes. As in the loader's scan of the
    /// program headers, the last such header counts, and one with no file bytes (what
    /// `objcopy --only-keep-debug` leaves) is no dynamic section.
    init?(_ elf: OpaquePointer, programHeaders: [ProgramHeader], reader: ByteReader, is64: Bool,
          path: String) throws(ELFError) {
        guard let dynHeader = programHeaders.last(where: { $0.type == ProgramHeaderType.dynamic && $0.fileSize != 0 })
        else { return nil }
        guard let dynRange = ELFLayout.fileRange(offset: dynHeader.offset, size: dynHeader.fileSize, in: reader.count) else {
            throw .truncated(path: path, what: "dynamic section (PT_DYNAMIC)")
        }
        var tags: [(tag: Int64, value: UInt64)] = []
        let dynEntrySize = is64 ? 16 : 8
        let dynCount = dynRange.count / dynEntrySize
        if dynCount > 0 {
            guard let data = elf_getdata_rawchunk(elf, Int64(dynRange.lowerBound), dynCount * dynEntrySize, ELF_T_DYN) else {
                throw .malformed(path: path, what: "dynamic section: \(ELFLayout.libelfMessage())")
            }
            tags.reserveCapacity(dynCount)
            for i in 0..<dynCount {
                var dyn = GElf_Dyn()
                guard gelf_getdyn(data, Int32(i), &dyn) != nil else { break }
                if dyn.d_tag == DynamicTag.null { break }
                tags.append((dyn.d_tag, dyn.d_un.d_val))
            }
        }
        self.tags = tags
        self.programHeaders = programHeaders
        self.reader = reader
        self.path = path
        // Where DT_STRTAB lies, and what DT_STRSZ says it takes.
        let address = tags.first(where: { $0.tag == DynamicTag.strtab })?.value
        if let address {
            guard let start = ELFLayout.fileOffset(of: address, in: programHeaders, size: reader.count) else {
                throw .malformed(path: path, what: "DT_STRTAB address 0x\(String(address, radix: 16)) is outside every PT_LOAD segment")
            }
            // The loader reads names without DT_STRSZ: a table without one (or with a zero one,
            // as a dynamic section cut short and read as zeros has) runs to the file's end.
            let size = Int(clamping: tags.first(where: { $0.tag == DynamicTag.strsz })?.value ?? 0)
            let end = size != 0 && size <= reader.count - start ? start + size : reader.count
            stringTable = start..<end
        } else {
            stringTable = nil
        }
    }

    /// The first entry's value for `tag`.
    func value(_ tag: Int64) -> UInt64? { tags.first(where: { $0.tag == tag })?.value }

    /// The last entry's value for `tag`: the one the loader keeps (get-dynamic-info.h).
    func lastValue(_ tag: Int64) -> UInt64? { tags.last(where: { $0.tag == tag })?.value }

    /// The file offset of a virtual address (nil: outside every `PT_LOAD`).
    func offset(_ address: UInt64) -> Int? { ELFLayout.fileOffset(of: address, in: programHeaders, size: reader.count) }

    /// The string at `offset` of `DT_STRTAB`; `what` names the field in errors. The loader
    /// reads it to its NUL whatever `DT_STRSZ` says, so one past that bound (a size edited or
    /// cut to a smaller value) is read on, to the file's end.
    func string(_ offset: UInt64, _ what: String) throws(ELFError) -> String {
        guard let table = stringTable else { throw .namesWithoutStringTable(path: path, what: what) }
        guard let off = Int(exactly: offset), off < reader.count - table.lowerBound,
              let text = reader.cString(table.lowerBound + off, limit: reader.count)
        else { throw .malformed(path: path, what: "\(what) string offset \(offset) is past the end of the file's DT_STRTAB") }
        return text
    }

    /// The tags whose values are names in `DT_STRTAB`.
    static let nameTags: Set<Int64> = [DynamicTag.needed, DynamicTag.soname, DynamicTag.rpath, DynamicTag.runpath,
                                       DynamicTag.audit, DynamicTag.depaudit, DynamicTag.filter, DynamicTag.auxiliary]

    /// The entries a reader of dependencies needs.
    /// - Parameter namesWithoutStringTable: with no `DT_STRTAB`, leave out the entries that
    ///   name something instead of refusing the file.
    func section(namesWithoutStringTable: Bool = false) throws(ELFError) -> DynamicSection {
        var section = DynamicSection()
        let skipNames = namesWithoutStringTable && stringTable == nil
        for (tag, v) in tags {
            if skipNames && Self.nameTags.contains(tag) { continue }
            switch tag {
            case DynamicTag.needed: section.needed.append(try string(v, "DT_NEEDED"))
            case DynamicTag.soname: section.soname = try string(v, "DT_SONAME")
            case DynamicTag.rpath: section.rpath = try string(v, "DT_RPATH")
            case DynamicTag.runpath: section.runpath = try string(v, "DT_RUNPATH")
            case DynamicTag.flags: section.flags = v
            case DynamicTag.flags1: section.flags1 = v
            case DynamicTag.symbolic: section.symbolic = true
            case DynamicTag.bindNow: section.bindNow = true
            case DynamicTag.relr: section.hasRelr = true
            // (Only the program's are read, and only to say so: a bad offset is no error here.)
            case DynamicTag.audit: section.audit = try? string(v, "DT_AUDIT")
            case DynamicTag.depaudit: section.dependencyAudit = try? string(v, "DT_DEPAUDIT")
            case DynamicTag.filter, DynamicTag.auxiliary:
                let isAuxiliary = tag == DynamicTag.auxiliary
                section.filtees.append(FilteeEntry(name: try string(v, isAuxiliary ? "DT_AUXILIARY" : "DT_FILTER"),
                                                   isAuxiliary: isAuxiliary, neededBefore: section.needed.count))
            default: break
            }
        }
        return section
    }
}

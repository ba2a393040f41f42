/// A library whose file ends before its segments do (a copy or download cut short), and the
/// first place the loader touches a page that lies wholly past the end.
///
/// The loader maps segments with `mmap`, which succeeds past a file's end; the kernel sends
/// SIGBUS at the first access to a page of the mapping that holds no byte of the file (a page
/// the file ends inside reads as zeros past the end). So the process dies there, without a
/// message: a shell says "Bus error" and the exit status is 135. What the loader touches, in
/// its order (elf/dl-load.c `_dl_map_object_from_fd`, elf/dl-map-segments.h, elf/get-dynamic-info.h,
/// elf/dl-lookup.c `_dl_setup_hash`, elf/do-rel.h):
/// 1. the end of each segment's last file page, which it zero-fills when the segment's memory
///    goes on past its file bytes (`.bss`);
/// 2. the dynamic section, entry by entry up to `DT_NULL` (zeros past the end are a `DT_NULL`);
/// 3. the hash table's header;
/// 4. later, when it relocates the object: the relocation tables and every place they write.
///
/// A program is mapped by the kernel, not the loader (`startedByKernel`): the kernel zero-fills the
/// end of a writable segment's last file page itself and, when that page holds no byte of the
/// file, kills the process with SIGSEGV before the loader runs (fs/binfmt_elf.c `padzero`;
/// shells print "Segmentation fault", exit status 139). The loader then reads the program's
/// dynamic section and hash table as a library's, and relocates it after every library; then
/// the program's first instruction runs.
public struct PastEndOfFile: Equatable, Sendable {
    public enum Stage: Equatable, Sendable {
        case zeroFill, dynamicSection, dynamicSectionCut, hashTable, relocation
        /// A program's: the kernel zero-filling a writable segment's last page as it starts it.
        case kernelZeroFill
        /// A program's: its first instruction (`e_entry`), after the loader is done.
        case entryPoint

        /// What the loader was doing, for a sentence: "reading its dynamic section".
        public var activity: String {
            switch self {
            case .zeroFill: return "zero-filling the end of a segment's last page (its .bss)"
            case .dynamicSection: return "reading its dynamic section"
            case .dynamicSectionCut: return "using a dynamic section the file's end cuts short (the rest reads as zeros)"
            case .hashTable: return "reading its symbol hash table"
            case .relocation: return "relocating it"
            case .kernelZeroFill: return "zero-filling the end of its writable segment's last page (its .bss) as the kernel starts it"
            case .entryPoint: return "running its first instruction (the entry point)"
            }
        }
    }

    public var stage: Stage
    /// The file's size, and how far its segments' file bytes run.
    public var fileSize: UInt64
    public var segmentsEnd: UInt64
    /// The first file offset touched that lies in a page wholly past the end.
    public var offset: UInt64

    /// How it dies: the signals (SIGSEGV 11, SIGBUS 7; either one where two are listed), their
    /// names for a sentence, and what a shell prints with the exit status it gives. With a
    /// dynamic section cut short the loader reads tables at address 0 (a lost `DT_SYMTAB`),
    /// runs constructors no relocation has fixed, or touches a page past the end: SIGSEGV or
    /// SIGBUS, as the entries lost decide. The kernel's zero-fill fails as SIGSEGV.
    private var death: (signals: [Int32], names: String, shell: String) {
        switch stage {
        case .dynamicSectionCut:
            return ([11, 7], "SIGSEGV or SIGBUS", "\"Segmentation fault\" (exit status 139) or \"Bus error\" (135)")
        case .kernelZeroFill: return ([11], "SIGSEGV", "\"Segmentation fault\" (exit status 139)")
        default: return ([7], "SIGBUS", "\"Bus error\" (exit status 135)")
        }
    }

    /// The signals it dies of.
    public var signals: [Int32] { death.signals }
    /// The signal the loader dies of, for a sentence.
    public var signal: String { death.names }
    /// What a shell prints when it dies so, and the exit status it gives.
    public var shellText: String { death.shell }

    /// The loader's fatal outcome as the search trail shows it.
    public var description: String {
        "killed by \(signal) \(stage.activity): the file is \(fileSize) bytes, its segments need \(segmentsEnd)"
    }

    /// The run-time page size on the machines modelled (x86-64).
    public static let pageSize: UInt64 = 4096
    /// Bounds for hostile files: segments judged, dynamic entries walked (a real library has
    /// 4 or 5 segments and well under 100 entries).
    static let maxSegments = 64
    static let maxDynamicEntries: UInt64 = 1 << 16

    /// Where `elf`, loaded as a library, first kills the loader; nil when it does not (every
    /// page the loader touches holds bytes of the file).
    /// - Parameter startedByKernel: `elf` started as a program (`find`): killed by the kernel as
    ///   it maps it, by the loader as it reads or relocates it, or at its first instruction.
    public static func of(_ elf: ELFFile, startedByKernel: Bool = false) -> PastEndOfFile? {
        // (`bytes` is the whole file whenever it is cut short: `ELFFile` keeps it all then.)
        guard shortfall(elf.programHeaders, fileSize: UInt64(elf.fileSize)) != nil else { return nil }
        return find(elf.bytes.buffer, programHeaders: elf.programHeaders, is64: elf.is64, bigEndian: elf.reader.bigEndian,
                    startedByKernel: startedByKernel)
    }

    /// The same for a file `ELFFile` cannot read (its tables run past its end): its program
    /// headers are read alone. Nil when it does not kill the loader, or they cannot be read.
    public static func of(bytes: FileBytes, startedByKernel: Bool = false) -> PastEndOfFile? {
        guard let image = RawProgramHeaders(bytes.buffer) else { return nil }
        return find(bytes.buffer, programHeaders: image.headers, is64: image.is64, bigEndian: image.bigEndian,
                    startedByKernel: startedByKernel)
    }

    /// `cutShort` for a file read as bytes (a candidate copy the planner weighs).
    public static func cutShort(bytes: FileBytes) -> (fileSize: UInt64, segmentsEnd: UInt64)? {
        guard let image = RawProgramHeaders(bytes.buffer) else { return nil }
        let size = UInt64(bytes.buffer.count)
        return shortfall(image.headers, fileSize: size).map { (size, $0.segmentsEnd) }
    }

    /// What the loader's mapping of a file cut short holds where the file's pages are: its
    /// bytes, then zeros to the end of its last page (or of its segments' file bytes, when
    /// those end first). Tables there, a dynamic section ended early among them, are read
    /// from this as from any file; pages past it hold nothing (`of` says where the loader
    /// touches them). Nil for a whole file, or when the headers cannot be read.
    public static func zeroPadded(_ bytes: FileBytes) -> FileBytes? {
        guard let image = RawProgramHeaders(bytes.buffer) else { return nil }
        let size = UInt64(bytes.buffer.count)
        guard let segments = segmentsEnd(image.headers), let pages = pagesEnd(size) else { return nil }
        let end = min(segments, pages)
        guard end > size else { return nil }
        return FileBytes(Array(bytes.buffer) + [UInt8](repeating: 0, count: Int(end - size)))
    }

    /// A dynamic section the file's end cuts inside the file's last page, which the loader
    /// reads on as zeros (`find` judges a file whose segments run past that page): the
    /// fault to claim when what is left lacks a table the loader dereferences. Nil when the
    /// file's end does not cut its dynamic section.
    public static func dynamicSectionCut(bytes: FileBytes) -> PastEndOfFile? {
        guard let image = RawProgramHeaders(bytes.buffer),
              let dynamic = image.headers.last(where: { $0.type == ProgramHeaderType.dynamic && $0.fileSize != 0 })
        else { return nil }
        let size = UInt64(bytes.buffer.count)
        guard let pages = pagesEnd(size), let end = segmentsEnd(image.headers),
              dynamic.offset < pages, dynamic.offset &+ dynamic.fileSize > size else { return nil }
        let entry: UInt64 = image.is64 ? 16 : 8
        let cut = dynamic.offset >= size ? dynamic.offset : dynamic.offset + (size - dynamic.offset) / entry * entry
        return PastEndOfFile(stage: .dynamicSectionCut, fileSize: size, segmentsEnd: end, offset: cut)
    }

    /// The entry of `elf`'s dynamic section that its file's end cuts in two, when the loader
    /// reaches it (no `DT_NULL` before it) and reads it as something other than `DT_NULL`:
    /// its position, and its tag as read (the bytes past the end read as zeros). Its value is
    /// then part of what the file held and part zeros: an address, size or count the loader
    /// asserts on, dereferences or walks as it finds it (`get-dynamic-info.h`), with outcomes
    /// from a crash to an assertion to none. Nil when the end falls between entries.
    public static func dynamicEntryCut(_ elf: ELFFile) -> (index: Int, tag: Int64)? {
        guard let dynamic = elf.programHeaders.last(where: { $0.type == ProgramHeaderType.dynamic && $0.fileSize != 0 }) else { return nil }
        let size = UInt64(elf.fileSize), entry: UInt64 = elf.is64 ? 16 : 8
        guard dynamic.offset < size, dynamic.offset &+ dynamic.fileSize > size, (size - dynamic.offset) % entry != 0 else { return nil }
        let cut = Int((size - dynamic.offset) / entry)
        for index in 0...cut {
            let at = Int(dynamic.offset) + index * Int(entry)
            guard let raw = elf.reader.word(at, is64: elf.is64) else { return nil }
            let tag = elf.is64 ? Int64(bitPattern: raw) : Int64(Int32(truncatingIfNeeded: raw))
            if tag == DynamicTag.null { return nil }
            if index == cut { return (index, tag) }
        }
        return nil
    }

    /// True when `elf`'s dynamic section runs past its file's end: the loader read zeros for
    /// the entries after it.
    public static func cutsDynamicSection(_ elf: ELFFile) -> Bool {
        elf.programHeaders.contains { $0.type == ProgramHeaderType.dynamic && $0.offset &+ $0.fileSize > UInt64(elf.fileSize) }
    }

    /// A file cut inside its last page (read through `zeroPadded`): its size and where its
    /// segments' file bytes end. Nil for a whole file, or one cut further (`cutShort`).
    public static func cutInLastPage(_ elf: ELFFile) -> (fileSize: UInt64, segmentsEnd: UInt64)? {
        let size = UInt64(elf.fileSize)
        guard shortfall(elf.programHeaders, fileSize: size) == nil, let end = segmentsEnd(elf.programHeaders) else { return nil }
        return end > size ? (size, end) : nil
    }

    /// A library whose segments run past its file's last page, whether or not the loader
    /// touches that part: the file's size and where its segments end. Nil for a whole file.
    public static func cutShort(_ elf: ELFFile) -> (fileSize: UInt64, segmentsEnd: UInt64)? {
        shortfall(elf.programHeaders, fileSize: UInt64(elf.fileSize)).map { (UInt64(elf.fileSize), $0.segmentsEnd) }
    }

    /// The end of the file's last page and the end of its segments' file bytes, when those
    /// run past it (a page of the mapping then holds no byte of the file).
    static func shortfall(_ programHeaders: [ProgramHeader], fileSize size: UInt64) -> (fileEnd: UInt64, segmentsEnd: UInt64)? {
        guard let fileEnd = pagesEnd(size), let segmentsEnd = segmentsEnd(programHeaders) else { return nil }
        return segmentsEnd > fileEnd ? (fileEnd, segmentsEnd) : nil
    }

    /// The end of the last page a file of `size` bytes fills part of; nil when that overflows.
    static func pagesEnd(_ size: UInt64) -> UInt64? {
        let (filePages, wrapped) = size.addingReportingOverflow(pageSize - 1)
        return wrapped ? nil : filePages & ~(pageSize - 1)
    }

    /// Where the `PT_LOAD` segments' file bytes end (0 with none); nil for a header whose sum
    /// overflows (a hostile one: the loader refuses it first).
    static func segmentsEnd(_ programHeaders: [ProgramHeader]) -> UInt64? {
        var end: UInt64 = 0
        for header in programHeaders where header.type == ProgramHeaderType.load {
            let (segmentEnd, overflow) = header.offset.addingReportingOverflow(header.fileSize)
            guard !overflow else { return nil }
            end = max(end, segmentEnd)
        }
        return end
    }

    /// - Parameter startedByKernel: a program started by `execve`: the kernel maps it and
    ///   zero-fills its writable segments (it ignores a failure in one that is not writable),
    ///   and its entry point runs last.
    static func find(_ raw: UnsafeRawBufferPointer, programHeaders: [ProgramHeader], is64: Bool, bigEndian: Bool,
                     startedByKernel: Bool = false) -> PastEndOfFile? {
        let page = pageSize
        func down(_ value: UInt64) -> UInt64 { value & ~(page - 1) }
        let size = UInt64(raw.count)
        // The common case, and every healthy file: no mapped page lies past the file's pages.
        guard let (fileEnd, segmentsEnd) = shortfall(programHeaders, fileSize: size) else { return nil }
        let loads = programHeaders.filter { $0.type == ProgramHeaderType.load }
        // A library has a handful of segments; thousands are a hostile file's, not judged here
        // (each address below is looked up among them).
        guard loads.count <= Self.maxSegments else { return nil }
        func fault(_ stage: Stage, _ offset: UInt64) -> PastEndOfFile {
            PastEndOfFile(stage: stage, fileSize: size, segmentsEnd: segmentsEnd, offset: offset)
        }

        // The file offset behind a run-time address (relative to the load base), when a
        // segment maps it from the file: its pages run from the segment's start, page-aligned,
        // to the end of its file bytes rounded up. Past that the memory is anonymous zeros.
        func backing(_ address: UInt64) -> UInt64? {
            for load in loads {
                let start = down(load.virtualAddress)
                let (end, overflow) = load.virtualAddress.addingReportingOverflow(load.fileSize)
                let (top, overflowTop) = end.addingReportingOverflow(page - 1)
                guard !overflow, !overflowTop, address >= start, address < down(top) else { continue }
                // (wrapping: a hostile header's sum is garbage, never a trap)
                return down(load.offset) &+ (address - start)
            }
            return nil
        }
        func word(_ offset: UInt64) -> UInt64 {
            // Bytes past the end of the file, in its last page, read as zeros.
            let width = is64 ? 8 : 4
            var value: UInt64 = 0
            for i in 0..<width {
                let at = offset + UInt64(i)
                let byte = at < size ? UInt64(raw[Int(at)]) : 0
                value |= byte << UInt64(8 * (bigEndian ? width - 1 - i : i))
            }
            return value
        }
        /// The first offset of `length` bytes at `address` that lies past the file's pages.
        func touches(_ address: UInt64, _ length: UInt64) -> UInt64? {
            guard length > 0, let first = backing(address) else { return nil }
            let last = backing(address &+ (length - 1)) ?? first
            if first >= fileEnd { return first }
            return last >= fileEnd ? fileEnd : nil
        }

        // 1. Zero-filling the rest of each segment's last file page.
        for load in loads where load.memorySize > load.fileSize {
            let zero = load.offset + load.fileSize
            guard zero % page != 0 && down(zero) >= fileEnd else { continue }
            if !startedByKernel { return fault(.zeroFill, down(zero)) }
            if load.flags & 2 != 0 { return fault(.kernelZeroFill, down(zero)) }   // PF_W
        }
        // 2. The dynamic section (the last PT_DYNAMIC with file bytes), up to DT_NULL.
        guard let dynamic = programHeaders.last(where: { $0.type == ProgramHeaderType.dynamic && $0.fileSize != 0 }) else { return nil }
        let entrySize: UInt64 = is64 ? 16 : 8
        var tags: [Int64: UInt64] = [:]   // the last entry of a tag counts (get-dynamic-info.h)
        var address = dynamic.virtualAddress
        // Each step moves on by an entry; within a segment the offsets climb until one is past
        // the file's pages, so a walk ends within this many steps a segment.
        let bound = min((fileEnd / entrySize + 1).multipliedReportingOverflow(by: UInt64(max(loads.count, 1))).partialValue,
                        Self.maxDynamicEntries)
        var cut: UInt64?   // the first entry the file's end cuts (its bytes past it read as zeros)
        for _ in 0..<bound {
            guard let offset = backing(address) else { break }
            if offset >= fileEnd { return fault(.dynamicSection, offset) }
            if cut == nil && offset + entrySize > size { cut = offset }
            let tag = is64 ? Int64(bitPattern: word(offset)) : Int64(Int32(truncatingIfNeeded: word(offset)))
            if tag == DynamicTag.null { break }
            tags[tag] = word(offset + entrySize / 2)
            address &+= entrySize
        }
        if let cut { return fault(.dynamicSectionCut, cut) }
        // 3. The hash table's header: GNU's four words, else SysV's two.
        if let table = tags[DynamicTag.gnuHash] {
            if let offset = touches(table, 16) { return fault(.hashTable, offset) }
        } else if let table = tags[DynamicTag.hash], let offset = touches(table, 8) {
            return fault(.hashTable, offset)
        }
        // 4. Relocation: the tables, then every place an entry writes.
        let tables: [(address: Int64, size: Int64, isRela: Bool?)] = [
            (DynamicTag.rela, DynamicTag.relasz, true), (DynamicTag.rel, DynamicTag.relsz, false),
            (DynamicTag.jmprel, DynamicTag.pltrelsz, tags[DynamicTag.pltrel].map { $0 == UInt64(DynamicTag.rela) } ?? is64),
            (DynamicTag.relr, DynamicTag.relrsz, nil),
        ]
        var writes: [UInt64] = []
        for table in tables {
            guard let start = tags[table.address], let length = tags[table.size], length > 0 else { continue }
            if let offset = touches(start, length) { return fault(.relocation, offset) }
            guard let isRela = table.isRela, let first = backing(start) else { continue }
            let stride = isRela ? (is64 ? 24 : 12) : (is64 ? 16 : 8)
            var at = first
            while at + UInt64(stride) <= min(first &+ length, size) {
                writes.append(word(at))   // r_offset
                at += UInt64(stride)
            }
        }
        for target in writes {
            if let offset = backing(target), offset >= fileEnd { return fault(.relocation, offset) }
        }
        // 5. A program's first instruction (`e_entry`, after the identification bytes).
        if startedByKernel, let offset = backing(word(24)), offset >= fileEnd { return fault(.entryPoint, offset) }
        return nil
    }
}

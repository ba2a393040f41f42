import ELFInspect

/// Where x86-64's loader dies on an object's dynamic section because it follows an entry it
/// never checked (`UncheckedEntries`): a size read through the null pointer of an entry that
/// is not there, or an address of 0 — for a shared object its own ELF header, for a
/// fixed-address program the null page. No linker writes such a file; one edited by hand, or
/// cut short and read on as zeros, may be one. Measured with glibc 2.31, 2.36 and 2.41 by
/// removing or zeroing each entry of real programs and libraries (`DynamicEntryHazardTests`,
/// scripts/sweeps/dyntags.py).
public struct DynamicEntryHazard: Equatable, Sendable {
    /// When, in the loader's order, the object meets it.
    public enum Stage: Int, Comparable, Sendable {
        /// As the loader reads the program's dynamic section, before it loads any library:
        /// nothing else is met.
        case mapping
        /// As the loader relocates the object: after mapping every library and checking
        /// versions (the program last); `ldd -r` dies too, plain `ldd` does not.
        case relocation
        /// When the object first calls through its PLT, or uses data no relocation fixed.
        case firstUse
        /// As its initialisers run, after every object is relocated; neither `ldd` nor
        /// `ldd -r` runs them.
        case initialisation
        /// When the program exits (the loader runs each object's finalisers): it has run.
        case exit

        public static func < (a: Stage, b: Stage) -> Bool { a.rawValue < b.rawValue }
    }

    public var stage: Stage
    /// True when the loader certainly dies of SIGSEGV there; false when what it reads decides
    /// (a table read from the ELF header: an error, an assertion, a crash).
    public var certain: Bool
    /// What is wrong, for a sentence: "DT_RELA but no DT_RELASZ", "DT_INIT 0".
    public var entries: String
    /// What the loader does with it, for a sentence ("reads the relocations' size through a
    /// null pointer").
    public var how: String
    /// Only lazy binding's set-up meets it: `ldd -r`, which binds every symbol at once, does not.
    public var onlyLazyBinding = false

    /// Each object of `graph` with a hazard, and its first: neither the loader itself nor
    /// the kernel's vDSO, nor a file cut short or without the tables relocation reads (LD032,
    /// LD033 and LD010 say what the loader does with those).
    /// - Parameter only: the object at this position alone.
    public static func inGraph(_ graph: LoadGraph, only: Int? = nil) -> [(object: Int, hazard: DynamicEntryHazard)] {
        var result: [(object: Int, hazard: DynamicEntryHazard)] = []
        let byEnvironment = graph.bindsNowByEnvironment, interpreter = graph.interpreterIndex, glibc = graph.platform.glibc
        let positions = only.map { $0..<$0 + 1 } ?? graph.objects.indices
        // (by position: a copy of each LoadedObject, or of the graph, retains a dozen references)
        for position in positions where graph.objects[position].index != interpreter {
            if case .vdso = graph.objects[position].foundVia { continue }
            let elf = graph.objects[position].elf, index = graph.objects[position].index
            let isProgram = index == 0
            guard let hazard = first(elf, isProgram: isProgram, glibc: glibc, lazy: !SymbolCheck.bindsNow(elf, byEnvironment: byEnvironment)),
                  isProgram ? graph.programCut == nil : elf.lostForMapping == nil && elf.lostForRelocation == nil,
                  PastEndOfFile.cutShort(elf) == nil, PastEndOfFile.cutInLastPage(elf) == nil
            else { continue }
            result.append((index, hazard))
        }
        return result
    }

    /// The first hazard of `elf` in the loader's order; nil when it has none.
    /// - Parameters:
    ///   - isProgram: the program (its own initialisers run only from glibc 2.34's start-up
    ///     code: `runsProgramInitialisers`).
    ///   - glibc: the loader's release (packed relative relocations are read from 2.36 on).
    ///   - lazy: its jump slots are bound lazily (no LD_BIND_NOW, no BIND_NOW of its own).
    public static func first(_ elf: ELFFile, isProgram: Bool, glibc: GlibcVersion, lazy: @autoclosure () -> Bool) -> DynamicEntryHazard? {
        all(elf, isProgram: isProgram, glibc: glibc, lazy: lazy).first
    }

    /// Every hazard of `elf`, in the loader's order.
    static func all(_ elf: ELFFile, isProgram: Bool, glibc: GlibcVersion, lazy: () -> Bool) -> [DynamicEntryHazard] {
        guard elf.header.machine == 62, let e = elf.uncheckedEntries else { return [] }   // EM_X86_64
        let zero = AddressZero(elf)
        var found: [DynamicEntryHazard] = []
        func add(_ stage: Stage, _ certain: Bool, _ entries: String, _ how: String, onlyLazyBinding: Bool = false) {
            found.append(DynamicEntryHazard(stage: stage, certain: certain, entries: entries, how: how, onlyLazyBinding: onlyLazyBinding))
        }
        // What a library lacks of these is LD010's (`lostForMapping`, `lostForRelocation`);
        // the program's is said here.
        if isProgram {
            if let lost = elf.lostForMapping {
                add(.mapping, true, lost, "reads the entry it lacks through a null pointer as it first reads the dynamic section")
            } else if elf.lacksStringTable {
                add(.mapping, true, "no DT_STRTAB", "reads the names of the libraries it needs through a null pointer")
            } else if let lost = elf.lostForRelocation {
                add(.relocation, true, lost, lost.hasPrefix("no DT_") ? "reads that table through a null pointer" : "calls constructors no relocation has fixed")
            }
        }
        // Packed relative relocations (glibc 2.36 on): their entry size is asserted through
        // DT_RELRENT as the dynamic section is first read (a wrong one is LD034's).
        let readsRelr = glibc >= GlibcVersion(2, 36)
        if readsRelr, e.lacksRelrEntrySize {
            add(.mapping, true, "DT_RELR but no DT_RELRENT", "reads the packed relocations' entry size through a null pointer as it first reads the dynamic section")
        }
        // Relocation, in _dl_relocate_object's order: lazy binding's set-up writes the
        // resolver into the GOT first (x86-64 elf_machine_runtime_setup), then DT_RELR,
        // DT_RELA, then the PLT relocations when DT_PLTREL says there are some.
        if e.jumpRelocations != nil, e.pltGOT == nil || e.pltGOT == 0, lazy() {
            if e.pltGOT == nil {
                add(.relocation, true, "DT_JMPREL but no DT_PLTGOT", "setting up lazy binding, reads DT_PLTGOT's value through a null pointer",
                    onlyLazyBinding: true)
            } else if e.pltGOT == 0, !zero.writable {
                add(.relocation, true, "DT_PLTGOT 0", "setting up lazy binding, writes into \(zero.what), which is not writable",
                    onlyLazyBinding: true)
            }
        }
        if readsRelr, let relr = e.relr {
            if e.relrSize == nil {
                add(.relocation, true, "DT_RELR but no DT_RELRSZ", "reads the packed relative relocations' size through a null pointer")
            } else if relr == 0, e.relrSize != 0 {
                add(.relocation, zero.certainFault, "DT_RELR 0", "reads its packed relative relocations from \(zero.what)")
            }
        }
        if let rela = e.rela {
            if e.relaSize == nil {
                add(.relocation, true, "DT_RELA but no DT_RELASZ", "reads the relocations' size through a null pointer")
            } else if rela == 0, e.relaSize != 0 {
                add(.relocation, zero.certainFault, "DT_RELA 0", "reads its relocations from \(zero.what)")
            }
        }
        // (a first version-need record of an unknown version stops the loader before: LD024)
        let recorded = elf.highestVersionIndex
        if e.versionSymbols.map({ $0 != 0 }) == true, elf.versionNeeds.first.map({ $0.version == 1 }) ?? true,
           elf.highestVersionSymbolIndex > recorded,
           let past = Self.highestRelocatedVersionIndex(elf), past > recorded {
            if recorded == 0 {
                add(.relocation, true, "a DT_VERSYM but no version records",
                    "relocating a symbol whose DT_VERSYM index is not 0, reads its version from a table it never made, through a null pointer")
            } else {
                add(.relocation, false, "DT_VERSYM index \(past) but version records only up to \(recorded)",
                    "relocating a symbol with that index, reads its version past the end of its table of versions")
            }
        }
        if e.pltRelocationType != nil {
            if e.jumpRelocations == nil {
                add(.relocation, true, "DT_PLTREL but no DT_JMPREL", "reads the PLT relocations' address through a null pointer")
            } else if e.jumpRelocationsSize == nil {
                add(.relocation, true, "DT_PLTREL but no DT_PLTRELSZ", "reads the PLT relocations' size through a null pointer")
            } else if e.jumpRelocations == 0, e.jumpRelocationsSize != 0 {
                add(.relocation, zero.certainFault, "DT_JMPREL 0", "reads its PLT relocations from \(zero.what)")
            }
        }
        if e.versionSymbols == 0 {
            add(.relocation, zero.certainFault, "DT_VERSYM 0", "reads each relocated symbol's version index from \(zero.what)")
        }
        if let gnu = e.gnuHash, gnu == 0 {
            add(.relocation, zero.certainFault, "DT_GNU_HASH 0", "looking a symbol up in it, reads its hash table from \(zero.what)")
        } else if e.gnuHash == nil, e.hash == 0 {
            add(.relocation, zero.certainFault, "DT_HASH 0", "looking a symbol up in it, reads its hash table from \(zero.what)")
        }
        // Relocations that are never applied: the data and PLT entries they fix keep their
        // link-time values, which the first use follows.
        if e.jumpRelocations != nil, e.pltRelocationType == nil || e.jumpRelocationsSize == 0 {
            add(.firstUse, false, e.pltRelocationType == nil ? "DT_JMPREL but no DT_PLTREL" : "DT_PLTRELSZ 0",
                "never applies its PLT relocations, so a call through its PLT goes where the link left it")
        }
        if readsRelr, e.relr == nil, (e.relrSize ?? 0) > 0 {
            add(.firstUse, false, "DT_RELRSZ but no DT_RELR", "never applies its packed relative relocations, so the pointers they fix keep their link-time values")
        }
        if readsRelr, e.relr != nil, e.relrSize == 0 {
            add(.firstUse, false, "DT_RELRSZ 0", "never applies its packed relative relocations, so the pointers they fix keep their link-time values")
        }
        if e.rela == nil, (e.relaSize ?? 0) > 0 {
            add(.firstUse, false, "DT_RELASZ but no DT_RELA", "never applies its relocations, so the pointers they fix keep their link-time values")
        }
        if e.rela != nil, e.relaSize == 0 {
            add(.firstUse, false, "DT_RELASZ 0", "never applies its relocations, so the pointers they fix keep their link-time values")
        }
        // A program the loader passes over in every lookup (no hash table): the libraries
        // bind their references to the data it copied (copy relocations) to their own.
        if isProgram, elf.isUnsearchable, !elf.copyRelocatedSymbols().isEmpty {
            add(.firstUse, false, "no hash table (DT_GNU_HASH, DT_HASH)",
                "passes the program over in every lookup, so its libraries use their own copies of the data the program copied (copy relocations), and the program's copies are never initialised")
        }
        // Initialisers (elf/dl-init.c call_init: DT_INIT, then DT_INIT_ARRAY).
        let initialisersAmiss = e.initFunction == 0 || (e.initArray == nil) != (e.initArraySize == nil)
            || (e.initArray != nil && e.initArraySize == 0) || e.initArray == 0
        if initialisersAmiss, !isProgram || Self.runsProgramInitialisers(elf) {
            if e.initArray == nil, (e.initArraySize ?? 0) > 0 {
                add(.initialisation, false, "DT_INIT_ARRAYSZ but no DT_INIT_ARRAY", "never runs the initialisers (constructors) of its DT_INIT_ARRAY, so what they set up is left undone")
            } else if e.initArray != nil, e.initArraySize == 0 {
                add(.initialisation, false, "DT_INIT_ARRAYSZ 0", "never runs the initialisers (constructors) of its DT_INIT_ARRAY, so what they set up is left undone")
            }
            if e.initFunction == 0 {
                add(.initialisation, zero.certainCall, "DT_INIT 0", "calls \(zero.what) as its initialiser")
            }
            if e.initArray != nil, e.initArraySize == nil {
                add(.initialisation, true, "DT_INIT_ARRAY but no DT_INIT_ARRAYSZ", "reads the initialisers' count through a null pointer")
            } else if e.initArray == 0, (e.initArraySize ?? 0) >= 8 {
                add(.initialisation, true, "DT_INIT_ARRAY 0", "calls the bytes of \(zero.what) as initialisers' addresses")
            }
        }
        // Finalisers (elf/dl-fini.c: DT_FINI_ARRAY, last first, then DT_FINI), the program's too.
        if e.finiArray != nil, e.finiArraySize == nil {
            add(.exit, true, "DT_FINI_ARRAY but no DT_FINI_ARRAYSZ", "reads the finalisers' count through a null pointer")
        } else if e.finiArray == 0, (e.finiArraySize ?? 0) >= 8 {
            add(.exit, true, "DT_FINI_ARRAY 0", "calls the bytes of \(zero.what) as finalisers' addresses")
        }
        if e.finiFunction == 0 {
            add(.exit, zero.certainCall, "DT_FINI 0", "calls \(zero.what) as its finaliser")
        }
        // (stable: the order above within a stage is the loader's)
        return found.enumerated().sorted { ($0.element.stage, $0.offset) < ($1.element.stage, $1.offset) }.map(\.element)
    }

    /// glibc 2.34's start-up code (a program whose `__libc_start_main` is `GLIBC_2.34`)
    /// leaves the program's initialisers to libc, which runs them from its dynamic section;
    /// before, the program's own start-up code ran them by its link-time symbols, and its
    /// `DT_INIT` and `DT_INIT_ARRAY` are never read (measured: 2.31 runs such a program).
    static func runsProgramInitialisers(_ elf: ELFFile) -> Bool {
        let name = Array("__libc_start_main".utf8)
        var found = false
        elf.forEachUndefinedReference { reference in
            guard !found, reference.name.elementsEqual(name) else { return }
            found = elf.symbol(at: reference.symbol)?.version?.name == "GLIBC_2.34"
        }
        return found
    }

    /// The largest `DT_VERSYM` index of a symbol a start-up relocation of `elf` names and the
    /// loader looks up (not local, default visibility); nil when none has one. (Asked only
    /// of a file whose `DT_VERSYM` reaches past its version records: no linked file.)
    static func highestRelocatedVersionIndex(_ elf: ELFFile) -> UInt16? {
        let flags = elf.relocationFlags()
        var highest: UInt16?
        for index in flags.indices where index > 0 && flags[index] & 1 != 0 {   // RelocationBits.startup
            guard let fields = elf.symbolFields(at: index), fields.binding != 0, fields.other & 3 == 0,
                  let ndx = elf.versionIndex(ofSymbol: index).map({ $0 & 0x7fff }), ndx != 0 else { continue }
            highest = max(highest ?? 0, ndx)
        }
        return highest
    }

    /// Address 0 as the loader sees it in this object: a fixed-address program's is the null
    /// page; a shared object's is its first segment's start (the ELF header), mapped with
    /// that segment's protection.
    struct AddressZero {
        var mapped = false, writable = false, executable = false
        var what: String

        init(_ elf: ELFFile) {
            guard elf.header.type == ELFHeader.sharedObject else {
                what = "address 0 (the null page)"
                return
            }
            what = "the file's own ELF header (address 0)"
            let page: UInt64 = 4096
            guard let segment = elf.programHeaders.first(where: { ph in
                ph.type == ProgramHeaderType.load && ph.virtualAddress / page * page == 0 && ph.memorySize > 0
            }) else { return }
            mapped = true
            writable = segment.flags & 2 != 0
            executable = segment.flags & 1 != 0
        }

        /// A read there faults only where nothing is mapped; what is read decides the rest.
        var certainFault: Bool { !mapped }
        /// A call there faults unless the page is mapped executable.
        var certainCall: Bool { !mapped || !executable }
    }
}

/// The `PT_DYNAMIC` entries (`Elf{32,64}_Dyn`) a reader of dependencies needs, with
/// their strings looked up in `DT_STRTAB`.
public struct DynamicSection: Equatable, Sendable {
    /// `DT_NEEDED`, in file order (the loader's breadth-first order depends on it).
    public var needed: [String] = []
    /// `DT_SONAME`.
    public var soname: String?
    /// `DT_RPATH`, the raw colon-separated list.
    public var rpath: String?
    /// `DT_RUNPATH`, the raw colon-separated list.
    public var runpath: String?
    /// `DT_FLAGS` (`DF_SYMBOLIC` 0x2, `DF_BIND_NOW` 0x8, …).
    public var flags: UInt64?
    /// `DT_FLAGS_1` (`DF_1_NOW` 0x1, `DF_1_NODEFLIB` 0x800, `DF_1_PIE` 0x8000000, …).
    public var flags1: UInt64?
    /// `DT_SYMBOLIC` present.
    public var symbolic: Bool = false
    /// `DT_BIND_NOW` present.
    public var bindNow: Bool = false
    /// `DT_RELR` present (glibc 2.36 then requires a `GLIBC_ABI_DT_RELR` need).
    public var hasRelr: Bool = false
    /// `DT_FILTER` and `DT_AUXILIARY` names, in file order: objects the loader loads with
    /// this one and places before it in the search list (elf/dl-deps.c).
    public var filtees: [FilteeEntry] = []
    /// `DT_AUDIT` and `DT_DEPAUDIT`, the raw colon-separated lists: audit interfaces the
    /// loader loads before anything else — the program's only (a library's are ignored;
    /// measured with glibc 2.36).
    public var audit: String?
    public var dependencyAudit: String?

    public init() {}

    /// The `DT_NEEDED`, `DT_FILTER` and `DT_AUXILIARY` entries in file order: the loader
    /// reads them in one pass (elf/dl-deps.c), so a filter met among the needs is mapped there.
    /// (Entries are handed out as places, not names: most walks need only what each one
    /// resolved to, and copying every name cost a tree walk nearly 1% more instructions.)
    public func forEachDependencyEntry(_ body: (DependencyEntry) -> Void) {
        var next = 0
        for position in 0..<(needed.count + 1) {   // (a closed range's iteration cost more than the body)
            while next < filtees.count, filtees[next].neededBefore <= position {
                body(DependencyEntry(isFilter: true, index: next, slot: needed.count + next))
                next += 1
            }
            if position < needed.count { body(.needed(position)) }
        }
    }

    /// The entry's name as written (dynamic string tokens not yet expanded).
    public func name(of entry: DependencyEntry) -> String {
        entry.isFilter ? filtees[entry.index].name : needed[entry.index]
    }

    /// The entry's filter entry; nil for a `DT_NEEDED` one.
    public func filter(of entry: DependencyEntry) -> FilteeEntry? {
        entry.isFilter ? filtees[entry.index] : nil
    }
}

/// A `DT_NEEDED` entry or a filter entry, as `forEachDependencyEntry` hands them out.
public struct DependencyEntry: Sendable {
    /// A `DT_FILTER` or `DT_AUXILIARY` entry (else `DT_NEEDED`).
    public var isFilter: Bool
    /// Its place in `needed`, or in `filtees`.
    public var index: Int
    /// A number no other entry of the section has: `index` for `DT_NEEDED`, after all of
    /// them for a filter.
    public var slot: Int

    /// The `DT_NEEDED` entry at `position`.
    public static func needed(_ position: Int) -> DependencyEntry {
        DependencyEntry(isFilter: false, index: position, slot: position)
    }
}

/// One `DT_FILTER` or `DT_AUXILIARY` entry. The loader reads them in one pass with the
/// `DT_NEEDED` entries, so where it meets one among those matters.
public struct FilteeEntry: Equatable, Sendable {
    /// The name as written (dynamic string tokens not yet expanded).
    public var name: String
    /// `DT_AUXILIARY`: an object the loader may do without. A `DT_FILTER` object it cannot
    /// load stops the start, as a missing `DT_NEEDED` one does.
    public var isAuxiliary: Bool
    /// How many `DT_NEEDED` entries come before it.
    public var neededBefore: Int

    public init(name: String, isAuxiliary: Bool, neededBefore: Int) {
        self.name = name
        self.isAuxiliary = isAuxiliary
        self.neededBefore = neededBefore
    }
}

/// Raw `d_tag` values used here (elf.h).
enum DynamicTag {
    static let null: Int64 = 0, needed: Int64 = 1, hash: Int64 = 4, strtab: Int64 = 5, symtab: Int64 = 6
    static let strsz: Int64 = 10, syment: Int64 = 11, soname: Int64 = 14, rpath: Int64 = 15, symbolic: Int64 = 16
    static let rel: Int64 = 17, relsz: Int64 = 18, rela: Int64 = 7, relasz: Int64 = 8, relaent: Int64 = 9
    static let jmprel: Int64 = 23, pltrelsz: Int64 = 2, pltrel: Int64 = 20
    static let bindNow: Int64 = 24, initArray: Int64 = 25, initArraySize: Int64 = 27
    static let pltgot: Int64 = 3, initFunction: Int64 = 12, finiFunction: Int64 = 13
    static let finiArray: Int64 = 26, finiArraySize: Int64 = 28
    static let runpath: Int64 = 29, flags: Int64 = 30, relrsz: Int64 = 35, relr: Int64 = 36, relrent: Int64 = 37
    static let gnuHash: Int64 = 0x6fff_fef5, depaudit: Int64 = 0x6fff_fefb, audit: Int64 = 0x6fff_fefc
    static let versym: Int64 = 0x6fff_fff0, flags1: Int64 = 0x6fff_fffb
    static let verdef: Int64 = 0x6fff_fffc, verdefnum: Int64 = 0x6fff_fffd
    static let verneed: Int64 = 0x6fff_fffe, verneednum: Int64 = 0x6fff_ffff
    static let relacount: Int64 = 0x6fff_fff9, relcount: Int64 = 0x6fff_fffa
    static let auxiliary: Int64 = 0x7fff_fffd, filter: Int64 = 0x7fff_ffff
}

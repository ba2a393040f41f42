/// The dynamic entries the loader follows as an address or a size without checking that the
/// entry they go with is there, nor that an address is not 0 (for a shared object, 0 is its
/// own ELF header; for a fixed-address program, the null page): each the last of its tag, as
/// the loader keeps it (elf/get-dynamic-info.h). Linkers always write them in their pairs;
/// a file edited by hand, or a dynamic section cut short, may not have them.
public struct UncheckedEntries: Equatable, Sendable {
    /// `DT_RELA`, `DT_RELASZ`.
    public var rela: UInt64?, relaSize: UInt64?
    /// `DT_RELR`, `DT_RELRSZ`, `DT_RELRENT` (packed relative relocations: glibc 2.36 and later
    /// read them; before, the tags mean nothing to the loader).
    public var relr: UInt64?, relrSize: UInt64?, relrEntrySize: UInt64?
    /// `DT_PLTREL`, `DT_JMPREL`, `DT_PLTRELSZ`: the loader reads the last two only when the
    /// first is there.
    public var pltRelocationType: UInt64?, jumpRelocations: UInt64?, jumpRelocationsSize: UInt64?
    /// `DT_PLTGOT`: where lazy binding's resolver is stored, when `DT_JMPREL` is there.
    public var pltGOT: UInt64?
    /// `DT_INIT`, `DT_INIT_ARRAY`, `DT_INIT_ARRAYSZ`.
    public var initFunction: UInt64?, initArray: UInt64?, initArraySize: UInt64?
    /// `DT_FINI`, `DT_FINI_ARRAY`, `DT_FINI_ARRAYSZ`.
    public var finiFunction: UInt64?, finiArray: UInt64?, finiArraySize: UInt64?
    /// `DT_GNU_HASH`, `DT_HASH`, `DT_VERSYM`.
    public var gnuHash: UInt64?, hash: UInt64?, versionSymbols: UInt64?

    public init() {}

    /// `DT_RELR` without `DT_RELRENT`, whose size glibc 2.36 and later assert through the
    /// entry as they first read the dynamic section.
    public var lacksRelrEntrySize: Bool { relr != nil && relrEntrySize == nil }

    /// The entries of `table`.
    init(_ table: DynamicTable) {
        for (tag, value) in table.tags { record(tag, value) }
    }

    /// Keeps `value` when `tag` is one of these (a later entry of a tag replaces an earlier one).
    mutating func record(_ tag: Int64, _ value: UInt64) {
        switch tag {
        case DynamicTag.rela: rela = value
        case DynamicTag.relasz: relaSize = value
        case DynamicTag.relr: relr = value
        case DynamicTag.relrsz: relrSize = value
        case DynamicTag.relrent: relrEntrySize = value
        case DynamicTag.pltrel: pltRelocationType = value
        case DynamicTag.jmprel: jumpRelocations = value
        case DynamicTag.pltrelsz: jumpRelocationsSize = value
        case DynamicTag.pltgot: pltGOT = value
        case DynamicTag.initFunction: initFunction = value
        case DynamicTag.initArray: initArray = value
        case DynamicTag.initArraySize: initArraySize = value
        case DynamicTag.finiFunction: finiFunction = value
        case DynamicTag.finiArray: finiArray = value
        case DynamicTag.finiArraySize: finiArraySize = value
        case DynamicTag.gnuHash: gnuHash = value
        case DynamicTag.hash: hash = value
        case DynamicTag.versym: versionSymbols = value
        default: break
        }
    }
}

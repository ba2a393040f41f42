/// One relocation table's place in the file.
struct RelocationTable: Sendable {
    var range: Range<Int>
    var isRela: Bool
    var lazy: Bool

    /// The tables of `dynamic`: entries in `DT_JMPREL` are bound lazily (at the first call)
    /// unless BIND_NOW; every other table is processed at start-up (glibc elf/dynamic-link.h).
    static func tables(_ dynamic: DynamicTable, is64: Bool) -> [RelocationTable] {
        let count = dynamic.reader.count
        var tables: [RelocationTable] = []
        let pltIsRela = dynamic.value(DynamicTag.pltrel).map { $0 == UInt64(DynamicTag.rela) } ?? is64
        var plt: Range<Int>?
        if let address = dynamic.value(DynamicTag.jmprel), let start = dynamic.offset(address),
           let size = dynamic.value(DynamicTag.pltrelsz).flatMap({ Int(exactly: $0) }), size <= count - start {
            plt = start..<(start + size)
            tables.append(RelocationTable(range: start..<(start + size), isRela: pltIsRela, lazy: true))
        }
        for (tagAddress, tagSize, tagCount, isRela) in [(DynamicTag.rela, DynamicTag.relasz, DynamicTag.relacount, true),
                                                        (DynamicTag.rel, DynamicTag.relsz, DynamicTag.relcount, false)] {
            guard let address = dynamic.value(tagAddress), let start = dynamic.offset(address),
                  let size = dynamic.value(tagSize).flatMap({ Int(exactly: $0) }), size <= count - start
            else { continue }
            var range = start..<(start + size)
            // ld often lays .rela.plt right after .rela.dyn and counts it in DT_RELASZ too.
            // (Never past the start: a hostile PLT range may begin before this table.)
            if let plt, range.overlaps(plt) {
                range = range.lowerBound..<max(range.lowerBound, min(range.upperBound, plt.lowerBound))
            }
            // DT_RELACOUNT/DT_RELCOUNT leading entries of what is left are applied as relative
            // relocations without a symbol, whatever they say (glibc elf/do-rel.h, after
            // elf/dynamic-link.h took the PLT off): skip them, as the loader does. In a large
            // program they are most of the table.
            let entrySize = isRela ? (is64 ? 24 : 12) : (is64 ? 16 : 8)
            if let relative = dynamic.value(tagCount).flatMap({ Int(exactly: $0) }) {
                range = (range.lowerBound + min(relative, range.count / entrySize) * entrySize)..<range.upperBound
            }
            tables.append(RelocationTable(range: range, isRela: isRela, lazy: false))
        }
        return tables
    }
}

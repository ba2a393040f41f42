/// Which symbols the relocation tables name, and when the loader binds them.
extension ELFFile {
    /// Symbol indices referenced by relocations: `startup` ones are bound when the object
    /// is relocated, `lazy` ones (`DT_JMPREL`) at the first call unless BIND_NOW.
    public func relocatedSymbols() -> (startup: Set<Int>, lazy: Set<Int>) {
        var startup = Set<Int>(), lazy = Set<Int>()
        forEachRelocatedSymbol { symbol, isLazy in
            if isLazy { lazy.insert(symbol) } else { startup.insert(symbol) }
        }
        return (startup, lazy)
    }

    /// How each symbol is referenced by relocations, indexed by symbol: bit 0 set when a
    /// start-up relocation names it, bit 1 when a lazy (`DT_JMPREL`) one does. One pass,
    /// no hashing: what the symbol check iterates.
    public func relocationFlags() -> [UInt8] {
        var flags = [UInt8](repeating: 0, count: symbolCount)
        forEachRelocatedSymbol { symbol, isLazy in
            if symbol < flags.count { flags[symbol] |= isLazy ? 2 : 1 }
        }
        return flags
    }

    /// How many entries the relocation tables hold: a bound on the references they make.
    public var relocationCount: Int {
        relocationTables.reduce(0) { $0 + $1.range.count / (($1.isRela ? 3 : 2) * (is64 ? 8 : 4)) }
    }

    private func forEachRelocatedSymbol(_ body: (Int, Bool) -> Void) {
        for table in relocationTables {
            let entrySize = table.isRela ? (is64 ? 24 : 12) : (is64 ? 16 : 8)
            var at = table.range.lowerBound
            while at + entrySize <= table.range.upperBound {
                if let info = reader.word(at + (is64 ? 8 : 4), is64: is64) {
                    let symbol = Int(is64 ? info >> 32 : info >> 8)
                    if symbol != 0 { body(symbol, table.lazy) }
                }
                at += entrySize
            }
        }
    }
}

/// Which symbols the relocation tables name, and when the loader binds them.
extension ELFFile {
    /// Symbol indices referenced by relocations: `startup` ones are bound when the object
    /// is relocated, `lazy` ones (`DT_JMPREL`) at the first call unless BIND_NOW.
    public func relocatedSymbols() -> (startup: Set<Int>, lazy: Set<Int>) {
        var startup = Set<Int>(), lazy = Set<Int>()
        forEachRelocatedSymbol { symbol, bits in
            if bits & RelocationBits.lazy != 0 { lazy.insert(symbol) } else { startup.insert(symbol) }
        }
        return (startup, lazy)
    }

    /// The symbols a copy relocation (`R_*_COPY`) names: the executable's own copy of a
    /// library's data, which the loader fills from a definition outside the executable.
    public func copyRelocatedSymbols() -> Set<Int> {
        var copied = Set<Int>()
        forEachRelocatedSymbol { symbol, bits in
            if bits & RelocationBits.copy != 0 { copied.insert(symbol) }
        }
        return copied
    }

    /// How each symbol is referenced by relocations, indexed by symbol: bit 0 set when a
    /// start-up relocation names it, bit 1 when a lazy (`DT_JMPREL`) one does, bit 2 when a
    /// copy relocation does, bit 3 when one of the PLT class does. One pass, no hashing:
    /// what the symbol check iterates.
    public func relocationFlags() -> [UInt8] {
        var flags = [UInt8].filled(with: 0, count: symbolCount)
        flags.withUnsafeMutableBufferPointer { flags in
            forEachRelocatedSymbol { symbol, bits in
                if symbol < flags.count { flags[symbol] |= bits }
            }
        }
        return flags
    }

    /// The strong symbols the relocations name that the loader must look up, in symbol
    /// order: the undefined ones, and those a copy relocation names (defined in the
    /// executable, looked up past it). Other definitions find themselves, and weak
    /// references never fail.
    public func undefinedReferences() -> [UndefinedReference] {
        if let ahead = tablesReadAhead { return ahead.undefinedReferences }
        return collectUndefinedReferences()
    }

    /// `undefinedReferences()` one by one: read ahead, or read now without an array.
    public func forEachUndefinedReference(_ body: (UndefinedReference) -> Void) {
        if let ahead = tablesReadAhead {
            for reference in ahead.undefinedReferences { body(reference) }
            return
        }
        scanUndefinedReferences(body)
    }

    func collectUndefinedReferences() -> [UndefinedReference] {
        var references: [UndefinedReference] = []
        scanUndefinedReferences { references.append($0) }
        return references
    }

    private func scanUndefinedReferences(_ body: (UndefinedReference) -> Void) {
        let relocated = relocationFlags()
        // A relocation naming the file's own definition is looked up too, and finds it, but
        // not where the file is damaged: one the loader passes over in every lookup (no hash
        // table) does not find its own definitions; one with DT_VERSYM and no DT_VERDEF whose
        // definition carries a version index of 2 or more (its DT_VERDEF removed) is looked up
        // by whatever its table of versions holds there. Those are looked up like undefined
        // symbols (not a local one, nor one of another visibility, which binds without a lookup).
        let selfUnseen = isUnsearchable
        let ownVersionsLost = hasVersionSymbolTag && versionDefinitions.isEmpty
        func looksUpOwn(_ fields: SymbolFields, _ index: Int) -> Bool {
            guard fields.binding != 0, fields.other & 3 == 0 else { return false }
            return selfUnseen || (ownVersionsLost && (versionIndex(ofSymbol: index) ?? 0) & 0x7fff >= 2)
        }
        for index in relocated.indices where relocated[index] != 0 {
            let flags = relocated[index], isCopy = flags & RelocationBits.copy != 0
            guard let fields = symbolFields(at: index),
                  fields.sectionIndex == 0 || isCopy || looksUpOwn(fields, index),
                  fields.binding != DynamicSymbol.weak,
                  let name = symbolNameBytes(at: index), name.count > 0 else { continue }
            body(UndefinedReference(symbol: index, name: name, gnuHash: SymbolLookupKey.gnuHash(of: name),
                                    atStartup: flags & RelocationBits.startup != 0, isCopy: isCopy,
                                    onlyOutsidePLTClass: flags & RelocationBits.plt == 0))
        }
    }

    /// Where the loader first meets each of `symbols` while relocating this file: the
    /// position of the first relocation naming it, counting the start-up tables in file
    /// order, then the lazy one (`DT_JMPREL`, processed after them under BIND_NOW).
    public func firstRelocationPositions(of symbols: Set<Int>) -> [Int: Int] {
        var positions: [Int: Int] = [:]
        var at = 0
        for lazyPass in [false, true] {
            forEachRelocatedSymbol(lazyTables: lazyPass) { symbol, _ in
                if symbols.contains(symbol) && positions[symbol] == nil { positions[symbol] = at }
                at += 1
            }
        }
        return positions
    }

    /// How many entries the relocation tables hold: a bound on the references they make.
    public var relocationCount: Int {
        relocationTables.reduce(0) { $0 + $1.range.count / (($1.isRela ? 3 : 2) * (is64 ? 8 : 4)) }
    }

    /// One relocation's bits, as `relocationFlags` keeps them per symbol.
    enum RelocationBits {
        /// In a start-up table.
        static let startup: UInt8 = 1
        /// In the lazy table (`DT_JMPREL`).
        static let lazy: UInt8 = 2
        /// `ELF_RTYPE_CLASS_COPY`: looked up past the executable.
        static let copy: UInt8 = 4
        /// `ELF_RTYPE_CLASS_PLT` (jump slots, thread-local relocations): never bound to an
        /// undefined symbol, whatever its value. Others (`GLOB_DAT`, absolute) may be, to
        /// an executable's canonical PLT entry.
        static let plt: UInt8 = 8
    }

    /// Every relocation's symbol index (0, no symbol, left out) and its `RelocationBits`.
    /// A lazy table holds jump slots (and TLS descriptors): PLT class; on a machine whose
    /// classes are not known here every type is.
    /// - Parameter lazyTables: only the lazy table (true), only the others (false), or all (nil).
    @inline(__always)
    private func forEachRelocatedSymbol(lazyTables: Bool? = nil, _ body: (Int, UInt8) -> Void) {
        // Raw loads: every table lies inside the file (`RelocationTable.tables`) and an entry
        // is read only when it ends inside its table and the file, so no read needs a bounds check (a
        // checked read per entry was most of the walk over a large program's tables).
        guard let base = reader.buffer.baseAddress else { return }
        let bigEndian = reader.bigEndian
        // The copy type and the PLT-class ones as two bit masks from the smallest of them
        // (each machine's lie within 64 of it): one shift per relocation. A type outside
        // is neither, or, where the classes are not known here, PLT class.
        let machine = ELFMachine(header.machine)
        // (No arrays built: this runs for every library.)
        let knownPLTTypes = machine.pltClassRelocationTypes
        let copyType = machine.copyRelocationType
        var typeBase = copyType ?? .max
        for type in knownPLTTypes ?? [] { typeBase = min(typeBase, type) }
        if typeBase == .max { typeBase = 0 }
        let copyMask = copyType.map { UInt64(1) << UInt64($0 - typeBase) } ?? 0
        var pltMask = ~copyMask
        if let knownPLTTypes {
            pltMask = 0
            for type in knownPLTTypes { pltMask |= 1 << UInt64(type - typeBase) }
        }
        let outside = knownPLTTypes == nil ? RelocationBits.plt : 0
        for table in relocationTables where lazyTables == nil || table.lazy == lazyTables {
            let tableBits = table.lazy ? RelocationBits.lazy | RelocationBits.plt : RelocationBits.startup
            let entrySize = table.isRela ? (is64 ? 24 : 12) : (is64 ? 16 : 8)
            let end = min(table.range.upperBound, reader.count)
            var at = table.range.lowerBound
            while at + entrySize <= end {
                let symbol: Int, type: UInt32
                if is64 {
                    let raw = base.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self)
                    let info = bigEndian ? UInt64(bigEndian: raw) : UInt64(littleEndian: raw)
                    (symbol, type) = (Int(info >> 32), UInt32(truncatingIfNeeded: info))
                } else {
                    let raw = base.loadUnaligned(fromByteOffset: at + 4, as: UInt32.self)
                    let info = bigEndian ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw)
                    (symbol, type) = (Int(info >> 8), info & 0xff)
                }
                if symbol != 0 {
                    let offset = UInt64(type &- typeBase)
                    let kind = offset < 64
                        ? UInt8(truncatingIfNeeded: (copyMask >> offset) & 1) << 2 | UInt8(truncatingIfNeeded: (pltMask >> offset) & 1) << 3
                        : outside
                    body(symbol, tableBits | kind)
                }
                at += entrySize
            }
        }
    }
}

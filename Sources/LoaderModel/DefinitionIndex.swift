import ELFInspect

/// Which objects of a scope may define a symbol, by the name's GNU hash: built once per
/// load graph from each object's `DT_GNU_HASH` chains (no names read). A lookup then
/// visits only those objects, in scope order, instead of testing every object's Bloom
/// filter (`do_lookup_x` does the latter, which makes `ldd -r` quadratic in the closure).
/// A superset: hash collisions and symbols that fail `check_match` are still candidates,
/// and objects without a usable GNU hash table are candidates for every name.
struct DefinitionIndex {
    /// Consecutive ranges of the scope, ascending: the first part's candidates all come
    /// before the second's. Two when the scope is large and a second CPU builds one.
    private let parts: [DefinitionIndexPart]

    /// Scopes with fewer symbols than this are indexed on one thread (a thread costs more).
    static let concurrentSymbols = 20_000

    /// - Parameter hashes: the GNU hashes that will be asked for (the closure's undefined
    ///   references); nil indexes every name. Given, the table holds only those, a few
    ///   thousand slots instead of one per symbol of every library.
    init(scope: [ELFFile], hashes: [UInt32]? = nil, concurrency: SymbolCheck.Concurrency = .automatic) {
        let symbols = scope.map(\.symbolCount)
        guard concurrency.splits(possible: scope.count > 1, pays: symbols.reduce(0, +) >= Self.concurrentSymbols) else {
            parts = [DefinitionIndexPart(scope: scope, positions: scope.indices, hashes: hashes)]
            return
        }
        // Split where half the symbols lie behind, so each thread walks as many chains.
        let middle = ConcurrentPair.balancedMiddle(symbols)
        var first: DefinitionIndexPart?, second: DefinitionIndexPart?
        ConcurrentPair.run({ first = DefinitionIndexPart(scope: scope, positions: 0..<middle, hashes: hashes) },
                           { second = DefinitionIndexPart(scope: scope, positions: middle..<scope.count, hashes: hashes) })
        parts = [first, second].compactMap { $0 }
    }

    /// Objects (scope positions, ascending) that may define a name with GNU hash `hash`.
    func candidates(for hash: UInt32) -> [Int] {
        var found: [Int] = []
        forEachCandidate(for: hash) { found.append($0); return true }
        return found
    }

    /// Calls `body` with each object that may define a name with GNU hash `hash`, in
    /// ascending scope order, until it returns false. No array is made: a check of a
    /// closure asks this once per distinct reference.
    func forEachCandidate(for hash: UInt32, _ body: (Int) -> Bool) {
        for part in parts where !part.forEachCandidate(for: hash, body) { return }
    }
}

/// One range of the scope's objects, indexed (see `DefinitionIndex`).
struct DefinitionIndexPart {
    /// Open addressing on `hash & ~1`: `(hash | 1) << 32 | (first entry + 1)`, 0 when empty
    /// (bit 0 of the hash marks the slot taken: a name may be asked for before any entry).
    private let slots: [UInt64]
    private let mask: Int
    /// Entries form one list per hash, objects ascending: built from the last object to
    /// the first, each new entry goes in front.
    private let entryObject: [Int32]
    private let entryNext: [Int32]
    /// Objects the index cannot speak for (no `DT_GNU_HASH`, a broken one, an unknown
    /// symbol count: `ELFFile.gnuHashes` is nil), ascending: candidates for every name.
    private let unindexed: [Int]

    /// - Parameters:
    ///   - positions: the scope positions this part speaks for.
    ///   - hashes: as for `DefinitionIndex.init`.
    init(scope: [ELFFile], positions: Range<Int>, hashes: [UInt32]?) {
        // A chain walk stops at the symbol count, so the counts bound the entries (a hostile
        // table whose chains overlap cannot bring more).
        let bound = scope[positions].reduce(0) { $0 + $1.symbolCount }
        let keys = hashes?.count ?? bound
        var size = 16
        while size < keys + keys / 2 { size <<= 1 }
        let mask = size - 1
        var slots = [UInt64](repeating: 0, count: size)
        if let hashes {
            slots.withUnsafeMutableBufferPointer { slot in
                for hash in hashes {
                    let at = Self.probe(UnsafeBufferPointer(slot), hash & ~1, mask)
                    if slot[at] == 0 { slot[at] = UInt64((hash & ~1) | 1) << 32 }
                }
            }
        }
        let onlyAsked = hashes != nil
        var objects: [Int32] = []
        var next: [Int32] = []
        var unindexed: [Int] = []
        slots.withUnsafeMutableBufferPointer { slot in
            for position in positions.reversed() {
                let elf = scope[position]
                let id = Int32(truncatingIfNeeded: position)
                guard let hashes = elf.gnuHashes() else { unindexed.append(position); continue }
                var overflow = false
                for hash in hashes {
                    let at = Self.probe(UnsafeBufferPointer(slot), hash, mask)
                    if slot[at] == 0 && onlyAsked { continue }   // a name nothing refers to
                    let head = Int32(truncatingIfNeeded: slot[at] & 0xffff_ffff) - 1
                    if head >= 0 && objects[Int(head)] == id { continue }   // a second name, same hash
                    // Overlapping chains (a hostile table) can bring more entries than the
                    // counts: that object is then left to the scope walk.
                    guard objects.count < bound else { overflow = true; continue }
                    objects.append(id)
                    next.append(head)
                    slot[at] = UInt64(hash | 1) << 32 | UInt64(UInt32(objects.count))
                }
                if overflow { unindexed.append(position) }
            }
        }
        self.slots = slots
        self.mask = mask
        self.entryObject = objects
        self.entryNext = next
        self.unindexed = unindexed.reversed()
    }

    /// The slot that holds `hash`, or the empty one where it would go. Starts from a
    /// Fibonacci hash: it spreads the GNU hash's low bits, which differ little for similar names.
    private static func probe(_ slots: UnsafeBufferPointer<UInt64>, _ hash: UInt32, _ mask: Int) -> Int {
        let marked = hash | 1
        var at = Int(truncatingIfNeeded: (UInt64(hash) &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
        while slots[at] != 0 && UInt32(truncatingIfNeeded: slots[at] >> 32) != marked { at = (at + 1) & mask }
        return at
    }

    /// `DefinitionIndex.forEachCandidate` over this part's objects; false when `body` stopped.
    func forEachCandidate(for hash: UInt32, _ body: (Int) -> Bool) -> Bool {
        let at = slots.withUnsafeBufferPointer { Self.probe($0, hash & ~1, mask) }
        var entry = Int32(truncatingIfNeeded: slots[at] & 0xffff_ffff) - 1
        var other = 0
        // Two ascending lists merged: the hash's entries and the objects never indexed.
        while entry >= 0 || other < unindexed.count {
            let indexed = entry >= 0 ? Int(entryObject[Int(entry)]) : Int.max
            let next: Int
            if other < unindexed.count && unindexed[other] <= indexed {
                next = unindexed[other]
                other += 1
                if next == indexed { entry = entryNext[Int(entry)] }
            } else {
                next = indexed
                entry = entryNext[Int(entry)]
            }
            if !body(next) { return false }
        }
        return true
    }
}

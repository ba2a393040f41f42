/// The symbol check's answers by reference (name bytes and version asked for): one lookup
/// over the closure per distinct reference. Open addressing on the name's GNU hash mixed
/// with the version's: a `Dictionary` hashed every key with SipHash and rehashed them all
/// as it grew, a tenth of `check` on a 57-library closure.
struct ReferenceMemo {
    /// Entry + 1 per slot, 0 when empty; a power of two, at most half full.
    private var slots: [Int32]
    private var keys: [SymbolCheck.ReferenceKey] = []
    private var answers: [Answer] = []

    /// What a lookup found: whether it found a definition, and the object defining it when
    /// that is an IFUNC (-1 otherwise), which `SymbolCheck` checks the relocation order of.
    struct Answer: Equatable {
        var found: Bool
        var ifuncIn: Int32 = -1
    }

    /// - Parameter expected: how many keys may come (the references to look up): the table
    ///   is sized for them once instead of growing and rehashing on the way (up to a bound:
    ///   a huge closure repeats most of its references, and grows past it only if not).
    init(expected references: Int) {
        let expected = min(references, 1 << 13)
        var size = 1024
        while size < 2 * expected { size <<= 1 }
        slots = [Int32](repeating: 0, count: size)
        keys.reserveCapacity(expected)
        answers.reserveCapacity(expected)
    }

    /// The answer recorded for `key`, else nil and the slot `insert` takes.
    func find(_ key: SymbolCheck.ReferenceKey) -> (answer: Answer?, slot: Int) {
        let at = slot(of: key)
        let entry = slots[at]
        return (entry == 0 ? nil : answers[Int(entry) - 1], at)
    }

    /// Records `found` for `key` (which must not be there yet) in the slot `find` gave.
    mutating func insert(_ key: SymbolCheck.ReferenceKey, _ found: Answer, at slot: Int) {
        var at = slot
        if (keys.count + 1) * 2 > slots.count {
            grow()
            at = self.slot(of: key)
        }
        keys.append(key)
        answers.append(found)
        slots[at] = Int32(truncatingIfNeeded: keys.count)
    }

    /// The slot holding `key`, or the empty one where it goes.
    private func slot(of key: SymbolCheck.ReferenceKey) -> Int {
        let mask = slots.count - 1
        let mixed = (UInt64(key.nameHash) | UInt64(UInt32(bitPattern: key.version)) << 32) &* 0x9E37_79B9_7F4A_7C15
        var at = Int(truncatingIfNeeded: mixed >> 40) & mask
        while slots[at] != 0 && keys[Int(slots[at]) - 1] != key { at = (at + 1) & mask }
        return at
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        for (i, key) in keys.enumerated() { slots[slot(of: key)] = Int32(truncatingIfNeeded: i + 1) }
    }
}

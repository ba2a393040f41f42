/// The symbol check's answers by reference (name bytes and version asked for): one lookup
/// over the closure per distinct reference. Open addressing on the name's GNU hash mixed
/// with the version's: a `Dictionary` hashed every key with SipHash and rehashed them all
/// as it grew, a tenth of `check` on a 57-library closure.
struct ReferenceMemo {
    /// Entry + 1 per slot, 0 when empty; a power of two, at most half full.
    private var slots: [Int32]
    private var keys: [SymbolCheck.ReferenceKey] = []
    private var answers: [Bool] = []

    init() {
        slots = [Int32](repeating: 0, count: 1024)
    }

    subscript(key: SymbolCheck.ReferenceKey) -> Bool? {
        let entry = slots[slot(of: key)]
        return entry == 0 ? nil : answers[Int(entry) - 1]
    }

    /// Records `found` for `key` (which must not be there yet).
    mutating func insert(_ key: SymbolCheck.ReferenceKey, _ found: Bool) {
        if (keys.count + 1) * 2 > slots.count { grow() }
        keys.append(key)
        answers.append(found)
        slots[slot(of: key)] = Int32(truncatingIfNeeded: keys.count)
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

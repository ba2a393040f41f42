import ELFInspect

/// Which objects of a scope may define a symbol, by the name's GNU hash: built once per
/// load graph from each object's `DT_GNU_HASH` chains (no names read). A lookup then
/// visits only those objects, in scope order, instead of testing every object's Bloom
/// filter (`do_lookup_x` does the latter, which makes `ldd -r` quadratic in the closure).
/// A superset: hash collisions and symbols that fail `check_match` are still candidates,
/// and objects without a usable GNU hash table are candidates for every name.
struct DefinitionIndex {
    /// Open addressing on `hash & ~1`: `hash << 32 | (first entry + 1)`, 0 when empty.
    private var slots: [UInt64]
    private var mask: Int
    private var used = 0
    /// Entries form one list per hash, objects ascending: built from the last object to
    /// the first, each new entry goes in front.
    private var entryObject: [Int32] = []
    private var entryNext: [Int32] = []
    /// Objects the index cannot speak for (no `DT_GNU_HASH`, or a broken one), ascending.
    private var unindexed: [Int] = []

    init(scope: [ELFFile]) {
        let bound = scope.reduce(0) { $0 + $1.symbolCount }
        var size = 16
        while size < bound + bound / 2 { size <<= 1 }
        mask = size - 1
        slots = [UInt64](repeating: 0, count: size)
        entryObject.reserveCapacity(bound)
        entryNext.reserveCapacity(bound)
        for object in scope.indices.reversed() {
            let id = Int32(truncatingIfNeeded: object)
            let complete = scope[object].forEachGnuHash { hash in insert(hash, object: id) }
            if !complete { unindexed.append(object) }
        }
        unindexed.reverse()
    }

    private func slot(of hash: UInt32) -> Int {
        // Fibonacci hashing spreads the GNU hash's low bits, which differ little for similar names.
        var at = Int(truncatingIfNeeded: (UInt64(hash) &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
        while slots[at] != 0 && UInt32(truncatingIfNeeded: slots[at] >> 32) != hash { at = (at + 1) & mask }
        return at
    }

    private mutating func insert(_ hash: UInt32, object: Int32) {
        // `symbolCount` sized the table; a file whose count is unknown can bring more.
        if (used + 1) * 4 > slots.count * 3 { grow() }
        let at = slot(of: hash)
        let head = Int32(truncatingIfNeeded: slots[at] & 0xffff_ffff) - 1
        if head >= 0 && entryObject[Int(head)] == object { return }   // a second name, same hash
        if head < 0 { used += 1 }
        let entry = Int32(entryObject.count)
        entryObject.append(object)
        entryNext.append(head)
        slots[at] = UInt64(hash) << 32 | UInt64(UInt32(entry + 1))
    }

    /// Twice the slots, the lists kept as they are.
    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for value in old where value != 0 { slots[slot(of: UInt32(truncatingIfNeeded: value >> 32))] = value }
    }

    /// Objects (scope positions, ascending) that may define a name with GNU hash `hash`.
    func candidates(for hash: UInt32) -> [Int] {
        var found: [Int] = []
        var entry = Int32(truncatingIfNeeded: slots[slot(of: hash & ~1)] & 0xffff_ffff) - 1
        while entry >= 0 {
            found.append(Int(entryObject[Int(entry)]))
            entry = entryNext[Int(entry)]
        }
        if unindexed.isEmpty { return found }
        return Self.merge(found, unindexed)
    }

    private static func merge(_ a: [Int], _ b: [Int]) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i] < b[j]) {
                result.append(a[i]); i += 1
            } else {
                if i < a.count && a[i] == b[j] { i += 1 }
                result.append(b[j]); j += 1
            }
        }
        return result
    }
}

import ELFInspect

/// Which objects of a scope may define a symbol, by the name's GNU hash: built once per
/// load graph from each object's `DT_GNU_HASH` chains (no names read). A lookup then
/// visits only those objects, in scope order, instead of testing every object's Bloom
/// filter (`do_lookup_x` does the latter, which makes `ldd -r` quadratic in the closure).
/// A superset: hash collisions and symbols that fail `check_match` are still candidates,
/// and objects without a usable GNU hash table are candidates for every name.
struct DefinitionIndex {
    /// Open addressing on `hash & ~1`: `hash << 32 | (first entry + 1)`, 0 when empty.
    private let slots: [UInt64]
    private let mask: Int
    /// Entries form one list per hash, objects ascending: built from the last object to
    /// the first, each new entry goes in front.
    private let entryObject: [Int32]
    private let entryNext: [Int32]
    /// Objects the index cannot speak for (no `DT_GNU_HASH`, a broken one, an unknown
    /// symbol count), ascending: candidates for every name.
    private let unindexed: [Int]

    init(scope: [ELFFile]) {
        // A chain walk stops at the symbol count, so the counts bound the entries and the
        // table never fills (load at most 2/3).
        let bound = scope.reduce(0) { $0 + $1.symbolCount }
        var size = 16
        while size < bound + bound / 2 { size <<= 1 }
        let mask = size - 1
        var slots = [UInt64](repeating: 0, count: size)
        var objects = [Int32](repeating: 0, count: max(bound, 1))
        var next = [Int32](repeating: 0, count: max(bound, 1))
        var unindexed: [Int] = []
        var used = 0
        slots.withUnsafeMutableBufferPointer { slot in
            objects.withUnsafeMutableBufferPointer { object in
                next.withUnsafeMutableBufferPointer { link in
                    for position in scope.indices.reversed() {
                        let elf = scope[position]
                        let id = Int32(truncatingIfNeeded: position)
                        guard elf.symbolCount > 0 else { unindexed.append(position); continue }
                        var overflow = false
                        let complete = elf.forEachGnuHash { hash in
                            let at = Self.probe(UnsafeBufferPointer(slot), hash, mask)
                            let head = Int32(truncatingIfNeeded: slot[at] & 0xffff_ffff) - 1
                            if head >= 0 && object[Int(head)] == id { return }   // a second name, same hash
                            // Overlapping chains (a hostile table) can bring more entries
                            // than the counts: that object is then left to the scope walk.
                            guard used < object.count else { overflow = true; return }
                            object[used] = id
                            link[used] = head
                            slot[at] = UInt64(hash) << 32 | UInt64(UInt32(used + 1))
                            used += 1
                        }
                        if !complete || overflow { unindexed.append(position) }
                    }
                }
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
        var at = Int(truncatingIfNeeded: (UInt64(hash) &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
        while slots[at] != 0 && UInt32(truncatingIfNeeded: slots[at] >> 32) != hash { at = (at + 1) & mask }
        return at
    }

    /// Objects (scope positions, ascending) that may define a name with GNU hash `hash`.
    func candidates(for hash: UInt32) -> [Int] {
        var found: [Int] = []
        let at = slots.withUnsafeBufferPointer { Self.probe($0, hash & ~1, mask) }
        var entry = Int32(truncatingIfNeeded: slots[at] & 0xffff_ffff) - 1
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

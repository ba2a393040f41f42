import ELFInspect

/// Which objects of a scope may define a symbol, by the name's GNU hash: built once per
/// load graph from each object's `DT_GNU_HASH` chains (no names read). A lookup then
/// visits only those objects, in scope order, instead of testing every object's Bloom
/// filter (`do_lookup_x` does the latter, which makes `ldd -r` quadratic in the closure).
/// A superset: hash collisions and symbols that fail `check_match` are still candidates,
/// and objects without a usable GNU hash table are candidates for every name.
struct DefinitionIndex {
    /// Open addressing on `hash & ~1`: each used slot heads a list of entries (objects in
    /// ascending scope order, each once). A sort of all (hash, object) pairs cost a
    /// closure like gdb's more than the lookups it saved.
    private var slotHash: [UInt32]
    private var slotHead: [Int32]
    private var slotTail: [Int32]
    private var entryObject: [Int32] = []
    private var entryNext: [Int32] = []
    private let mask: Int
    /// Objects the index cannot speak for (no `DT_GNU_HASH`, or a broken one).
    private var unindexed: [Int] = []

    init(scope: [ELFFile]) {
        var tables: [(object: Int, hashes: [UInt32])] = []
        var total = 0
        for (object, elf) in scope.enumerated() {
            if let hashes = elf.gnuHashValues() {
                tables.append((object, hashes))
                total += hashes.count
            } else {
                unindexed.append(object)
            }
        }
        var size = 16
        while size < total * 2 { size <<= 1 }
        mask = size - 1
        slotHash = [UInt32](repeating: 0, count: size)
        slotHead = [Int32](repeating: -1, count: size)
        slotTail = [Int32](repeating: -1, count: size)
        entryObject.reserveCapacity(total)
        entryNext.reserveCapacity(total)
        for (object, hashes) in tables {
            for hash in hashes { insert(hash & ~1, object: Int32(truncatingIfNeeded: object)) }
        }
    }

    private func slot(of hash: UInt32) -> Int {
        // Fibonacci hashing spreads the GNU hash's low bits, which differ little for similar names.
        var at = Int(truncatingIfNeeded: (UInt64(hash) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
        while slotHead[at] >= 0 && slotHash[at] != hash { at = (at + 1) & mask }
        return at
    }

    private mutating func insert(_ hash: UInt32, object: Int32) {
        let at = slot(of: hash)
        if slotHead[at] < 0 {
            slotHash[at] = hash
            slotHead[at] = Int32(entryObject.count)
        } else {
            let tail = Int(slotTail[at])
            if entryObject[tail] == object { return }
            entryNext[tail] = Int32(entryObject.count)
        }
        slotTail[at] = Int32(entryObject.count)
        entryObject.append(object)
        entryNext.append(-1)
    }

    /// Objects (scope positions, ascending) that may define a name with GNU hash `hash`.
    func candidates(for hash: UInt32) -> [Int] {
        var found: [Int] = []
        var entry = slotHead[slot(of: hash & ~1)]
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

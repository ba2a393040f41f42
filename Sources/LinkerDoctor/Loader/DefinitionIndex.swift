import ELFInspect

/// Which objects of a scope may define a symbol, by the name's GNU hash: built once per
/// load graph from each object's `DT_GNU_HASH` chains (no names read). A lookup then
/// visits only those objects, in scope order, instead of testing every object's Bloom
/// filter (`do_lookup_x` does the latter, which makes `ldd -r` quadratic in the closure).
/// A superset: hash collisions and symbols that fail `check_match` are still candidates,
/// and objects without a usable GNU hash table are candidates for every name.
struct DefinitionIndex {
    /// `(hash & ~1) << 32 | object`, sorted: equal hashes sit together, objects in order.
    private let entries: [UInt64]
    /// Objects the index cannot speak for (no `DT_GNU_HASH`, or a broken one).
    private let unindexed: [Int]

    init(scope: [ELFFile]) {
        var entries: [UInt64] = []
        var unindexed: [Int] = []
        for (object, elf) in scope.enumerated() {
            guard let hashes = elf.gnuHashValues() else {
                unindexed.append(object)
                continue
            }
            for hash in hashes { entries.append(UInt64(hash) << 32 | UInt64(UInt32(truncatingIfNeeded: object))) }
        }
        entries.sort()
        self.entries = entries
        self.unindexed = unindexed
    }

    /// Objects (scope positions, ascending) that may define a name with GNU hash `hash`.
    func candidates(for hash: UInt32) -> [Int] {
        let key = UInt64(hash & ~1) << 32
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid] < key { low = mid + 1 } else { high = mid }
        }
        var found: [Int] = []
        var at = low
        while at < entries.count, entries[at] >> 32 == key >> 32 {
            let object = Int(entries[at] & 0xffff_ffff)
            if found.last != object { found.append(object) }
            at += 1
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

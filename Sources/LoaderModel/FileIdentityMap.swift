import RootFS

/// (st_dev, st_ino) → value, for the resolver's "is this file already read / loaded?":
/// open addressing on the pair. A `Dictionary` keyed on `FileIdentity` made the runtime look
/// up its `Hashable` conformance by scanning every conformance record of the static binary
/// (4,096 of them, a quarter of a million instructions) on every run.
struct FileIdentityMap<Value> {
    /// Entry + 1 per slot, 0 when empty; a power of two, at most half full.
    private var slots = [Int32](repeating: 0, count: 64)
    private var keys: [FileIdentity] = []
    private var values: [Value] = []

    /// Setting nil is ignored: entries are never removed.
    subscript(key: FileIdentity) -> Value? {
        get {
            let entry = slots[slot(of: key)]
            return entry == 0 ? nil : values[Int(entry) - 1]
        }
        set {
            guard let newValue else { return }
            let at = slot(of: key)
            if slots[at] != 0 {
                values[Int(slots[at]) - 1] = newValue
                return
            }
            keys.append(key)
            values.append(newValue)
            slots[at] = Int32(truncatingIfNeeded: keys.count)
            if keys.count * 2 > slots.count { grow() }
        }
    }

    private func slot(of key: FileIdentity) -> Int {
        let mask = slots.count - 1
        let mixed = (key.inode &* 0x9E37_79B9_7F4A_7C15) ^ (key.device &* 0xC2B2_AE3D_27D4_EB4F)
        var at = Int(truncatingIfNeeded: mixed >> 32) & mask
        while slots[at] != 0 && keys[Int(slots[at]) - 1] != key { at = (at + 1) & mask }
        return at
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        for (i, key) in keys.enumerated() { slots[slot(of: key)] = Int32(truncatingIfNeeded: i + 1) }
    }
}

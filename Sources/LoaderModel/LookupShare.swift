/// Which of a closure's references one thread of the symbol check looks up: all of them, or
/// the names whose mixed GNU hash has its top bit clear (the first thread) or set (the second). By name, not by position, so that every
/// reference to a name (and its memo entry) stays with one thread, and the costly names —
/// a closure's last objects ask for the most — fall to both sides alike.
enum LookupShare: Equatable {
    case all
    case hashBitClear
    case hashBitSet

    func takes(_ nameHash: UInt32) -> Bool {
        // The top bit of the hash times an odd constant: every bit of the name's hash mixed
        // in (a GNU hash's low bits follow the last characters).
        let bitSet = (nameHash &* 0x9E37_79B1) >> 31 == 1
        switch self {
        case .all: return true
        case .hashBitClear: return !bitSet
        case .hashBitSet: return bitSet
        }
    }
}

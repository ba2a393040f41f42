/// Version index (`vd_ndx`, `vna_other`) → value, for the handful of versions one file
/// has: two sorted arrays instead of a dictionary (a dictionary per file cost a kilobyte
/// and most of `ELFFile.init`'s time in a closure of thousands of small libraries).
/// A later value for the same index replaces an earlier one, as assignment would.
public struct VersionIndexMap<Value> {
    private var keys: [UInt16] = []
    private var values: [Value] = []

    public init() {}

    /// From `(index, value)` pairs in file order.
    public init(_ pairs: [(UInt16, Value)]) {
        // Sort by index, keeping file order among equal ones, then keep each index's last.
        let ordered = pairs.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }
        keys.reserveCapacity(ordered.count)
        values.reserveCapacity(ordered.count)
        for (_, pair) in ordered {
            if keys.last == pair.0 {
                values[values.count - 1] = pair.1
            } else {
                keys.append(pair.0)
                values.append(pair.1)
            }
        }
    }

    public subscript(index: UInt16) -> Value? {
        var low = 0, high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid] < index { low = mid + 1 } else { high = mid }
        }
        return low < keys.count && keys[low] == index ? values[low] : nil
    }
}

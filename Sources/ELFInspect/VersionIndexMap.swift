/// Version index (`vd_ndx`, `vna_other`) → value, for the handful of versions one file
/// has: two sorted arrays instead of a dictionary (a dictionary per file cost a kilobyte
/// and most of `ELFFile.init`'s time in a closure of thousands of small libraries).
/// A later value for the same index replaces an earlier one, as assignment would.
/// Inlinable so that users in other modules get it specialised for their value type.
public struct VersionIndexMap<Value> {
    @usableFromInline var keys: [UInt16] = []
    @usableFromInline var values: [Value] = []

    @inlinable
    public init() {}

    /// From `(index, value)` pairs in file order.
    @inlinable
    public init(_ pairs: [(UInt16, Value)]) {
        // Linkers write indices ascending: then the pairs are the map as they stand.
        var ascending = true
        for k in pairs.indices.dropFirst() where pairs[k - 1].0 >= pairs[k].0 {
            ascending = false
            break
        }
        if ascending {
            keys = pairs.map(\.0)
            values = pairs.map(\.1)
            return
        }
        // Sort positions by (index, file order) packed in one integer, then keep each
        // index's last value.
        var order = [UInt64]()
        order.reserveCapacity(pairs.count)
        for (position, pair) in pairs.enumerated() { order.append(UInt64(pair.0) << 32 | UInt64(position)) }
        order.sort()
        keys.reserveCapacity(order.count)
        values.reserveCapacity(order.count)
        for packed in order {
            let pair = pairs[Int(packed & 0xffff_ffff)]
            if keys.last == pair.0 {
                values[values.count - 1] = pair.1
            } else {
                keys.append(pair.0)
                values.append(pair.1)
            }
        }
    }

    @inlinable
    public subscript(index: UInt16) -> Value? {
        var low = 0, high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid] < index { low = mid + 1 } else { high = mid }
        }
        return low < keys.count && keys[low] == index ? values[low] : nil
    }
}

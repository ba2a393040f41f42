/// Version index (`vd_ndx`, `vna_other`) → value, for the handful of versions one file
/// has: two sorted arrays instead of a dictionary (a dictionary per file cost a kilobyte
/// and most of `ELFFile.init`'s time in a closure of thousands of small libraries).
/// A later value for the same index replaces an earlier one, as assignment would.
/// Inlinable so that users in other modules get it specialised for their value type.
public struct VersionIndexMap<Value> {
    @usableFromInline var keys: [UInt16] = []
    @usableFromInline var values: [Value] = []

    /// One index and its value. (A struct, not a tuple: an array of tuples has its type
    /// looked up at run time on each allocation, hundreds of instructions a file.)
    public struct Pair {
        public var index: UInt16
        public var value: Value
        @inlinable
        public init(index: UInt16, value: Value) {
            self.index = index
            self.value = value
        }
    }

    @inlinable
    public init() {}

    /// From pairs in file order.
    @inlinable
    public init(_ pairs: [Pair]) {
        // Linkers write indices ascending: then the pairs are the map as they stand.
        var ascending = true
        for k in pairs.indices.dropFirst() where pairs[k - 1].index >= pairs[k].index {
            ascending = false
            break
        }
        if ascending {
            keys = pairs.map(\.index)
            values = pairs.map(\.value)
            return
        }
        // Sort positions by (index, file order) packed in one integer, then keep each
        // index's last value.
        var order = [UInt64]()
        order.reserveCapacity(pairs.count)
        for (position, pair) in pairs.enumerated() { order.append(UInt64(pair.index) << 32 | UInt64(position)) }
        order.sort()
        keys.reserveCapacity(order.count)
        values.reserveCapacity(order.count)
        for packed in order {
            let pair = pairs[Int(packed & 0xffff_ffff)]
            if keys.last == pair.index {
                values[values.count - 1] = pair.value
            } else {
                keys.append(pair.index)
                values.append(pair.value)
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

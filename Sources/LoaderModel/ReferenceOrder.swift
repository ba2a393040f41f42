/// Findings of the symbol check's two threads put back in the order of the references
/// they came from, as one thread would have found them.
enum ReferenceOrder {
    /// A finding and the position of the reference it is about.
    struct Item<Element> {
        var position: Int
        var element: Element
    }

    /// The elements of `first` and `second` (each ascending by position, no position in
    /// both), ascending by position.
    static func merged<Element>(_ first: [Item<Element>], _ second: [Item<Element>]) -> [Element] {
        var merged: [Element] = []
        merged.reserveCapacity(first.count + second.count)
        var i = 0, j = 0
        while i < first.count || j < second.count {
            if j == second.count || (i < first.count && first[i].position < second[j].position) {
                merged.append(first[i].element)
                i += 1
            } else {
                merged.append(second[j].element)
                j += 1
            }
        }
        return merged
    }
}

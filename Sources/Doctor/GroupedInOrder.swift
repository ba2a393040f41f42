extension Sequence {
    /// The elements grouped by `key`: the groups in the order their first elements appear,
    /// each group's elements in theirs. (`Dictionary(grouping:)` loses the order, which is
    /// the loader's and the report's.)
    func groupedInOrder<Key: Hashable>(by key: (Element) -> Key) -> [[Element]] {
        var groups: [[Element]] = []
        var position: [Key: Int] = [:]
        for element in self {
            let k = key(element)
            if let i = position[k] { groups[i].append(element) } else { position[k] = groups.count; groups.append([element]) }
        }
        return groups
    }
}

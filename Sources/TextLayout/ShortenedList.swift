import Support

/// A list for a person at a glance: the first few items and how many more, or all of them
/// when asked (`--verbose`); scripts get every item from JSON.
public struct ShortenedList: Sendable, Equatable {
    public var items: [String]
    /// How many items a shortened list shows.
    public var limit: Int
    /// What one item is, for the count: `directory` → `and 3 more directories`.
    public var noun: String
    public var plural: String

    public init(_ items: [String], limit: Int, noun: String, plural: String? = nil) {
        self.items = items
        self.limit = max(1, limit)
        self.noun = noun
        self.plural = plural ?? noun + "s"
    }

    /// True when `text(verbose: false)` leaves items out.
    public var isShortened: Bool { items.count > limit + 1 }

    /// `a, b, c and 12 more directories`, or every item: one more than the limit is shown
    /// rather than counted (`and 1 more` saves nothing).
    public func text(verbose: Bool, separator: String = ", ") -> String {
        guard !verbose, isShortened else { return items.joined(separator: separator) }
        let left = items.count - limit
        return items.prefix(limit).joined(separator: separator) + " and \(left) more \(left == 1 ? noun : plural)"
    }
}

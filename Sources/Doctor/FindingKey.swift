/// Which failure a finding is, finer than its id: several LD002 findings share the id, one
/// per missing library and requester. The planner matches blockers and fixes by this key.
public struct FindingKey: Hashable, Sendable {
    public var rule: Rule
    /// The library (empty when the finding names none).
    public var library: String
    /// The first object that needs it (empty when none).
    public var requester: String
}

extension Finding {
    public var key: FindingKey { FindingKey(rule: rule, library: library ?? "", requester: neededBy.first ?? "") }
}

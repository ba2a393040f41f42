/// What no automatic fix can do: a step for a person, tied to the finding it clears.
public struct Blocker: Hashable, Sendable, CustomStringConvertible {
    /// The finding's id (`OF001`, `LD002`, `OF103`, …).
    public var findingID: FindingID
    /// What is wrong, in one line.
    public var summary: String
    /// The exact command or download that clears it.
    public var remedy: String?
    /// The finding's identity within its id (several LD002 findings share an id).
    var findingKey: FindingKey?
    /// The step undoes the finding's own remedy (a copy it would link is one others may
    /// change): the finding then says this step's remedy instead.
    var replacesRemedy = false
    /// New notes for the finding's candidates, by path (a companion others may change is
    /// not linked after all).
    var candidateNotes: [String: String] = [:]

    public init(findingID: FindingID, summary: String, remedy: String?, findingKey: FindingKey? = nil,
                replacesRemedy: Bool = false) {
        self.findingID = findingID
        self.summary = summary
        self.remedy = remedy
        self.findingKey = findingKey
        self.replacesRemedy = replacesRemedy
    }

    public var description: String { "\(findingID): \(summary)" + (remedy.map { " — \($0)" } ?? "") }
}

import Doctor

/// One problem with an item of `docker_resources/`, with its stable `RS0xx` id
/// (docs/findings-resources.md).
public struct ResourceFinding: Equatable, Sendable {
    public var id: FindingID
    public var severity: Severity
    /// The item's path relative to the checked directory.
    public var path: String
    /// One line.
    public var summary: String
    /// What was found and why it matters for the image build.
    public var explanation: String
    /// What a person does about it.
    public var remedy: String

    public init(id: FindingID, severity: Severity, path: String, summary: String, explanation: String, remedy: String) {
        self.id = id
        self.severity = severity
        self.path = path
        self.summary = summary
        self.explanation = explanation
        self.remedy = remedy
    }
}

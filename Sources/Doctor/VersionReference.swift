/// One `DT_VERNEED` entry the found library does not define, as the loader prints it:
/// ``FILE: version `NAME' not found (required by REQUESTER)``.
public struct VersionReference: Hashable, Sendable {
    public var name: String
    public var requester: String

    public init(name: String, requester: String) {
        self.name = name
        self.requester = requester
    }
}

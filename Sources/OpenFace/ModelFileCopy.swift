import Doctor
import RootFS

/// Copy `source` to `destination` (both in the root; parent folders may need creating) so
/// that the program finds a model file it would otherwise miss.
public struct ModelFileCopy: Hashable, Sendable {
    public var source: RootPath
    public var destination: RootPath
    /// The finding ids (`OF1xx`) this copy fixes.
    public var fixes: [FindingID]

    public init(source: RootPath, destination: RootPath, fixes: [FindingID] = []) {
        self.source = source
        self.destination = destination
        self.fixes = fixes
    }
}

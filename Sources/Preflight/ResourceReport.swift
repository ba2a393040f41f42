/// The outcome of `ResourceCheck`: findings, and the exit status `check`'s table gives them.
public struct ResourceReport: Equatable, Sendable {
    public var directory: String
    public var findings: [ResourceFinding]

    /// 0 when nothing but notes was found; 2 otherwise (no item can be fixed automatically:
    /// a person downloads it again). 3 is for an unreadable DIR, thrown as `ResourceReadError`.
    public var exitCode: Int32 {
        findings.contains { $0.severity != .info } ? 2 : 0
    }
}

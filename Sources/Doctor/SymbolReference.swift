/// One reference the loader cannot bind, as `ldd -r` prints it:
/// `undefined symbol: NAME[, version VERSION]	(REQUESTER)`.
public struct SymbolReference: Hashable, Sendable {
    public var name: String
    /// The symbol version the reference asks for; nil for an unversioned reference.
    public var version: String?
    /// The object whose relocation needs it.
    public var requester: String

    public init(name: String, version: String?, requester: String) {
        self.name = name
        self.version = version
        self.requester = requester
    }

    /// `name@version`, or the bare name.
    public var qualifiedName: String { name + (version.map { "@" + $0 } ?? "") }
}

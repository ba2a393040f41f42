/// What a new image adds to the image it is written from: one layer on top, the config's
/// `Env` changed, and a history entry saying who added the layer and why.
public struct ImageAddition: Sendable {
    /// The new top layer: an uncompressed tar, whose SHA-256 is its diff ID.
    public var layer: [UInt8]
    /// `config.Env` changes in order: NAME → value, or nil to remove the variable.
    public var environment: [(name: String, value: String?)]
    /// The history entry's `created` (RFC 3339), `created_by` and `comment`.
    public var created: String
    public var createdBy: String
    public var comment: String

    public init(layer: [UInt8], environment: [(name: String, value: String?)], created: String,
                createdBy: String, comment: String) {
        self.layer = layer
        self.environment = environment
        self.created = created
        self.createdBy = createdBy
        self.comment = comment
    }
}

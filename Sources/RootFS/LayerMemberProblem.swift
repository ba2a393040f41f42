/// Why a layer member cannot be applied as Docker would apply it: Docker itself refuses
/// such a layer, so the image cannot be the one a container runs.
enum LayerMemberProblem: Error, Equatable, Sendable {
    /// Which text of the member is at fault.
    enum Field: Equatable, Sendable {
        case name, linkTarget
    }

    /// The name, once cleaned, climbs above the layer's root (`a/../../x`).
    case climbsAboveRoot(name: String)
    /// A hard link names a member above the layer's root.
    case linkClimbsAboveRoot(name: String, target: String)
    /// The name or link text has `PATH_MAX` bytes or more: the kernel takes no such path.
    case tooLong(name: String, field: Field)
    /// A hard link names nothing the layers made so far, or a directory: link(2) fails.
    case linkTargetNotAFile(name: String, target: String)
}

/// Why a layer member cannot be applied as Docker would apply it: Docker itself refuses
/// such a layer, so the image cannot be the one a container runs.
enum LayerMemberProblem: Error, Equatable, Sendable {
    /// Which text of the member is at fault.
    enum Field: Equatable, Sendable {
        case name, linkTarget
    }

    /// The name or link text has `PATH_MAX` bytes or more: the kernel takes no such path.
    case tooLong(name: String, field: Field)
    /// A hard link names nothing the layers made so far, or a directory: link(2) fails.
    case linkTargetNotAFile(name: String, target: String)
    /// A parent of the member is a file (or a link to one), a link that loops or one that
    /// dangles, at the point the member is met: the unpack's open or mkdir fails.
    case parentNotADirectory(name: String, parent: BlockedParent)
}

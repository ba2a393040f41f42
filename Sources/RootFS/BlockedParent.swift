/// What stands where a layer member needs a directory above it, so that the unpack fails.
public enum BlockedParent: Equatable, Sendable {
    /// A file, or a link to one: ENOTDIR.
    case file
    /// A symbolic link loop: ELOOP.
    case linkLoop
    /// A symbolic link to nothing: the unpack's mkdir -p does not make a link's target
    /// (moby's `MkdirAll` meets the link: EEXIST; its open: ENOENT).
    case danglingLink

    /// The unpack's own words (strerror) for it.
    var errorText: String {
        switch self {
        case .file: "not a directory"
        case .linkLoop: "too many levels of symbolic links"
        case .danglingLink: "no such file or directory"
        }
    }

    /// What it is, for a message.
    var noun: String {
        switch self {
        case .file: "a file (or a link to one), not a directory"
        case .linkLoop: "a symbolic link loop"
        case .danglingLink: "a symbolic link to nothing"
        }
    }
}

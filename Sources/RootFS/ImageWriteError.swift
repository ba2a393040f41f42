import Archive

/// Why a new image could not be written from an existing one.
public enum ImageWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input image could not be read.
    case input(ImageRootError)
    /// A document of the input (config, manifest, index) is not what the formats describe.
    case badDocument(path: String, member: String, reason: String)
    /// The output path is the input itself, or something that cannot be replaced by a new image.
    case badOutput(path: String, reason: String)
    /// Writing the new image failed; nothing is left at the output path.
    case write(path: String, cause: ArchiveWriteError)

    public var description: String {
        switch self {
        case .input(let error): return error.description
        case .badDocument(let p, let m, let r): return "\(p): \(m): \(r); save the image again with `docker save IMAGE -o FILE.tar`"
        case .badOutput(let p, let r): return "\(p): \(r)"
        case .write(let p, let cause): return "\(p): \(cause); nothing was written there"
        }
    }
}

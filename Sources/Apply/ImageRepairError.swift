import Archive
import Doctor
import LoaderModel
import RootFS
import Support

/// Why `fix --image IN --output OUT` wrote nothing at OUT.
public enum ImageRepairError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The plan cannot be written as asked (as `fix --apply` refuses it).
    case plan(ApplyError)
    /// The plan writes where the image already has something else: `fix --apply` never
    /// overwrites what it did not create, and neither does a repaired image.
    case conflict(paths: [String])
    /// The plan runs ldconfig, and the image has no `/etc` directory for its cache.
    case noEtc
    /// A directory the layer writes into is not one in the image.
    case notADirectory(String)
    case layer(ArchiveWriteError)
    /// Reading IN, or writing OUT, failed.
    case image(ImageWriteError)
    /// OUT as written could not be read back for the check.
    case readBack(ImageRootError)
    case analysis(String)
    /// The check of OUT as written did not come out healthy (or with only the person's
    /// findings): OUT was removed.
    case notProven(left: [String])

    public var description: String {
        switch self {
        case .plan(let error): return error.description
        case .conflict(let paths):
            return "the plan would write over \(paths.joined(separator: ", ")), which the image already has; "
                + "nothing was written (fix --apply refuses this too): remove or rename it in the image's build"
        case .noEtc: return "the image has no /etc directory, where ldconfig writes ld.so.cache; nothing was written"
        case .notADirectory(let path): return "\(path) is not a directory in the image; nothing was written"
        case .layer(let cause): return "the new layer could not be built: \(cause)"
        case .image(let error): return error.description
        case .readBack(let error): return "the new image could not be read back for its check: \(error); nothing was written"
        case .analysis(let reason): return reason
        case .notProven(let left):
            return "the new image, checked as written, would still fail (\(left.joined(separator: ", "))); nothing was written. "
                + "Please report this with `ofdoctor check --image IN --format json`"
        }
    }
}

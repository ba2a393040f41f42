/// Something the environment or an object asked of the loader that secure-execution mode
/// made it leave out.
public enum SecureModeOmission: Equatable, Sendable {
    /// `LD_LIBRARY_PATH` with this value.
    case libraryPath(String)
    /// An `LD_PRELOAD` name with a `/` (or too long for a file name).
    case preloadPath(String)
    /// An RPATH/RUNPATH element (`source`) or a needed name (nil) whose `$ORIGIN` the loader
    /// refuses here: not first in its element, or for the program, outside the system
    /// directories.
    case originElement(String, owner: String, source: SearchSource?)

    public var description: String {
        switch self {
        case .libraryPath(let value): return "LD_LIBRARY_PATH=\(value)"
        case .preloadPath(let name): return "the LD_PRELOAD entry \(name)"
        case .originElement(let element, let owner, let source):
            return source.map { "\(element) in the \($0.label) of \(owner)" } ?? "the name \(element) needed by \(owner)"
        }
    }
}

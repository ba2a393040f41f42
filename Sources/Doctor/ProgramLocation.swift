import LoaderModel
import RootFS
import Support

/// Where the program is inside the root and how it is started: `argv[0]` is the name as
/// typed, which the loader prints in its messages (`FeatureExtraction: error while …`).
public struct ProgramLocation: Equatable, Sendable {
    public var path: RootPath
    public var argv0: String
    /// True when found through `PATH` (OpenFace then cannot find models beside itself).
    public var viaPATH: Bool

    public init(path: RootPath, argv0: String, viaPATH: Bool) {
        self.path = path
        self.argv0 = argv0
        self.viaPATH = viaPATH
    }

    /// The design's default program, and the places it is looked for after `PATH`: OpenFace's
    /// build tree and its install prefix. Any bare program name is looked for there too.
    public static let defaultName = "FeatureExtraction"
    public static let defaultDirectories = ["/opt/OpenFace/build/bin", "/usr/local/bin"]
    public static var defaultPaths: [String] { defaultPaths(for: defaultName) }
    public static func defaultPaths(for name: String) -> [String] { defaultDirectories.map { $0 + "/" + name } }
    /// The `PATH` a container gets when its image sets none (Docker's default).
    public static let defaultSearchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    public enum LookupError: Error, Equatable, Sendable, CustomStringConvertible {
        /// `searched`: the directories tried, in order, each once; `elsewhere`: executable
        /// files of that name the root holds in other places (`ProgramSearch`); `similar`:
        /// when there are none, the program in those directories whose name is the closest
        /// to the one typed (`ProgramNameMatch`); `inWorkingDirectory`: the file of that name
        /// in the working directory, which a name without a slash never means (the others are
        /// then not looked for).
        case notFound(name: String, searched: [String], elsewhere: [String] = [], similar: String? = nil,
                      inWorkingDirectory: String? = nil)
        /// An empty name (`check ''`), which names no file.
        case emptyName
        public var description: String {
            switch self {
            case .emptyName:
                return "the program name is empty; give a program's name or path (FeatureExtraction when none is given)"
            case .notFound(let name, let searched, let elsewhere, let similar, let inWorkingDirectory):
                let shown = searched.count <= 6 ? searched.joined(separator: ", ")
                    : searched.prefix(5).joined(separator: ", ") + " and \(searched.count - 5) more"
                if let inWorkingDirectory {
                    let directory = RootPath(inWorkingDirectory).parent.string
                    return "\(name): no such program in \(shown); the working directory \(directory) has one, but a name "
                        + "without a slash is looked up on PATH alone, as a shell does; check ./\(name)"
                }
                if elsewhere.isEmpty, let similar { return "\(name): no such program in \(shown); did you mean \(similar)?" }
                guard let first = elsewhere.first else { return "\(name): no such program in \(shown); give its path" }
                let others = elsewhere.count == 1 ? "" : " (and \(elsewhere.dropFirst().joined(separator: ", ")))"
                return "\(name): no such program in \(shown); the root has one at \(first)\(others)"
            }
        }
    }

    /// Finds `binary` (nil: the default program) inside the root.
    /// - A path with a slash is taken as given; a relative one starts from the environment's
    ///   working directory (`--cwd`, or the caller's directory on this machine's own root),
    ///   as a shell started there would.
    /// - A bare name is looked up on the target's `PATH`, then in the default places.
    public static func find(_ binary: String?, root: RootView, environment: LoaderEnvironment) throws(LookupError) -> ProgramLocation {
        let name = binary ?? defaultName
        guard !name.isEmpty else { throw .emptyName }
        if name.containsSlash {
            return ProgramLocation(path: path(name, in: environment), argv0: name, viaPATH: false)
        }
        if let found = lookUpOnPath(name, root: root, environment: environment) { return found }
        for path in defaultPaths(for: name) where isProgram(RootPath(path), root) {
            return ProgramLocation(path: RootPath(path), argv0: path, viaPATH: false)
        }
        var searched: [String] = []
        for directory in searchDirectories(environment) + defaultDirectories where !searched.contains(directory) {
            searched.append(directory)
        }
        // ldd and libtree take `app` for ./app; the shell (and so ofdoctor) does not, but the
        // file there is surely the one meant.
        let here = path(name, in: environment)
        if (try? root.resolve(here))?.entry.kind == .file {
            throw .notFound(name: name, searched: searched, inWorkingDirectory: here.string)
        }
        let elsewhere = ProgramSearch.find(name, root: root).map(\.string)
        throw .notFound(name: name, searched: searched, elsewhere: elsewhere,
                        similar: elsewhere.isEmpty ? similarProgram(to: name, in: searched, root: root)?.string : nil)
    }

    /// `name` as a path in the root: as given when absolute, else from the environment's
    /// working directory, as the kernel and a shell started there take it.
    public static func path(_ name: String, in environment: LoaderEnvironment) -> RootPath {
        let base = environment.workingDirectory
        return RootPath(name.startsWithSlash ? name : (base.startsWithSlash ? base : "/" + base) + "/" + name)
    }

    /// The program in `directories` (the first of them that holds it) whose name is the
    /// closest to `name`, for a name that is a typing slip.
    public static func similarProgram(to name: String, in directories: [String], root: RootView) -> RootPath? {
        var names: [String] = []
        var seen = Set<String>()
        for directory in directories {
            for entry in (try? root.names(in: RootPath(directory))) ?? [] where seen.insert(entry).inserted { names.append(entry) }
        }
        for candidate in ProgramNameMatch.ranked(name, among: names) {
            for directory in directories where isProgram(RootPath(directory + "/" + candidate), root) {
                return RootPath(directory + "/" + candidate)
            }
        }
        return nil
    }

    public static func searchDirectories(_ environment: LoaderEnvironment) -> [String] {
        (environment.variables["PATH"] ?? defaultSearchPath).split(bytes: { $0 == UInt8(ascii: ":") }).filter(\.startsWithSlash)
    }

    public static func lookUpOnPath(_ name: String, root: RootView, environment: LoaderEnvironment) -> ProgramLocation? {
        for directory in searchDirectories(environment) {
            let path = RootPath(directory + "/" + name)
            if isProgram(path, root) { return ProgramLocation(path: path, argv0: name, viaPATH: true) }
        }
        return nil
    }

    public static func isProgram(_ path: RootPath, _ root: RootView) -> Bool {
        guard let found = try? root.resolve(path) else { return false }
        return found.entry.kind == .file && found.entry.mode & 0o111 != 0
    }
}

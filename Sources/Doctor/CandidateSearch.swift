import LoaderModel
import RootFS
import Support

/// Where the root keeps copies of the libraries the loader cannot find, read where such
/// copies usually are first. A root can hold hundreds of thousands of files (a conda
/// package cache, site-packages trees), so it is read in stages, each only when the ones
/// before hold no usable copy of a library asked for:
///
/// 1. likely places, each directory alone: where the program and its libraries are, the
///    program's `../lib` and `lib`, every directory the loader searched, and the library and Python
///    directories of the prefixes under `/opt`, `/usr/local`, `/root` and `/home/*` (a
///    conda environment's `lib`, its `envs/*/lib`, a wheel's `*.libs` or `.libs`);
/// 2. the whole `/opt`, `/usr/local`, `/root`, `/home` and `/srv` trees;
/// 3. the rest of the root.
public struct CandidateSearch: Sendable {
    public enum Stage: String, Sendable, Codable, CaseIterable {
        case likelyPlaces = "likely-places"
        case prefixTrees = "prefix-trees"
        case wholeRoot = "whole-root"
    }

    /// How much one search read: the stages run, with the directories each listed.
    public struct Record: Equatable, Sendable {
        public struct StageRead: Equatable, Sendable {
            public var stage: Stage
            public var directories: Int
        }

        public var stages: [StageRead] = []
        /// Directories the stages could not list (`LibraryIndex.unreadable`).
        public var unreadable: [LibraryIndex.UnreadableDirectory] = []

        public var directories: Int { stages.reduce(0) { $0 + $1.directories } }

        /// One line for a report: "12 directories in the likely places, then …".
        public var summary: String {
            stages.enumerated().map { i, read in
                let count = i == 0 ? "\(read.directories) director\(read.directories == 1 ? "y" : "ies")" : "\(read.directories)"
                switch read.stage {
                case .likelyPlaces: return "\(count) in the likely places"
                case .prefixTrees: return "\(count) in the /opt, /usr/local, /root, /home and /srv trees"
                case .wholeRoot: return "\(count) in the rest of the root"
                }
            }.joined(separator: ", then ")
        }
    }

    public private(set) var index: LibraryIndex
    public private(set) var record = Record()
    let root: RootView
    /// Stage 1's own directories, as the loader spells them (`ownDirectories`).
    let ownDirectories: [String]
    /// Top directories of stage 2, real paths (also skipped by stage 3).
    private var trees: [RootPath] = []
    /// Stage 1's listings by real directory: a prefix's `lib` is both read and looked into.
    private var listings: [RootPath: [(name: String, kind: RootEntry.Kind?)]] = [:]

    /// The directories searched as roots of prefixes (stage 1) and walked whole (stage 2).
    static let prefixTops = ["/opt", "/usr/local", "/root", "/home", "/srv"]

    /// - Parameter glibc: the root's, whose ldconfig decides which names are libraries.
    public init(root: RootView, glibc: GlibcVersion, ownDirectories: [String]) {
        self.root = root
        index = LibraryIndex(glibc: glibc)
        self.ownDirectories = ownDirectories
    }

    /// Where the program and its libraries are, the program's `../lib`, `../lib64`, `lib` and `lib64`, and
    /// every directory the loader searched for what is missing, then the default ones
    /// (other sonames there are candidates too).
    /// Each directory once, where it first comes (every missing library's search tried the
    /// same places).
    public static func ownDirectories(of graph: LoadGraph) -> [String] {
        var directories: [String] = []
        // (by bytes: canonically equivalent directories are two; grown from empty, it rehashed at each doubling)
        var seen = Set<TextKey>(minimumCapacity: 64)
        func add(_ directory: String) {
            if seen.insert(TextKey(directory)).inserted { directories.append(directory) }
        }
        for object in graph.objects where object.foundVia != .vdso { add(Resolver.directoryName(object.realPath)) }
        if let program = graph.objects.first {
            // Its `../lib` (an install prefix) and its own `lib` (a build tree, what a
            // relative or `$ORIGIN/lib` run path names).
            let directory = Resolver.directoryName(program.realPath)
            for base in [Resolver.directoryName(directory), directory] {
                for lib in ["lib", "lib64"] { add((base == "/" ? "" : base) + "/" + lib) }
            }
        }
        // Every missing library's search tries the same places, as a rule: a place the one
        // before tried at the same step is in already (equal strings compare cheaper than they hash).
        var before: [String] = []
        for missing in graph.missing {
            var trail: [String] = []
            for k in missing.trail.indices {   // by index: no copy of each attempt
                let directory = missing.trail[k].directoryName
                trail.append(directory)
                if k >= before.count || !before[k].hasSameBytes(as: directory) { add(directory) }
            }
            before = trail
        }
        for directory in graph.platform.defaultDirectories { add(directory) }
        return directories
    }

    /// Reads stage after stage until `name` has a copy `accept` takes (or the root is read):
    /// a file of that name, or one whose name goes on past it (`LibraryIndex.versionedFiles`).
    public mutating func find(_ name: String, accept: (String) -> Bool) {
        while !index.paths(named: name).contains(where: accept) && !index.versionedFiles(of: name).contains(where: accept) {
            guard runNextStage() else { return }
        }
    }

    /// False when every stage has run.
    private mutating func runNextStage() -> Bool {
        let before = index.directoriesRead
        let stage: Stage
        switch record.stages.last?.stage {
        case nil:
            stage = .likelyPlaces
            readLikelyPlaces()
        case .likelyPlaces:
            stage = .prefixTrees
            trees = Self.prefixTops.compactMap(realDirectory)
            for top in trees { index.addTree(top, root: root) }
        case .prefixTrees:
            stage = .wholeRoot
            index.addTree(.root, root: root, skipping: Set(trees.map(\.string)))
        case .wholeRoot:
            return false
        }
        record.stages.append(.init(stage: stage, directories: index.directoriesRead - before))
        record.unreadable = index.unreadable
        return true
    }

    // MARK: - likely places

    private mutating func readLikelyPlaces() {
        // A directory named twice is listed once all the same (`listing`).
        for directory in ownDirectories {
            guard let real = realDirectory(directory) else { continue }
            _ = listing(of: real)
        }
        for top in Self.prefixTops {
            guard let real = realDirectory(top) else { continue }
            for prefix in prefixes(under: real, homes: top == "/home") { readPrefix(prefix) }
        }
        readPythonDirectories(of: RootPath("/usr"))
    }

    /// `top`, its subdirectories and theirs (a prefix is rarely deeper: /opt/conda,
    /// /opt/OpenFace/build, /root/miniconda3), and each one's conda `envs/*`; under
    /// `/home`, the same from each home directory.
    private mutating func prefixes(under top: RootPath, homes: Bool) -> [RootPath] {
        if homes {
            return subdirectories(of: top).flatMap { prefixes(under: $0, homes: false) }
        }
        var result = [top]
        for first in subdirectories(of: top) {
            result.append(first)
            for second in subdirectories(of: first) {
                if second.lastComponent == "envs" { result += subdirectories(of: second) } else { result.append(second) }
            }
        }
        return result
    }

    /// A prefix's `lib` and `lib64`, and its Python packages' library directories.
    private mutating func readPrefix(_ prefix: RootPath) {
        for name in ["lib", "lib64"] {
            guard let lib = realDirectory(name, in: prefix) else { continue }
            _ = listing(of: lib)
        }
        readPythonDirectories(of: prefix)
    }

    /// `lib/python*/{site,dist}-packages` of `prefix`: each wheel's vendored libraries
    /// (`numpy.libs`, `pkg/.libs`, `torch/lib`).
    private mutating func readPythonDirectories(of prefix: RootPath) {
        guard let lib = realDirectory("lib", in: prefix) else { return }
        for python in subdirectories(of: lib) where python.lastComponent.hasPrefix("python") {
            for packages in ["site-packages", "dist-packages"] {
                guard let site = realDirectory(packages, in: python) else { continue }
                for package in subdirectories(of: site) {
                    if package.lastComponent.hasSuffix(".libs") {
                        _ = listing(of: package)
                        continue
                    }
                    for inner in [".libs", "lib"] {
                        let path = package.appendingComponent(inner)
                        if (try? root.filesystem.entry(at: path))??.kind == .directory { _ = listing(of: path) }
                    }
                }
            }
        }
    }

    // MARK: - paths

    /// Where `path` leads when it is a directory (its real path), else nil.
    private func realDirectory(_ path: String) -> RootPath? {
        guard let resolved = try? root.resolve(RootPath(path)), resolved.entry.kind == .directory else { return nil }
        return resolved.path
    }

    /// The same for `name` in the real directory `directory`: one look at the name, no walk.
    private func realDirectory(_ name: String, in directory: RootPath) -> RootPath? {
        guard let resolved = try? root.resolve(name, inResolvedDirectory: directory), resolved.entry.kind == .directory
        else { return nil }
        return resolved.path
    }

    /// The real directory `directory`'s entries, its library names indexed; listed once.
    private mutating func listing(of directory: RootPath) -> [(name: String, kind: RootEntry.Kind?)] {
        if let known = listings[directory] { return known }
        let entries = index.addDirectory(directory, root: root)
        listings[directory] = entries
        return entries
    }

    /// The real subdirectories of the real directory `directory` (symlinks not followed).
    private mutating func subdirectories(of directory: RootPath) -> [RootPath] {
        listing(of: directory).compactMap { entry in
            let path = directory.appendingComponent(entry.name)
            let kind = entry.kind ?? (try? root.filesystem.entry(at: path))??.kind
            return kind == .directory ? path : nil
        }
    }
}

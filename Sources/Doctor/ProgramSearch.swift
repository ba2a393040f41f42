import RootFS
import Support

/// Where a program is when the name on the command line (or the default, FeatureExtraction)
/// is not on `PATH` nor in the default places, or its path is not in the root: executable
/// files of that name, looked for
/// where builds and installs go — the `/opt`, `/usr/local`, `/root`, `/home`, `/srv` and
/// `/workspace` trees — and then the rest of the root, which is read only when those hold
/// none. Only for that failure: a check whose program was found never walks the root.
public struct ProgramSearch: Sendable {
    /// Top directories read first.
    static let likelyTrees = ["/opt", "/usr/local", "/root", "/home", "/srv", "/workspace"]
    /// Never entered: kernel and runtime trees, caches, documentation, configuration (the
    /// scripts of /etc's cron and init directories are no one's program to check).
    static let pruned: Set<String> = ["/proc", "/sys", "/dev", "/run", "/etc", "/tmp", "/var/tmp", "/var/cache", "/var/log",
                                      "/var/lib", "/usr/share", "/usr/include", "/boot"]
    /// Bounds for a hostile or huge root: directories listed in all, and depth below a top.
    static let maxDirectories = 20_000
    static let maxDepth = 12
    /// How many found paths are kept.
    static let maxFound = 3

    /// Executable regular files named `name`, in the order found (name order, depth first,
    /// the likely trees before the rest), at most `maxFound`.
    public static func find(_ name: String, root: RootView) -> [RootPath] {
        guard !name.isEmpty, !name.containsSlash else { return [] }
        var search = ProgramSearch(name: name, root: root)
        let tops = likelyTrees.map { RootPath($0) }.filter { search.isRealDirectory($0) }
        for top in tops { search.walk(top, skipping: []) }
        if search.found.isEmpty { search.walk(.root, skipping: Set(tops.map { $0.string })) }
        return search.found
    }

    let name: String
    let root: RootView
    var found: [RootPath] = []
    var listed = 0

    private func isRealDirectory(_ path: RootPath) -> Bool {
        (try? root.filesystem.entry(at: path))??.kind == .directory
    }

    private mutating func walk(_ top: RootPath, skipping: Set<String>) {
        var stack: [(RootPath, Int)] = [(top, 0)]
        while let (directory, depth) = stack.popLast(), found.count < Self.maxFound, listed < Self.maxDirectories {
            listed += 1
            guard let listing = try? root.filesystem.kinds(in: directory) else { continue }
            var subdirectories: [RootPath] = []
            for (entryName, listedKind) in listing.sorted(by: { $0.name < $1.name }) {
                guard !entryName.isEmpty, entryName != ".", entryName != "..", !entryName.containsSlash else { continue }
                let path = directory.appendingComponent(entryName)
                // (a link is followed only to a file: a link to a directory is not entered)
                let kind = listedKind ?? (try? root.filesystem.entry(at: path))??.kind
                if entryName.hasSameBytes(as: name), kind == .file || kind == .symlink, ProgramLocation.isProgram(path, root) {
                    found.append(path)
                    if found.count == Self.maxFound { return }
                } else if kind == .directory, depth < Self.maxDepth, !Self.pruned.contains(path.string), !skipping.contains(path.string) {
                    subdirectories.append(path)
                }
            }
            // (reversed: the stack then takes them in name order)
            stack += subdirectories.reversed().map { ($0, depth + 1) }
        }
    }
}

import LoaderModel
import RootFS

/// Every shared-library name in the root and where it is, for candidate search. Built by
/// one pruned walk (never `/proc`, `/sys`, `/dev`, `/run`; symlinked directories are not
/// entered, so link loops cannot trap it), only when a library is missing.
public struct LibraryIndex: Sendable {
    /// File name → paths inside the root (files and symlinks), in walk order.
    public private(set) var byName: [String: [String]] = [:]
    /// Directories walked, for the record.
    public private(set) var directoriesWalked = 0

    static let pruned: Set<String> = ["/proc", "/sys", "/dev", "/run", "/var/lib/ofdoctor", "/tmp", "/var/tmp",
                                       "/usr/share", "/usr/include", "/var/cache", "/var/log", "/boot"]
    /// Bounds for hostile or huge roots.
    static let maxDirectories = 200_000
    static let maxDepth = 24

    public init(root: RootView) {
        var stack: [(RootPath, Int)] = [(.root, 0)]
        while let (directory, depth) = stack.popLast() {
            guard directoriesWalked < Self.maxDirectories else { break }
            directoriesWalked += 1
            guard let listing = try? root.filesystem.kinds(in: directory) else { continue }
            for (name, listedKind) in listing.sorted(by: { $0.name < $1.name }) {
                guard !name.isEmpty, name != ".", name != "..", !name.utf8.contains(UInt8(ascii: "/")) else { continue }
                let path = directory.appendingComponent(name)
                // `lstat` only when the listing did not say (DT_UNKNOWN).
                guard let kind = listedKind ?? (try? root.filesystem.entry(at: path))??.kind else { continue }
                switch kind {
                case .directory:
                    if depth < Self.maxDepth && !Self.pruned.contains(path.string) { stack.append((path, depth + 1)) }
                case .file, .symlink:
                    if Self.isLibraryName(name) { byName[name, default: []].append(path.string) }
                case .other:
                    break
                }
            }
        }
    }

    /// `lib*.so*` and `ld-*.so*`: the names ldconfig and the loader care about.
    static func isLibraryName(_ name: String) -> Bool {
        (name.hasPrefix("lib") || name.hasPrefix("ld-")) && name.containsBytes(".so")
    }

    /// Paths named exactly `name`.
    public func paths(named name: String) -> [String] { byName[name] ?? [] }

    /// Other sonames of the library `name` (`libwebp.so.7` → `libwebp.so.6`, …), highest first.
    public func otherSonames(of name: String) -> [String] {
        guard let range = name.firstRange(of: ".so.") else { return [] }
        let stem = String(name[..<range.upperBound])
        let others = byName.keys.filter { $0.hasPrefix(stem) && $0 != name && !$0.dropFirst(stem.count).contains(".") }
        return others.sorted { LdSoCacheNameOrder.compare($0, $1) > 0 }
    }
}

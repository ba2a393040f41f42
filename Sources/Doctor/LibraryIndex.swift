import LoaderModel
import RootFS
import Support

/// Shared-library names in the parts of a root read so far, and where they are, for the
/// candidate search (`CandidateSearch` decides which parts, and in which order). Walks are
/// pruned (never `/proc`, `/sys`, `/dev`, `/run`, …) and do not enter symlinked
/// directories, so link loops cannot trap them; every path is a real path in the root.
public struct LibraryIndex: Sendable {
    /// File name → paths inside the root (files and symlinks), in the order they were read.
    /// By the name's bytes (`TextKey`): `libé.so` and `libe\u{301}.so` are two names.
    public private(set) var byName: [TextKey: [String]] = [:]
    /// Directory listings made, for the record.
    public private(set) var directoriesRead = 0
    /// Listings tried, made or not: what `maxDirectories` bounds.
    private var listingsTried = 0
    /// Directories that could not be listed, each once, in the order met: a copy there is
    /// unseen (a user other than root may not read /root, say), and the record says so.
    public private(set) var unreadable: [UnreadableDirectory] = []
    private var unreadablePaths: Set<String> = []

    public struct UnreadableDirectory: Equatable, Sendable {
        public var path: String
        public var errno: Int32
        /// Refused for a permission (a user other than root).
        public var isDenied: Bool { Errno.isPermission(errno) }
    }
    /// Real directories whose library names are in already: a later walk passing through
    /// one adds nothing twice.
    private var indexed: Set<String> = []

    static let pruned: Set<String> = ["/proc", "/sys", "/dev", "/run", "/var/lib/ofdoctor", "/tmp", "/var/tmp",
                                       "/usr/share", "/usr/include", "/var/cache", "/var/log", "/boot"]
    /// Bounds for hostile or huge roots.
    static let maxDirectories = 200_000
    static let maxDepth = 24

    /// The root's glibc, whose ldconfig decides which names are libraries.
    let glibc: GlibcVersion

    public init(glibc: GlibcVersion) { self.glibc = glibc }

    /// The names in `directory` (a real directory: no symlink on the way), not its
    /// subdirectories. Returns the listing, for a caller that looks further in.
    @discardableResult
    mutating func addDirectory(_ directory: RootPath, root: RootView) -> [(name: String, kind: RootEntry.Kind?)] {
        guard listingsTried < Self.maxDirectories else { return [] }
        listingsTried += 1
        let listing: [(name: String, kind: RootEntry.Kind?)]
        do {
            listing = try root.filesystem.kinds(in: directory)
        } catch .io(_, _, let code) {
            if unreadablePaths.insert(directory.string).inserted {   // (a later stage's walk meets it again)
                unreadable.append(UnreadableDirectory(path: directory.string, errno: code))
            }
            return []
        } catch {
            return []   // (gone, or no directory now: nothing was there to miss)
        }
        directoriesRead += 1
        let sorted = listing.sorted { $0.name < $1.name }
        if indexed.insert(directory.string).inserted {
            for (name, kind) in sorted where LdconfigModel.looksLikeLibrary(name, glibc: glibc) {
                add(name, in: directory, listedKind: kind, root: root)
            }
        }
        return sorted
    }

    /// Every directory under `top` (real, included), depth first in name order, except the
    /// pruned ones and the subtrees named in `skipping`.
    mutating func addTree(_ top: RootPath, root: RootView, skipping: Set<String> = []) {
        var stack: [(RootPath, Int)] = [(top, 0)]
        while let (directory, depth) = stack.popLast() {
            guard listingsTried < Self.maxDirectories else { break }
            let listing = addDirectory(directory, root: root)
            for (name, listedKind) in listing {
                guard !name.isEmpty, name != ".", name != "..", !name.utf8.contains(UInt8(ascii: "/")) else { continue }
                // `lstat` only when the listing did not say (DT_UNKNOWN), and only for
                // what could be a directory to enter.
                let path = directory.appendingComponent(name)
                guard let kind = listedKind ?? (try? root.filesystem.entry(at: path))??.kind, kind == .directory else { continue }
                if depth < Self.maxDepth && !Self.pruned.contains(path.string) && !skipping.contains(path.string) {
                    stack.append((path, depth + 1))
                }
            }
        }
    }

    private mutating func add(_ name: String, in directory: RootPath, listedKind: RootEntry.Kind?, root: RootView) {
        guard !name.isEmpty, name != ".", name != "..", !name.utf8.contains(UInt8(ascii: "/")) else { return }
        let path = directory.appendingComponent(name)
        guard let kind = listedKind ?? (try? root.filesystem.entry(at: path))??.kind, kind == .file || kind == .symlink
        else { return }
        byName[TextKey(name), default: []].append(path.string)
    }

    /// Paths named exactly `name`.
    public func paths(named name: String) -> [String] { byName[TextKey(name)] ?? [] }

    /// Files named as `name` up to its `.so` and then otherwise, `name` itself left out —
    /// `libfoo.so.1.2.3` and a bare `libfoo.so` for `libfoo.so.1`, `libcudart.so.11.7.99` for
    /// `libcudart.so.11.0` — in name order, and after them the files whose names only begin
    /// with the library's name before `.so`: OpenBLAS's `libopenblasp-r0.3.21.so` for
    /// `libopenblas.so.0`, glibc 2.31's `libm-2.31.so` for `libm.so.6`. That is where a
    /// library's real file is when the soname link to it is missing (copied without its links,
    /// a vendor's bare `.so`, or ldconfig not run since). Whether one declares `name` as its
    /// `DT_SONAME` is for the caller to read.
    public func versionedFiles(of name: String) -> [String] {
        let bare: String
        if let at = name.firstByteOffset(of: ".so.") {
            bare = String(decoding: name.utf8.prefix(at + 3), as: UTF8.self)
        } else if name.hasByteSuffix(".so") {
            bare = name
        } else {
            return []
        }
        let stem = bare + "."
        let base = String(decoding: bare.utf8.dropLast(3), as: UTF8.self)
        // A base of `lib` alone (`lib.so.1`) would make every library a candidate to read.
        let widens = base.utf8.count > 3
        var versioned: [TextKey] = []
        var beginning: [TextKey] = []
        for key in byName.keys where !SeededByteHash.sameBytes(key.string, name) {
            if key.string.hasBytePrefix(stem) || SeededByteHash.sameBytes(key.string, bare) {
                versioned.append(key)
            } else if widens && key.string.hasBytePrefix(base) {
                beginning.append(key)
            }
        }
        let order: (TextKey, TextKey) -> Bool = { $0.string.utf8.lexicographicallyPrecedes($1.string.utf8) }
        return (versioned.sorted(by: order) + beginning.sorted(by: order)).flatMap { byName[$0] ?? [] }
    }

    /// Other sonames of the library `name` (`libwebp.so.7` → `libwebp.so.6`, …), highest first.
    public func otherSonames(of name: String) -> [String] {
        let marker = ".so."
        guard let at = name.firstByteOffset(of: marker) else { return [] }
        let stem = String(decoding: name.utf8.prefix(at + marker.utf8.count), as: UTF8.self)
        let others = byName.keys.map(\.string).filter { other in
            other.hasBytePrefix(stem) && !SeededByteHash.sameBytes(other, name)
                && !other.utf8.dropFirst(stem.utf8.count).contains(UInt8(ascii: "."))
        }
        return others.sorted { LdSoCacheNameOrder.compare($0, $1) > 0 }
    }
}

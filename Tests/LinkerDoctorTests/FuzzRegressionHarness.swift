// Shared by the test target and the libFuzzer targets in scripts/fuzz (run.sh compiles this
// file into them with -D FUZZING, as one module with the sources, so no imports there).
// Keeping one copy means a committed reproducer replays exactly what the fuzzer ran.
#if !FUZZING
@testable import LoaderModel
@testable import RootFS
import ELFInspect
#endif

/// What one fuzz input is run through; every call must return, never trap.
enum FuzzHarness {
    /// `LdSoCache(bytes:)`, then lookups of every key (and a few names that are not keys)
    /// with several CPU descriptions, so the binary search and hwcaps ranking are exercised.
    static func cache(_ bytes: [UInt8]) {
        guard let cache = try? LdSoCache(bytes: bytes, path: "fuzz-input") else { return }
        _ = cache.paths(forKey: "libc.so.6")
        let cpus: [[String]] = [[], ["x86-64-v2"], ["x86-64-v4", "x86-64-v3", "x86-64-v2"]]
        let legacies: [LdSoCacheLegacyHWCap] = [
            .baseline, LdSoCacheLegacyHWCap(hwcap: UInt64.max, platform: "haswell"), LdSoCacheLegacyHWCap(hwcap: 0, platform: "nowhere"),
            .removed,
        ]
        // (what LD005 says of an entry glibc 2.37 and later skip)
        for entry in cache.entries.prefix(64) { _ = LdSoCacheLegacyHWCap.names(of: entry.hwcap) }
        var names = cache.entries.prefix(64).map(\.key)
        names += ["", "libc.so.6", "libx.so.0000000000000000000009", "\u{80}", "libz.so.1"]
        for (k, name) in names.enumerated() {
            _ = cache.lookup(name, glibcHWCaps: cpus[k % cpus.count], legacy: legacies[k % legacies.count])
        }
    }

    /// `LdSoConf(root:)` on `FuzzMemoryRoot(input:)`: the input is `/etc/ld.so.conf` and,
    /// split on 0xFF, several include files.
    static func conf(_ bytes: [UInt8]) {
        let root = RootView(FuzzMemoryRoot(input: bytes))
        let conf = LdSoConf(root: root)
        _ = conf.notes.map(\.description)
        _ = LdSoConf(root: root, configFile: "/etc/ld.so.conf.d/a.conf", builtins: [])
    }
}

/// A tiny read-only in-memory root for fuzzing `LdSoConf`: a fixed tree of directories,
/// links (a loop, a dangling one, absolute and relative ones, links to config files) and
/// glibc-hwcaps subdirectories, plus config files whose text comes from the fuzz input.
/// Inodes are positions in a sorted table, so runs are deterministic.
struct FuzzMemoryRoot: RootFilesystem {
    enum Node: Sendable, Equatable {
        case directory
        case file([UInt8])
        case symlink(String)
    }

    /// Real path → node; every parent of a key is a `.directory` key.
    let nodes: [String: Node]
    let inodes: [String: UInt64]

    /// Where the 0xFF-separated parts of the input go, in order.
    static let configFiles = [
        "/etc/ld.so.conf", "/etc/ld.so.conf.d/a.conf", "/etc/ld.so.conf.d/b.conf",
        "/etc/ld.so.conf.d/.hidden.conf", "/etc/other.conf", "/usr/local/lib/inc.conf", "/etc/ld.so.conf.d/sub/c.conf",
    ]

    /// Directories and links that do not depend on the input.
    static let fixed: [String: Node] = [
        "/etc": .directory, "/etc/ld.so.conf.d": .directory, "/etc/ld.so.conf.d/sub": .directory,
        "/etc/ld.so.conf.d/dir.conf": .directory,
        "/etc/ld.so.conf.d/loop.conf": .symlink("loop.conf"),
        "/etc/ld.so.conf.d/back.conf": .symlink("../ld.so.conf"),
        "/etc/ld.so.conf.d/abs.conf": .symlink("/etc/other.conf"),
        "/etc/ld.so.conf.d/dangling.conf": .symlink("/nowhere/x.conf"),
        "/lib": .symlink("usr/lib"), "/lib64": .symlink("/usr/lib/../lib"),
        "/usr": .directory, "/usr/lib": .directory, "/usr/lib/x86_64-linux-gnu": .directory,
        "/usr/lib/x86_64-linux-gnu/glibc-hwcaps": .directory,
        "/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3": .directory,
        "/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v2": .symlink("x86-64-v3"),
        "/usr/lib/x86_64-linux-gnu/glibc-hwcaps/.hidden": .directory,
        "/usr/lib/x86_64-linux-gnu/glibc-hwcaps/a:b": .directory,
        "/usr/lib/x86_64-linux-gnu/glibc-hwcaps/file": .file([]),
        "/usr/lib/x86_64-linux-gnu/glibc-hwcaps/up": .symlink("../../.."),
        "/usr/local": .directory, "/usr/local/lib": .directory,
        "/opt": .directory, "/opt/a": .directory, "/opt/b": .directory, "/opt/with space": .directory,
        "/opt/alias": .symlink("/opt/b"), "/opt/self": .symlink("self"), "/opt/file": .file([0x7f]),
        "/opt/b/glibc-hwcaps": .symlink("/usr/lib/x86_64-linux-gnu/glibc-hwcaps"),
    ]

    init(input: [UInt8]) {
        var nodes = Self.fixed
        let parts = input.split(separator: 0xFF, maxSplits: Self.configFiles.count - 1, omittingEmptySubsequences: false)
        for (path, part) in zip(Self.configFiles, parts) { nodes[path] = .file(Array(part)) }
        var inodes: [String: UInt64] = ["/": 1]
        for (k, path) in nodes.keys.sorted().enumerated() { inodes[path] = UInt64(k + 2) }
        self.nodes = nodes
        self.inodes = inodes
    }

    var label: String { "fuzz-root" }

    func entry(at path: RootPath) throws(RootError) -> RootEntry? {
        let identity = FileIdentity(device: 1, inode: inodes[path.string] ?? 0)
        if path.isRoot { return RootEntry(kind: .directory, size: 0, identity: identity, mode: 0o755) }
        switch nodes[path.string] {
        case nil: return nil
        case .directory: return RootEntry(kind: .directory, size: 0, identity: identity, mode: 0o755)
        case .file(let bytes): return RootEntry(kind: .file, size: bytes.count, identity: identity, mode: 0o644)
        case .symlink(let target): return RootEntry(kind: .symlink, size: target.utf8.count, identity: identity, mode: 0o777)
        }
    }

    func linkTarget(at path: RootPath) throws(RootError) -> String {
        guard case .symlink(let target)? = nodes[path.string] else { throw .io(path: path.string, operation: "readlink", errno: 22) }
        return target
    }

    func names(in directory: RootPath) throws(RootError) -> [String] {
        let prefix = directory.isRoot ? "/" : directory.string + "/"
        // Reverse order, so code that forgets to sort (glob does) shows it.
        return nodes.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }
            .map { String($0.dropFirst(prefix.count)) }.sorted(by: >)
    }

    func contents(of path: RootPath) throws(RootError) -> FileBytes {
        guard case .file(let bytes)? = nodes[path.string] else { throw .notFound(path: path.string) }
        return FileBytes(bytes)
    }
}

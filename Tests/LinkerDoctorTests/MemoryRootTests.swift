#if canImport(Glibc)
import Glibc
#endif
import InMemoryRoot
import Testing
import RootFS

/// The in-memory root the rule tests stand on, against the real filesystem: the same tree
/// made in memory and in a temporary directory must give `RootView` the same answers
/// (lstat kinds, listings, link targets, contents, identities, ELOOP), so a rule test on
/// `MemoryRoot` says what a test on disk would.
@Suite("MemoryRoot answers as the kernel's filesystem does")
struct MemoryRootTests {
    /// Files (path, text), links (path, target) and hard links (path, existing).
    static let files = [("a/b/file", "x"), ("a/b/sub/deeper/f2", "y"), ("lib/x86_64-linux-gnu/libc.so.6", "c")]
    static let links = [
        ("a/link", "b"), ("a/abs", "/a/b/file"), ("a/up", "../a/b"), ("loop1", "loop2"), ("loop2", "loop1"),
        ("self", "self"), ("dangling", "/nowhere/x"), ("lib64", "lib/x86_64-linux-gnu"), ("a/b/escape", "../../../../a"),
    ]
    static let hardLinks = [("a/hard", "a/b/file")]

    static let probes = [
        "/a/link/file", "/a/abs", "/a/up/file", "/loop1", "/self/x", "/dangling", "/a/b/file/x", "/../a/b/file",
        "/a/link/../b/file", "/lib64/libc.so.6", "/a/b/escape/b/sub/deeper/f2", "/a/hard", "/a", "/", "/missing",
    ]

    static func memoryRoot() -> MemoryRoot {
        var root = MemoryRoot(label: "m")
        for (path, text) in files { root.file("/" + path, text: text) }
        for (path, target) in links { root.symlink("/" + path, to: target) }
        for (path, existing) in hardLinks { root.hardLink("/" + path, to: "/" + existing) }
        return root
    }

    static func diskRoot(_ dir: ResourcesTempDir) throws -> LocalRoot {
        for (path, text) in files { try dir.write(path, text: text) }
        for (path, target) in links { try dir.symlink(path, to: target) }
        for (path, existing) in hardLinks { #expect(link(dir.url(existing), dir.url(path)) == 0) }
        return try LocalRoot(directory: dir.path)
    }

    /// What `RootView` makes of `path`: the real path and kind, nil, or the error.
    static func answer(_ view: RootView, _ path: String) -> String {
        do {
            guard let found = try view.resolve(RootPath(path)) else { return "absent" }
            return "\(found.path) \(found.entry.kind)"
        } catch {
            return "\(error)"
        }
    }

    @Test func resolvingGivesTheSameAnswersAsOnDisk() throws {
        let dir = try ResourcesTempDir()
        let disk = RootView(try Self.diskRoot(dir)), memory = RootView(Self.memoryRoot())
        for path in Self.probes {
            #expect(Self.answer(memory, path) == Self.answer(disk, path), "\(path)")
        }
        // ELOOP is one of them: the loops are there, not merely absent.
        #expect(Self.answer(memory, "/loop1").contains("loop"))
    }

    @Test func listingsTargetsContentsAndIdentitiesMatchTheDisk() throws {
        let dir = try ResourcesTempDir()
        let diskRoot = try Self.diskRoot(dir), memoryRoot = Self.memoryRoot()
        let disk = RootView(diskRoot), memory = RootView(memoryRoot)
        for directory in ["/", "/a", "/a/b", "/lib64", "/a/link"] {
            #expect(try memory.names(in: RootPath(directory)).sorted() == disk.names(in: RootPath(directory)).sorted(), "\(directory)")
        }
        for (path, _) in Self.links {
            #expect(try memory.linkTarget(at: RootPath("/" + path)) == disk.linkTarget(at: RootPath("/" + path)), "\(path)")
        }
        #expect(try memory.contents(of: RootPath("/a/abs")).bytes == disk.contents(of: RootPath("/a/abs")).bytes)
        for root in [diskRoot as any RootFilesystem, memoryRoot] {
            let a = try root.entry(at: RootPath("/a/hard")), b = try root.entry(at: RootPath("/a/b/file"))
            let c = try root.entry(at: RootPath("/a/b/sub/deeper/f2"))
            #expect(a?.identity == b?.identity && a?.identity != c?.identity, "\(root.label)")
            #expect(try root.entry(at: RootPath("/a/link"))?.kind == .symlink)
        }
    }
}

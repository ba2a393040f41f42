import Foundation
import LoaderModel
import RootFS
import Testing

/// `CachedRoot` answers as the root it wraps, once per path; `emptied()` (what a recheck
/// after `fix --apply` reads through) sees the root as it is now.
@Suite("CachedRoot: one lstat and readlink per path, and a fresh start after writes")
struct CachedRootTests {
    static func directory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-cached-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/lib", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: dir + "/lib/libz.so.1.2.13", contents: Data([1, 2, 3])))
        try FileManager.default.createSymbolicLink(atPath: dir + "/lib/libz.so.1", withDestinationPath: "libz.so.1.2.13")
        return dir
    }

    /// `body` with `directory()` and a cached root over it; the directory is removed after.
    static func withCachedRoot(_ body: (_ dir: String, _ cached: CachedRoot) throws -> Void) throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(dir, CachedRoot(try LocalRoot(directory: dir)))
    }

    @Test("answers as the wrapped root: kinds, link targets, absent paths, contents")
    func sameAnswers() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = try LocalRoot(directory: dir)
        let cached = CachedRoot(base)
        for path in ["/lib", "/lib/libz.so.1", "/lib/libz.so.1.2.13", "/lib/libnone.so.1", "/"] {
            let rootPath = RootPath(path)
            for _ in 0..<2 {
                #expect(try cached.entry(at: rootPath)?.kind == base.entry(at: rootPath)?.kind, "\(path)")
            }
        }
        #expect(try cached.linkTarget(at: RootPath("/lib/libz.so.1")) == "libz.so.1.2.13")
        #expect(try cached.linkTarget(at: RootPath("/lib/libz.so.1")) == "libz.so.1.2.13")
        #expect(try cached.contents(of: RootPath("/lib/libz.so.1.2.13")).bytes == [1, 2, 3])
        #expect(try cached.names(in: RootPath("/lib")).sorted() == ["libz.so.1", "libz.so.1.2.13"])
    }

    @Test("keeps what it read; emptied() reads the root as it is after a write")
    func emptiedAfterWrites() throws {
        try Self.withCachedRoot { dir, cached throws in
            let added = RootPath("/lib/libpng16.so.16")
            #expect(try cached.entry(at: added) == nil)
            #expect(FileManager.default.createFile(atPath: dir + "/lib/libpng16.so.16", contents: Data()))
            #expect(try cached.entry(at: added) == nil, "the first answer is kept")
            #expect(try cached.emptied().entry(at: added)?.kind == .file)
        }
    }

    @Test("keeps a directory's listing as it keeps lstat answers; emptied() lists it again")
    func listingsKept() throws {
        try Self.withCachedRoot { dir, cached throws in
            let lib = RootPath("/lib")
            #expect(try cached.names(in: lib).sorted() == ["libz.so.1", "libz.so.1.2.13"])
            #expect(FileManager.default.createFile(atPath: dir + "/lib/libpng16.so.16", contents: Data()))
            #expect(try cached.names(in: lib).sorted() == ["libz.so.1", "libz.so.1.2.13"], "the first listing is kept")
            #expect(try cached.emptied().names(in: lib).sorted() == ["libpng16.so.16", "libz.so.1", "libz.so.1.2.13"])
            #expect(throws: RootError.self) { try cached.names(in: RootPath("/lib/libz.so.1.2.13")) }
        }
    }

    @Test("keeps the files read last: the same bytes again until others push them out; emptied() reads anew")
    func filesKept() throws {
        try Self.withCachedRoot { dir, cached throws in
            let lib = RootPath("/lib/libz.so.1.2.13")
            let first = try cached.contents(of: lib)
            #expect(FileManager.default.createFile(atPath: dir + "/lib/libz.so.1.2.13", contents: Data([9])))
            #expect(try cached.contents(of: lib) === first && first.bytes == [1, 2, 3], "kept as first read")
            #expect(try cached.emptied().contents(of: lib).bytes == [9])
            for n in 0..<CachedRoot.keptFiles {
                #expect(FileManager.default.createFile(atPath: dir + "/lib/f\(n)", contents: Data([UInt8(n)])))
                #expect(try cached.contents(of: RootPath("/lib/f\(n)")).bytes == [UInt8(n)])
            }
            #expect(try cached.contents(of: lib).bytes == [9], "pushed out by \(CachedRoot.keptFiles) later reads, read again")
            #expect(throws: RootError.self) { try cached.contents(of: RootPath("/lib/libnone.so.1")) }
        }
    }

    @Test("RootView resolves through it as through the plain root, and keeps the answers")
    func resolutions() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createSymbolicLink(atPath: dir + "/usr", withDestinationPath: "/")
        let plain = RootView(try LocalRoot(directory: dir))
        let cached = RootView(CachedRoot(try LocalRoot(directory: dir)))
        for path in ["/usr/lib/libz.so.1", "/usr/usr/lib/libz.so.1.2.13", "/lib/../lib/libz.so.1", "/usr/lib/libnone.so", "/lib/libz.so.1/x"] {
            for _ in 0..<2 {
                #expect(try cached.resolve(RootPath(path)) == plain.resolve(RootPath(path)), "\(path)")
                #expect(try cached.resolveParents(RootPath(path)) == plain.resolveParents(RootPath(path)), "\(path)")
            }
        }
        #expect(try cached.resolve(RootPath("/usr/lib/libz.so.1"))?.path == RootPath("/lib/libz.so.1.2.13"))
        try FileManager.default.removeItem(atPath: dir + "/lib/libz.so.1")
        #expect(try cached.resolve(RootPath("/usr/lib/libz.so.1")) != nil, "the answer is kept")
        #expect(try plain.resolve(RootPath("/usr/lib/libz.so.1")) == nil)
    }

    @Test("answers built from a parent's kept answer are the walk's: links to parents, loops, the 40-link limit")
    func stepsFromParents() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: dir + "/usr", withDestinationPath: "/")
        try fm.createSymbolicLink(atPath: dir + "/loop", withDestinationPath: "loop")
        try fm.createSymbolicLink(atPath: dir + "/trap", withDestinationPath: "/trap/x")
        try fm.createSymbolicLink(atPath: dir + "/lib/up", withDestinationPath: "..")
        try fm.createSymbolicLink(atPath: dir + "/lib/self", withDestinationPath: "../lib/./self2")
        try fm.createSymbolicLink(atPath: dir + "/lib/self2", withDestinationPath: "libz.so.1")
        try fm.createSymbolicLink(atPath: dir + "/lib/file-parent", withDestinationPath: "libz.so.1.2.13/x")
        // Chains of links ending at the library: 40 links are followed, 41 are a loop.
        for length in [39, 40, 41] {
            for k in 0..<length {
                let next = k + 1 == length ? "/lib/libz.so.1.2.13" : "c\(length)-\(k + 1)"
                try fm.createSymbolicLink(atPath: dir + "/lib/c\(length)-\(k)", withDestinationPath: next)
            }
        }
        let plain = RootView(try LocalRoot(directory: dir))
        let cached = RootView(CachedRoot(try LocalRoot(directory: dir)))
        func answer(_ body: () throws(RootError) -> RootView.Resolved?) -> String {
            do { return String(describing: try body()) } catch { return "error: \(error)" }
        }
        let paths = ["/loop", "/loop/x", "/trap", "/trap/x/y", "/lib/up/lib/libz.so.1", "/usr/lib/up/usr/lib/self",
                     "/lib/self", "/lib/file-parent", "/lib/file-parent/y", "/lib/libz.so.1.2.13/x",
                     "/lib/c39-0", "/lib/c40-0", "/lib/c41-0", "/usr/lib/c39-0", "/usr/usr/lib/c40-0", "/lib/up/lib/c40-1",
                     "/lib/c40-0/x", "/usr/lib/up/lib/up/usr/lib/libz.so.1"]
        #expect(answer { () throws(RootError) in try plain.resolve(RootPath("/lib/c41-0")) }.hasPrefix("error"))
        #expect(try plain.resolve(RootPath("/lib/c40-0"))?.path == RootPath("/lib/libz.so.1.2.13"))
        #expect(answer { () throws(RootError) in try plain.resolve(RootPath("/usr/lib/c40-0")) }.hasPrefix("error"), "one link more")
        // Twice over, in both orders: the second pass answers from kept answers.
        for order in [paths, paths.reversed(), paths] {
            for path in order {
                let rootPath = RootPath(path)
                #expect(answer { () throws(RootError) in try cached.resolve(rootPath) } == answer { () throws(RootError) in try plain.resolve(rootPath) }, "\(path)")
                #expect(answer { () throws(RootError) in try cached.resolveParents(rootPath) } == answer { () throws(RootError) in try plain.resolveParents(rootPath) }, "\(path)")
            }
        }
    }

    @Test("a system reinspected after fix --apply reads through an emptied cache")
    func reinspectedSystem() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let system = TargetSystem.inspect(root: RootView(CachedRoot(try LocalRoot(directory: dir))), cpu: nil)
        let added = RootPath("/lib/libpng16.so.16")
        #expect(try system.root.filesystem.entry(at: added) == nil)
        #expect(FileManager.default.createFile(atPath: dir + "/lib/libpng16.so.16", contents: Data()))
        #expect(try system.reinspected().root.filesystem.entry(at: added)?.kind == .file)
    }
}

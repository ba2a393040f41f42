import Foundation
import RootFS
import Testing

/// `LocalRoot` looks every path up from the root directory it opened: the root it examines
/// is the directory it was given, whatever its host path comes to name later.
@Suite("LocalRoot: lookups from the opened root directory")
struct LocalRootTests {
    @Test("reads the directory it opened after that directory is renamed and another takes its path")
    func readsTheOpenedDirectory() throws {
        let dir = try CachedRootTests.directory()
        let moved = dir + "-moved"
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: moved)
        }
        let root = try LocalRoot(directory: dir + "/")
        #expect(root.directory == dir)
        try FileManager.default.moveItem(atPath: dir, toPath: moved)
        try FileManager.default.createDirectory(atPath: dir + "/other", withIntermediateDirectories: true)

        #expect(try root.entry(at: RootPath("/"))?.kind == .directory)
        #expect(try root.names(in: RootPath("/")) == ["lib"])
        #expect(try root.entry(at: RootPath("/lib/libz.so.1"))?.kind == .symlink)
        #expect(try root.linkTarget(at: RootPath("/lib/libz.so.1")) == "libz.so.1.2.13")
        #expect(try root.contents(of: RootPath("/lib/libz.so.1.2.13")).bytes == [1, 2, 3])
        #expect(try root.entry(at: RootPath("/other")) == nil)
        #expect(throws: RootError.self) { try root.names(in: RootPath("/lib/libz.so.1.2.13")) }   // not a directory
        #expect(throws: RootError.self) { try root.contents(of: RootPath("/lib/libz.so.1")) }      // a link: not followed
    }

    @Test("a root that is not a directory is refused")
    func refusesNonDirectory() throws {
        let dir = try CachedRootTests.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: RootError.self) { try LocalRoot(directory: dir + "/lib/libz.so.1.2.13") }
        #expect(throws: RootError.self) { try LocalRoot(directory: dir + "/none") }
    }

    @Test("head(of:count:) gives the size and the first bytes, as the whole contents would, read or mapped, through the cache and an overlay; a link or a directory is refused as contents(of:) refuses it")
    func headOfAFile() throws {
        let dir = try CachedRootTests.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // a file past the size read whole (mapped by contents(of:)), and a short one
        let big = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try Data(big).write(to: URL(fileURLWithPath: dir + "/lib/big.dat"))
        let local = try LocalRoot(directory: dir)
        let cached = CachedRoot(local)
        let overlay = OverlayRoot(base: local)
        for root in [local, cached, overlay] as [any RootFilesystem] {
            for (path, count) in [("/lib/big.dat", 512), ("/lib/big.dat", 0), ("/lib/libz.so.1.2.13", 512), ("/lib/libz.so.1.2.13", 2)] {
                let whole = try root.contents(of: RootPath(path)).bytes
                let head = try root.head(of: RootPath(path), count: count)
                #expect(head == FileHead(size: UInt64(whole.count), bytes: Array(whole.prefix(count))), "\(root.label) \(path) \(count)")
            }
            #expect(throws: RootError.self) { try root.head(of: RootPath("/lib/libz.so.1"), count: 8) }   // a link: not followed
            #expect(throws: RootError.self) { try root.head(of: RootPath("/lib"), count: 8) }
        }
        // through RootView: the link is followed, as for contents(of:)
        #expect(try RootView(local).head(of: RootPath("/lib/libz.so.1"), count: 8) == FileHead(size: 3, bytes: [1, 2, 3]))
    }

    @Test("contents(of:listedSize:) reads the file lstat sized, and what is there instead when it grew, shrank or was replaced since: a FIFO is refused, not waited on; a directory and a link refused too")
    func contentsOfAListedSize() throws {
        let dir = try CachedRootTests.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let local = try LocalRoot(directory: dir)
        let path = RootPath("/lib/libz.so.1.2.13")
        let listed = try #require(try local.entry(at: path)).size
        for root in [local, CachedRoot(local)] as [any RootFilesystem] {
            #expect(try root.contents(of: path, listedSize: listed).bytes == [1, 2, 3], "\(root.label)")
        }
        // grown and shrunk since the listing: the file as it is now
        try Data([1, 2, 3, 4, 5]).write(to: URL(fileURLWithPath: dir + path.string))
        #expect(try local.contents(of: path, listedSize: listed).bytes == [1, 2, 3, 4, 5])
        try Data([9]).write(to: URL(fileURLWithPath: dir + path.string))
        #expect(try local.contents(of: path, listedSize: listed).bytes == [9])
        try Data().write(to: URL(fileURLWithPath: dir + path.string))
        #expect(try local.contents(of: path, listedSize: 0).bytes == [])
        // replaced: a FIFO no one writes to (a blocking open would wait for ever), a directory, a link
        try FileManager.default.removeItem(atPath: dir + path.string)
        #expect(mkfifo(dir + path.string, 0o644) == 0)
        let started = Date()
        #expect(throws: RootError.self) { try local.contents(of: path, listedSize: listed) }
        #expect(throws: RootError.self) { try local.contents(of: path) }
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(throws: RootError.self) { try local.contents(of: RootPath("/lib"), listedSize: 4096) }
        #expect(throws: RootError.self) { try local.contents(of: RootPath("/lib/libz.so.1"), listedSize: 3) }
    }
}

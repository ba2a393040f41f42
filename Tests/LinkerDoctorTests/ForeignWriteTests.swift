import Foundation
import Testing
@testable import Doctor
import RootFS

/// `RootAdministrators.foreignWrite`: who besides root (and the owner of the root's `/`) may
/// change a file or a directory on the way to it, read from a real directory tree.
@Suite("ForeignWrite: copies others may change", .serialized, .enabled(if: getuid() == 0, "chown needs root"))
struct ForeignWriteTests {
    /// A root with `/srv/DIR/libx.so.1` under each case's owner and mode.
    static func root(_ build: (String) throws -> Void) throws -> (RootView, ApplyTempDirectory) {
        let temp = ApplyTempDirectory("ofd-foreign")
        chmod(temp.path, 0o755)
        try build(temp.path)
        return (RootView(try LocalRoot(directory: temp.path)), temp)
    }

    static func make(_ path: String, mode: mode_t, uid: uid_t = 0, gid: gid_t = 0, file: Bool = false) throws {
        if file {
            try Data("x".utf8).write(to: URL(fileURLWithPath: path))
        } else {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        #expect(chown(path, uid, gid) == 0 && chmod(path, mode) == 0)
    }

    @Test("a directory every user may write, a sticky one too, is named with its mode")
    func everyone() throws {
        for mode: mode_t in [0o777, 0o1777, 0o757] {
            let (root, temp) = try Self.root { dir in
                try Self.make(dir + "/srv", mode: 0o755)
                try Self.make(dir + "/srv/drop", mode: mode)
                try Self.make(dir + "/srv/drop/libx.so.1", mode: 0o644, file: true)
            }
            defer { temp.remove() }
            let write = RootAdministrators(root: root).foreignWrite(to: RootPath("/srv/drop/libx.so.1"), in: root)
            #expect(write?.writer == .everyone && write?.path == "/srv/drop", "mode \(String(mode, radix: 8)): \(String(describing: write))")
            #expect(write?.description.hasPrefix("every user may write /srv/drop (mode ") == true)
        }
    }

    @Test("another user's directory or file, a group's writable one: named; root's, or the root owner's, are not")
    func owners() throws {
        let (root, temp) = try Self.root { dir in
            try Self.make(dir + "/srv", mode: 0o755)
            try Self.make(dir + "/srv/user", mode: 0o755, uid: 1000, gid: 1000)
            try Self.make(dir + "/srv/user/libx.so.1", mode: 0o644, uid: 1000, gid: 1000, file: true)
            try Self.make(dir + "/srv/team", mode: 0o775, gid: 50)
            try Self.make(dir + "/srv/team/libx.so.1", mode: 0o644, file: true)
            try Self.make(dir + "/srv/rootgroup", mode: 0o775)
            try Self.make(dir + "/srv/rootgroup/libx.so.1", mode: 0o664, file: true)
            try Self.make(dir + "/srv/plain", mode: 0o755)
            try Self.make(dir + "/srv/plain/libx.so.1", mode: 0o444, uid: 1000, file: true)
            try Self.make(dir + "/srv/plain/liby.so.1", mode: 0o644, file: true)
            try FileManager.default.createSymbolicLink(atPath: dir + "/srv/link", withDestinationPath: "user")
        }
        defer { temp.remove() }
        let admins = RootAdministrators(root: root)
        func write(_ path: String) -> ForeignWrite? { admins.foreignWrite(to: RootPath(path), in: root) }
        #expect(write("/srv/user/libx.so.1") == ForeignWrite(path: "/srv/user", mode: 0o755, writer: .owner(uid: 1000)))
        #expect(write("/srv/team/libx.so.1") == ForeignWrite(path: "/srv/team", mode: 0o775, writer: .group(gid: 50)))
        #expect(write("/srv/rootgroup/libx.so.1") == nil)
        // (an owner may chmod a file it cannot write)
        #expect(write("/srv/plain/libx.so.1") == ForeignWrite(path: "/srv/plain/libx.so.1", mode: 0o444, writer: .owner(uid: 1000)))
        #expect(write("/srv/plain/liby.so.1") == nil)
        // Through a link: the directory it leads to is on the way.
        #expect(write("/srv/link/libx.so.1")?.path == "/srv/user")
        #expect(write("/srv/nothing/libx.so.1") == nil)
        #expect(write("/srv/user/libx.so.1")?.description == "uid 1000 owns /srv/user (mode 0755)")
        #expect(write("/srv/team/libx.so.1")?.description == "group 50 may write /srv/team (mode 0775)")
    }

    @Test("an image unpacked by a user is that user's throughout: its files are not another user's")
    func unpackedByUser() throws {
        let (root, temp) = try Self.root { dir in
            #expect(chown(dir, 1000, 1000) == 0)
            try Self.make(dir + "/opt", mode: 0o755, uid: 1000, gid: 1000)
            try Self.make(dir + "/opt/libx.so.1", mode: 0o644, uid: 1000, gid: 1000, file: true)
            try Self.make(dir + "/srv", mode: 0o755, uid: 1001, gid: 1000)
            try Self.make(dir + "/srv/libx.so.1", mode: 0o644, uid: 1000, gid: 1000, file: true)
        }
        defer { temp.remove() }
        let admins = RootAdministrators(root: root)
        #expect(admins.foreignWrite(to: RootPath("/opt/libx.so.1"), in: root) == nil)
        #expect(admins.foreignWrite(to: RootPath("/srv/libx.so.1"), in: root)?.writer == .owner(uid: 1001))
    }
}

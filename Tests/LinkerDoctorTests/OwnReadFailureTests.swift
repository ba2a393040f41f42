#if canImport(Glibc)
import Glibc
#endif
import ELFInspect
import Foundation
import LoaderModel
import RootFS
import Testing

/// A read ofdoctor itself could not make (out of memory, descriptors, an I/O error) says
/// nothing about what the loader does: the resolution stops with it instead of taking the
/// library for absent. A read the loader fails as well (no permission) is passed over as
/// the loader passes it. This machine's root, with one read made to fail.
@Suite("ofdoctor's own read failures end the resolution")
struct OwnReadFailureTests {
    /// `base`, but the listing of `listing` and the contents of `file` fail with `errno`.
    struct FailingRoot: RootFilesystem {
        let base: LocalRoot
        var listing: RootPath?
        var file: RootPath?
        var errno: Int32
        var label: String { base.label }

        func entry(at path: RootPath) throws(RootError) -> RootEntry? { try base.entry(at: path) }
        func linkTarget(at path: RootPath) throws(RootError) -> String { try base.linkTarget(at: path) }
        func names(in directory: RootPath) throws(RootError) -> [String] {
            if directory == listing { throw .io(path: directory.string, operation: "opendir", errno: errno) }
            return try base.names(in: directory)
        }
        func contents(of path: RootPath) throws(RootError) -> FileBytes {
            if path == file { throw .io(path: path.string, operation: "mmap", errno: errno) }
            return try base.contents(of: path)
        }
        func contents(of path: RootPath, listedSize size: Int) throws(RootError) -> FileBytes {
            if path == file { throw .io(path: path.string, operation: "mmap", errno: errno) }
            return try base.contents(of: path, listedSize: size)
        }
    }

    static let program = "/bin/ls"
    static let available = FileManager.default.isExecutableFile(atPath: program) && MachineDifferentialTests.system != nil

    /// The real path of the library `ls` loads as `soname`, and the directory it lies in.
    static func loaded(_ soname: String) throws -> RootPath {
        let system = try #require(MachineDifferentialTests.system)
        let graph = try system.resolver(environment: LoaderEnvironment()).resolve(program: RootPath(program))
        let object = try #require(graph.objects.first { $0.names.contains(soname) }, "ls loads no \(soname)")
        return RootPath(object.realPath)
    }

    /// - Parameters:
    ///   - identity: who starts the program; `reader`: whom the kernel checks ofdoctor's reads for.
    static func resolve(_ root: FailingRoot, environment: [String: String] = [:], identity: ProcessIdentity = .root,
                        reader: ProcessIdentity? = nil) throws(ResolveError) -> LoadGraph {
        var system = MachineDifferentialTests.system!
        system.root = RootView(root)
        var loaderEnvironment = LoaderEnvironment(environment, identity: identity)
        loaderEnvironment.reader = reader
        return try system.resolver(environment: loaderEnvironment).resolve(program: RootPath(program))
    }

    @Test("a library ofdoctor cannot read (ENOMEM, EMFILE, EIO): the resolution fails naming it",
          .enabled(if: available, "needs /bin/ls and this machine's root"), arguments: [ENOMEM, EMFILE, EIO])
    func libraryReadFails(_ code: Int32) throws {
        let libc = try Self.loaded("libc.so.6")
        let root = FailingRoot(base: try LocalRoot(directory: "/"), file: libc, errno: code)
        #expect(throws: ResolveError.root(.io(path: libc.string, operation: "mmap", errno: code))) { try Self.resolve(root) }
    }

    @Test("a directory on LD_LIBRARY_PATH ofdoctor cannot list for its own reasons: the resolution fails naming it",
          .enabled(if: available, "needs /bin/ls and this machine's root"))
    func listingFails() throws {
        let directory = try Self.loaded("libc.so.6").parent
        let root = FailingRoot(base: try LocalRoot(directory: "/"), listing: directory, errno: ENOMEM)
        #expect(throws: ResolveError.root(.io(path: directory.string, operation: "opendir", errno: ENOMEM))) {
            try Self.resolve(root, environment: ["LD_LIBRARY_PATH": directory.string])
        }
        // (the same listing failing for want of permission is the loader's outcome too)
        let denied = FailingRoot(base: try LocalRoot(directory: "/"), listing: directory, errno: EACCES)
        _ = try Self.resolve(denied, environment: ["LD_LIBRARY_PATH": directory.string])
    }

    @Test("a library the loader may not read either (EACCES): passed over, the library missing",
          .enabled(if: available, "needs /bin/ls and this machine's root"))
    func permissionIsTheLoaders() throws {
        let libc = try Self.loaded("libc.so.6")
        let root = FailingRoot(base: try LocalRoot(directory: "/"), file: libc, errno: EACCES)
        let graph = try Self.resolve(root)
        #expect(graph.missing.contains { $0.name == "libc.so.6" })
        // ofdoctor as the same user as the loader's, or as root: the same.
        let user = ProcessIdentity(uid: 1000, gid: 1000, groups: [1000])
        #expect(try Self.resolve(root, identity: user, reader: user).missing.contains { $0.name == "libc.so.6" })
        #expect(try Self.resolve(root, reader: .root).missing.contains { $0.name == "libc.so.6" })
    }

    @Test("a read denied to ofdoctor run as another user than the loader's (root, or other groups): the resolution fails naming it",
          .enabled(if: available, "needs /bin/ls and this machine's root"))
    func permissionIsOfdoctorsOwn() throws {
        let libc = try Self.loaded("libc.so.6")
        let root = FailingRoot(base: try LocalRoot(directory: "/"), file: libc, errno: EACCES)
        let user = ProcessIdentity(uid: 1000, gid: 1000, groups: [1000])
        let denied = RootError.io(path: libc.string, operation: "mmap", errno: EACCES)
        #expect(throws: ResolveError.deniedToReader(denied, reader: user, loader: .root)) { try Self.resolve(root, reader: user) }
        var otherGroups = user
        otherGroups.groups = [1000, 27]
        #expect(throws: ResolveError.deniedToReader(denied, reader: user, loader: otherGroups)) {
            try Self.resolve(root, identity: otherGroups, reader: user)
        }
    }
}

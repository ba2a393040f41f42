import ELFImageBuilder
import InMemoryRoot
import Testing
@testable import Doctor
@testable import LoaderModel
import RootFS

/// `Resolver` on in-memory roots: the search order of glibc's `_dl_map_object` (RPATH of
/// the loader chain, LD_LIBRARY_PATH, RUNPATH, ld.so.cache, default directories), token
/// expansion, hwcaps subdirectories, DF_1_NODEFLIB, names with a slash, sonames and file
/// identities. The program needs libleaf.so.1 (directly, or through libmid.so.1); each
/// copy of libleaf lies where its test says. The same cases run under the real loader in
/// Tests/Fixtures/build-rule-roots.sh (RuleRootDifferentialTests).
@Suite("Resolver follows glibc's search order")
struct ResolverTests {
    static let multiarch = MiniDebianRoot.multiarch

    /// The program needs `needed` and has `rpath`/`runpath`/`flags1`.
    static func root(needed: [String] = ["libleaf.so.1"], rpath: String? = nil, runpath: String? = nil,
                     flags1: UInt64? = nil) -> MiniDebianRoot {
        var root = MiniDebianRoot()
        var program = MiniDebianRoot.programImage(needing: needed)
        program.rpath = rpath
        program.runpath = runpath
        program.flags1 = flags1
        root.program(program)
        return root
    }

    /// Where libleaf.so.1 came from: its real path and the rule.
    static func leaf(_ graph: LoadGraph) -> (realPath: String, via: FoundVia)? {
        graph.object(named: "libleaf.so.1").map { ($0.realPath, $0.foundVia) }
    }

    // MARK: search lists

    @Test func rpathOfTheProgramServesItsLibrariesNeeds() throws {
        var root = Self.root(needed: ["libmid.so.1"], rpath: "/app/lib")
        root.library("libmid.so.1", in: "/app/lib", needed: ["libleaf.so.1"])
        root.library("libleaf.so.1", in: "/app/lib")
        let leaf = try #require(Self.leaf(try root.resolve()))
        #expect(leaf.realPath == "/app/lib/libleaf.so.1")
        #expect(leaf.via == .search(.rpath(owner: MiniDebianRoot.program), directory: "/app/lib"))
    }

    @Test func rpathOfEveryObjectInTheLoaderChainServesANeed() throws {
        // prog → libmid.so.1 (RPATH /opt/mid) → libinner.so.1 (no paths) → libleaf.so.1 in /opt/mid.
        var root = Self.root(needed: ["libmid.so.1"], rpath: "/app/lib")
        var mid = ELFImage.library("libmid.so.1", needed: ["libinner.so.1"])
        mid.rpath = "/opt/mid"
        root.library("/app/lib/libmid.so.1", mid)
        root.library("libinner.so.1", in: "/opt/mid", needed: ["libleaf.so.1"])
        root.library("libleaf.so.1", in: "/opt/mid")
        let leaf = Self.leaf(try root.resolve())
        #expect(leaf?.realPath == "/opt/mid/libleaf.so.1")
        #expect(leaf?.via == .search(.rpath(owner: "/app/lib/libmid.so.1"), directory: "/opt/mid"))
    }

    @Test func runpathServesOnlyItsOwnersNeeds() throws {
        var root = Self.root(needed: ["libmid.so.1"], runpath: "/app/lib")
        root.library("libmid.so.1", in: "/app/lib", needed: ["libleaf.so.1"])
        root.library("libleaf.so.1", in: "/app/lib")
        let graph = try root.resolve()
        #expect(Self.leaf(graph) == nil)
        #expect(graph.missing.map(\.name) == ["libleaf.so.1"])
        #expect(graph.missing.first?.neededBy == [graph.object(named: "libmid.so.1")?.index ?? -1])
    }

    @Test func runpathMakesTheSameObjectsRpathIgnored() throws {
        var root = Self.root(rpath: "/app/rpath", runpath: "/app/runpath")
        root.library("libleaf.so.1", in: "/app/rpath")
        root.library("libleaf.so.1", in: "/app/runpath")
        #expect(Self.leaf(try root.resolve())?.realPath == "/app/runpath/libleaf.so.1")
    }

    @Test func libraryPathComesBeforeRunpath() throws {
        var root = Self.root(runpath: "/app/runpath")
        root.library("libleaf.so.1", in: "/app/llp")
        root.library("libleaf.so.1", in: "/app/runpath")
        let leaf = Self.leaf(try root.resolve(["LD_LIBRARY_PATH": "/app/llp"]))
        #expect(leaf?.realPath == "/app/llp/libleaf.so.1")
        #expect(leaf?.via == .search(.libraryPath, directory: "/app/llp"))
        #expect(Self.leaf(try root.resolve())?.realPath == "/app/runpath/libleaf.so.1")
    }

    @Test func rpathComesBeforeLibraryPath() throws {
        var root = Self.root(rpath: "/app/rpath")
        root.library("libleaf.so.1", in: "/app/llp")
        root.library("libleaf.so.1", in: "/app/rpath")
        #expect(Self.leaf(try root.resolve(["LD_LIBRARY_PATH": "/app/llp"]))?.realPath == "/app/rpath/libleaf.so.1")
    }

    @Test func theCacheComesAfterTheSearchListsAndBeforeTheDefaultDirectories() throws {
        var root = Self.root()
        root.files.file("/etc/ld.so.conf.d/x.conf", text: "/opt/x\n")
        root.library("libleaf.so.1", in: "/opt/x")
        root.library("libleaf.so.1", in: Self.multiarch)
        root.runLdconfig()
        let cached = Self.leaf(try root.resolve())
        #expect(cached?.realPath == "/opt/x/libleaf.so.1")
        #expect(cached?.via == .search(.cache, directory: "/opt/x"))
        #expect(Self.leaf(try root.resolve(["LD_LIBRARY_PATH": Self.multiarch]))?.via == .search(.libraryPath, directory: Self.multiarch))
        root.cache = nil
        #expect(Self.leaf(try root.resolve())?.via == .search(.defaultDirectories, directory: Self.multiarch))
    }

    @Test func everyPlaceTriedIsInTheTrailInSearchOrder() throws {
        let graph = try Self.root(rpath: "/a").resolve(["LD_LIBRARY_PATH": "/b"])
        let trail = try #require(graph.missing.first?.trail)
        #expect(trail.map(\.path) == ["/a/libleaf.so.1", "/b/libleaf.so.1"] + LoaderPlatform.debianDefaultDirectories.map { $0 + "/libleaf.so.1" })
        #expect(trail.map(\.source.label) == ["rpath", "LD_LIBRARY_PATH"] + Array(repeating: "default path", count: 4))
        #expect(trail.allSatisfy { $0.outcome == .absent })
    }

    // MARK: tokens and subdirectories

    /// /usr/bin/prog → /app/bin/prog with RUNPATH $ORIGIN/../lib; a copy in /app/lib and a decoy in /usr/lib.
    @Test func originIsTheProgramsRealDirectoryUnlessTakenAsTyped() throws {
        var root = Self.root(runpath: "$ORIGIN/../lib")
        root.library("libleaf.so.1", in: "/app/lib")
        root.library("libleaf.so.1", in: "/usr/lib")
        root.files.symlink("/usr/bin/prog", to: MiniDebianRoot.program)
        #expect(Self.leaf(try root.resolve(program: "/usr/bin/prog"))?.realPath == "/app/lib/libleaf.so.1")
        #expect(Self.leaf(try root.resolve(program: "/usr/bin/prog", originFromTypedPath: true))?.realPath == "/usr/lib/libleaf.so.1")
    }

    @Test func glibcHWCapsSubdirectoriesAreTriedBestFirst() throws {
        var root = Self.root(runpath: "/app/lib")
        root.library("libleaf.so.1", in: "/app/lib")
        root.library("libleaf.so.1", in: "/app/lib/glibc-hwcaps/x86-64-v2")
        root.platform.glibcHWCaps = ["x86-64-v3", "x86-64-v2"]
        let graph = try root.resolve()
        #expect(Self.leaf(graph)?.realPath == "/app/lib/glibc-hwcaps/x86-64-v2/libleaf.so.1")
        // glibc 2.31 knows no glibc-hwcaps: the directory itself.
        root.platform.glibcHWCaps = []
        #expect(Self.leaf(try root.resolve())?.realPath == "/app/lib/libleaf.so.1")
    }

    /// ld.so answers to PT_INTERP as written and its soname only: its file by another path
    /// is mapped again (LD036), and libc's `ld-linux-x86-64.so.2` is still ld.so itself.
    @Test(arguments: [("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", true), ("/lib64/ld-linux-x86-64.so.2", false),
                      ("ld-linux-x86-64.so.2", false)])
    func theLoaderByAnotherPathIsASecondCopy(_ name: String, _ copied: Bool) throws {
        let root = Self.root(needed: [name, "libc.so.6"])
        let graph = try root.resolve()
        #expect(graph.loaderCopy.map { graph.objects[$0.object].path } == (copied ? name : nil))
        #expect(graph.loaderCopy?.sameFile ?? copied == copied)
        #expect(graph.objects.filter { $0.foundVia == .interpreter }.count == 1)
        #expect(graph.object(named: "libc.so.6").flatMap { $0.dependencies.first ?? nil }.map { graph.objects[$0].foundVia } == .interpreter)
        #expect(try root.findings(.loaderLoadedTwice).count == (copied ? 1 : 0))
    }

    /// `glibc.cpu.hwcaps` masks the levels searched, not those the ISA-level check compares with
    /// (cpu_features' `isa_1` is set before the tunable is read).
    @Test func hwcapsTunableMasksTheSearchNotTheISACheck() throws {
        var root = Self.root(runpath: "/app/lib")
        root.library("libleaf.so.1", in: "/app/lib")
        root.library("libleaf.so.1", in: "/app/lib/glibc-hwcaps/x86-64-v4")
        root.platform.glibcHWCaps = ["x86-64-v4", "x86-64-v3", "x86-64-v2"]
        let graph = try root.resolve(["GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX512F"])
        #expect(Self.leaf(graph)?.realPath == "/app/lib/libleaf.so.1")
        #expect(graph.platform.glibcHWCaps == ["x86-64-v3", "x86-64-v2"])
        #expect(ISALevelCheck.supportedBits(graph.platform) == 0xf)
        let plain = try root.resolve()
        #expect(Self.leaf(plain)?.realPath == "/app/lib/glibc-hwcaps/x86-64-v4/libleaf.so.1")
        #expect(ISALevelCheck.supportedBits(plain.platform) == 0xf)
    }

    @Test func nodeflibSkipsTheDefaultDirectoriesAndTheCacheEntriesInThem() throws {
        var root = Self.root(flags1: 0x800)
        root.library("libleaf.so.1", in: Self.multiarch)
        root.runLdconfig()
        let graph = try root.resolve()
        #expect(Self.leaf(graph) == nil)
        #expect(graph.missing.first?.trail.contains { $0.outcome == .nodeflib && $0.source == .cache } == true)
        var plain = Self.root()
        plain.library("libleaf.so.1", in: Self.multiarch)
        plain.runLdconfig()
        #expect(Self.leaf(try plain.resolve())?.via == .search(.cache, directory: Self.multiarch))
    }

    // MARK: names and identities

    @Test func aNeededNameWithASlashIsOpenedAsThatPathOnly() throws {
        var root = Self.root(needed: ["/app/lib/libleaf.so.1"])
        root.library("libleaf.so.1", in: "/app/lib")
        root.library("libleaf.so.1", in: Self.multiarch)
        let leaf = Self.leaf(try root.resolve())
        #expect(leaf?.realPath == "/app/lib/libleaf.so.1" && leaf?.via == .directPath)
        root.files.remove("/app/lib/libleaf.so.1")
        let graph = try root.resolve()
        #expect(graph.missing.map(\.name) == ["/app/lib/libleaf.so.1"])
        #expect(graph.missing.first?.trail.map(\.path) == ["/app/lib/libleaf.so.1"])
    }

    @Test func aLoadedObjectsSonameAnswersALaterNeed() throws {
        var root = Self.root(needed: ["libleaf-1.2.so", "libleaf.so.1"], rpath: "/app/lib")
        root.library("/app/lib/libleaf-1.2.so", ELFImage.library("libleaf.so.1"))
        root.library("libleaf.so.1", in: Self.multiarch)
        let graph = try root.resolve()
        let leaves = graph.objects.filter { $0.soname == "libleaf.so.1" }
        #expect(leaves.map(\.realPath) == ["/app/lib/libleaf-1.2.so"])
        #expect(graph.executable.dependencies.prefix(2).map { $0 } == [leaves.first?.index, leaves.first?.index])
    }

    @Test func oneFileUnderTwoNamesIsLoadedOnce() throws {
        var root = Self.root(needed: ["libone.so", "libalias.so"])
        root.library(Self.multiarch + "/libone.so", ELFImage.library(nil))
        root.files.hardLink(Self.multiarch + "/libalias.so", to: Self.multiarch + "/libone.so")
        let graph = try root.resolve()
        let one = try #require(graph.object(named: "libone.so"))
        #expect(one.names == ["libone.so", "libalias.so"])
        #expect(graph.objects.filter { $0.identity == one.identity }.count == 1)
    }

    @Test func aSymlinkLoopEndsOnlyItsSearchList() throws {
        var root = Self.root()
        root.files.symlink("/app/loop/libleaf.so.1", to: "libleaf.so.1")
        root.library("libleaf.so.1", in: Self.multiarch)
        let graph = try root.resolve(["LD_LIBRARY_PATH": "/app/loop"])
        let leaf = try #require(graph.object(named: "libleaf.so.1"))
        #expect(leaf.realPath == Self.multiarch + "/libleaf.so.1")
        #expect(leaf.trail.contains { $0.path == "/app/loop/libleaf.so.1" && $0.outcome == .symlinkLoop })
    }

    @Test func theInterpreterJoinsTheLoadOrderWhenLibcNeedsIt() throws {
        let graph = try MiniDebianRoot().resolve()
        let index = try #require(graph.interpreterIndex)
        #expect(graph.objects[index].path == ELFImage.interpreterPath)
        #expect(graph.objects[index].foundVia == .interpreter)
        #expect(graph.objects[index].neededBy == [graph.object(named: "libc.so.6")?.index ?? -1])
        #expect(!graph.interpreterMissing)
    }

    // MARK: the program itself

    @Test func aProgramThatIsNotThereIsAnErrorNotAFinding() throws {
        #expect(throws: ResolveError.programNotFound(path: "/app/bin/none", root: "mini-debian")) {
            try MiniDebianRoot().resolve(program: "/app/bin/none")
        }
        #expect(throws: ResolveError.programNotAFile(path: "/app/bin")) { try MiniDebianRoot().resolve(program: "/app/bin") }
    }

    @Test func aProgramOfAnotherClassIsRefusedAsUnsupported() throws {
        var root = MiniDebianRoot()
        root.files.file(MiniDebianRoot.program, ELFImage.elf32SharedObject(), mode: 0o755)
        #expect(throws: ResolveError.unsupported(path: MiniDebianRoot.program, what: "an ELFCLASS32 program")) {
            try root.resolve()
        }
    }

    @Test func aProgramCutShortInItsProgramHeadersIsOneTheKernelWouldRefuse() throws {
        var root = MiniDebianRoot()
        root.files.file(MiniDebianRoot.program, Array(MiniDebianRoot.programImage().bytes().prefix(100)), mode: 0o755)
        #expect(throws: ResolveError.notRunnable(path: MiniDebianRoot.program, reason: "cannot read file data")) {
            try root.resolve()
        }
    }
}

import ELFImageBuilder
import InMemoryRoot
import Testing
@testable import Doctor
@testable import LoaderModel
import RootFS

/// The rules about finding files (LD001, LD002, LD005–LD008, LD010, LD012, LD013), each
/// once where it fires and once on the same root with the one difference that clears it
/// (shellcheck's verify/verifyNot). The roots are in memory; the real loader's verdict on
/// such roots is checked by the fixture roots (RealLoaderFixtureTests, RuleRootDifferentialTests).
@Suite("Search rules fire on the cause and only on it")
struct SearchRuleTests {
    static let multiarch = MiniDebianRoot.multiarch

    @Test("the mini Debian root starts its program with no finding at all")
    func miniDebianRootIsHealthy() throws {
        let diagnosis = try MiniDebianRoot().diagnose()
        #expect(diagnosis.findings.isEmpty)
        #expect(diagnosis.graph.objects.map(\.path) == [MiniDebianRoot.program, MiniDebianRoot.libc, ELFImage.interpreterPath])
    }

    // MARK: LD001 interpreter-not-found

    /// The program asks for musl's loader; the root has only glibc's.
    static func programForMusl() -> MiniDebianRoot {
        var root = MiniDebianRoot()
        var program = MiniDebianRoot.programImage()
        program.interpreter = "/lib/ld-musl-x86_64.so.1"
        root.program(program)
        return root
    }

    @Test func ld001FiresWhenTheProgramsInterpreterIsNotInTheRoot() throws {
        let diagnosis = try Self.programForMusl().diagnose()
        #expect(diagnosis.findings.map(\.id) == ["LD001"])
        let found = diagnosis.findings.first
        #expect(found?.rule == .interpreterNotFound)
        #expect(found?.library == "/lib/ld-musl-x86_64.so.1")
        #expect(found?.neededBy == [MiniDebianRoot.program])
        #expect(found?.loaderMessage == "\(MiniDebianRoot.program): cannot execute: required file not found")
    }

    @Test func ld001FiresWhenTheInterpreterLinkDangles() throws {
        var root = MiniDebianRoot()
        root.files.remove("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        let found = try root.findings("LD001")
        #expect(found.map(\.library) == [ELFImage.interpreterPath])
    }

    @Test func ld001IsQuietWhenTheInterpreterIsInTheRoot() throws {
        #expect(try MiniDebianRoot().findings("LD001").isEmpty)
    }

    // MARK: LD002 library-not-found

    static func needingLibfoo() -> MiniDebianRoot {
        var root = MiniDebianRoot()
        root.program(MiniDebianRoot.programImage(needing: ["libfoo.so.1"]))
        return root
    }

    @Test func ld002FiresWhenANeededLibraryIsNowhere() throws {
        let found = try Self.needingLibfoo().findings("LD002")
        #expect(found.count == 1)
        #expect(found.first?.rule == .libraryNotFound)
        #expect(found.first?.library == "libfoo.so.1")
        #expect(found.first?.neededBy == [MiniDebianRoot.program])
        #expect(found.first?.loaderMessage?.hasSuffix("libfoo.so.1: cannot open shared object file: No such file or directory") == true)
        // Every default directory tried is named, as data.
        let searched = found.first?.searched.flatMap(\.directories) ?? []
        for directory in LoaderPlatform.debianDefaultDirectories {
            #expect(searched.contains(directory), "\(directory)")
        }
    }

    @Test func ld002IsQuietWhenTheLibraryIsInADefaultDirectory() throws {
        var root = Self.needingLibfoo()
        root.library("libfoo.so.1", in: Self.multiarch)
        #expect(try root.findings("LD002").isEmpty)
        #expect(try root.diagnose().findings.isEmpty)
    }

    // MARK: LD005 stale-cache

    /// libfoo.so.1 in /opt/x, which /etc/ld.so.conf.d/x.conf lists; the cache made before or after.
    static func configuredDirectory(ldconfigAfterCopy: Bool) -> MiniDebianRoot {
        var root = needingLibfoo()
        root.files.file("/etc/ld.so.conf.d/x.conf", text: "/opt/x\n")
        if !ldconfigAfterCopy { root.runLdconfig() }
        root.library("libfoo.so.1", in: "/opt/x")
        if ldconfigAfterCopy { root.runLdconfig() }
        return root
    }

    @Test func ld005FiresWhenALibraryArrivedInAConfiguredDirectoryAfterLdconfig() throws {
        let diagnosis = try Self.configuredDirectory(ldconfigAfterCopy: false).diagnose()
        let found = diagnosis.findings.filter { $0.id == "LD005" }
        #expect(found.count == 1)
        #expect(found.first?.rule == .staleCache && found.first?.severity == .error)
        #expect(found.first?.library == "libfoo.so.1")
        #expect(found.first?.resolvedTo == "/opt/x/libfoo.so.1")
        #expect(found.first?.remedy?.contains("ldconfig") == true)
        #expect(!diagnosis.findings.contains { $0.id == "LD002" })   // the cause, not the symptom
    }

    /// No cache at all: the finding says so (it said the cache was written before the
    /// library arrived), and ldconfig is still the fix.
    @Test func ld005SaysWhenTheRootHasNoCache() throws {
        var root = Self.needingLibfoo()
        root.files.file("/etc/ld.so.conf.d/x.conf", text: "/opt/x\n")
        root.library("libfoo.so.1", in: "/opt/x")
        let found = try root.findings("LD005")
        #expect(found.map(\.summary) == ["libfoo.so.1 is in /opt/x, and the root has no usable ld.so.cache"])
        #expect(found.first?.explanation.contains("the root has no cache it can read") == true)
        #expect(found.first?.remedy?.contains("ldconfig") == true)
    }

    @Test func ld005IsQuietWhenLdconfigRanAfterTheLibraryArrived() throws {
        let diagnosis = try Self.configuredDirectory(ldconfigAfterCopy: true).diagnose()
        #expect(diagnosis.findings.isEmpty)
        #expect(diagnosis.graph.object(named: "libfoo.so.1")?.foundVia == .search(.cache, directory: "/opt/x"))
    }

    /// ldconfig would not cache a copy for another machine or class, nor one whose soname is
    /// another (it caches sonames: `libfoo.so.2` would be listed, not `libfoo.so.1`), so
    /// running it changes nothing: no stale cache, the library is not found (the generated
    /// roots met this: LD005 offered ldconfig for an AArch64 copy, then left it to a person).
    @Test(arguments: ["machine", "class", "soname"])
    func ld005IsQuietWhenLdconfigWouldNotCacheTheCopy(_ difference: String) throws {
        var root = Self.needingLibfoo()
        root.files.file("/etc/ld.so.conf.d/x.conf", text: "/opt/x\n")
        root.runLdconfig()
        var image = ELFImage.library(difference == "soname" ? "libfoo.so.2" : "libfoo.so.1")
        var bytes = image.bytes()
        switch difference {
        case "machine": image.machine = 183; bytes = image.bytes()   // EM_AARCH64
        case "class": bytes[4] = 1                                    // ELFCLASS32 in e_ident
        default: break
        }
        root.files.file("/opt/x/libfoo.so.1", bytes)
        let diagnosis = try root.diagnose()
        #expect(!diagnosis.findings.contains { $0.id == "LD005" }, "\(diagnosis.findings.map(\.summary))")
        #expect(diagnosis.findings.contains { $0.id == "LD002" && $0.library == "libfoo.so.1" })
    }

    /// The cache names /usr/local/lib/libfoo.so.1; the file then moved to the multiarch directory.
    static func cacheNamingAMovedFile(moved: Bool) -> MiniDebianRoot {
        var root = needingLibfoo()
        root.files.file("/etc/ld.so.conf.d/local.conf", text: "/usr/local/lib\n")
        root.library("libfoo.so.1", in: "/usr/local/lib")
        root.runLdconfig()
        if moved {
            root.files.remove("/usr/local/lib/libfoo.so.1")
            root.library("libfoo.so.1", in: multiarch)
        }
        return root
    }

    @Test func ld005WarnsWhenTheCacheNamesAFileThatIsGone() throws {
        let found = try Self.cacheNamingAMovedFile(moved: true).findings("LD005")
        #expect(found.count == 1)
        #expect(found.first?.severity == .warning)
        #expect(found.first?.resolvedTo == "/usr/local/lib/libfoo.so.1")
        #expect(found.first?.summary == "ld.so.cache names /usr/local/lib/libfoo.so.1, which is gone")
    }

    @Test func ld005IsQuietWhileTheCachedFileIsThere() throws {
        #expect(try Self.cacheNamingAMovedFile(moved: false).diagnose().findings.isEmpty)
    }

    // MARK: LD006 dangling-symlink

    /// /app/lib/libfoo.so.1 → /app/gone/libfoo.so.1 first on LD_LIBRARY_PATH; a good copy in the multiarch directory.
    static func linkFirstOnLibraryPath(targetExists: Bool) -> MiniDebianRoot {
        var root = needingLibfoo()
        root.library("libfoo.so.1", in: multiarch)
        root.files.symlink("/app/lib/libfoo.so.1", to: "/app/gone/libfoo.so.1")
        if targetExists { root.library("libfoo.so.1", in: "/app/gone") }
        return root
    }

    @Test func ld006FiresWhenACandidateIsADanglingLink() throws {
        let root = Self.linkFirstOnLibraryPath(targetExists: false)
        let diagnosis = try root.diagnose(["LD_LIBRARY_PATH": "/app/lib"])
        let found = diagnosis.findings.filter { $0.id == "LD006" }
        #expect(found.count == 1)
        #expect(found.first?.severity == .warning)
        #expect(found.first?.library == "libfoo.so.1")
        #expect(found.first?.resolvedTo == "/app/lib/libfoo.so.1")
        #expect(found.first?.summary.contains("/app/gone/libfoo.so.1") == true)
        // Passed over: the search went on to the good copy.
        #expect(diagnosis.graph.object(named: "libfoo.so.1")?.realPath == Self.multiarch + "/libfoo.so.1")
    }

    @Test func ld006IsQuietWhenTheLinkLeadsToAFile() throws {
        let root = Self.linkFirstOnLibraryPath(targetExists: true)
        let diagnosis = try root.diagnose(["LD_LIBRARY_PATH": "/app/lib"])
        #expect(diagnosis.findings.isEmpty)
        #expect(diagnosis.graph.object(named: "libfoo.so.1")?.realPath == "/app/gone/libfoo.so.1")
    }

    // MARK: LD007 wrong-class-skipped

    static func firstCandidate(_ bytes: [UInt8]) -> MiniDebianRoot {
        var root = needingLibfoo()
        root.library("libfoo.so.1", in: multiarch)
        root.files.file("/app/other/libfoo.so.1", bytes)
        return root
    }

    @Test func ld007FiresWhenA32BitCopyComesFirst() throws {
        let diagnosis = try Self.firstCandidate(ELFImage.elf32SharedObject()).diagnose(["LD_LIBRARY_PATH": "/app/other"])
        let found = diagnosis.findings.filter { $0.id == "LD007" }
        #expect(found.count == 1)
        #expect(found.first?.rule == .wrongClassSkipped && found.first?.severity == .warning)
        #expect(found.first?.resolvedTo == "/app/other/libfoo.so.1")
        #expect(found.first?.summary == "/app/other/libfoo.so.1 is ELFCLASS32, skipped")
        #expect(diagnosis.graph.object(named: "libfoo.so.1")?.realPath == Self.multiarch + "/libfoo.so.1")
    }

    @Test func ld007FiresWhenACopyForAnotherMachineComesFirst() throws {
        var arm = ELFImage.library("libfoo.so.1")
        arm.machine = 183   // EM_AARCH64
        let found = try Self.firstCandidate(arm.bytes()).findings("LD007", ["LD_LIBRARY_PATH": "/app/other"])
        #expect(found.count == 1)
        #expect(found.first?.summary == "/app/other/libfoo.so.1 is for another machine (EM_AARCH64 (AArch64)), skipped")
    }

    @Test func ld007IsQuietWhenTheFirstCopyIsX8664() throws {
        let diagnosis = try Self.firstCandidate(ELFImage.library("libfoo.so.1").bytes()).diagnose(["LD_LIBRARY_PATH": "/app/other"])
        #expect(diagnosis.findings.isEmpty)
        #expect(diagnosis.graph.object(named: "libfoo.so.1")?.realPath == "/app/other/libfoo.so.1")
    }

    @Test("with no other copy, the 32-bit one makes LD002 say `wrong ELF class`")
    func ld002QuotesTheWrongClassWhenNothingElseIsFound() throws {
        var root = Self.firstCandidate(ELFImage.elf32SharedObject())
        root.files.remove(Self.multiarch + "/libfoo.so.1")
        let found = try root.findings("LD002", ["LD_LIBRARY_PATH": "/app/other"])
        #expect(found.first?.loaderMessage?.hasSuffix("libfoo.so.1: wrong ELF class: ELFCLASS32") == true)
    }

    // MARK: LD008 unsafe-search-path

    @Test func ld008FiresOnAnEmptyLibraryPathElement() throws {
        let found = try MiniDebianRoot().findings("LD008", ["LD_LIBRARY_PATH": "/usr/local/lib:"])
        #expect(found.count == 1)
        #expect(found.first?.severity == .warning)
        #expect(found.first?.summary == "LD_LIBRARY_PATH element '(empty)' is resolved relative to the working directory")
    }

    @Test func ld008FiresOnARelativeRunpathElement() throws {
        var root = MiniDebianRoot()
        var program = MiniDebianRoot.programImage()
        program.runpath = "lib:/opt/x"
        root.program(program)
        let found = try root.findings("LD008")
        #expect(found.map(\.summary) == ["runpath element 'lib' is resolved relative to the working directory"])
    }

    @Test("an element a list repeats is one LD008 that says how often (one cause, one finding)")
    func ld008IsOneFindingForARepeatedElement() throws {
        let empty = try MiniDebianRoot().findings("LD008", ["LD_LIBRARY_PATH": "::"])
        #expect(empty.map(\.summary) == ["LD_LIBRARY_PATH element '(empty)' (3 times) is resolved relative to the working directory"])
        var root = MiniDebianRoot()
        var program = MiniDebianRoot.programImage()
        program.runpath = "lib:/opt/x:lib:."
        root.program(program)
        #expect(try root.findings("LD008").map(\.summary) == ["runpath element 'lib' (2 times) is resolved relative to the working directory",
                                                               "runpath element '.' is resolved relative to the working directory"])
    }

    /// A relative element is found from the working directory; at `/` the path the object
    /// gets is `/app/lib/…` (it was `//app/lib/…`, which no path in the root spells).
    @Test(arguments: ["/", "/srv"])
    func aRelativeLibraryPathElementIsJoinedToTheWorkingDirectory(_ workingDirectory: String) throws {
        var root = Self.needingLibfoo()
        let base = workingDirectory == "/" ? "" : workingDirectory
        root.library("libfoo.so.1", in: base + "/app/lib")
        let diagnosis = try root.diagnose(["LD_LIBRARY_PATH": "app/lib"], workingDirectory: workingDirectory)
        #expect(diagnosis.graph.object(named: "libfoo.so.1")?.path == base + "/app/lib/libfoo.so.1")
        #expect(diagnosis.findings.map(\.id) == ["LD008"])
    }

    @Test func ld008IsQuietForAbsoluteElements() throws {
        var root = MiniDebianRoot()
        var program = MiniDebianRoot.programImage()
        program.runpath = "/opt/lib:/opt/x"
        root.program(program)
        #expect(try root.findings("LD008", ["LD_LIBRARY_PATH": "/usr/local/lib"]).isEmpty)
    }

    // MARK: LD010 bad-candidate

    @Test func ld010FiresWhenAFileTooShortComesBeforeAGoodCopy() throws {
        let diagnosis = try Self.firstCandidate([0x7f, 0x45, 0x4c, 0x46, 2, 1]).diagnose(["LD_LIBRARY_PATH": "/app/other"])
        let found = diagnosis.findings.filter { $0.id == "LD010" }
        #expect(found.count == 1)
        #expect(found.first?.rule == .badCandidate && found.first?.severity == .error)
        #expect(found.first?.library == "libfoo.so.1")
        #expect(found.first?.resolvedTo == "/app/other/libfoo.so.1")
        #expect(found.first?.loaderMessage == "\(MiniDebianRoot.program): error while loading shared libraries: /app/other/libfoo.so.1: file too short")
        // Fatal: the good copy later on the path is never reached.
        #expect(diagnosis.graph.object(named: "libfoo.so.1") == nil)
    }

    @Test func ld010FiresWhenADirectoryHasTheLibrarysName() throws {
        var root = Self.needingLibfoo()
        root.library("libfoo.so.1", in: Self.multiarch)
        root.files.directory("/app/other/libfoo.so.1")
        let found = try root.findings("LD010", ["LD_LIBRARY_PATH": "/app/other"])
        #expect(found.first?.resolvedTo == "/app/other/libfoo.so.1")
        #expect(found.first?.summary == "/app/other/libfoo.so.1 stops the loader: cannot read file data: Error 21")
    }

    @Test func ld010IsQuietWhenTheFirstCandidateIsAnELFLibrary() throws {
        let diagnosis = try Self.firstCandidate(ELFImage.library("libfoo.so.1").bytes()).diagnose(["LD_LIBRARY_PATH": "/app/other"])
        #expect(!diagnosis.findings.contains { $0.id == "LD010" })
    }

    // MARK: LD012 static-executable

    @Test func ld012FiresForAStaticProgram() throws {
        var root = MiniDebianRoot()
        root.program(ELFImage.staticProgram())
        let diagnosis = try root.diagnose()
        #expect(diagnosis.findings.map(\.id) == ["LD012"])
        #expect(diagnosis.findings.first?.severity == .info)
        #expect(diagnosis.findings.first?.summary == "\(MiniDebianRoot.program) is statically linked: it needs no shared libraries")
        #expect(diagnosis.errors.isEmpty)
    }

    @Test func ld012IsQuietForADynamicProgram() throws {
        #expect(try MiniDebianRoot().findings("LD012").isEmpty)
    }

    // MARK: LD013 preload-ignored

    @Test func ld013FiresWhenAPreloadIsMissing() throws {
        let found = try MiniDebianRoot().findings("LD013", ["LD_PRELOAD": "/missing.so"])
        #expect(found.count == 1)
        #expect(found.first?.severity == .warning)
        #expect(found.first?.library == "/missing.so")
        #expect(found.first?.loaderMessage == "ERROR: ld.so: object '/missing.so' from LD_PRELOAD cannot be preloaded (cannot open shared object file): ignored.")
    }

    @Test func ld013IsQuietWhenThePreloadLoads() throws {
        var root = MiniDebianRoot()
        root.library("libpre.so", in: Self.multiarch)
        let diagnosis = try root.diagnose(["LD_PRELOAD": Self.multiarch + "/libpre.so"])
        #expect(diagnosis.findings.isEmpty)
        #expect(diagnosis.graph.object(named: Self.multiarch + "/libpre.so")?.foundVia == .preload(nil, .environment))
    }
}

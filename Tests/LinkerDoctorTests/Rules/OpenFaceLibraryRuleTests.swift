import ELFImageBuilder
import InMemoryRoot
import Testing
@testable import Doctor
@testable import LoaderModel
import RootFS

/// The documented OpenFace-container failures (OF001–OF005) and the general companion
/// rule (LD011), each where it fires and on the same root with the difference that clears
/// it. The image's real layout is checked end to end by the fixture roots (`make demo`).
@Suite("OpenFace library rules and runtime companions fire on the cause and only on it")
struct OpenFaceLibraryRuleTests {
    static let multiarch = MiniDebianRoot.multiarch

    static func needing(_ libs: [String]) -> MiniDebianRoot {
        var root = MiniDebianRoot()
        root.program(MiniDebianRoot.programImage(needing: libs))
        return root
    }

    // MARK: OF001, OF002: special cases of library-not-found

    @Test(arguments: [("libwebp.so.7", "OF001", "the system has no other libwebp"), ("libmkl_rt.so.2", "OF002", "found at build time")])
    func of001AndOf002FireInsteadOfLd002ForTheirLibrary(_ case_: (library: String, id: String, detail: String)) throws {
        let diagnosis = try Self.needing([case_.library]).diagnose()
        #expect(diagnosis.findings.map(\.id.rawValue) == [case_.id])
        let found = diagnosis.findings.first
        #expect(found?.rule == .libraryNotFound)
        #expect(found?.library == case_.library)
        #expect(found?.neededBy == [MiniDebianRoot.program])
        #expect(found?.explanation.contains(case_.detail) == true)
    }

    @Test(arguments: [("libwebp.so.7", "OF001"), ("libmkl_rt.so.2", "OF002")])
    func of001AndOf002AreQuietWhenTheLibraryIsFound(_ case_: (library: String, id: String)) throws {
        var root = Self.needing([case_.library])
        root.library(case_.library, in: Self.multiarch)
        #expect(try root.diagnose().findings.isEmpty)
    }

    @Test func ld002NotOf001ForAnotherSonameOfWebp() throws {
        #expect(try Self.needing(["libwebp.so.6"]).diagnose().findings.map(\.id) == ["LD002"])
    }

    /// The seed's story (Ubuntu's libwebp.so.6, MKL in conda's lib, OpenFace's build/lib) is
    /// told only where the root shows it: each claim with the file behind it, and none without.
    /// libwebp.so.6 counts in a default directory too, where the loader would find it without
    /// the cache.
    @Test(arguments: [
        (["libwebp.so.7"], "libwebp.so.6", Self.multiarch, "the system has only libwebp.so.6 (\(Self.multiarch)/libwebp.so.6)"),
        (["libmkl_rt.so.2"], "libmkl_rt.so.2", "/opt/conda/lib", "MKL is in /opt/conda/lib"),
        (["libLandmarkDetector.so", "libFaceAnalyser.so"], "libLandmarkDetector.so", "/opt/OpenFace/build/lib",
         "its own libraries in /opt/OpenFace/build/lib"),
    ])
    func documentedStoryOnlyWhereTheRootShowsIt(_ case_: (needs: [String], file: String, directory: String, claim: String)) throws {
        var root = Self.needing(case_.needs)
        let without = try #require(try root.diagnose().findings.first)
        #expect(!without.explanation.contains(case_.directory), "\(without.explanation)")
        root.library(case_.file, in: case_.directory)
        let with = try #require(try root.diagnose().findings.first { $0.library == case_.needs[0] })
        #expect(with.explanation.contains(case_.claim), "\(with.explanation)")
    }

    /// The general doctor knows nothing of OpenFace: without its rules the same roots give
    /// the general loader findings, with the loader's own words.
    @Test(arguments: [["libwebp.so.7"], ["libmkl_rt.so.2"], ["libLandmarkDetector.so", "libFaceAnalyser.so"]])
    func withoutOpenFacesRulesTheGeneralFindingsRemain(_ needs: [String]) throws {
        let findings = try Self.needing(needs).diagnose(rules: []).findings
        #expect(findings.map(\.id) == Array(repeating: .libraryNotFound, count: needs.count), "\(findings.map(\.id))")
        #expect(findings.map(\.library) == needs)
        #expect(findings.allSatisfy { !$0.explanation.contains("OpenFace") && !$0.explanation.contains("conda") })
    }

    // MARK: OF003: OpenFace's own libraries

    static let openFaceLibraries = ["libLandmarkDetector.so", "libFaceAnalyser.so"]

    @Test func of003FiresOnceForAllOfOpenFacesMissingLibraries() throws {
        let diagnosis = try Self.needing(Self.openFaceLibraries).diagnose()
        #expect(diagnosis.findings.map(\.id) == ["OF003"])
        let found = diagnosis.findings.first
        #expect(found?.summary == "OpenFace's libraries not found: libLandmarkDetector.so, libFaceAnalyser.so")
        #expect(found?.neededBy == [MiniDebianRoot.program])
        // The root holds no copy in /opt/OpenFace/build/lib, so only the missing RUNPATH is said.
        #expect(found?.explanation.contains("no RPATH or RUNPATH") == true)
    }

    @Test func of003IsQuietWhenTheBuildDirectoryIsOnTheLibraryPath() throws {
        var root = Self.needing(Self.openFaceLibraries)
        for name in Self.openFaceLibraries { root.library(name, in: "/opt/OpenFace/build/lib") }
        #expect(try root.diagnose(["LD_LIBRARY_PATH": "/opt/OpenFace/build/lib"]).findings.isEmpty)
        #expect(try root.findings("OF003").count == 1)   // the same root without it
    }

    // MARK: OF004: conda's libffi shadowing the system's

    /// Ubuntu's libffi7 in the multiarch directory; conda's libffi.so.7 → libffi.so.8 in
    /// /opt/conda/lib, defining ffi_type_uint32 at LIBFFI_BASE_8.0 (and `emptyVersions`, names
    /// with no symbol at them). The program imports ffi_type_uint32@LIBFFI_BASE_7.0.
    static func libffi(emptyVersions: [String] = [], runpath: String? = nil) -> MiniDebianRoot {
        var root = MiniDebianRoot()
        var program = MiniDebianRoot.programImage(needing: ["libffi.so.7"], importing: [ffiTypeUint32])
        program.runpath = runpath
        root.program(program)
        root.library(multiarch + "/libffi.so.7", MiniDebianRoot.libraryImage("libffi.so.7", defining: "ffi_type_uint32", at: "LIBFFI_BASE_7.0"))
        var conda = MiniDebianRoot.libraryImage("libffi.so.8", defining: "ffi_type_uint32", at: "LIBFFI_BASE_8.0")
        conda.versionDefinitions = emptyVersions
        root.library("/opt/conda/lib/libffi.so.8", conda)
        root.files.symlink("/opt/conda/lib/libffi.so.7", to: "libffi.so.8")
        return root
    }

    static let ffiTypeUint32 = ELFImage.Import("ffi_type_uint32", version: ("libffi.so.7", "LIBFFI_BASE_7.0"), lazy: false)

    @Test func of004FiresAsAVersionFailureWhenCondasLibffiShadowsTheSystems() throws {
        let found = try Self.libffi().findings("OF004", ["LD_LIBRARY_PATH": "/opt/conda/lib"])
        #expect(found.count == 1)
        #expect(found.first?.rule == .versionNotFound)
        #expect(found.first?.version == "LIBFFI_BASE_7.0")
        #expect(found.first?.resolvedTo == "/opt/conda/lib/libffi.so.7")
        #expect(found.first?.explanation.contains("LD_LIBRARY_PATH") == true)
    }

    @Test func of004FiresAsASymbolFailureWhenCondasVersionNodesAreEmpty() throws {
        // Anaconda's build: the _7.0 name is there, with no symbol at it.
        let root = Self.libffi(emptyVersions: ["LIBFFI_BASE_7.0"])
        let found = try root.findings("OF004", ["LD_LIBRARY_PATH": "/opt/conda/lib"])
        #expect(found.count == 1)
        #expect(found.first?.rule == .symbolNotFound)
        #expect(found.first?.symbol == "ffi_type_uint32" && found.first?.version == "LIBFFI_BASE_7.0")
        #expect(found.first?.resolvedTo == "/opt/conda/lib/libffi.so.7")
    }

    @Test func of004IsQuietWithoutCondaOnTheLibraryPath() throws {
        #expect(try Self.libffi().diagnose().findings.isEmpty)
    }

    @Test("the same version failure through RUNPATH is LD003: OF004 is the LD_LIBRARY_PATH shadow")
    func ld003NotOf004WhenTheShadowComesFromRunpath() throws {
        let root = Self.libffi(runpath: "/opt/conda/lib")
        #expect(try root.diagnose().findings.map(\.id) == ["LD003"])
    }

    // MARK: LD011, OF005: companions opened beside the load path

    /// `name` lives in `realDirectory` with its companion; the loader finds it through a link
    /// in the multiarch directory. `opensBesideItself`: it imports dlopen and dladdr.
    static func linkedLibrary(_ name: String, companion: String, realDirectory: String,
                              opensBesideItself: Bool = true) -> MiniDebianRoot {
        var root = needing([name])
        var library = ELFImage.library(name, needed: ["libc.so.6"])
        library.strings = [companion]
        if opensBesideItself {
            library.imports = [ELFImage.Import("dlopen", version: ("libc.so.6", "GLIBC_2.34")),
                               ELFImage.Import("dladdr", version: ("libc.so.6", "GLIBC_2.2.5"))]
        }
        root.library(realDirectory + "/" + name, library)
        root.library(companion, in: realDirectory)
        root.files.symlink(multiarch + "/" + name, to: realDirectory + "/" + name)
        return root
    }

    @Test func ld011FiresWhenALibraryWillNotFindItsCompanionBesideItsLink() throws {
        let root = Self.linkedLibrary("libplug.so.1", companion: "libplugcore.so.1", realDirectory: "/opt/plug/lib")
        let diagnosis = try root.diagnose()
        #expect(diagnosis.findings.map(\.id) == ["LD011"])
        let found = diagnosis.findings.first
        #expect(found?.rule == .runtimeCompanionMissing && found?.severity == .warning)
        #expect(found?.library == "libplug.so.1")
        #expect(found?.resolvedTo == Self.multiarch + "/libplug.so.1")
        #expect(found?.candidates.map(\.path) == ["/opt/plug/lib/libplugcore.so.1"])
        #expect(found?.summary == "\(Self.multiarch)/libplug.so.1 will not find libplugcore.so.1 at run time")
    }

    @Test func ld011IsQuietWhenTheCompanionIsLinkedBesideIt() throws {
        var root = Self.linkedLibrary("libplug.so.1", companion: "libplugcore.so.1", realDirectory: "/opt/plug/lib")
        root.files.symlink(Self.multiarch + "/libplugcore.so.1", to: "/opt/plug/lib/libplugcore.so.1")
        #expect(try root.diagnose().findings.isEmpty)
    }

    @Test func ld011IsQuietForALibraryThatDoesNotAskWhereItWasLoadedFrom() throws {
        let root = Self.linkedLibrary("libplug.so.1", companion: "libplugcore.so.1", realDirectory: "/opt/plug/lib",
                                      opensBesideItself: false)
        #expect(try root.diagnose().findings.isEmpty)
    }

    @Test func of005FiresWhenMKLsCoreIsNotBesideTheLinkToLibmklRt() throws {
        let root = Self.linkedLibrary("libmkl_rt.so.2", companion: "libmkl_core.so.2", realDirectory: "/opt/conda/lib",
                                      opensBesideItself: false)
        let diagnosis = try root.diagnose()
        #expect(diagnosis.findings.map(\.id) == ["OF005"])
        let found = diagnosis.findings.first
        #expect(found?.resolvedTo == Self.multiarch + "/libmkl_rt.so.2")
        #expect(found?.candidates.map(\.path) == ["/opt/conda/lib/libmkl_core.so.2"])
        #expect(found?.loaderMessage == "INTEL MKL ERROR: \(Self.multiarch)/libmkl_core.so.2: cannot open shared object file: No such file or directory.")
    }

    @Test func of005IsQuietWhenMKLsFamilyIsLinkedBesideIt() throws {
        var root = Self.linkedLibrary("libmkl_rt.so.2", companion: "libmkl_core.so.2", realDirectory: "/opt/conda/lib",
                                      opensBesideItself: false)
        root.files.symlink(Self.multiarch + "/libmkl_core.so.2", to: "/opt/conda/lib/libmkl_core.so.2")
        #expect(try root.diagnose().findings.isEmpty)
    }
}

import ELFImageBuilder
import InMemoryRoot
import Testing
@testable import Doctor
@testable import LoaderModel
import RootFS
import Support

/// `Planner` on in-memory roots: which fix each failure gets, that the plan is proven on
/// the overlay (the simulated diagnosis has no error left), and what becomes a step for a
/// person. `fix --apply` on fixture roots, judged by the real loader, is the end-to-end
/// check (FixJourneyTests).
@Suite("Planner picks the fix for each failure and proves it")
struct PlannerTests {
    /// An action as the expectations state it: what it does and the ids it fixes.
    static func withoutClears(_ planned: PlannedAction) -> PlannedAction { PlannedAction(planned.action, fixes: planned.fixes) }

    static let multiarch = MiniDebianRoot.multiarch

    static func plan(_ root: MiniDebianRoot, _ variables: [String: String] = [:]) throws -> Planner.Outcome {
        let environment = LoaderEnvironment(variables)
        let diagnosis = try root.diagnose(variables)
        return Planner(system: root.system, program: root.location(), rules: MiniDebianRoot.rules).plan(from: diagnosis, environment: environment)
    }

    static func needing(_ libs: [String]) -> MiniDebianRoot {
        var root = MiniDebianRoot()
        root.program(MiniDebianRoot.programImage(needing: libs))
        return root
    }

    static func symlink(_ path: String, _ target: String) -> FixAction { .symlink(path: RootPath(path), target: target) }

    // MARK: missing libraries

    @Test func aLibraryFromADirectoryThatWouldShadowTheSystemIsLinkedWithItsFamily() throws {
        var root = Self.needing(["libmkl_rt.so.2"])
        var mkl = ELFImage.library("libmkl_rt.so.2")
        mkl.strings = ["libmkl_core.so.2"]
        root.library("/opt/conda/lib/libmkl_rt.so.2", mkl)
        root.library("libmkl_core.so.2", in: "/opt/conda/lib")
        // conda's lib also has a libffi the system has: on a search path it would shadow it.
        root.library("libffi.so.7", in: "/opt/conda/lib")
        root.library("libffi.so.7", in: Self.multiarch)
        let outcome = try Self.plan(root)
        #expect(outcome.plan.actions.map(\.action) == [
            Self.symlink(Self.multiarch + "/libmkl_rt.so.2", "/opt/conda/lib/libmkl_rt.so.2"),
            Self.symlink(Self.multiarch + "/libmkl_core.so.2", "/opt/conda/lib/libmkl_core.so.2"),
            .ldconfig,
        ])
        #expect(outcome.plan.actions.allSatisfy { $0.fixes == ["OF002"] })
        #expect(outcome.blockers.isEmpty)
        #expect(outcome.simulated?.errors.isEmpty == true)
        #expect(outcome.simulated?.findings.isEmpty == true)   // no OF005 on the overlay: the core is linked too
    }

    /// libapp.so.1 in /opt/app/lib, which holds nothing the system also has.
    static func privateLibrary() -> MiniDebianRoot {
        var root = needing(["libapp.so.1"])
        root.library("libapp.so.1", in: "/opt/app/lib")
        return root
    }

    @Test func aPrivateDirectoryIsListedInLdSoConfD() throws {
        let outcome = try Self.plan(Self.privateLibrary())
        #expect(outcome.plan.actions.map(\.action) == [.conf(path: Planner.confPath, directories: ["/opt/app/lib"]), .ldconfig])
        #expect(outcome.environment.libraryPath == nil)
        #expect(outcome.simulated?.graph.object(named: "libapp.so.1")?.foundVia == .search(.cache, directory: "/opt/app/lib"))
        #expect(outcome.simulated?.errors.isEmpty == true)
    }

    /// A dangling link of the library's name in the multiarch directory is no system copy:
    /// the directory is still the application's own, listed in ld.so.conf.d (the planner
    /// took the link for a system library, would not link over it, and called the library
    /// nowhere usable; once ldconfig had dropped the link, a second plan fixed it).
    @Test func aDanglingLinkInADefaultDirectoryIsNoSystemCopy() throws {
        var root = Self.privateLibrary()
        root.files.symlink(Self.multiarch + "/libapp.so.1", to: "libapp.so.1.0.0")
        let outcome = try Self.plan(root)
        #expect(outcome.plan.actions.map(\.action) == [.conf(path: Planner.confPath, directories: ["/opt/app/lib"]), .ldconfig])
        #expect(outcome.simulated?.errors.isEmpty == true)
    }

    /// An earlier `fix --apply` wrote ofdoctor.conf for another program: the new plan keeps
    /// what it lists (the generated roots met a second plan that listed only its own
    /// directory, and with it unlisted the first plan's, whose library the program needed).
    @Test func anEarlierConfFileKeepsItsDirectories() throws {
        var root = Self.privateLibrary()
        root.library("libother.so.1", in: "/opt/other/lib")
        root.files.file(Planner.confPath.string, text: "# Written by ofdoctor fix --apply\n/opt/other/lib  # kept\n\n")
        root.runLdconfig()
        let outcome = try Self.plan(root)
        #expect(outcome.plan.actions.map(\.action) == [.conf(path: Planner.confPath, directories: ["/opt/other/lib", "/opt/app/lib"]), .ldconfig])
        #expect(outcome.simulated?.errors.isEmpty == true)
    }

    /// /opt/app/lib/libapp.so.1 declares DT_SONAME libapp.so.2: ldconfig would cache it as
    /// libapp.so.2, so listing its directory in ld.so.conf.d cannot make libapp.so.1 found
    /// (the proof saw that, left it to a person, and the plan text still said the conf step
    /// fixed it). A link by its name in the system directory is found by name, as the
    /// loader searches that directory after the cache; the candidate is named for what it is.
    @Test func aCopyDeclaringAnotherSonameIsNotListedInLdSoConfD() throws {
        var root = Self.needing(["libapp.so.1"])
        root.library("/opt/app/lib/libapp.so.1", ELFImage.library("libapp.so.2"))
        let outcome = try Self.plan(root)
        #expect(!outcome.plan.actions.contains { if case .conf = $0.action { return true } else { return false } })
        #expect(outcome.plan.actions.contains { $0.action == .symlink(path: RootPath("/usr/lib/x86_64-linux-gnu/libapp.so.1"), target: "/opt/app/lib/libapp.so.1") })
        #expect(outcome.environment.libraryPath == nil)
        #expect(outcome.simulated?.errors.isEmpty == true)
        let candidate = try #require(outcome.candidates[TextKey("libapp.so.1")]?.first)
        #expect(candidate.kind == .otherSoname && candidate.soname == "libapp.so.2")
    }

    /// A -z nodefaultlib program whose libfoo.so.1 (and libc) are only in the multiarch
    /// directory, and libbar.so.2 in a directory ld.so.conf lists; no cache yet. nodeflib
    /// makes the loader skip the default directories and the cache's entries in them: only
    /// LD_LIBRARY_PATH reaches them (the planner listed the multiarch directory in
    /// ld.so.conf.d, which the proof refuted, and then called libfoo "nowhere usable").
    @Test func aNodeflibProgramReachesTheDefaultDirectoryThroughTheLibraryPath() throws {
        var root = MiniDebianRoot()
        var program = MiniDebianRoot.programImage(needing: ["libfoo.so.1", "libbar.so.2"])
        program.flags1 = 0x800   // DF_1_NODEFLIB
        root.program(program)
        root.library("libfoo.so.1", in: Self.multiarch)
        root.files.file("/etc/ld.so.conf.d/x.conf", text: "/opt/x\n")
        root.library("libbar.so.2", in: "/opt/x")
        let outcome = try Self.plan(root)
        // (this root's libc is in /lib/x86_64-linux-gnu, a directory of its own)
        #expect(outcome.plan.actions.map(\.action) == [.env(name: "LD_LIBRARY_PATH", value: Self.multiarch + ":/lib/x86_64-linux-gnu"), .ldconfig])
        #expect(outcome.blockers.isEmpty, "\(outcome.blockers.map(\.summary))")
        #expect(outcome.simulated?.errors.isEmpty == true)
    }

    /// A nodeflib program run with LD_LIBRARY_PATH=/usr/lib:/usr/lib/x86_64-linux-gnu, where
    /// a libfoo.so.1 lacking foo@FOO_2 in /usr/lib shadows the good one in /opt/app/lib; its
    /// libc is in /lib/x86_64-linux-gnu, which nodeflib keeps it from. The plan drops
    /// /usr/lib, and must not bring it back to reach a default directory (it did, for that
    /// very copy, and called the shadowing a person's; a generated root showed it).
    @Test func aShadowingCopyDroppedFromTheLibraryPathIsNotOfferedAgain() throws {
        var root = MiniDebianRoot()
        var program = MiniDebianRoot.programImage(needing: ["libfoo.so.1"],
                                                  importing: [ELFImage.Import("foo", version: ("libfoo.so.1", "FOO_2"))])
        program.flags1 = 0x800   // DF_1_NODEFLIB
        root.program(program)
        root.library("/usr/lib/libfoo.so.1", ELFImage.library("libfoo.so.1"))
        root.library("/opt/app/lib/libfoo.so.1", MiniDebianRoot.libraryImage("libfoo.so.1", defining: "foo", at: "FOO_2"))
        root.runLdconfig()
        let outcome = try Self.plan(root, ["LD_LIBRARY_PATH": "/usr/lib:" + Self.multiarch])
        #expect(outcome.blockers.isEmpty, "\(outcome.blockers.map(\.summary)) \(outcome.plan.actions.map(\.action))")
        #expect(outcome.simulated?.errors.isEmpty == true)
        #expect(outcome.simulated?.graph.object(named: "libfoo.so.1")?.realPath == "/opt/app/lib/libfoo.so.1")
        let path = outcome.environment.libraryPath ?? ""
        #expect(!path.split(separator: ":").contains("/usr/lib"), "\(path)")
    }

    /// A step recorded for a finding the proof leaves failing (a person's) no longer says it
    /// fixes it; another finding it clears keeps its id.
    @Test func stepsNameOnlyTheFindingsTheProofClears() {
        let kept = Finding(id: "LD002", rule: .libraryNotFound, summary: "a", explanation: "", library: "liba.so.1")
        let left = Finding(id: "LD002", rule: .libraryNotFound, summary: "b", explanation: "", library: "libb.so.1")
        let stale = Finding(id: "LD005", rule: .staleCache, summary: "c", explanation: "", library: "libc.so.1")
        var actions = [
            PlannedAction(.conf(path: Planner.confPath, directories: ["/opt/a", "/opt/b"]), fixes: ["LD002"], clears: [kept.key, left.key]),
            PlannedAction(.ldconfig, fixes: ["LD002", "LD005"], clears: [left.key, stale.key]),
        ]
        Planner.truthful(&actions, left: [left.key], findings: [kept, left, stale])
        #expect(actions[0].fixes == ["LD002"] && actions[0].clears == [kept.key])
        #expect(actions[1].fixes == ["LD005"] && actions[1].clears == [stale.key])
    }

    /// Links reach every process (docker exec, cron); LD_LIBRARY_PATH only those started with
    /// it: a private directory ld.so.conf.d cannot list gets a link (design: the environment
    /// only where nothing in the root can work).
    @Test func aPrivateDirectoryIsLinkedWhenLdconfigWouldNotReadTheConfFile() throws {
        var root = Self.privateLibrary()
        root.files.file("/etc/ld.so.conf", text: "/usr/local/lib\n")   // no include of ld.so.conf.d
        let outcome = try Self.plan(root)
        #expect(outcome.plan.actions.map(\.action) == [.symlink(path: RootPath("/usr/lib/x86_64-linux-gnu/libapp.so.1"), target: "/opt/app/lib/libapp.so.1"), .ldconfig])
        #expect(outcome.environment.libraryPath == nil)
        #expect(outcome.simulated?.errors.isEmpty == true)
    }

    /// The name taken in the link directory by a copy for another machine, which the loader
    /// passes over: the link goes into the next default directory the loader searches.
    @Test func aTakenLinkNameGoesToTheNextDefaultDirectory() throws {
        var root = Self.privateLibrary()
        root.files.file("/etc/ld.so.conf", text: "/usr/local/lib\n")
        var foreign = ELFImage.library("libapp.so.1")
        foreign.machine = 183   // EM_AARCH64
        root.library("/usr/lib/x86_64-linux-gnu/libapp.so.1", foreign)
        root.runLdconfig()
        let outcome = try Self.plan(root)
        #expect(outcome.plan.actions.map(\.action) == [.symlink(path: RootPath("/lib/x86_64-linux-gnu/libapp.so.1"), target: "/opt/app/lib/libapp.so.1"), .ldconfig])
        #expect(outcome.environment.libraryPath == nil)
        #expect(outcome.simulated?.errors.isEmpty == true)
    }

    /// Where no link can be made at all (the name taken so in every default directory),
    /// LD_LIBRARY_PATH it is.
    @Test func aPrivateDirectoryGoesOnTheLibraryPathWhenNoLinkCanBeMade() throws {
        var root = Self.privateLibrary()
        root.files.file("/etc/ld.so.conf", text: "/usr/local/lib\n")
        var foreign = ELFImage.library("libapp.so.1")
        foreign.machine = 183   // EM_AARCH64
        for directory in ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"] {
            root.library(directory + "/libapp.so.1", foreign)
        }
        root.runLdconfig()
        let outcome = try Self.plan(root)
        #expect(outcome.plan.actions.map(\.action) == [.env(name: "LD_LIBRARY_PATH", value: "/opt/app/lib")])
        #expect(outcome.environment.libraryPath == "/opt/app/lib")
        #expect(outcome.simulated?.errors.isEmpty == true)
    }

    @Test func aDirectoryWithASonameTheCacheFindsElsewhereIsLinkedNotListedInLdSoConfD() throws {
        // Listed in ld.so.conf.d, /opt/app/lib's libdup.so.1 would join /opt/other's in the
        // cache; a link names only the library missing.
        var root = Self.privateLibrary()
        root.files.file("/etc/ld.so.conf.d/other.conf", text: "/opt/other\n")
        root.library("libdup.so.1", in: "/opt/other")
        root.library("libdup.so.1", in: "/opt/app/lib")
        root.runLdconfig()
        let outcome = try Self.plan(root)
        #expect(outcome.plan.actions.map(\.action) == [.symlink(path: RootPath("/usr/lib/x86_64-linux-gnu/libapp.so.1"), target: "/opt/app/lib/libapp.so.1"), .ldconfig])
        #expect(outcome.simulated?.errors.isEmpty == true)
    }

    @Test func aCopyOnlyInAGlibcHWCapsSubdirectoryIsNotOffered() throws {
        var root = Self.needing(["libfoo.so.1"])
        root.library("libfoo.so.1", in: "/opt/x/glibc-hwcaps/x86-64-v3")
        let outcome = try Self.plan(root)
        #expect(outcome.plan.isEmpty)
        #expect(outcome.blockers.map(\.summary) == ["libfoo.so.1 is nowhere usable in the root"])
        #expect(outcome.candidates[TextKey("libfoo.so.1")]?.map(\.path) == ["/opt/x/glibc-hwcaps/x86-64-v3/libfoo.so.1"])
    }

    /// A library moved out of the path with its link (`libapp.so.1 -> libapp.so.1.0.0`): the
    /// link is the candidate, and the file it leads to is not named again as one "no link of
    /// that name leads to" (as it was, for libz and libwebp moved to /opt in a Debian 11 root).
    /// A real file no link of the name reaches is still named, and so is one reached only by
    /// a link of another name.
    @Test func aFileItsSonameLinkLeadsToIsNotASecondCandidate() throws {
        var root = Self.needing(["libapp.so.1"])
        root.library("/opt/app/lib/libapp.so.1.0.0", ELFImage.library("libapp.so.1"))
        root.files.symlink("/opt/app/lib/libapp.so.1", to: "libapp.so.1.0.0")
        root.library("/srv/app/libapp.so.1.0.0", ELFImage.library("libapp.so.1"))
        root.library("/srv/other/libapp.so.1.2", ELFImage.library("libapp.so.1"))
        root.files.symlink("/srv/other/libapp.so", to: "libapp.so.1.2")
        let candidates = try #require(try Self.plan(root).candidates[TextKey("libapp.so.1")])
        #expect(candidates.map(\.path).sorted() == ["/opt/app/lib/libapp.so.1", "/srv/app/libapp.so.1.0.0", "/srv/other/libapp.so.1.2"])
        #expect(candidates.first { $0.path == "/srv/app/libapp.so.1.0.0" }?.note?.contains("no link of that name leads to it") == true)
    }

    @Test func anotherSonameStandsInWhenItDefinesEverySymbolItsConsumersImport() throws {
        var root = MiniDebianRoot()
        root.program(MiniDebianRoot.programImage(needing: ["libwebp.so.7"], importing: [ELFImage.Import("WebPDecode")]))
        root.library("libwebp.so.6", in: Self.multiarch, defining: ["WebPDecode"])
        let outcome = try Self.plan(root)
        #expect(outcome.plan.actions.map(\.action) == [Self.symlink(Self.multiarch + "/libwebp.so.7", "libwebp.so.6"), .ldconfig])
        #expect(outcome.candidates[TextKey("libwebp.so.7")]?.map(\.kind) == [.otherSoname])
        #expect(outcome.simulated?.errors.isEmpty == true)
    }

    @Test func anotherSonameLackingASymbolIsWithdrawnAndLeftToAPerson() throws {
        var root = MiniDebianRoot()
        root.program(MiniDebianRoot.programImage(needing: ["libwebp.so.7"], importing: [ELFImage.Import("WebPDecode", lazy: false)]))
        root.library("libwebp.so.6", in: Self.multiarch, defining: ["WebPGetInfo"])
        let outcome = try Self.plan(root)
        #expect(outcome.plan.isEmpty)
        #expect(outcome.blockers.map(\.findingID) == ["OF001"])
        #expect(outcome.blockers.first?.summary
                == "libwebp.so.7 is missing and \(Self.multiarch)/libwebp.so.6 cannot stand in (it lacks WebPDecode)")
        let candidate = outcome.candidates[TextKey("libwebp.so.7")]?.first
        #expect(candidate?.usable == false)
        #expect(candidate?.note?.contains("lacks WebPDecode") == true)
    }

    @Test func aLibraryNowhereIsAPersonsStepAndTheOtherFixesAreKept() throws {
        var root = Self.needing(["libnowhere.so.1", "libapp.so.1"])
        root.library("libapp.so.1", in: "/opt/app/lib")
        let outcome = try Self.plan(root)
        #expect(outcome.plan.actions.map(\.action) == [.conf(path: Planner.confPath, directories: ["/opt/app/lib"]), .ldconfig])
        #expect(outcome.blockers == [Blocker(findingID: "LD002", summary: "libnowhere.so.1 is nowhere usable in the root",
                                             remedy: "install the package that provides libnowhere.so.1",
                                             findingKey: FindingKey(rule: .libraryNotFound, library: "libnowhere.so.1",
                                                                     requester: MiniDebianRoot.program))])
        #expect(outcome.simulated?.errors.map(\.library) == ["libnowhere.so.1"])
    }

    // MARK: environment, cache and companions

    @Test func theLibraryPathDirectoryThatShadowsAGoodCopyIsDropped() throws {
        var root = MiniDebianRoot()
        root.program(MiniDebianRoot.programImage(needing: ["libffi.so.7"], importing: [
            ELFImage.Import("ffi_call", version: ("libffi.so.7", "LIBFFI_BASE_7.0")),
        ]))
        root.library(Self.multiarch + "/libffi.so.7", MiniDebianRoot.libraryImage("libffi.so.7", defining: "ffi_call", at: "LIBFFI_BASE_7.0"))
        root.library("/opt/conda/lib/libffi.so.7", MiniDebianRoot.libraryImage("libffi.so.7", defining: "ffi_call", at: "LIBFFI_BASE_8.0"))
        root.library("libextra.so.1", in: "/opt/extra")
        let outcome = try Self.plan(root, ["LD_LIBRARY_PATH": "/opt/conda/lib:/opt/extra"])
        #expect(outcome.plan.actions.map(Self.withoutClears) == [PlannedAction(.env(name: "LD_LIBRARY_PATH", value: "/opt/extra"), fixes: ["OF004"])])
        #expect(outcome.environment.libraryPath == "/opt/extra")
        #expect(outcome.simulated?.errors.isEmpty == true)
    }

    @Test func aVersionFailureNotFromTheLibraryPathIsAPersonsStep() throws {
        var root = MiniDebianRoot()
        root.program(MiniDebianRoot.programImage(needing: ["libfoo.so.1"], importing: [
            ELFImage.Import("foo", version: ("libfoo.so.1", "FOO_2.0")),
        ]))
        root.library(Self.multiarch + "/libfoo.so.1", MiniDebianRoot.libraryImage("libfoo.so.1", defining: "foo", at: "FOO_1.0"))
        let outcome = try Self.plan(root)
        #expect(outcome.plan.isEmpty)
        #expect(outcome.blockers.map(\.findingID) == ["LD003"])
        #expect(outcome.blockers.first?.remedy?.hasPrefix("rebuild the requester") == true)
    }

    @Test func aBadCandidateOnTheLibraryPathIsSteppedPastByDroppingItsDirectory() throws {
        var root = Self.needing(["libfoo.so.1"])
        root.library("libfoo.so.1", in: Self.multiarch)
        root.files.file("/app/broken/libfoo.so.1", [0x7f, 0x45])
        let outcome = try Self.plan(root, ["LD_LIBRARY_PATH": "/app/broken"])
        #expect(outcome.plan.actions.map(Self.withoutClears) == [PlannedAction(.env(name: "LD_LIBRARY_PATH", value: nil), fixes: ["LD010"])])
        #expect(outcome.simulated?.errors.isEmpty == true)
    }

    @Test func aBadCandidateOnTheRunpathIsAPersonsStep() throws {
        var root = MiniDebianRoot()
        var program = MiniDebianRoot.programImage(needing: ["libfoo.so.1"])
        program.runpath = "/app/broken"
        root.program(program)
        root.library("libfoo.so.1", in: Self.multiarch)
        root.files.file("/app/broken/libfoo.so.1", [0x7f, 0x45])
        let outcome = try Self.plan(root)
        #expect(outcome.plan.isEmpty)
        #expect(outcome.blockers.map(\.findingID) == ["LD010"])
        #expect(outcome.blockers.first?.remedy == "Remove or rename /app/broken/libfoo.so.1: it is not a usable shared library.")
    }

    @Test func aStaleCacheIsFixedByLdconfig() throws {
        var root = Self.needing(["libfoo.so.1"])
        root.files.file("/etc/ld.so.conf.d/x.conf", text: "/opt/x\n")
        root.runLdconfig()
        root.library("libfoo.so.1", in: "/opt/x")
        let outcome = try Self.plan(root)
        #expect(outcome.plan.actions.map(Self.withoutClears) == [PlannedAction(.ldconfig, fixes: ["LD005"])])
        #expect(outcome.simulated?.graph.object(named: "libfoo.so.1")?.foundVia == .search(.cache, directory: "/opt/x"))
    }

    @Test func missingCompanionsAreLinkedBesideTheLoadPath() throws {
        var root = Self.needing(["libplug.so.1"])
        var plug = ELFImage.library("libplug.so.1", needed: ["libc.so.6"])
        plug.strings = ["libplugcore.so.1"]
        plug.imports = [ELFImage.Import("dlopen", version: ("libc.so.6", "GLIBC_2.34")),
                        ELFImage.Import("dladdr", version: ("libc.so.6", "GLIBC_2.2.5"))]
        root.library("/opt/plug/lib/libplug.so.1", plug)
        root.library("libplugcore.so.1", in: "/opt/plug/lib")
        root.files.symlink(Self.multiarch + "/libplug.so.1", to: "/opt/plug/lib/libplug.so.1")
        let outcome = try Self.plan(root)
        #expect(outcome.plan.actions.map(Self.withoutClears) == [PlannedAction(Self.symlink(Self.multiarch + "/libplugcore.so.1", "/opt/plug/lib/libplugcore.so.1"),
                                                       fixes: ["LD011"])])
        #expect(outcome.simulated?.findings.isEmpty == true)
    }

    @Test func aMissingInterpreterGivesNoPlanAndThePersonsStepSaysWhatToInstall() throws {
        var root = MiniDebianRoot()
        var program = MiniDebianRoot.programImage()
        program.interpreter = "/lib/ld-musl-x86_64.so.1"
        root.program(program)
        let outcome = try Self.plan(root)
        #expect(outcome.plan.isEmpty && outcome.simulated == nil)
        #expect(outcome.blockers.map(\.findingID) == ["LD001"])
        #expect(outcome.blockers.first?.remedy?.contains("libc6") == true)
    }

    // MARK: recording actions

    /// A finding that only carries an id (its key differs per id).
    static func finding(_ id: FindingID) -> Finding {
        Finding(id: id, rule: .libraryNotFound, summary: "", explanation: "", library: id.rawValue)
    }

    @Test func recordKeepsOneEnvActionPerVariableOneConfFileAndLdconfigLast() {
        var actions: [PlannedAction] = []
        Planner.record(&actions, .ldconfig, for: Self.finding("LD005"))
        Planner.record(&actions, .env(name: "LD_LIBRARY_PATH", value: "/a"), for: Self.finding("OF003"))
        Planner.record(&actions, .conf(path: Planner.confPath, directories: ["/opt/a"]), for: Self.finding("LD002"))
        Planner.record(&actions, .env(name: "LD_LIBRARY_PATH", value: "/b"), for: Self.finding("OF004"))
        Planner.record(&actions, .conf(path: Planner.confPath, directories: ["/opt/b", "/opt/a"]), for: Self.finding("LD002"))
        Planner.record(&actions, .ldconfig, for: Self.finding("LD002"))
        #expect(actions.map { PlannedAction($0.action, fixes: $0.fixes) } == [
            PlannedAction(.env(name: "LD_LIBRARY_PATH", value: "/b"), fixes: ["OF003", "OF004"]),
            PlannedAction(.conf(path: Planner.confPath, directories: ["/opt/a", "/opt/b"]), fixes: ["LD002"]),
            PlannedAction(.ldconfig, fixes: ["LD005", "LD002"]),
        ])
    }
}

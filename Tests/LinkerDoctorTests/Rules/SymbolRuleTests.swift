import ELFImageBuilder
import InMemoryRoot
import Testing
@testable import Doctor
@testable import LoaderModel
import RootFS

/// The rules about versions and symbols (LD003, LD004, LD009): the program needs
/// libfoo.so.1 from the multiarch directory and imports from it; each pair of tests
/// changes only what libfoo defines. ldd -r is their oracle on real files
/// (SymbolDifferentialTests, DebianRootDifferentialTests).
@Suite("Version and symbol rules fire on the cause and only on it")
struct SymbolRuleTests {
    static let libfooPath = MiniDebianRoot.multiarch + "/libfoo.so.1"

    /// The program imports `imports`; libfoo.so.1 is `libfoo`.
    static func root(imports: [ELFImage.Import], extraNeeds: [ELFImage.VersionNeedEntry] = [],
                     libfoo: ELFImage) -> MiniDebianRoot {
        var root = MiniDebianRoot()
        var program = MiniDebianRoot.programImage(needing: ["libfoo.so.1"], importing: imports)
        program.extraVersionNeeds = extraNeeds
        root.program(program)
        root.library(libfooPath, libfoo)
        return root
    }

    static func libfoo(_ definitions: [ELFImage.Definition]) -> ELFImage {
        var image = ELFImage.library("libfoo.so.1")
        image.definitions = definitions
        return image
    }

    // MARK: LD003 version-not-found

    static let fooAt2 = ELFImage.Import("foo", version: ("libfoo.so.1", "FOO_2.0"))

    @Test func ld003FiresWhenTheFoundCopyLacksTheVersion() throws {
        let root = Self.root(imports: [Self.fooAt2], libfoo: Self.libfoo([ELFImage.Definition("foo", version: "FOO_1.0")]))
        let diagnosis = try root.diagnose()
        let found = diagnosis.findings.filter { $0.id == "LD003" }
        #expect(found.count == 1)
        #expect(found.first?.rule == .versionNotFound && found.first?.severity == .error)
        #expect(found.first?.version == "FOO_2.0")
        #expect(found.first?.library == "libfoo.so.1")
        #expect(found.first?.resolvedTo == Self.libfooPath)
        #expect(found.first?.neededBy == [MiniDebianRoot.program])
        #expect(found.first?.loaderMessage == "\(MiniDebianRoot.program): \(Self.libfooPath): version `FOO_2.0' not found (required by \(MiniDebianRoot.program))")
        // The lookup of foo@FOO_2.0 is never reached: no LD004 beside it.
        #expect(!diagnosis.findings.contains { $0.id == "LD004" })
    }

    @Test func ld003IsQuietWhenTheCopyDefinesTheVersion() throws {
        let root = Self.root(imports: [Self.fooAt2], libfoo: Self.libfoo([ELFImage.Definition("foo", version: "FOO_2.0")]))
        #expect(try root.diagnose().findings.isEmpty)
    }

    @Test func ld003IsOnlyAWarningForAWeakVersionNeed() throws {
        let weak = ELFImage.VersionNeedEntry(file: "libfoo.so.1", version: "FOO_3.0", weak: true)
        let root = Self.root(imports: [Self.fooAt2], extraNeeds: [weak],
                             libfoo: Self.libfoo([ELFImage.Definition("foo", version: "FOO_2.0")]))
        let diagnosis = try root.diagnose()
        #expect(diagnosis.findings.map(\.id) == ["LD003"])
        #expect(diagnosis.findings.first?.severity == .warning)
        #expect(diagnosis.findings.first?.version == "FOO_3.0")
        #expect(diagnosis.errors.isEmpty)
    }

    // MARK: LD004 symbol-not-found

    @Test func ld004FiresWhenNoObjectDefinesAnImportedSymbol() throws {
        let root = Self.root(imports: [ELFImage.Import("bar")], libfoo: Self.libfoo([ELFImage.Definition("foo")]))
        let found = try root.findings("LD004")
        #expect(found.count == 1)
        #expect(found.first?.rule == .symbolNotFound && found.first?.severity == .error)
        #expect(found.first?.symbol == "bar")
        #expect(found.first?.neededBy == [MiniDebianRoot.program])
        #expect(found.first?.loaderMessage == "\(MiniDebianRoot.program): symbol lookup error: \(MiniDebianRoot.program): undefined symbol: bar")
        #expect(found.first?.explanation.contains("bound lazily") == true)
    }

    @Test func ld004SaysTheProgramDoesNotStartWhenTheReferenceIsBoundAtStartUp() throws {
        let root = Self.root(imports: [ELFImage.Import("bar", lazy: false)], libfoo: Self.libfoo([ELFImage.Definition("foo")]))
        let found = try root.findings("LD004")
        #expect(found.first?.explanation.contains("bound at start-up, so the program does not start") == true)
    }

    @Test func ld004IsQuietWhenALoadedObjectDefinesTheSymbol() throws {
        let root = Self.root(imports: [ELFImage.Import("bar")], libfoo: Self.libfoo([ELFImage.Definition("foo"), ELFImage.Definition("bar")]))
        #expect(try root.diagnose().findings.isEmpty)
    }

    @Test func ld004IsQuietForAWeakReference() throws {
        let root = Self.root(imports: [ELFImage.Import("bar", weak: true)], libfoo: Self.libfoo([ELFImage.Definition("foo")]))
        #expect(try root.diagnose().findings.isEmpty)
    }

    /// Each way a library's symbols are found: DT_GNU_HASH, DT_HASH, both, or neither (then
    /// none are: the loader never searches such a library, as the rule root hash-table-none
    /// shows the real one doing); with and without section headers (the symbol count then
    /// comes from the hash table).
    static let lookupLayouts: [(hash: String, sections: Bool)] = [
        ("gnu", true), ("sysv", true), ("both", true), ("none", true), ("gnu", false), ("sysv", false),
    ]

    static func libfoo(_ definitions: [String], layout: (hash: String, sections: Bool)) -> ELFImage {
        var image = libfoo(definitions.map { ELFImage.Definition($0) })
        image.hashStyle = ["gnu": .gnu, "sysv": .sysv, "both": .both][layout.hash] ?? ELFImage.HashStyle.none
        image.hasSectionHeaders = layout.sections
        return image
    }

    static let manySymbols = (0..<40).map { "sym\($0)" }

    @Test(arguments: lookupLayouts)
    func ld004FindsOrMissesTheSymbolWhateverTheHashTable(_ layout: (hash: String, sections: Bool)) throws {
        let imports = [ELFImage.Import("sym17"), ELFImage.Import("sym39", lazy: false)]
        let present = Self.root(imports: imports, libfoo: Self.libfoo(Self.manySymbols, layout: layout))
        if layout.hash == "none" {
            let found = try present.findings("LD004")
            #expect(found.count == 1 && Set(found.first?.symbols.map(\.name) ?? []) == ["sym17", "sym39"], "\(found)")
            #expect(found.first?.explanation.contains("does define sym") == true)
            return
        }
        #expect(try present.diagnose().findings.isEmpty)
        let absent = Self.root(imports: imports, libfoo: Self.libfoo(Self.manySymbols.filter { $0 != "sym17" }, layout: layout))
        #expect(try absent.findings("LD004").map(\.symbol) == ["sym17"])
    }

    @Test func ld004NamesTheVersionWhenTheVersionedSymbolIsMissing() throws {
        // FOO_2.0 is defined (the version check passes) but bar is not at it.
        let root = Self.root(imports: [ELFImage.Import("bar", version: ("libfoo.so.1", "FOO_2.0"))],
                             libfoo: Self.libfoo([ELFImage.Definition("foo", version: "FOO_2.0")]))
        let found = try root.findings("LD004")
        #expect(found.first?.symbol == "bar" && found.first?.version == "FOO_2.0")
        #expect(found.first?.resolvedTo == Self.libfooPath)
        #expect(found.first?.loaderMessage?.hasSuffix("undefined symbol: bar, version FOO_2.0") == true)
    }

    @Test("a versioned reference to a library with no DT_VERSYM at all: glibc's check_match assertion")
    func ld004ReportsTheLoaderAssertionForALibraryWithoutAVersionTable() throws {
        let root = Self.root(imports: [ELFImage.Import("foo", version: ("libfoo.so.1", "FOO_1.0"))],
                             libfoo: Self.libfoo([ELFImage.Definition("foo")]))
        let found = try root.findings("LD004")
        #expect(found.count == 1)
        #expect(found.first?.loaderMessage?.hasPrefix("Inconsistency detected by ld.so: dl-lookup.c") == true)
        #expect(found.first?.resolvedTo == Self.libfooPath)
    }

    // MARK: LD009 no-version-information

    /// libfoo with a version table (its own libc imports are versioned) but no definitions of versions.
    static func libfooWithoutVersionDefinitions() -> ELFImage {
        var image = libfoo([ELFImage.Definition("foo")])
        image.needed = ["libc.so.6"]
        image.imports = [ELFImage.Import("puts", version: ("libc.so.6", "GLIBC_2.2.5"))]
        return image
    }

    @Test func ld009FiresWhenTheFoundCopyDefinesNoVersions() throws {
        let root = Self.root(imports: [ELFImage.Import("foo", version: ("libfoo.so.1", "FOO_1.0"))],
                             libfoo: Self.libfooWithoutVersionDefinitions())
        let diagnosis = try root.diagnose()
        #expect(diagnosis.findings.map(\.id) == ["LD009"])
        let found = diagnosis.findings.first
        #expect(found?.severity == .warning)
        #expect(found?.library == "libfoo.so.1" && found?.version == "FOO_1.0")
        #expect(found?.resolvedTo == Self.libfooPath)
        #expect(found?.loaderMessage == "\(MiniDebianRoot.program): \(Self.libfooPath): no version information available (required by \(MiniDebianRoot.program))")
    }

    @Test func ld009IsQuietWhenTheCopyDefinesTheVersion() throws {
        var libfoo = Self.libfooWithoutVersionDefinitions()
        libfoo.definitions = [ELFImage.Definition("foo", version: "FOO_1.0")]
        let root = Self.root(imports: [ELFImage.Import("foo", version: ("libfoo.so.1", "FOO_1.0"))], libfoo: libfoo)
        #expect(try root.diagnose().findings.isEmpty)
    }
}

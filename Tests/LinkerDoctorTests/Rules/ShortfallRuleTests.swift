import ELFImageBuilder
import InMemoryRoot
import Testing
@testable import Doctor
@testable import LoaderModel
import RootFS

/// One cause, one finding: an old libfoo.so.1 in /opt/old, ahead of the system's on
/// LD_LIBRARY_PATH, lacks FOO_2.0 (bar, baz) that liba and libb were linked against, and
/// libplain.so.1's old copy lacks `plain` (unversioned) that both import. `shadowing` in
/// build-rule-roots.sh is the same layout judged by the real loader (OneCauseOneFindingTests).
@Suite("Version and symbol failures: one finding per cause")
struct ShortfallRuleTests {
    static let multiarch = MiniDebianRoot.multiarch
    static let old = "/opt/old"

    static func root() -> MiniDebianRoot {
        var root = MiniDebianRoot()
        root.program(MiniDebianRoot.programImage(needing: ["liba.so.1", "libb.so.1"]))
        for (name, symbol) in [("liba.so.1", "bar"), ("libb.so.1", "baz")] {
            var image = ELFImage.library(name, needed: ["libfoo.so.1", "libplain.so.1"])
            image.imports = [ELFImage.Import(symbol, version: ("libfoo.so.1", "FOO_2.0")), ELFImage.Import("plain")]
            root.library(multiarch + "/" + name, image)
        }
        var system = ELFImage.library("libfoo.so.1")
        system.definitions = [ELFImage.Definition("foo", version: "FOO_1.0"), ELFImage.Definition("bar", version: "FOO_2.0"),
                              ELFImage.Definition("baz", version: "FOO_2.0")]
        root.library(multiarch + "/libfoo.so.1", system)
        var older = ELFImage.library("libfoo.so.1")
        older.definitions = [ELFImage.Definition("foo", version: "FOO_1.0")]
        root.library(old + "/libfoo.so.1", older)
        root.library("libplain.so.1", in: multiarch, defining: ["plain"])
        root.library("libplain.so.1", in: old, defining: ["other"])
        return root
    }

    @Test func oneLibraryLackingAVersionIsOneFindingListingEveryConsumer() throws {
        let findings = try Self.root().diagnose(["LD_LIBRARY_PATH": Self.old]).findings
        let versions = findings.filter { $0.rule == .versionNotFound }
        #expect(versions.count == 1, "\(versions.map(\.summary))")
        let finding = try #require(versions.first)
        #expect(finding.id == "LD003" && finding.resolvedTo == Self.old + "/libfoo.so.1")
        #expect(finding.neededBy == [Self.multiarch + "/liba.so.1", Self.multiarch + "/libb.so.1"])
        #expect(finding.versions == [VersionReference(name: "FOO_2.0", requester: Self.multiarch + "/liba.so.1"),
                                     VersionReference(name: "FOO_2.0", requester: Self.multiarch + "/libb.so.1")])
        #expect(Set(finding.symbols) == [SymbolReference(name: "bar", version: "FOO_2.0", requester: Self.multiarch + "/liba.so.1"),
                                         SymbolReference(name: "baz", version: "FOO_2.0", requester: Self.multiarch + "/libb.so.1")])
        #expect(finding.summary.contains("(required by \(Self.multiarch)/liba.so.1 and \(Self.multiarch)/libb.so.1)"))
        // The versioned lookups belong to this cause: no LD004 of their own.
        #expect(!findings.contains { $0.rule == .symbolNotFound && $0.symbols.contains { $0.version != nil } })
    }

    @Test func unversionedReferencesAreOneFindingPerRequester() throws {
        let findings = try Self.root().diagnose(["LD_LIBRARY_PATH": Self.old]).findings.filter { $0.rule == .symbolNotFound }
        // in the order the loader meets them: it relocates libb, loaded after liba and
        // needing nothing of it, first (RelocationOrder)
        #expect(findings.map(\.neededBy) == [[Self.multiarch + "/libb.so.1"], [Self.multiarch + "/liba.so.1"]])
        #expect(findings.allSatisfy { $0.symbols.map(\.name) == ["plain"] && $0.symbols.allSatisfy { $0.version == nil } })
    }

    @Test func quietWithoutTheShadowingDirectory() throws {
        #expect(try Self.root().diagnose().findings.isEmpty)
    }

    @Test func oneStepClearsEveryCauseAndNamesEach() throws {
        let root = Self.root()
        let environment = LoaderEnvironment(["LD_LIBRARY_PATH": Self.old])
        let report = try Doctor(system: root.system).check(root.location(), environment: environment)
        #expect(report.status == .fixable)
        let actions = try #require(report.plan?.actions)
        #expect(actions.count == 1)
        let errors = report.findings.filter(\.isProblem)
        #expect(errors.count == 3 && errors.allSatisfy { actions[0].clears($0) }, "\(actions)")
        #expect(errors.allSatisfy { report.actions(clearing: $0).count == 1 })
    }
}

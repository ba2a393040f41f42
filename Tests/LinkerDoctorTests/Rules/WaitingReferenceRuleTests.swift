import ELFImageBuilder
import InMemoryRoot
import Testing
@testable import Doctor
@testable import LoaderModel
import RootFS

/// The references that wait for a missing library are listed under its finding (as `ldd -r`
/// lists them after its `not found` line). The program here lacks liba.so.1 and libb.so.1 and
/// imports `fa` (liba's) and `fb` (libb's) unversioned, and `fv` of version B_1 from libb:
/// the loader's messages name no library for an unversioned name, the copies in /opt/copies
/// (the candidate search's finds) do. (B_1 has the program's highest version index, past the
/// table the loader sizes without a missing library's needs: `ldd -r` looks `fv` up, and
/// lists it, unversioned; it still waits for libb.so.1, whose need names it.)
@Suite("References that wait for a missing library: under the library whose copy defines them")
struct WaitingReferenceRuleTests {
    static let copies = "/opt/copies"

    static func root(withCopies: Bool) -> MiniDebianRoot {
        var root = MiniDebianRoot()
        root.program(MiniDebianRoot.programImage(needing: ["liba.so.1", "libb.so.1"], importing: [
            ELFImage.Import("fa"), ELFImage.Import("fb"), ELFImage.Import("fv", version: ("libb.so.1", "B_1")),
        ]))
        if withCopies {
            root.library("liba.so.1", in: copies, defining: ["fa"])
            var b = ELFImage.library("libb.so.1")
            b.definitions = [ELFImage.Definition("fb"), ELFImage.Definition("fv", version: "B_1")]
            root.library(copies + "/libb.so.1", b)
        }
        return root
    }

    static func symbols(_ report: DoctorReport) -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for finding in report.findings where finding.rule == .libraryNotFound {
            result[finding.library ?? "", default: []].formUnion(finding.symbols.map { $0.name + "@" + ($0.version ?? "") })
        }
        return result
    }

    @Test func eachUnversionedReferenceGoesToTheLibraryWhoseCopyDefinesIt() throws {
        let root = Self.root(withCopies: true)
        let report = try Doctor(system: root.system).check(root.location(), environment: LoaderEnvironment())
        #expect(Self.symbols(report) == ["liba.so.1": ["fa@"], "libb.so.1": ["fb@", "fv@"]], "\(report.findings)")
    }

    @Test func withoutCopiesTheyStayWithTheFirstMissingLibrary() throws {
        let root = Self.root(withCopies: false)
        let report = try Doctor(system: root.system).check(root.location(), environment: LoaderEnvironment())
        // (the one whose version need names libb.so.1 goes there whatever the root holds)
        #expect(Self.symbols(report) == ["liba.so.1": ["fa@", "fb@"], "libb.so.1": ["fv@"]], "\(report.findings)")
    }
}

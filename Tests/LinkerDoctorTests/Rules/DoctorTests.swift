import ELFImageBuilder
import InMemoryRoot
import Testing
@testable import Doctor
@testable import LoaderModel
import RootFS

/// `Doctor.check` on in-memory roots: the verdict, which findings the plan fixes, the
/// remedy a person gets for the rest, and OpenFace's model files joining the plan.
@Suite("Doctor joins findings, plan and verdict")
struct DoctorTests {
    /// An action as the expectations state it: what it does and the ids it fixes.
    static func withoutClears(_ planned: PlannedAction) -> PlannedAction { PlannedAction(planned.action, fixes: planned.fixes) }

    static func check(_ root: MiniDebianRoot, program: String = MiniDebianRoot.program,
                      _ variables: [String: String] = [:]) throws -> DoctorReport {
        try Doctor(system: root.system, rules: MiniDebianRoot.rules).check(root.location(program), environment: LoaderEnvironment(variables))
    }

    @Test func aHealthyProgramGetsNoPlan() throws {
        let report = try Self.check(MiniDebianRoot())
        #expect(report.status == .healthy)
        #expect(report.plan == nil && report.blockers.isEmpty && report.findings.isEmpty)
    }

    @Test func aFixableFindingIsMarkedFixedByThePlan() throws {
        var root = MiniDebianRoot()
        root.program(MiniDebianRoot.programImage(needing: ["libapp.so.1"]))
        root.library("libapp.so.1", in: "/opt/app/lib")
        let report = try Self.check(root)
        #expect(report.status == .fixable)
        #expect(report.findings.map(\.id) == ["LD002"])
        #expect(report.findings.first?.fixable == true)
        #expect(report.findings.first?.candidates.map(\.path) == ["/opt/app/lib/libapp.so.1"])
        #expect(report.plan?.actions.map(\.action) == [.conf(path: Planner.confPath, directories: ["/opt/app/lib"]), .ldconfig])
    }

    @Test func aFindingNoPlanFixesCarriesThePersonsRemedy() throws {
        var root = MiniDebianRoot()
        root.program(MiniDebianRoot.programImage(needing: ["libnowhere.so.1"]))
        let report = try Self.check(root)
        #expect(report.status == .unfixable)
        #expect(report.plan == nil)
        #expect(report.findings.first?.fixable == false)
        #expect(report.findings.first?.remedy == "install the package that provides libnowhere.so.1")
        #expect(report.blockers.map(\.findingID) == ["LD002"])
    }

    @Test func openFacesMissingModelsJoinThePlanAsLinks() throws {
        var root = MiniDebianRoot()
        let binary = "/opt/OpenFace/build/bin/FeatureExtraction"
        root.program(MiniDebianRoot.programImage(), at: binary)
        OpenFaceModelRuleTests.addModels(to: &root.files)
        root.files.remove(OpenFaceModelRuleTests.bin + "/model/tris_68.txt")
        // A sound copy in the source tree, where `make install` took it from.
        root.files.file("/opt/OpenFace/lib/local/LandmarkDetector/model/tris_68.txt", text: "tris\n")
        let report = try Self.check(root, program: binary)
        #expect(report.findings.map(\.id) == ["OF102"])
        #expect(report.status == .fixable)
        #expect(report.plan?.actions.map(Self.withoutClears) == [PlannedAction(
            .symlink(path: RootPath(OpenFaceModelRuleTests.bin + "/model/tris_68.txt"),
                     target: "/opt/OpenFace/lib/local/LandmarkDetector/model/tris_68.txt"), fixes: ["OF102"])])
    }
}

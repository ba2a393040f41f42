import InMemoryRoot
import Testing
import Archive
@testable import Doctor
@testable import LoaderModel
@testable import OpenFace
import RootFS

/// OpenFace's model-file findings (OF101–OF110) on an in-memory root: a complete model set
/// beside /opt/OpenFace/build/bin/FeatureExtraction, the program started by its full path,
/// then one file taken away or spoiled. What the real program does in each case is
/// recorded in docs/findings-openface.md (observed on a real build).
@Suite("OpenFace model-file rules fire on the cause and only on it")
struct OpenFaceModelRuleTests {
    static let bin = "/opt/OpenFace/build/bin"
    static let binary = RootPath(bin + "/FeatureExtraction")
    static let html = Array("<!DOCTYPE html>\n<html><head><title>Sign in</title></head></html>\n".utf8)
    static let lfs = Array("version https://git-lfs.github.com/spec/v1\noid sha256:4d7a2146\nsize 6400000000\n".utf8)
    static let haarFile = "classifiers/haarcascade_frontalface_alt.xml"
    static let cen = OpenFaceModelCatalog.cenScales.map { "model/patch_experts/cen_patches_\($0)_of.dat" }
    /// A CEN file as heavy as the smallest sound one.
    static let cenBytes = [UInt8](repeating: 0x11, count: Int(OpenFaceModelCatalog.cenMinimumSize))

    /// A root with the binary and every model file it reads, sound, at `base`.
    static func modelTree(at base: String = bin, haar: Bool = true) -> MemoryRoot {
        var root = MemoryRoot(label: "openface")
        root.file(binary.string, [0x7f, 0x45, 0x4c, 0x46], mode: 0o755)
        addModels(to: &root, at: base, haar: haar)
        return root
    }

    /// Every model file the program reads, sound, at `base`; the HAAR cascade too when `haar`.
    static func addModels(to root: inout MemoryRoot, at base: String = bin, haar: Bool = true) {
        for group in OpenFaceModelGroup.allCases {
            for rel in [OpenFaceModelCatalog.anchor(group)] + OpenFaceModelCatalog.members(group) {
                root.file(base + "/" + rel, rel.hasSuffix(".dat") ? (cen.contains(rel) ? cenBytes : [3, 0, 0, 0]) : Array("# \(rel)\n".utf8))
            }
        }
        root.file(base + "/AU_predictors/AU_all_best.txt", text: "svm_combined/AU_1_dynamic.dat AU01\n")
        root.file(base + "/AU_predictors/svm_combined/AU_1_dynamic.dat", [1, 0, 0, 0])
        if !haar { root.remove(base + "/" + haarFile) }
    }

    static func check(_ root: MemoryRoot, argv0: String? = nil) throws -> [Finding] {
        let launch = OpenFaceLaunch(binary: binary, argv0: argv0)
        return try OpenFaceModelCheck(view: RootView(root), launch: launch).run().findings
    }

    @Test("a complete model set beside the binary gives no finding")
    func completeModelSetIsQuiet() throws {
        #expect(try Self.check(Self.modelTree()).isEmpty)
    }

    // MARK: missing (OF101, OF102, OF103, OF105, OF107, OF109)

    @Test func of101FiresWhenTheLandmarkModelIsInNoneOfTheThreePlaces() throws {
        var root = Self.modelTree()
        root.remove(Self.bin + "/model/main_ceclm_general.txt")
        let found = try Self.check(root).filter { $0.id == "OF101" }
        #expect(found.count == 1)
        #expect(found.first?.rule == .modelFileMissing && found.first?.severity == .error)
        #expect(found.first?.summary == "FeatureExtraction will not find model/main_ceclm_general.txt: exit 1")
        #expect(found.first?.explanation.contains("/opt/OpenFace/build/etc/OpenFace/model/main_ceclm_general.txt") == true)
    }

    @Test func of101IsQuietWhenTheLandmarkModelIsInTheConfigDirectory() throws {
        let root = Self.modelTree(at: "/opt/OpenFace/build/etc/OpenFace")
        #expect(try Self.check(root, argv0: "FeatureExtraction").filter { $0.id == "OF101" }.isEmpty)
        // The same tree beside the binary, started through PATH: not found.
        #expect(try Self.check(Self.modelTree(), argv0: "FeatureExtraction").contains { $0.id == "OF101" })
    }

    @Test(arguments: [
        ("OF102", "model/tris_68.txt"), ("OF103", "model/patch_experts/cen_patches_0.50_of.dat"),
        ("OF105", "AU_predictors/svm_combined/AU_1_dynamic.dat"), ("OF107", "model/mtcnn_detector/ONet.dat"),
    ])
    func oneMissingFileFiresItsOwnIdNamingThePath(_ case_: (id: String, file: String)) throws {
        var root = Self.modelTree()
        root.remove(Self.bin + "/" + case_.file)
        let findings = try Self.check(root)
        #expect(findings.map(\.id.rawValue) == [case_.id])
        #expect(findings.first?.rule == .modelFileMissing)
        #expect(findings.first?.explanation.contains(Self.bin + "/" + case_.file) == true)
    }

    @Test(arguments: ["OF102", "OF103", "OF105", "OF107"])
    func missingFileRulesAreQuietWithTheFilePresent(_ id: String) throws {
        #expect(try Self.check(Self.modelTree()).filter { $0.id.rawValue == id }.isEmpty)
    }

    @Test func of107IsOnlyAWarningWhenTheWholeMTCNNDetectorIsMissing() throws {
        var root = Self.modelTree()
        root.remove(Self.bin + "/model/mtcnn_detector")
        let found = try Self.check(root)
        #expect(found.map(\.id) == ["OF107"])
        #expect(found.first?.severity == .warning)
        #expect(found.first?.loaderMessage == "MTCNN model file not found or can't be opened")
    }

    @Test func of109FiresAsInfoWhenTheHAARCascadeIsMissing() throws {
        let found = try Self.check(Self.modelTree(haar: false))
        #expect(found.map(\.id) == ["OF109"])
        #expect(found.first?.severity == .info)
        #expect(found.first?.loaderMessage == "Could not find the HAAR face detector location")
    }

    @Test func of109IsQuietWhenTheHAARCascadeIsBesideTheBinary() throws {
        #expect(try Self.check(Self.modelTree(haar: true)).filter { $0.id == "OF109" }.isEmpty)
    }

    // MARK: corrupt (OF104, OF106, OF108, OF110)

    @Test(arguments: [
        ("OF104", "model/patch_experts/cen_patches_0.25_of.dat", "html"), ("OF104", "model/cen_general.txt", "lfs"),
        ("OF106", "AU_predictors/AU_all_best.txt", "lfs"), ("OF108", "model/mtcnn_detector/PNet.dat", "html"),
        ("OF110", "classifiers/haarcascade_frontalface_alt.xml", "empty"),
    ])
    func aSpoiledFileFiresItsOwnIdAtItsPath(_ case_: (id: String, file: String, kind: String)) throws {
        var root = Self.modelTree()
        let bytes = case_.kind == "html" ? Self.html : case_.kind == "lfs" ? Self.lfs : []
        root.file(Self.bin + "/" + case_.file, bytes)
        let findings = try Self.check(root)
        #expect(findings.map(\.id.rawValue) == [case_.id])
        #expect(findings.first?.rule == .modelFileCorrupt)
        #expect(findings.first?.resolvedTo == Self.bin + "/" + case_.file)
        let problem: ContentProblem = case_.kind == "html" ? .html : case_.kind == "lfs" ? .lfsPointer : .empty
        #expect(findings.first?.explanation.contains(problem.summary) == true)
    }

    @Test func of104FiresWhenACENFileIsCutShort() throws {
        var root = Self.modelTree()
        root.file(Self.bin + "/" + Self.cen[3], [UInt8](repeating: 9, count: 4096))
        let found = try Self.check(root)
        #expect(found.map(\.id) == ["OF104"])
        #expect(found.first?.loaderMessage == "std::bad_alloc")
        #expect(found.first?.explanation.contains("4096 bytes") == true)
    }

    @Test(arguments: ["OF104", "OF106", "OF108", "OF110"])
    func corruptFileRulesAreQuietForSoundFiles(_ id: String) throws {
        #expect(try Self.check(Self.modelTree()).filter { $0.id.rawValue == id }.isEmpty)
    }

    @Test func of110IsInfoOnly() throws {
        var root = Self.modelTree()
        root.file(Self.bin + "/" + Self.haarFile, Self.html)
        #expect(try Self.check(root).first?.severity == .info)
    }
}

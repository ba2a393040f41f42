import Testing
@testable import Archive
@testable import Doctor
@testable import OpenFace
@testable import RootFS

/// Roots laid out like the image: /opt/OpenFace (source tree), /opt/OpenFace/build (build
/// tree and CMAKE_INSTALL_PREFIX), models beside the binary in build/bin unless said otherwise.
struct OpenFaceRoot {
    let dir: ResourcesTempDir
    static let binary = RootPath("/opt/OpenFace/build/bin/FeatureExtraction")
    static let bin = "opt/OpenFace/build/bin"
    static let config = "opt/OpenFace/build/etc/OpenFace"
    static let source = "opt/OpenFace"

    init() throws {
        dir = try ResourcesTempDir()
        try dir.write(Self.bin + "/FeatureExtraction", [0x7F, 0x45, 0x4C, 0x46])
    }

    static let landmarkText = ["model/main_ceclm_general.txt", "model/cen_general.txt",
                               "model/pdms/In-the-wild_aligned_PDM_68.txt", "model/tris_68.txt"]
    static let cen = OpenFaceModelCatalog.cenScales.map { "model/patch_experts/cen_patches_\($0)_of.dat" }
    static let mtcnn = ["model/mtcnn_detector/MTCNN_detector.txt", "model/mtcnn_detector/PNet.dat",
                        "model/mtcnn_detector/RNet.dat", "model/mtcnn_detector/ONet.dat"]
    static let au = ["AU_predictors/main_dynamic_svms.txt", "AU_predictors/AU_all_best.txt",
                     "AU_predictors/svm_combined/AU_1_dynamic.dat", "AU_predictors/svr_combined/AU_1_dynamic_intensity_comb.dat"]
    static let haar = "classifiers/haarcascade_frontalface_alt.xml"

    /// Writes the run-time model layout under `base` (a folder like build/bin), minus `except`.
    func models(at base: String, except: Set<String> = [], cen: Bool = true) throws {
        for rel in Self.landmarkText where !except.contains(rel) { try dir.write(base + "/" + rel, text: "# \(rel)\n1 2 3\n") }
        if cen { for rel in Self.cen where !except.contains(rel) { try dir.sparse(base + "/" + rel, size: 2 << 20) } }
        for rel in Self.mtcnn where !except.contains(rel) { try dir.write(base + "/" + rel, [3, 0, 0, 0, 1, 2]) }
        let auText = ["AUPredictor AU_all_best.txt\nPDM Multi-PIE_aligned_PDM_68.txt\n",
                      "svm_combined/AU_1_dynamic.dat AU01\nsvr_combined/AU_1_dynamic_intensity_comb.dat AU01\n"]
        for (i, rel) in Self.au.enumerated() where !except.contains(rel) {
            if i < 2 { try dir.write(base + "/" + rel, text: auText[i]) } else { try dir.write(base + "/" + rel, [1, 0, 0, 0]) }
        }
    }

    /// The source tree's copies (lib/local/LandmarkDetector/model, FaceAnalyser/AU_predictors, 3rdParty classifiers).
    func sourceTree(cen: Bool = false, haar: Bool = false) throws {
        for rel in Self.landmarkText + Self.mtcnn { try dir.write(Self.source + "/lib/local/LandmarkDetector/" + rel, text: "src \(rel)\n") }
        if cen { for rel in Self.cen { try dir.sparse(Self.source + "/lib/local/LandmarkDetector/" + rel, size: 2 << 20) } }
        if haar {
            try dir.write(Self.source + "/lib/3rdParty/OpenCV/" + Self.haar, text: "<?xml version=\"1.0\"?>\n<!--\n    Stump-based 20x20 frontal face detector.\n-->\n<opencv_storage>\n")
        }
    }

    func check(argv0: String, cwd: String = "/") throws -> OpenFaceModelReport {
        let view = RootView(try LocalRoot(directory: dir.path))
        let launch = OpenFaceLaunch(binary: Self.binary, argv0: argv0, workingDirectory: RootPath(cwd))
        return try OpenFaceModelCheck(view: view, launch: launch).run()
    }
}

@Suite("OpenFace model files: where FeatureExtraction looks and what it does without them")
struct OpenFaceModelCheckTests {
    @Test("lookup order: cwd, dirname(argv[0]) (the cwd again for a PATH start), <prefix>/etc/OpenFace")
    func searchBases() {
        let path = OpenFaceLaunch(binary: OpenFaceRoot.binary, argv0: "FeatureExtraction")
        #expect(path.argv0Directory == nil)
        #expect(path.searchBases == [RootPath("/"), RootPath("/"), RootPath("/opt/OpenFace/build/etc/OpenFace")])
        let absolute = OpenFaceLaunch(binary: OpenFaceRoot.binary)
        #expect(absolute.argv0Directory == RootPath("/opt/OpenFace/build/bin"))
        let relative = OpenFaceLaunch(binary: OpenFaceRoot.binary, argv0: "bin/FeatureExtraction",
                                      workingDirectory: RootPath("/opt/OpenFace/build"), installPrefix: RootPath("/usr/local"))
        #expect(relative.searchBases == [RootPath("/opt/OpenFace/build"), RootPath("/opt/OpenFace/build/bin"), RootPath("/usr/local/etc/OpenFace")])
    }

    @Test("started by its full path with models beside it: only the harmless HAAR note")
    func startedByPath() throws {
        let root = try OpenFaceRoot()
        try root.models(at: OpenFaceRoot.bin)
        let report = try root.check(argv0: "/opt/OpenFace/build/bin/FeatureExtraction")
        #expect(report.findings.map(\.id) == ["OF109"])
        #expect(report.findings.first?.severity == .info)
        #expect(report.findings.first?.loaderMessage == "Could not find the HAAR face detector location")
        #expect(report.locations[.landmark] == RootPath("/opt/OpenFace/build/bin"))
    }

    @Test("started through PATH, models only beside the binary: not found; copies into <prefix>/etc/OpenFace fix it")
    func startedThroughPath() throws {
        let root = try OpenFaceRoot()
        try root.models(at: OpenFaceRoot.bin)
        let report = try root.check(argv0: "FeatureExtraction")
        let byID = Dictionary(report.findings.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(Set(byID.keys) == ["OF101", "OF105", "OF107", "OF109"])
        #expect(byID["OF101"]?.severity == .error)
        #expect(byID["OF101"]?.loaderMessage == "Could not find the landmark detection model to load")
        #expect(byID["OF101"]?.explanation.contains("started through PATH") == true)
        #expect(byID["OF105"]?.severity == .error)
        #expect(byID["OF107"]?.severity == .warning)
        #expect(byID["OF101"]?.fixable == true && byID["OF105"]?.fixable == true && byID["OF107"]?.fixable == true)
        #expect(byID["OF109"]?.fixable == false)
        let landmark = report.copies.filter { $0.fixes == ["OF101"] }
        let expected = (OpenFaceRoot.landmarkText + OpenFaceRoot.cen).map {
            ModelFileCopy(source: RootPath("/" + OpenFaceRoot.bin + "/" + $0), destination: RootPath("/" + OpenFaceRoot.config + "/" + $0), fixes: ["OF101"])
        }
        #expect(landmark == expected)
        #expect(report.copies.filter { $0.fixes == ["OF105"] }.map(\.destination.string).sorted()
                == OpenFaceRoot.au.map { "/" + OpenFaceRoot.config + "/" + $0 }.sorted())
    }

    @Test("started through PATH after `make install`: the models in <prefix>/etc/OpenFace are found")
    func startedThroughPathAfterInstall() throws {
        let root = try OpenFaceRoot()
        try root.models(at: OpenFaceRoot.config)
        let report = try root.check(argv0: "FeatureExtraction")
        #expect(report.findings.map(\.id) == ["OF109"])
        #expect(report.locations[.landmark] == RootPath("/opt/OpenFace/build/etc/OpenFace"))
    }

    @Test("a relative argv[0] is taken from the cwd", arguments: [
        ("./FeatureExtraction", "/opt/OpenFace/build/bin"),
        ("bin/FeatureExtraction", "/opt/OpenFace/build"),
        ("../build/bin/FeatureExtraction", "/opt/OpenFace/lib"),
    ])
    func relativeArgv0(_ start: (String, String)) throws {
        let root = try OpenFaceRoot()
        try root.models(at: OpenFaceRoot.bin)
        try root.dir.mkdirs("opt/OpenFace/lib")
        #expect(try root.check(argv0: start.0, cwd: start.1).findings.map(\.id) == ["OF109"])
    }

    @Test("the cwd comes first: a model there without its patch experts fails, even with a full set beside the binary")
    func cwdShadowsBinaryDir() throws {
        let root = try OpenFaceRoot()
        try root.models(at: OpenFaceRoot.bin)
        try root.dir.write("data/model/main_ceclm_general.txt", text: "stale copy\n")
        let report = try root.check(argv0: "/opt/OpenFace/build/bin/FeatureExtraction", cwd: "/data")
        #expect(report.locations[.landmark] == RootPath("/data"))
        let ids = report.findings.map(\.id)
        #expect(ids.contains("OF102") && ids.contains("OF103"))
        let cen = try #require(report.findings.first { $0.id == "OF103" })
        #expect(cen.loaderMessage == "Could not find CEN patch experts")
        #expect(cen.fixable)
        #expect(report.copies.contains(ModelFileCopy(source: RootPath("/opt/OpenFace/build/bin/model/patch_experts/cen_patches_0.25_of.dat"),
                                                     destination: RootPath("/data/model/patch_experts/cen_patches_0.25_of.dat"), fixes: ["OF103"])))
    }

    @Test("no CEN file anywhere: `Could not find CEN patch experts`, exit 1, and the remedy is download_models.sh with its bug")
    func cenMissingEverywhere() throws {
        let root = try OpenFaceRoot()
        try root.models(at: OpenFaceRoot.bin, cen: false)
        try root.sourceTree()
        let report = try root.check(argv0: "/opt/OpenFace/build/bin/FeatureExtraction")
        let cen = try #require(report.findings.first { $0.id == "OF103" })
        #expect(cen.severity == .error && cen.rule == .modelFileMissing && !cen.fixable)
        #expect(cen.explanation.contains("exits 1"))
        #expect(cen.remedy?.contains("download_models.sh") == true)
        #expect(cen.remedy?.contains("unquoted") == true)
        #expect(report.copies.isEmpty)
    }

    @Test("a CEN file that is an HTML page: std::bad_alloc, exit 134; fixed from a sound copy in the source tree")
    func cenIsHTML() throws {
        let root = try OpenFaceRoot()
        try root.models(at: OpenFaceRoot.bin)
        try root.dir.write(OpenFaceRoot.bin + "/model/patch_experts/cen_patches_0.50_of.dat", TestResources.html)
        try root.sourceTree(cen: true)
        let report = try root.check(argv0: "/opt/OpenFace/build/bin/FeatureExtraction")
        let bad = try #require(report.findings.first { $0.id == "OF104" })
        #expect(bad.rule == .modelFileCorrupt && bad.severity == .error)
        #expect(bad.loaderMessage == "std::bad_alloc")
        #expect(bad.explanation.contains("exit 134"))
        #expect(bad.fixable)
        #expect(report.copies == [ModelFileCopy(
            source: RootPath("/opt/OpenFace/lib/local/LandmarkDetector/model/patch_experts/cen_patches_0.50_of.dat"),
            destination: RootPath("/opt/OpenFace/build/bin/model/patch_experts/cen_patches_0.50_of.dat"), fixes: ["OF104"])])
    }

    @Test("corrupt CEN files without a sound copy are not fixable", arguments: ["html", "empty", "lfs", "short"])
    func cenCorruptNoSource(_ kind: String) throws {
        let root = try OpenFaceRoot()
        try root.models(at: OpenFaceRoot.bin)
        let path = OpenFaceRoot.bin + "/model/patch_experts/cen_patches_1.00_of.dat"
        switch kind {
        case "html": try root.dir.write(path, TestResources.html)
        case "empty": try root.dir.write(path, [])
        case "lfs": try root.dir.write(path, TestResources.lfs)
        default: try root.dir.write(path, [UInt8](repeating: 9, count: 4096))
        }
        let report = try root.check(argv0: "/opt/OpenFace/build/bin/FeatureExtraction")
        let bad = try #require(report.findings.first { $0.id == "OF104" })
        #expect(!bad.fixable)
        #expect(bad.loaderMessage == (kind == "empty" ? "cv::Exception" : "std::bad_alloc"))
        #expect(bad.remedy?.contains("download_models.sh") == true)
    }

    @Test("an AU .dat named in AU_all_best.txt is missing: error, the first frame aborts")
    func auDatMissing() throws {
        let root = try OpenFaceRoot()
        try root.models(at: OpenFaceRoot.bin, except: ["AU_predictors/svr_combined/AU_1_dynamic_intensity_comb.dat"])
        let report = try root.check(argv0: "/opt/OpenFace/build/bin/FeatureExtraction")
        let au = try #require(report.findings.first { $0.id == "OF105" })
        #expect(au.severity == .error)
        #expect(au.explanation.contains("AU_predictors/svr_combined/AU_1_dynamic_intensity_comb.dat"))
    }

    @Test("no MTCNN detector: a warning (HOG fallback, exit 0); an HTML PNet.dat: an error")
    func mtcnn() throws {
        let root = try OpenFaceRoot()
        try root.models(at: OpenFaceRoot.bin, except: Set(OpenFaceRoot.mtcnn))
        let missing = try root.check(argv0: "/opt/OpenFace/build/bin/FeatureExtraction").findings.first { $0.id == "OF107" }
        #expect(missing?.severity == .warning)
        #expect(missing?.explanation.contains("HOG-SVM") == true)
        try root.models(at: OpenFaceRoot.bin)
        try root.dir.write(OpenFaceRoot.bin + "/model/mtcnn_detector/PNet.dat", TestResources.html)
        let corrupt = try root.check(argv0: "/opt/OpenFace/build/bin/FeatureExtraction").findings.first { $0.id == "OF108" }
        #expect(corrupt?.severity == .error && corrupt?.rule == .modelFileCorrupt)
    }

    @Test("the HAAR cascade from lib/3rdParty/OpenCV/classifiers is proposed for <prefix>/etc/OpenFace")
    func haarFromSourceTree() throws {
        let root = try OpenFaceRoot()
        try root.models(at: OpenFaceRoot.bin)
        try root.sourceTree(haar: true)
        let report = try root.check(argv0: "/opt/OpenFace/build/bin/FeatureExtraction")
        #expect(report.findings.map(\.id) == ["OF109"])
        #expect(report.findings.first?.fixable == true)
        #expect(report.copies == [ModelFileCopy(source: RootPath("/opt/OpenFace/lib/3rdParty/OpenCV/classifiers/haarcascade_frontalface_alt.xml"),
                                                destination: RootPath("/opt/OpenFace/build/etc/OpenFace/classifiers/haarcascade_frontalface_alt.xml"),
                                                fixes: ["OF109"])])
    }

    @Test("an absolute symlink in the root is followed inside the root, not on the host")
    func symlinkedModelFolder() throws {
        let root = try OpenFaceRoot()
        try root.models(at: OpenFaceRoot.source + "/lib/local/LandmarkDetector")
        try root.dir.symlink(OpenFaceRoot.config + "/model", to: "/opt/OpenFace/lib/local/LandmarkDetector/model")
        try root.dir.symlink(OpenFaceRoot.config + "/AU_predictors", to: "/opt/OpenFace/lib/local/LandmarkDetector/AU_predictors")
        let report = try root.check(argv0: "FeatureExtraction")
        #expect(report.locations[.landmark] == RootPath("/opt/OpenFace/build/etc/OpenFace"))
        #expect(report.findings.map(\.id) == ["OF109"])
    }

    @Test("findings-openface.md documents every OF1xx id")
    func idsAreDocumented() throws {
        let doc = String(decoding: readDoc("docs/findings-openface.md"), as: UTF8.self)
        for kind in OpenFaceModelFindings.Kind.allCases { #expect(doc.contains("## \(kind.rawValue)"), "\(kind.rawValue)") }
    }
}

/// A file of the package, found from this source file's path.
func readDoc(_ relative: String, file: String = #filePath) -> [UInt8] {
    var parts = file.split(separator: "/").dropLast(3)   // Tests/LinkerDoctorTests/X.swift
    parts.append(contentsOf: relative.split(separator: "/"))
    let path = "/" + parts.joined(separator: "/")
    guard let host = try? HostFile(path: path), let bytes = try? host.read(at: 0, count: Int(clamping: host.size)) else { return [] }
    return bytes
}

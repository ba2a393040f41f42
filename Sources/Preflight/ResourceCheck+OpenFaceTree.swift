import Doctor
import Archive
import OpenFace
import Support

extension ResourceCheck {
    /// Files a complete OpenFace 2.2.0 source tree has; the image build runs cmake on it.
    static let openFaceRequired: [(path: String, folder: Bool)] = [
        ("CMakeLists.txt", false),
        ("download_models.sh", false),
        ("exe/FeatureExtraction", true),
        ("exe/FeatureExtraction/FeatureExtraction.cpp", false),
        ("lib/local/LandmarkDetector", true),
        ("lib/local/FaceAnalyser", true),
        ("lib/local/GazeAnalyser", true),
        ("lib/local/Utilities", true),
        ("lib/local/LandmarkDetector/model/main_ceclm_general.txt", false),
        ("lib/local/LandmarkDetector/model/cen_general.txt", false),
        ("lib/local/LandmarkDetector/model/pdms/In-the-wild_aligned_PDM_68.txt", false),
        ("lib/local/LandmarkDetector/model/tris_68.txt", false),
        ("lib/local/LandmarkDetector/model/mtcnn_detector/MTCNN_detector.txt", false),
        ("lib/local/FaceAnalyser/AU_predictors/main_dynamic_svms.txt", false),
        ("lib/local/FaceAnalyser/AU_predictors/AU_all_best.txt", false),
    ]

    /// `OpenFace 2.2.0/TadasBaltrusaitis-OpenFace-658a6a1/`: present, correctly nested, complete.
    func checkOpenFaceTree() -> [ResourceFinding] {
        let top = checklist.openFaceFolder
        let root = top + "/" + checklist.openFaceTree
        let remedy = "In \(directory.path)/\"\(top)\": `curl -L https://github.com/TadasBaltrusaitis/OpenFace/tarball/658a6a1 | tar -xz` (it unpacks as \(checklist.openFaceTree)/); quote the folder name, it has a space."
        guard let item = directory.item(root), item.kind == .directory else {
            return [misplacedTree(top: top, root: root, remedy: remedy)]
        }
        var absent: [String] = []
        var findings: [ResourceFinding] = []
        for required in Self.openFaceRequired {
            let path = root + "/" + required.path
            guard let entry = directory.item(path), entry.kind == (required.folder ? .directory : .file) else {
                absent.append(required.path)
                continue
            }
            if !required.folder, let file = try? directory.open(path),
               let problem = try? ContentProblem.sniff(file) {
                findings.append(contentFinding(path, problem, remedy: remedy))
            }
        }
        if !absent.isEmpty {
            findings.insert(ResourceFinding(
                id: .openFaceTreeIncomplete, severity: .error, path: root, summary: "the OpenFace tree lacks \(absent.count) required item(s)",
                explanation: "Missing: \(absent.joined(separator: ", ")). The image build compiles FeatureExtraction from this tree and installs its models from it.",
                remedy: remedy), at: 0)
        }
        findings += checkPatchExperts(root: root)
        return findings
    }

    private func misplacedTree(top: String, root: String, remedy: String) -> ResourceFinding {
        guard let item = directory.item(top), item.kind == .directory else { return missing(top, remedy: remedy) }
        if directory.item(top + "/CMakeLists.txt")?.kind == .file {
            return ResourceFinding(
                id: .openFaceTreeMisplaced, severity: .error, path: top, summary: "the OpenFace tree is one level too high",
                explanation: "\(top)/ holds the source tree itself; the build expects it in \(root)/.",
                remedy: "Move it down: `cd \"\(directory.path)/\(top)\" && mkdir \(checklist.openFaceTree) && mv $(ls -A | grep -v \(checklist.openFaceTree)) \(checklist.openFaceTree)/`.")
        }
        let others = directory.names(in: top).filter { directory.item(top + "/" + $0 + "/CMakeLists.txt")?.kind == .file }
        if let other = others.first {
            return ResourceFinding(
                id: .openFaceTreeMisplaced, severity: .error, path: top + "/" + other, summary: "the OpenFace tree is named \(other)",
                explanation: "The build expects \(root)/; a tree under another name (another commit, or a `git clone` folder) is not picked up.",
                remedy: "If it is commit 658a6a1: `mv \"\(directory.path)/\(top)/\(other)\" \"\(directory.path)/\(root)\"`; otherwise fetch that commit: " + remedy)
        }
        return missing(root, remedy: remedy)
    }

    /// The CEN `.dat` files are never in git: the tree has them only if `download_models.sh` ran.
    private func checkPatchExperts(root: String) -> [ResourceFinding] {
        var findings: [ResourceFinding] = []
        var absent: [String] = []
        let folder = root + "/lib/local/LandmarkDetector/model/patch_experts"
        let remedy = "Run `bash download_models.sh` in the tree (it fetches them into \(Array(folder.slashSeparated().suffix(5)).joined(separator: "/"))); if Dropbox fails, its OneDrive fallback URLs are unquoted (`&`) and save under the wrong name: fetch those by hand with `wget -O cen_patches_<scale>_of.dat '<url>'`."
        for scale in OpenFaceModelCatalog.cenScales {
            let path = folder + "/cen_patches_\(scale)_of.dat"
            guard directory.item(path)?.kind == .file else { absent.append("cen_patches_\(scale)_of.dat"); continue }
            if let file = try? directory.open(path),
               let problem = try? ContentProblem.sniff(file, minimumSize: OpenFaceModelCatalog.cenMinimumSize) {
                findings.append(ResourceFinding(
                    id: .patchExpertDamaged, severity: .error, path: path, summary: "\(path) \(problem.summary)",
                    explanation: "The build copies it beside FeatureExtraction, which then aborts reading it (`std::bad_alloc` for an HTML page, `cv::Exception` for an empty file, exit 134).",
                    remedy: remedy))
            }
        }
        if !absent.isEmpty {
            findings.append(ResourceFinding(
                id: .patchExpertsAbsent, severity: .info, path: folder, summary: "the CEN patch experts are not in the tree (\(absent.joined(separator: ", ")))",
                explanation: "They are not in git; unless the image build downloads them, FeatureExtraction stops with `Could not find CEN patch experts` (exit 1). `.dat` files added after cmake's configure step are not copied or installed.",
                remedy: remedy))
        }
        return findings
    }
}

import Archive
import Doctor
import RootFS
import Support

/// The `OF1xx` findings for model files (docs/findings-openface.md): ids, severities and
/// what the program prints and does, as observed on a real build (openface.md §2-3).
public enum OpenFaceModelFindings {
    /// What went wrong, each with its stable id.
    public enum Kind: String, Sendable, CaseIterable {
        case landmarkModelMissing = "OF101"
        case landmarkFileMissing = "OF102"
        case cenMissing = "OF103"
        case landmarkFileCorrupt = "OF104"
        case auMissing = "OF105"
        case auCorrupt = "OF106"
        case mtcnnMissing = "OF107"
        case mtcnnCorrupt = "OF108"
        case haarMissing = "OF109"
        case haarCorrupt = "OF110"

        public var id: FindingID { FindingID(rawValue: rawValue) }
    }

    static let wiki = "https://github.com/TadasBaltrusaitis/OpenFace/wiki/Model-download"

    static func partitionMissing(_ group: OpenFaceModelGroup, _ files: [String]) -> [(Kind, [String])] {
        guard !files.isEmpty else { return [] }
        switch group {
        case .landmark:
            let cen = files.filter { $0.hasPrefix("model/patch_experts/") }
            let other = files.filter { !$0.hasPrefix("model/patch_experts/") }
            return (other.isEmpty ? [] : [(.landmarkFileMissing, other)]) + (cen.isEmpty ? [] : [(.cenMissing, cen)])
        case .mtcnn: return [(.mtcnnMissing, files)]
        case .auPredictors: return [(.auMissing, files)]
        case .haar: return [(.haarMissing, files)]
        }
    }

    private static func tried(_ rel: String, _ launch: OpenFaceLaunch) -> String {
        var seen = Set<String>()
        let places = launch.searchBases.map { $0.appending(rel) }.filter { seen.insert($0.string).inserted }
        let start = launch.argv0Directory == nil
            ? "started through PATH as `\(launch.argv0)`, so dirname(argv[0]) is empty and the folder beside the binary is not searched"
            : "started as `\(launch.argv0)`"
        return "It looks in the cwd, dirname(argv[0]), then \(launch.configDirectory) (\(start)): tried \(places.map(\.string).joined(separator: ", "))."
    }

    /// The anchor of `group` is in none of the three places.
    static func anchorMissing(_ group: OpenFaceModelGroup, launch: OpenFaceLaunch) -> Finding {
        let rel = OpenFaceModelCatalog.anchor(group)
        let where_ = tried(rel, launch)
        switch group {
        case .landmark:
            return Finding(
                id: Kind.landmarkModelMissing.id, rule: .modelFileMissing, severity: .error,
                summary: "FeatureExtraction will not find \(rel): exit 1",
                explanation: "\(where_) It prints `Could not find the landmark detection model to load`, then `ERROR: Could not load the landmark detector`, and exits 1.",
                loaderMessage: "Could not find the landmark detection model to load", neededBy: [launch.binary.string])
        case .mtcnn:
            return mtcnn(files: [rel], explanationPrefix: where_, launch: launch)
        case .auPredictors:
            return Finding(
                id: Kind.auMissing.id, rule: .modelFileMissing, severity: .error,
                summary: "FeatureExtraction will not find AU_predictors/: it aborts at the first frame (exit 134)",
                explanation: "\(where_) It prints `Could not find the face analysis module to load` and `WARNING: no Action Unit models found`, starts, and aborts at the first frame with `cv::Exception ... Matrix operand is an empty matrix` (SIGABRT, exit 134).",
                loaderMessage: "Could not find the face analysis module to load", neededBy: [launch.binary.string])
        case .haar:
            return Finding(
                id: Kind.haarMissing.id, rule: .modelFileMissing, severity: .info,
                summary: "no HAAR cascade: the program prints a harmless message",
                explanation: "\(where_) It prints `Could not find the HAAR face detector location` on every run and goes on: the default face detector is MTCNN. CMake globs lib/3rdParty/OpenCV3.4/classifiers but the folder is lib/3rdParty/OpenCV/classifiers, so builds never install it.",
                loaderMessage: "Could not find the HAAR face detector location", neededBy: [launch.binary.string])
        }
    }

    /// Files of a group whose anchor was found at `base`, missing there.
    static func missing(_ kind: Kind, files: [String], base: RootPath, launch: OpenFaceLaunch) -> Finding {
        let paths = files.map { base.appending($0).string }.joined(separator: ", ")
        switch kind {
        case .cenMissing:
            return Finding(
                id: kind.id, rule: .modelFileMissing, severity: .error,
                summary: "\(files.count) CEN patch expert file(s) missing: FeatureExtraction exits 1",
                explanation: "The landmark model is read from \(base), so the patch experts must be beside it; missing: \(paths). It prints `Reading the intensity CEN patch experts from: …....Could not find CEN patch experts, for instructions of how to download them, see \(wiki)`, then `ERROR: Could not load the landmark detector`, and exits 1. The .dat files are never in git.",
                loaderMessage: "Could not find CEN patch experts", neededBy: [launch.binary.string])
        case .mtcnnMissing:
            return mtcnn(files: files, explanationPrefix: "Read from \(base): missing \(paths).", launch: launch)
        case .auMissing:
            return Finding(
                id: kind.id, rule: .modelFileMissing, severity: .error,
                summary: "AU predictor file(s) missing under \(base): AU extraction fails",
                explanation: "Missing: \(paths). The face analyser reads them at start; without them no Action Unit model loads and the first frame aborts (`cv::Exception`, exit 134).",
                neededBy: [launch.binary.string])
        default:
            return Finding(
                id: Kind.landmarkFileMissing.id, rule: .modelFileMissing, severity: .error,
                summary: "landmark model file(s) missing under \(base): FeatureExtraction exits 1",
                explanation: "main_ceclm_general.txt was found in \(base) and names files beside it; missing: \(paths). Loading stops with `ERROR: Could not load the landmark detector`, exit 1.",
                loaderMessage: "ERROR: Could not load the landmark detector", neededBy: [launch.binary.string])
        }
    }

    private static func mtcnn(files: [String], explanationPrefix: String, launch: OpenFaceLaunch) -> Finding {
        Finding(
            id: Kind.mtcnnMissing.id, rule: .modelFileMissing, severity: .warning,
            summary: "no MTCNN face detector: silent fallback to the HOG-SVM detector",
            explanation: "\(explanationPrefix) It prints `MTCNN model file not found or can't be opened` and `INFO: defaulting to HOG-SVM face detector`, and exits 0; faces are found less reliably (profile and small faces).",
            loaderMessage: "MTCNN model file not found or can't be opened", neededBy: [launch.binary.string])
    }

    /// `file` (relative to `base`) exists but is not what it claims to be.
    static func corrupt(_ group: OpenFaceModelGroup, file: String, problem: ContentProblem, at path: RootPath,
                        launch: OpenFaceLaunch) -> Finding {
        let what = "\(path) \(problem.summary)."
        switch group {
        case .landmark:
            let isCEN = file.hasPrefix("model/patch_experts/")
            let effect: String
            if isCEN, problem == .empty {
                effect = "Reading it throws `cv::Exception ... !fixedSize()` and the program aborts (SIGABRT, exit 134)."
            } else if isCEN {
                effect = "The reader takes its text as matrix sizes: `std::bad_alloc` aborts the program (SIGABRT, exit 134)."
            } else {
                effect = "The landmark model reader fails on it: `ERROR: Could not load the landmark detector`, exit 1, or an abort."
            }
            return Finding(
                id: Kind.landmarkFileCorrupt.id, rule: .modelFileCorrupt, severity: .error,
                summary: "\(file) is not a model file: FeatureExtraction \(isCEN ? "aborts (exit 134)" : "fails")",
                explanation: "\(what) \(effect)", loaderMessage: isCEN ? (problem == .empty ? "cv::Exception" : "std::bad_alloc") : nil,
                neededBy: [launch.binary.string], resolvedTo: path.string)
        case .auPredictors:
            return Finding(
                id: Kind.auCorrupt.id, rule: .modelFileCorrupt, severity: .error,
                summary: "\(file) is not an AU model file",
                explanation: "\(what) The face analyser reads SVM/SVR weights from it; expect an abort (`cv::Exception` or `std::bad_alloc`, exit 134).",
                neededBy: [launch.binary.string], resolvedTo: path.string)
        case .mtcnn:
            return Finding(
                id: Kind.mtcnnCorrupt.id, rule: .modelFileCorrupt, severity: .error,
                summary: "\(file) is not an MTCNN model file",
                explanation: "\(what) The .dat readers take their first bytes as matrix sizes, as the CEN reader does (which aborts with `std::bad_alloc`); the fallback to HOG only happens when the file is absent.",
                neededBy: [launch.binary.string], resolvedTo: path.string)
        case .haar:
            return Finding(
                id: Kind.haarCorrupt.id, rule: .modelFileCorrupt, severity: .info,
                summary: "\(file) is not a HAAR cascade",
                explanation: "\(what) It is used only with `-fdloc` or the HAAR detector; the default MTCNN detector does not read it.",
                neededBy: [launch.binary.string], resolvedTo: path.string)
        }
    }

    /// No sound copy in the root: the files have to be downloaded.
    static func downloadRemedy(_ files: [String], base: RootPath) -> String {
        let cen = files.filter { $0.hasPrefix("model/patch_experts/") }
        var text = ""
        if !cen.isEmpty {
            text += "No sound copy is in the root. Run `bash download_models.sh` in the OpenFace source tree (it fetches the 4 cen_patches_*_of.dat into lib/local/LandmarkDetector/model/patch_experts from Dropbox), then copy them to \(base.appending("model/patch_experts")). If Dropbox fails, its OneDrive fallback URLs are unquoted (`&` ends the command) and have no `-O`: fetch them by hand with `wget -O cen_patches_<scale>_of.dat '<url>'`. See \(wiki)."
        }
        let other = files.filter { !$0.hasPrefix("model/patch_experts/") }
        if !other.isEmpty {
            if !text.isEmpty { text += " " }
            text += "Copy \(other.prefix(4).joined(separator: ", "))\(other.count > 4 ? ", …" : "") from the OpenFace 2.2.0 source tree (lib/local/LandmarkDetector/model, lib/local/FaceAnalyser/AU_predictors, lib/3rdParty/OpenCV/classifiers) into \(base)."
        }
        return text
    }
}

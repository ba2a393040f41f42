/// The model files FeatureExtraction reads, in the groups the program looks up together
/// (openface.md §3; LandmarkDetectorParameters.cpp and FaceAnalyserParameters.cpp upstream).
public enum OpenFaceModelGroup: String, Sendable, CaseIterable, Codable {
    /// `model/main_ceclm_general.txt`; the files it names are read from its folder.
    case landmark
    /// `model/mtcnn_detector/MTCNN_detector.txt`, looked up on its own.
    case mtcnn
    /// `AU_predictors/main_dynamic_svms.txt`, looked up on its own by the face analyser.
    case auPredictors = "au-predictors"
    /// `classifiers/haarcascade_frontalface_alt.xml`, looked up on its own.
    case haar
}

public enum OpenFaceModelCatalog {
    /// The four CEN patch-expert scales `cen_general.txt` lists.
    public static let cenScales = ["0.25", "0.35", "0.50", "1.00"]
    /// Real CEN files weigh tens of MB; anything under 1 MiB is a cut-short download.
    public static let cenMinimumSize: UInt64 = 1 << 20

    /// The file each group's lookup tests with `fs::exists` (cwd, dirname(argv[0]), CONFIG_DIR).
    public static func anchor(_ group: OpenFaceModelGroup) -> String {
        switch group {
        case .landmark: return "model/main_ceclm_general.txt"
        case .mtcnn: return "model/mtcnn_detector/MTCNN_detector.txt"
        case .auPredictors: return "AU_predictors/main_dynamic_svms.txt"
        case .haar: return "classifiers/haarcascade_frontalface_alt.xml"
        }
    }

    /// Files read from the same base as the anchor. AU `.dat` files come from AU_all_best.txt.
    public static func members(_ group: OpenFaceModelGroup) -> [String] {
        switch group {
        case .landmark:
            return ["model/cen_general.txt", "model/pdms/In-the-wild_aligned_PDM_68.txt", "model/tris_68.txt"]
                + cenScales.map { "model/patch_experts/cen_patches_\($0)_of.dat" }
        case .mtcnn: return ["PNet", "RNet", "ONet"].map { "model/mtcnn_detector/\($0).dat" }
        case .auPredictors: return ["AU_predictors/AU_all_best.txt"]
        case .haar: return []
        }
    }

    /// The least a sound copy of `path` weighs.
    public static func minimumSize(_ path: String) -> UInt64 {
        path.hasPrefix("model/patch_experts/cen_patches_") ? cenMinimumSize : 1
    }

    /// Where a file of the run-time layout lives in an OpenFace source tree. CMake copies
    /// `lib/local/LandmarkDetector/model` and `lib/local/FaceAnalyser/AU_predictors` beside
    /// the binary; its HAAR glob names `OpenCV3.4`, but the folder is `OpenCV` (openface.md §3).
    public static func sourceTreePaths(_ path: String) -> [String] {
        if path.hasPrefix("model/") { return ["lib/local/LandmarkDetector/" + path] }
        if path.hasPrefix("AU_predictors/") { return ["lib/local/FaceAnalyser/" + path] }
        if path.hasPrefix("classifiers/") {
            return ["lib/3rdParty/OpenCV/" + path, "lib/3rdParty/OpenCV3.4/" + path]
        }
        return []
    }

    /// The `.dat` paths (relative to `AU_predictors/`) in AU_all_best.txt: the first word of each line.
    public static func auPredictorFiles(listedIn text: String) -> [String] {
        var result: [String] = []
        for line in text.split(whereSeparator: \.isNewline).prefix(500) {
            guard let word = line.split(whereSeparator: \.isWhitespace).first, word.hasSuffix(".dat"),
                  !String(word).startsWithSlash, !String(word).slashSeparated().contains("..")
            else { continue }
            result.append("AU_predictors/" + String(word))
        }
        return result
    }
}

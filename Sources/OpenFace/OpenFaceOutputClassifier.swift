/// A model component FeatureExtraction reported missing.
public enum OpenFaceModelComponent: String, Sendable, Codable, CaseIterable {
    case landmarkModel = "landmark-model"
    case cenPatchExperts = "cen-patch-experts"
    case auPredictors = "au-predictors"
    case mtcnnDetector = "mtcnn-detector"
}

/// What one run of FeatureExtraction shows.
public enum OpenFaceRunOutcome: Equatable, Sendable {
    /// It started and loaded what it needs; `notes` are harmless messages it printed.
    case started(notes: [String])
    /// It started but reported model files missing (exit 0 for MTCNN alone, else 1).
    case modelsMissing([OpenFaceModelComponent], status: Int32)
    /// It aborted or died of a signal; `reason` is the line that says why.
    case crashed(reason: String, missing: [OpenFaceModelComponent])
    /// The dynamic loader refused it before `main` (exit 127).
    case loaderFailed(message: String)
}

/// Classifies FeatureExtraction's output by the messages a real build prints (openface.md §2-3).
public enum OpenFaceOutputClassifier {
    /// `status` is the shell's: the exit code, or 128 + signal (134 = SIGABRT).
    public static func classify(stdout: String, stderr: String, status: Int32) -> OpenFaceRunOutcome {
        let lines = (stderr + "\n" + stdout).split(whereSeparator: \.isNewline).map(String.init)
        if let line = lines.first(where: { $0.contains("error while loading shared libraries") || $0.contains("symbol lookup error") }) {
            return .loaderFailed(message: line)
        }
        var missing: [OpenFaceModelComponent] = []
        func note(_ c: OpenFaceModelComponent) { if !missing.contains(c) { missing.append(c) } }
        for line in lines {
            if line.contains("Could not find CEN patch experts") { note(.cenPatchExperts) }
            if line.contains("Could not find the landmark detection model to load") { note(.landmarkModel) }
            if line.contains("Could not find the face analysis module to load") || line.contains("no Action Unit models found") { note(.auPredictors) }
            if line.contains("MTCNN model file not found") || line.contains("Could not find the MTCNN face detector location")
                || line.contains("defaulting to HOG-SVM face detector") { note(.mtcnnDetector) }
        }
        // `ERROR: Could not load the landmark detector` follows both missing-model messages;
        // alone it still means the landmark model did not load.
        if lines.contains(where: { $0.contains("Could not load the landmark detector") }),
           !missing.contains(.cenPatchExperts) { note(.landmarkModel) }
        let crashMarkers = ["std::bad_alloc", "terminate called", "cv::Exception", "Segmentation fault", "Aborted", "core dumped"]
        if let line = lines.first(where: { l in crashMarkers.contains { l.contains($0) } }) {
            return .crashed(reason: line.trimmingSpaces, missing: missing)
        }
        if status > 128 {
            return .crashed(reason: "killed by signal \(status - 128)", missing: missing)
        }
        if !missing.isEmpty || status != 0 {
            return .modelsMissing(missing, status: status)
        }
        let harmless = lines.filter { $0.contains("Could not find the HAAR face detector location") }
        return .started(notes: harmless.isEmpty ? [] : ["Could not find the HAAR face detector location"])
    }
}

fileprivate extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}

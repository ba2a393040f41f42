import Testing
@testable import OpenFace

@Suite("FeatureExtraction output classification")
struct OpenFaceModelOutputClassifierTests {
    // Lines as a real build prints them (openface.md §2-3).
    static let cenLine = "Reading the intensity CEN patch experts from: /opt/OpenFace/build/bin/model/patch_experts/cen_patches_0.25_of.dat....Could not find CEN patch experts, for instructions of how to download them, see https://github.com/TadasBaltrusaitis/OpenFace/wiki/Model-download"

    static let cases: [(String, String, String, Int32, OpenFaceRunOutcome)] = [
        ("no arguments", "For command line arguments see:\n https://github.com/TadasBaltrusaitis/OpenFace/wiki/Command-line-arguments", "", 0,
         .started(notes: [])),
        ("-h with models", "Could not find the HAAR face detector location\nReading the landmark detector/tracker from: model/main_ceclm_general.txt\n", "", 0,
         .started(notes: ["Could not find the HAAR face detector location"])),
        ("no CEN files", "Could not find the HAAR face detector location\n\(cenLine)\nERROR: Could not load the landmark detector\n", "", 1,
         .modelsMissing([.cenPatchExperts], status: 1)),
        ("through PATH", "Could not find the HAAR face detector location\nCould not find the landmark detection model to load\nERROR: Could not load the landmark detector\n", "", 1,
         .modelsMissing([.landmarkModel], status: 1)),
        ("HTML CEN", "Reading the intensity CEN patch experts from: x.dat", "terminate called after throwing an instance of 'std::bad_alloc'\n  what():  std::bad_alloc\n", 134,
         .crashed(reason: "terminate called after throwing an instance of 'std::bad_alloc'", missing: [])),
        ("no AU predictors", "Could not find the face analysis module to load\nWARNING: no Action Unit models found\n",
         "terminate called after throwing an instance of 'cv::Exception'\n  what():  OpenCV(4.6.0) ... Matrix operand is an empty matrix\n", 134,
         .crashed(reason: "terminate called after throwing an instance of 'cv::Exception'", missing: [.auPredictors])),
        ("no MTCNN", "MTCNN model file not found or can't be opened\nINFO: defaulting to HOG-SVM face detector\n", "", 0,
         .modelsMissing([.mtcnnDetector], status: 0)),
        ("loader", "", "FeatureExtraction: error while loading shared libraries: libLandmarkDetector.so: cannot open shared object file: No such file or directory\n", 127,
         .loaderFailed(message: "FeatureExtraction: error while loading shared libraries: libLandmarkDetector.so: cannot open shared object file: No such file or directory")),
        ("signal without a message", "", "", 139,
         .crashed(reason: "killed by signal 11", missing: [])),
    ]

    @Test("messages of a real build are classified", arguments: cases)
    func classify(_ c: (String, String, String, Int32, OpenFaceRunOutcome)) {
        #expect(OpenFaceOutputClassifier.classify(stdout: c.1, stderr: c.2, status: c.3) == c.4, "\(c.0)")
    }
}

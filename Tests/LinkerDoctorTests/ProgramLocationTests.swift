import Foundation
import Testing
@testable import Doctor
@testable import LoaderModel
@testable import RootFS

/// Where `check [BINARY]` finds its program inside a root (design.md, "Command line").
@Suite("program location")
struct ProgramLocationTests {
    /// A root with executables at `programs` (and a non-executable file at `plain`).
    static func root(_ programs: [String], plain: [String] = []) throws -> (RootView, String) {
        let directory = try LdCacheTestSupport.makeTempDir("program")
        for path in programs + plain {
            try FileManager.default.createDirectory(atPath: directory + (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try #require(FileManager.default.createFile(atPath: directory + path, contents: Data([0x7f]),
                                                        attributes: [.posixPermissions: programs.contains(path) ? 0o755 : 0o644]))
        }
        return (RootView(try LocalRoot(directory: directory)), directory)
    }

    static func find(_ binary: String?, _ root: RootView, path: String? = nil, cwd: String = "/") throws -> ProgramLocation {
        let environment = LoaderEnvironment(path.map { ["PATH": $0] } ?? [:], workingDirectory: cwd)
        return try ProgramLocation.find(binary, root: root, environment: environment)
    }

    /// (On this machine's own root the working directory is the caller's unless `--cwd` says
    /// otherwise: `WorkingDirectoryTests.relativeProgramFromTheCallersDirectory`.)
    @Test("a relative path starts from the working directory inside the root")
    func relativeAgainstWorkingDirectory() throws {
        let (root, directory) = try Self.root(["/opt/OpenFace/build/bin/FeatureExtraction"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let found = try Self.find("./FeatureExtraction", root, cwd: "/opt/OpenFace/build/bin")
        #expect(found.path == RootPath("/opt/OpenFace/build/bin/FeatureExtraction"))
        #expect(found.argv0 == "./FeatureExtraction")
        #expect(try Self.find("bin/FeatureExtraction", root, cwd: "/opt/OpenFace/build").path
                == RootPath("/opt/OpenFace/build/bin/FeatureExtraction"))
        #expect(try Self.find("/opt/OpenFace/build/bin/FeatureExtraction", root, cwd: "/tmp").path
                == RootPath("/opt/OpenFace/build/bin/FeatureExtraction"))
    }

    @Test("a bare name: PATH first, then OpenFace's build tree, then /usr/local/bin")
    func bareNameOrder() throws {
        let (root, directory) = try Self.root(["/opt/OpenFace/build/bin/FeatureExtraction", "/usr/local/bin/FeatureExtraction",
                                               "/usr/local/bin/FaceLandmarkImg", "/opt/tools/FeatureExtraction"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Explicit name, not on PATH: the default places, build tree first (as for the default).
        let explicit = try Self.find("FeatureExtraction", root, path: "/usr/bin:/bin")
        #expect(explicit.path == RootPath("/opt/OpenFace/build/bin/FeatureExtraction"))
        #expect(explicit.viaPATH == false)
        #expect(explicit == (try Self.find(nil, root, path: "/usr/bin:/bin")))
        // Generalised: any name, in the same places.
        #expect(try Self.find("FaceLandmarkImg", root, path: "/usr/bin").path == RootPath("/usr/local/bin/FaceLandmarkImg"))
        // On PATH it wins, and argv[0] is the bare name, as a shell starts it.
        let onPath = try Self.find("FeatureExtraction", root, path: "/opt/tools:/usr/bin")
        #expect(onPath.path == RootPath("/opt/tools/FeatureExtraction"))
        #expect(onPath.argv0 == "FeatureExtraction")
        #expect(onPath.viaPATH)
    }

    @Test("a bare name found nowhere lists every directory tried, each once; a non-executable file is not a program")
    func notFound() throws {
        let (root, directory) = try Self.root([], plain: ["/usr/local/bin/FaceLandmarkImg"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: ProgramLocation.LookupError.notFound(
            name: "FaceLandmarkImg", searched: ["/usr/bin", "/usr/local/bin", "/opt/OpenFace/build/bin"])) {
            try Self.find("FaceLandmarkImg", root, path: "/usr/bin:relative:/usr/local/bin:/usr/bin")
        }
    }
}

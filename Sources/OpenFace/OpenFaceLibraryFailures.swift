import Doctor
import LoaderModel

/// The seed image's documented loader failures (OF001–OF005, docs/findings.md): general
/// findings (LD002, LD003, LD004, LD011) that, for these libraries, have a known cause.
public enum OpenFaceLibraryFailures {
    public static let webp: FindingID = "OF001", mkl: FindingID = "OF002", openFaceLibraries: FindingID = "OF003"
    public static let condaLibffi: FindingID = "OF004", mklCompanions: FindingID = "OF005"

    /// OpenFace 2.2.0's own shared libraries (`-D BUILD_SHARED_LIBS=ON`).
    public static let openFaceLibraryNames: Set<String> = [
        "libLandmarkDetector.so", "libFaceAnalyser.so", "libGazeAnalyser.so", "libUtilities.so",
    ]

    /// The id and cause of a general finding that is one of these failures.
    static func documented(_ finding: Finding, provider: LoadedObject?) -> DocumentedFailure? {
        switch finding.rule {
        case .libraryNotFound:
            switch finding.library {
            case "libwebp.so.7":
                return DocumentedFailure(id: webp, note: "OpenCV (libopencv_imgcodecs) was built against libwebp.so.7 (Ubuntu 22.04's libwebp7, or conda's), but this image's Ubuntu 20.04 ships only libwebp.so.6.",
                                         package: "Ubuntu 22.04's libwebp7")
            case "libmkl_rt.so.2":
                return DocumentedFailure(id: mkl, note: "MKL lives in /opt/conda/lib, where CMake found it at build time; the loader does not search there at run time.")
            case let name? where openFaceLibraryNames.contains(name):
                return DocumentedFailure(id: openFaceLibraries, note: "`make install` of OpenFace sets no RPATH, so its own libraries in /opt/OpenFace/build/lib are found only through LD_LIBRARY_PATH.")
            default:
                return nil
            }
        case .versionNotFound where isCondaLibffi(finding, provider):
            return DocumentedFailure(id: condaLibffi, note: "Conda's libffi 3.4 provides libffi.so.7 only as a link to libffi.so.8, whose versions are LIBFFI_*_8.0: /opt/conda/lib on LD_LIBRARY_PATH shadows Ubuntu's libffi7.")
        case .symbolNotFound where isCondaLibffi(finding, provider):
            return DocumentedFailure(id: condaLibffi, note: "Anaconda's libffi 3.4 makes libffi.so.7 a link to libffi.so.8 and records the LIBFFI_*_7.0 version names with no symbols in them, so the version check passes and the symbol lookup fails.")
        default:
            return nil
        }
    }

    /// Conda's libffi.so.7, found first through `LD_LIBRARY_PATH`.
    static func isCondaLibffi(_ finding: Finding, _ provider: LoadedObject?) -> Bool {
        guard finding.library == "libffi.so.7", let provider else { return false }
        return FindingCatalog.viaLibraryPath(provider)
    }

    /// One OF003 finding for all of OpenFace's libraries: they share one cause and one fix. It
    /// takes the place of the first of them the loader missed.
    static func merge(_ findings: [Finding], graph: LoadGraph) -> [Finding] {
        let openFace = findings.filter { $0.id == openFaceLibraries }
        guard openFace.count > 1, var merged = openFace.first else { return findings }
        let names = openFace.compactMap(\.library)
        merged.summary = "OpenFace's libraries not found: \(names.joined(separator: ", "))"
        merged.neededBy = Array(Set(openFace.flatMap(\.neededBy))).sorted()
        var result = findings
        result.removeAll { $0.id == openFaceLibraries }
        let at = graph.missing.firstIndex { openFaceLibraryNames.contains($0.name) } ?? 0
        result.insert(merged, at: min(at, result.count))
        return result
    }

    /// MKL's dispatcher dlopens its core, threading layer and kernels from its own load
    /// directory; the core is opened first, so that is the name its error carries.
    static let mklOpener = CompanionOpener(id: mklCompanions) { loadDirectory, companions in
        let first = companions.first { $0.hasPrefix("libmkl_core") } ?? companions.first ?? ""
        return "INTEL MKL ERROR: \(loadDirectory)/\(first): cannot open shared object file: No such file or directory."
    }
}

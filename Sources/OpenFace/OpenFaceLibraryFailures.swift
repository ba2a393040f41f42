import Doctor
import LoaderModel
import Support

/// The seed image's documented loader failures (OF001–OF005, docs/findings.md): general
/// findings (LD002, LD003, LD004, LD011) that, for these libraries, have a known cause. What
/// they add is said only as far as the root and the load graph show it (never the seed's
/// story as fact).
public enum OpenFaceLibraryFailures {
    public static let webp: FindingID = "OF001", mkl: FindingID = "OF002", openFaceLibraries: FindingID = "OF003"
    public static let condaLibffi: FindingID = "OF004", mklCompanions: FindingID = "OF005"

    /// OpenFace 2.2.0's own shared libraries (`-D BUILD_SHARED_LIBS=ON`).
    public static let openFaceLibraryNames: Set<String> = [
        "libLandmarkDetector.so", "libFaceAnalyser.so", "libGazeAnalyser.so", "libUtilities.so",
    ]

    /// The id and cause of a general finding that is one of these failures.
    static func documented(_ finding: Finding, provider: LoadedObject?, graph: LoadGraph,
                           system: TargetSystem?) -> DocumentedFailure? {
        switch finding.rule {
        case .libraryNotFound:
            guard let name = finding.library else { return nil }
            let id: FindingID
            switch name {
            case "libwebp.so.7": id = webp
            case "libmkl_rt.so.2": id = mkl
            case _ where openFaceLibraryNames.contains(name): id = openFaceLibraries
            default: return nil
            }
            return DocumentedFailure(id: id, note: system.flatMap { context(id, library: name, neededBy: finding.neededBy, graph: graph, system: $0) },
                                     package: id == webp ? "Ubuntu 22.04's libwebp7" : nil)
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

    /// What a missing library's documented failure adds to its explanation; `neededBy` are
    /// the requesters' paths.
    static func context(_ id: FindingID, library: String, neededBy: [String], graph: LoadGraph,
                        system: TargetSystem) -> String? {
        let names = neededBy.map(FindingCatalog.fileName)
        let were = names.count == 1 ? "was" : "were"
        switch id {
        case webp:
            var text = "\(FindingCatalog.shortList(names)) \(were) linked against libwebp.so.7 (libwebp 1.x: Ubuntu 22.04's libwebp7, or conda's)"
            // Where the loader would find libwebp.so.6: the cache, else a default directory.
            let cache = system.cache.map { CacheLookup(cache: $0, platform: system.platform) }
            let six = cache?.lookup("libwebp.so.6") ?? system.platform.defaultDirectories
                .first { FindingCatalog.hasFile("libwebp.so.6", in: $0, system: system) }.map { $0 + "/libwebp.so.6" }
            if let six {
                text += "; the system has only libwebp.so.6 (\(six))."
            } else {
                text += "; the system has no other libwebp the loader would find."
            }
            return text
        case mkl:
            let conda = "/opt/conda/lib"
            if FindingCatalog.hasFile(library, in: conda, system: system) {
                return "MKL is in \(conda), where CMake found it at build time; the loader does not search there at run time."
            }
            return "MKL was found at build time in a directory the loader does not search at run time."
        case openFaceLibraries:
            let unpathed = neededBy.filter { path in
                graph.objects.first { $0.path.hasSameBytes(as: path) }?.elf.dynamic.map { $0.rpath == nil && $0.runpath == nil } ?? true
            }
            guard !unpathed.isEmpty else { return nil }
            let who = FindingCatalog.shortList(unpathed.map(FindingCatalog.fileName))
            let directory = "/opt/OpenFace/build/lib"
            let place = FindingCatalog.hasFile(library, in: directory, system: system) ? " in \(directory)" : ""
            return "\(who) \(unpathed.count == 1 ? "has" : "have") no RPATH or RUNPATH (OpenFace's `make install` sets none), so its own libraries\(place) are found only through LD_LIBRARY_PATH or ld.so.conf."
        default:
            return nil
        }
    }

    /// One OF003 finding for all of OpenFace's libraries: they share one cause and one fix. It
    /// takes the place of the first of them the loader missed.
    static func merge(_ findings: [Finding], graph: LoadGraph, system: TargetSystem?) -> [Finding] {
        let openFace = findings.filter { $0.id == openFaceLibraries }
        guard openFace.count > 1, var merged = openFace.first else { return findings }
        let names = openFace.compactMap(\.library)
        merged.summary = "OpenFace's libraries not found: \(names.joined(separator: ", "))"
        merged.neededBy = Array(Set(openFace.flatMap(\.neededBy))).sorted()
        merged.coveredLibraries = names
        merged.symbols = openFace.flatMap(\.symbols)
        merged.explanation = "OpenFace's own libraries (\(names.joined(separator: ", "))), needed by \(FindingCatalog.shortList(merged.neededBy)), are in none of the directories the loader searched and not in ld.so.cache."
        let misses = graph.missing.filter { openFaceLibraryNames.contains($0.name) }
        if let system, let first = misses.first {
            let requesters = Array(Set(misses.flatMap(\.neededBy))).sorted().map { graph.objects[$0].path }
            if let note = context(openFaceLibraries, library: first.name, neededBy: requesters, graph: graph, system: system) {
                merged.explanation += " " + note
            }
        }
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

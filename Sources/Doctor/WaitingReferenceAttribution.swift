import ELFInspect
import LoaderModel
import RootFS
import Support

/// Which missing library an unversioned reference waits for, when its object lacks several:
/// the loader's message names none, and `FindingCatalog.waitingReferences` can only give it to
/// the object's first missing library. A copy the candidate search found tells more: the
/// reference goes to the missing library whose copy defines the name (FeatureExtraction's
/// `MKL_Set_Interface_Layer` to libmkl_rt.so.2, not to libLandmarkDetector.so, its first).
/// A reference no copy defines stays where it was.
struct WaitingReferenceAttribution {
    /// Whether the file at a root path defines a symbol of this name (a copy of a library).
    private let defines: (_ path: String, _ symbol: String) -> Bool

    /// Reads each candidate once, from `root`, and looks names up through its hash table
    /// (a copy of MKL defines tens of thousands: no set of them is made).
    init(root: RootView) {
        var files: [String: ELFFile?] = [:]
        defines = { path, symbol in
            if files[path] == nil {
                files[path] = (try? root.contents(of: RootPath(path))).flatMap { try? ELFFile(bytes: $0, path: path) }
            }
            guard let elf = files[path] ?? nil else { return false }
            return elf.symbolIndices(named: symbol).contains { elf.symbolFields(at: $0)?.sectionIndex ?? 0 != 0 }
        }
    }

    /// `findings` with each unversioned reference of an object that lacks several libraries
    /// moved to the finding of the missing library whose copy (`candidates`, by library name)
    /// defines it, when that is another finding.
    func refine(_ findings: [Finding], graph: LoadGraph, candidates: [TextKey: [Candidate]]) -> [Finding] {
        guard graph.missing.count > 1 else { return findings }
        // The missing libraries of each object that lacks more than one, in DT_NEEDED order.
        var lacking: [String: [String]] = [:]
        for object in graph.objects.indices {
            let names = graph.missingDependencies(of: object)
            if names.count > 1 { lacking[graph.objects[object].path] = names }
        }
        guard !lacking.isEmpty else { return findings }
        func owner(_ library: String) -> Int? {
            findings.firstIndex { $0.rule == .libraryNotFound && ($0.library?.hasSameBytes(as: library) == true
                                                                  || $0.coveredLibraries.contains { $0.hasSameBytes(as: library) }) }
        }
        var result = findings
        for index in findings.indices where findings[index].rule == .libraryNotFound {
            for reference in findings[index].symbols where reference.version == nil {
                guard let missing = lacking[reference.requester],
                      let library = missing.first(where: { name in
                          (candidates[TextKey(name)] ?? []).contains { $0.usable && defines($0.path, reference.name) }
                      }),
                      let destination = owner(library), destination != index else { continue }
                result[index].symbols.removeAll { $0 == reference }
                result[destination].symbols.append(reference)
            }
        }
        return result
    }
}

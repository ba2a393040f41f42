import ELFInspect
import LoaderModel

extension FindingCatalog {
    // MARK: - dynamic-entry-unchecked

    /// `dynamic-entry-unchecked`: an object whose dynamic section has an entry the loader
    /// follows unchecked and dies on (`DynamicEntryHazard`): an error where it certainly dies
    /// of SIGSEGV, a warning that is a problem where what it reads decides. By stage: the
    /// program's as the loader first reads it (nothing else is met), those it meets
    /// relocating a library, relocating the program (last), and the rest. The library the
    /// loader dies on first as it maps it (`LoadGraph.mappingAssertion`) is left out:
    /// `libraryMappingFinding` is its finding, where the loader meets it.
    static func dynamicEntryFindings(_ graph: LoadGraph) -> DynamicEntryFindings {
        var result = DynamicEntryFindings()
        let firstMapped = graph.mappingAssertion?.object
        for (index, hazard) in DynamicEntryHazard.inGraph(graph) {
            if hazard.stage == .mapping, index != 0, index == firstMapped { continue }
            let finding = dynamicEntryFinding(graph.objects[index], hazard, isProgram: index == 0, graph: graph)
            switch (hazard.stage, hazard.certain, index == 0) {
            case (.mapping, _, true): result.programMapping = finding
            case (.mapping, _, false): result.libraryRelocation.append(finding)
            case (.relocation, true, false): result.libraryRelocation.append(finding)
            case (.relocation, true, true): result.programRelocation.append(finding)
            default: result.later.append(finding)
            }
        }
        return result
    }

    /// LD035 for the library at `index` when the loader dies on it as it maps it.
    static func libraryMappingFinding(_ graph: LoadGraph, object index: Int) -> Finding? {
        DynamicEntryHazard.inGraph(graph, only: index).first { $0.hazard.stage == .mapping }
            .map { dynamicEntryFinding(graph.objects[index], $0.hazard, isProgram: false, graph: graph) }
    }

    struct DynamicEntryFindings {
        var programMapping: Finding?
        var libraryRelocation: [Finding] = []
        var programRelocation: [Finding] = []
        var later: [Finding] = []
    }

    private static func dynamicEntryFinding(_ object: LoadedObject, _ hazard: DynamicEntryHazard, isProgram: Bool, graph: LoadGraph) -> Finding {
        let path = object.path
        let summary: String, when: String, peers: String
        switch hazard.stage {
        case .mapping:
            summary = isProgram ? "the loader dies of SIGSEGV reading it" : "the loader dies of SIGSEGV loading it"
            when = isProgram ? "As it starts the program, before it loads any library, the loader \(hazard.how)"
                             : "As it maps the library, before it loads the libraries after it, the loader \(hazard.how)"
            peers = "ldd and ld.so --list die the same way."
        case .relocation:
            summary = hazard.certain ? "the loader dies of SIGSEGV relocating it" : "the loader may fail relocating it"
            when = "When it relocates \(isProgram ? "the program (last, after every library)" : "the object (after mapping the program's libraries and checking their versions)"), the loader \(hazard.how)"
            peers = "ldd lists the libraries; ldd -r relocates as the program's start does" + (hazard.onlyLazyBinding ? ", but binds every symbol at once and sets no lazy binding up, so it finds nothing wrong." : ", and fails the same way.")
        case .firstUse:
            summary = "it may crash at its first call through its PLT, or first use of what its relocations fix"
            when = "The loader \(hazard.how)"
            peers = "ldd and ldd -r find nothing wrong: they do not run the program."
        case .initialisation:
            summary = hazard.certain ? "it dies of SIGSEGV as its initialisers run" : "it may crash as its initialisers run"
            when = "After relocating every object, the loader runs each object's initialisers\(isProgram ? " (the program's from libc, which reads them from its dynamic section since glibc 2.34)" : ""): it \(hazard.how)"
            peers = "ldd and ldd -r find nothing wrong: they stop before any initialiser runs."
        case .exit:
            summary = hazard.certain ? "the program dies of SIGSEGV when it exits" : "the program may crash when it exits"
            when = "The program starts and runs; when it exits, the loader runs each object's finalisers and \(hazard.how)"
            peers = "ldd and ldd -r find nothing wrong: they never run the program."
        }
        let outcome = hazard.certain
            ? ", and the kernel kills the process with SIGSEGV. Nothing is printed; a shell says \"Segmentation fault\" (exit status 139)\(hazard.stage == .exit ? " after the program's own output" : "")."
            : ": what it finds there decides whether it stops with an error or an assertion, crashes, or goes on."
        var finding = Finding(
            id: .dynamicEntryUnchecked, rule: .dynamicEntryUnchecked, severity: hazard.certain ? .error : .warning,
            summary: "\(path) has \(hazard.entries): \(summary)",
            explanation: "\(path)'s dynamic section has \(hazard.entries). \(when)\(outcome) \(peers) A linker never writes such a file: it was damaged or edited by hand.",
            library: isProgram ? nil : object.names.first, neededBy: isProgram ? [path] : object.neededBy.map { graph.objects[$0].path },
            resolvedTo: path,
            remedy: reinstall(path) + (isProgram ? "." : "; or remove it, so the loader finds another copy."))
        finding.reinstallPath = path
        finding.startPrediction = !hazard.certain ? .uncertain : hazard.stage == .exit ? .killedAtExit([11]) : .segmentationFault
        return finding
    }
}

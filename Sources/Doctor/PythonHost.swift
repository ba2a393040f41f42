import LoaderModel
import RootFS
import Support

/// The interpreter in the root that would import a Python extension module checked by
/// itself, and which of the module's unbound references it binds.
///
/// Import opens the module with `dlopen` and `RTLD_NOW`: every reference bound at once, in a
/// scope of the interpreter's objects and then the module's own. That is modelled as the
/// loader's preload of the module into the interpreter — the same objects, the same searches
/// for the module's libraries (its RPATH chain ends at the program's either way), the same
/// definitions in scope; only their order differs, which decides which copy binds, not
/// whether one does. The real loader tracing the interpreter with the module preloaded
/// (`ldd -r` with `LD_PRELOAD`) is the test's judge.
struct PythonHost: Sendable {
    /// The interpreter's path in the root (as found: a venv's `bin/python3.11` may be a link).
    var path: String
    /// The references of the module the interpreter leaves unbound, in the finding's order.
    var unbound: [SymbolReference]
    /// Each name a loaded object was requested by, and that object's path.
    var loaded: [TextKey: String] = [:]

    /// Where an importing interpreter is looked for: beside the module's `site-packages`
    /// (`PREFIX/lib/python3.11/site-packages/…` → `PREFIX/bin`), then the target's `PATH`,
    /// then conda's base environment.
    static func candidates(modulePath: String, names: [String], environment: LoaderEnvironment) -> [String] {
        var directories: [String] = []
        let components = modulePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for i in components.indices.dropLast(3) where components[i] == "lib" && components[i + 1].hasPrefix("python")
            && (components[i + 2] == "site-packages" || components[i + 2] == "dist-packages") {
            directories.append(components[..<i].joined(separator: "/") + "/bin")
        }
        directories += ProgramLocation.searchDirectories(environment) + ["/opt/conda/bin"]
        var seen = Set<TextKey>()
        return names.flatMap { name in directories.map { $0 + "/" + name } }.filter { seen.insert(TextKey($0)).inserted }
    }

    /// The first candidate that is an ELF program in the root (not a script: pyenv's shims
    /// and conda's wrappers start another program): `python3.11` for a module tagged
    /// `cpython-311` (never another version), `python3` for an `abi3` or untagged one.
    static func locate(_ module: PythonExtensionModule, modulePath: String, root: RootView,
                       environment: LoaderEnvironment) -> String? {
        let names = module.version == nil ? module.interpreterNames : Array(module.interpreterNames.prefix(1))
        return candidates(modulePath: modulePath, names: names, environment: environment).first { path in
            guard ProgramLocation.isProgram(RootPath(path), root), let bytes = try? root.contents(of: RootPath(path)) else { return false }
            return bytes.buffer.count >= 4 && bytes.buffer.prefix(4).elementsEqual([0x7f, 0x45, 0x4c, 0x46])
        }
    }

    /// The interpreter at `host` with the module loaded into it: which of `references` stay
    /// unbound. Nil when the interpreter cannot be analysed.
    static func check(host: String, modulePath: String, importedBefore: [String] = [], system: TargetSystem,
                      environment: LoaderEnvironment, references: [SymbolReference]) -> PythonHost? {
        var loaded = environment
        loaded.importedObjects = importedBefore + [modulePath]
        guard let diagnosis = try? Diagnosis(system: system, program: ProgramLocation(path: RootPath(host), argv0: host, viaPATH: false),
                                             environment: loaded) else { return nil }
        let graph = diagnosis.graph
        // (the module's libraries are found as they were for the module alone: by path, the
        // same objects make the same requests)
        let missing = Set(diagnosis.symbols.symbolProblems.filter { !$0.assertion }.map {
            key(SymbolReference(name: $0.symbol, version: $0.version, requester: graph.objects[$0.requester].path))
        })
        var found: [TextKey: String] = [:]
        for object in graph.objects { for name in object.names where found[TextKey(name)] == nil { found[TextKey(name)] = object.path } }
        return PythonHost(path: host, unbound: references.filter { missing.contains(key($0)) }, loaded: found)
    }

    private static func key(_ reference: SymbolReference) -> TextKey {
        TextKey(reference.requester + "|" + reference.name + "|" + (reference.version ?? ""))
    }

    /// The findings of unversioned references that are the importing interpreter's to bind:
    /// the module's own, and a library's of the module where they name Python's C API.
    static func apiFindings(_ diagnosis: Diagnosis) -> [Int] {
        let module = diagnosis.graph.executable.path
        return diagnosis.findings.indices.filter { index in
            let finding = diagnosis.findings[index]
            guard finding.rule == .symbolNotFound, finding.neededBy.count == 1, finding.symbols.allSatisfy({ $0.version == nil })
            else { return false }
            return finding.neededBy[0].hasSameBytes(as: module) || finding.symbols.contains { PythonExtensionModule.isCAPI($0.name) }
        }
    }

    /// `diagnosis` of a Python extension module checked by itself, with the findings about its
    /// references and libraries told what the root's interpreter makes of them. Their symbols
    /// stay as they are: what the loader on the module alone, and `ldd -r`, say. The module is
    /// recognised, and its interpreter looked for, once, and only when such a finding exists.
    static func refine(_ diagnosis: inout Diagnosis, system: TargetSystem, environment: LoaderEnvironment) {
        let module = diagnosis.graph.executable
        guard diagnosis.findings.contains(where: {
            ($0.rule == .symbolNotFound || $0.rule == .libraryNotFound) && $0.neededBy.contains { $0.hasSameBytes(as: module.path) }
        }) || !apiFindings(diagnosis).isEmpty, let python = PythonExtensionModule(module.elf, path: module.path) else { return }
        let host = locate(python, modulePath: module.path, root: system.root, environment: environment)
        refineTorchExtension(&diagnosis, host: host, system: system, environment: environment)
        refineAPIReferences(&diagnosis, python: python, host: host, system: system, environment: environment)
    }

    /// The findings of unversioned references the interpreter binds or not (the module's
    /// own, which Python's C API is most of, and its libraries' C API references): how many
    /// the interpreter binds, and which not. One check of the interpreter serves them all.
    static func refineAPIReferences(_ diagnosis: inout Diagnosis, python: PythonExtensionModule, host path: String?,
                                    system: TargetSystem, environment: LoaderEnvironment) {
        let module = diagnosis.graph.executable
        let indices = apiFindings(diagnosis)
        guard !indices.isEmpty else { return }
        guard let path else {
            let wanted = python.interpreterNames.first ?? "python3"
            for index in indices {
                diagnosis.findings[index].explanation += " The root has no \(wanted) beside the module's site-packages, on PATH or in /opt/conda/bin to import it."
            }
            return
        }
        guard let host = check(host: path, modulePath: module.path, system: system, environment: environment,
                               references: indices.flatMap { diagnosis.findings[$0].symbols }) else { return }
        let unbound = Set(host.unbound)
        for index in indices {
            let finding = diagnosis.findings[index]
            let total = finding.symbols.count
            let names = finding.symbols.filter(unbound.contains).map(\.name)
            let bound = total - names.count
            if names.isEmpty {
                diagnosis.findings[index].explanation += " Loaded into \(host.path) as import loads it, \(total == 1 ? "it binds" : "every one of them binds")."
                let imported = finding.neededBy[0].hasSameBytes(as: module.path) ? "it" : module.path
                diagnosis.findings[index].remedy = "Import \(imported) from \(host.path): its interpreter defines \(total == 1 ? "it" : "all \(total)")."
                continue
            }
            let shown = names.prefix(4).joined(separator: ", ") + (names.count > 4 ? " and \(names.count - 4) more" : "")
            diagnosis.findings[index].explanation += " Loaded into \(host.path) as import loads it, \(bound) of the \(total) \(bound == 1 ? "binds" : "bind") and \(names.count) \(names.count == 1 ? "does" : "do") not: \(shown)."
            let foreign = names.filter(PythonExtensionModule.isCAPI)
            diagnosis.findings[index].remedy = foreign.isEmpty
                ? finding.remedy
                : "\(host.path) lacks \(foreign.count == 1 ? "\(foreign[0]), a name" : "\(foreign.count) names") of Python's C API the module was built with: reinstall the package that holds the module with that interpreter's pip, so that it is built for it."
        }
    }

    /// A PyTorch C++/CUDA extension (GaussianTalker builds two) names `libc10.so`,
    /// `libtorch.so`, … with no run path to them: `import torch` has loaded them before it
    /// (torch's `_C` module finds them through its own RUNPATH), and the loader takes a loaded
    /// object by its soname. Checked alone, they are missing (LD002, as `ldd -r` says); each
    /// such finding is told what importing torch first does — the module loaded into the
    /// interpreter after torch's `_C` — and which of the module's references still do not bind
    /// then (a module built against another torch: `undefined symbol: _ZN3c10…`).
    static func refineTorchExtension(_ diagnosis: inout Diagnosis, host: String?, system: TargetSystem,
                                     environment: LoaderEnvironment) {
        let module = diagnosis.graph.executable
        let missing = diagnosis.findings.indices.filter {
            diagnosis.findings[$0].rule == .libraryNotFound && diagnosis.findings[$0].neededBy.contains { $0.hasSameBytes(as: module.path) }
        }
        guard !missing.isEmpty, let host,
              let torch = TorchPackage.find(beside: module.path, needing: missing.compactMap { diagnosis.findings[$0].library }, root: system.root)
        else { return }
        // Every reference of the module the findings hold (those waiting for a missing library included).
        var references: [SymbolReference] = []
        var seen = Set<TextKey>()
        for finding in diagnosis.findings {
            for reference in finding.symbols where reference.requester.hasSameBytes(as: module.path)
                && seen.insert(TextKey(reference.name + "|" + (reference.version ?? ""))).inserted { references.append(reference) }
        }
        guard let imported = check(host: host, modulePath: module.path, importedBefore: [torch.module], system: system,
                                   environment: environment, references: references) else { return }
        // A library torch does not load either leaves its references unbound for another reason.
        let unfound = missing.filter { diagnosis.findings[$0].library.map { imported.loaded[TextKey($0)] == nil } ?? true }
        var told = false
        for index in missing {
            guard let library = diagnosis.findings[index].library else { continue }
            guard let path = imported.loaded[TextKey(library)] else {
                diagnosis.findings[index].explanation += " Imported after torch (`import torch` first) it is still missing: torch's \(torch.module) does not load it (checked: \(host) with torch's module and this one loaded as import loads them)."
                continue
            }
            var note = " Imported after torch, as a PyTorch extension is (`import torch` first), it is found: torch's \(torch.module) has loaded \(path), which the loader takes by its soname (checked: \(host) with torch's module and this one loaded as import loads them)."
            var remedy = "Import torch before this module (`import torch` first): torch's module loads \(path) for it."
            if unfound.isEmpty {
                let names = imported.unbound.map(\.name)
                if !names.isEmpty { remedy = "Rebuild the module against the torch installed (\(torch.module)): it was built against another." }
                if !told {
                    told = true
                    note += names.isEmpty
                        ? " Then every reference of the module binds."
                        : " Then \(names.count) of the module's references still do not bind: \(names.prefix(3).joined(separator: ", "))\(names.count > 3 ? " and \(names.count - 3) more" : "") — it was built against another torch than this one; rebuild it against the torch installed."
                }
            }
            diagnosis.findings[index].explanation += note
            diagnosis.findings[index].remedy = remedy
        }
    }
}

/// The PyTorch package a module sits beside: the nearest `torch/` above it whose `_C` module
/// has the module's own tag, and whose `lib/` holds a library the module names.
struct TorchPackage: Sendable {
    /// `SITE/torch/_C.cpython-38-x86_64-linux-gnu.so`.
    var module: String

    static func find(beside modulePath: String, needing libraries: [String], root: RootView) -> TorchPackage? {
        var components = modulePath.split(separator: "/").map(String.init)
        guard let file = components.popLast(), let dot = file.firstIndex(of: ".") else { return nil }
        let suffix = String(file[dot...])
        while !components.isEmpty {
            let site = "/" + components.joined(separator: "/")
            components.removeLast()
            let torch = site + "/torch"
            guard let found = try? root.resolve(RootPath(torch + "/_C" + suffix)), found.entry.kind == .file,
                  libraries.contains(where: { (try? root.resolve(RootPath(torch + "/lib/" + $0))) ?? nil != nil })
            else { continue }
            return TorchPackage(module: torch + "/_C" + suffix)
        }
        return nil
    }
}

import LoaderModel
import Quoting
import RootFS
import Support

/// Finds libraries that open companions beside their own load path (MKL) and whose
/// companions are not there: the program starts, and dies at the first call that needs
/// them (`runtime-companion-missing`; an application's rules may name a library that does this
/// whatever its imports show, with its own id and message).
enum CompanionCheck {
    static func findings(_ graph: LoadGraph, system: TargetSystem, rules: [any ApplicationRules]) -> [Finding] {
        var result: [Finding] = []
        // Libraries share a few load directories: each is resolved once.
        var resolvedDirectories: [String: RootPath?] = [:]
        for position in graph.objects.indices {
            // Only a library loaded through a link in another directory can miss companions
            // that sit beside its real file; test that first, it is cheap (and read in place:
            // a copy of each object retained a dozen references).
            guard graph.objects[position].index > 0, graph.objects[position].path != graph.objects[position].realPath
            else { continue }
            let realDirectory = Resolver.directoryName(graph.objects[position].realPath)
            let loadDirectory = Resolver.directoryName(graph.objects[position].path)
            guard realDirectory != loadDirectory else { continue }
            let object = graph.objects[position]
            let resolvedLoad: RootPath?
            if let known = resolvedDirectories[loadDirectory] {
                resolvedLoad = known
            } else {
                resolvedLoad = (try? system.root.resolve(RootPath(loadDirectory)))??.path
                resolvedDirectories[loadDirectory] = .some(resolvedLoad)
            }
            guard resolvedLoad != RootPath(realDirectory) else { continue }
            let realName = String(object.realPath.afterLastSlash)
            let known = rules.companionOpener(soname: object.soname)
            guard known != nil || RuntimeCompanions.opensBesideItself(object.elf) else { continue }
            let family = RuntimeCompanions.family(of: realName, in: realDirectory, root: system.root)
                .filter { $0 != realName && $0 != object.soname }
            // A companion counts as there when it is beside the load path (dladdr + dlopen of
            // DIR/NAME) or, for bare-name opens, already loaded.
            let missing = family.filter { name in
                let beside = (try? system.root.resolve(RootPath(loadDirectory + "/" + name))) ?? nil
                return beside == nil && !graph.objects.contains { object in
                    object.names.contains { $0.hasSameBytes(as: name) } || object.soname.map { $0.hasSameBytes(as: name) } == true
                }
            }
            guard !missing.isEmpty else { continue }
            result.append(Finding(
                id: known?.id ?? .runtimeCompanionMissing,
                rule: .runtimeCompanionMissing, severity: .warning,
                summary: "\(object.path) will not find \(missing.joined(separator: ", ")) at run time",
                explanation: "\(object.path) is a link to \(object.realPath). The library asks dladdr where it was loaded from and dlopens its companions from that directory, \(loadDirectory); they are beside its real file in \(realDirectory) but not there. The loader starts the program; the first call that needs them (MKL: the first BLAS call) fails.",
                loaderMessage: known?.message(loadDirectory, missing),
                library: object.soname ?? realName, neededBy: object.neededBy.map { graph.objects[$0].path },
                resolvedTo: object.path,
                candidates: missing.map { Candidate(path: realDirectory + "/" + $0, soname: $0, kind: .sameSoname,
                                                    note: "link it as \(loadDirectory)/\($0)", usable: true) },
                remedy: "Link each companion beside \(object.path): " + missing.map { "ln -s \(ShellQuote.display("\(realDirectory)/\($0)")) \(ShellQuote.display("\(loadDirectory)/\($0)"))" }.joined(separator: "; ")))
        }
        return result
    }
}

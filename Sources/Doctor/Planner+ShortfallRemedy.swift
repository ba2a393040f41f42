import ELFInspect
import LoaderModel
import RootFS
import Support

/// What a person can do about what a found library lacks — versions (LD003), versioned
/// symbols (LD004 of one library) — when no step of the plan can: "rebuild the requester, or
/// install the library version it was linked with" says nothing about which version, or
/// where one is.
extension Planner {
    /// glibc's own libraries: their versions are glibc's release, and no copy of one can stand
    /// in for the root's (they share GLIBC_PRIVATE with its loader).
    static let glibcLibraries: Set<String> = [
        "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libresolv.so.2",
        "libutil.so.1", "libanl.so.1", "libmvec.so.1", "libnsl.so.1", "libBrokenLocale.so.1",
        "ld-linux-x86-64.so.2",
    ]

    /// The remedy for a shortfall no plan step clears — versions a library lacks (LD003), or
    /// versioned symbols it lacks (LD004 of one library); nil to keep the general one.
    func shortfallRemedy(_ finding: Finding, in diagnosis: Diagnosis, environment: LoaderEnvironment,
                       search: inout CandidateSearch?) -> String? {
        guard let library = finding.library, finding.resolvedTo != nil else { return nil }
        let who = FindingCatalog.shortList(finding.neededBy)
        switch finding.rule {
        case .versionNotFound where !finding.versions.isEmpty:
            var names: [String] = []
            for version in finding.versions where !names.contains(version.name) { names.append(version.name) }
            if Self.glibcLibraries.contains(library) {
                return glibcRemedy(names: names, who: who, plural: finding.neededBy.count > 1)
            }
            return copyRemedy(finding, library: library, lacking: names, who: who, in: diagnosis, environment: environment,
                              search: &search) { elf in
                let defined = Set(elf.versionDefinitions.map { TextKey($0.name) })
                return names.allSatisfy { defined.contains(TextKey($0)) }
            }
        case .symbolNotFound where !finding.symbols.isEmpty && !Self.glibcLibraries.contains(library):
            let wanted = finding.symbols.map { (name: $0.name, version: $0.version) }
            var shown: [String] = []
            for symbol in wanted.map({ $0.name + ($0.version.map { "@" + $0 } ?? "") }) where !shown.contains(symbol) { shown.append(symbol) }
            return copyRemedy(finding, library: library, lacking: shown, who: who, in: diagnosis, environment: environment,
                              search: &search) { elf in
                wanted.allSatisfy { symbol in
                    elf.symbolIndices(named: symbol.name).contains { index in
                        guard let defined = elf.symbol(at: index), defined.isDefined, defined.binding != DynamicSymbol.local else { return false }
                        return symbol.version == nil || defined.version?.name == symbol.version
                    }
                }
            }
        default:
            return nil
        }
    }

    /// `GLIBC_2.34` missing from a 2.31 root: the release it needs, and what can be done
    /// (glibc is never replaced under a program).
    func glibcRemedy(names: [String], who: String, plural: Bool) -> String? {
        let releases = names.map { name -> GlibcVersion? in
            guard name.hasPrefix("GLIBC_") else { return nil }
            return GlibcVersion(parsing: name.dropFirst("GLIBC_".count))
        }
        guard !releases.isEmpty, releases.allSatisfy({ $0 != nil }), let needed = releases.compactMap({ $0 }).max() else { return nil }
        let root = system.platform.glibc
        return "\(who) \(plural ? "need" : "needs") glibc \(needed) or later (\(names.joined(separator: ", "))), and this root's glibc is \(root); glibc cannot be replaced under a program. Use \(plural ? "builds" : "a build") made for glibc \(root) or older (a Python wheel tagged manylinux_\(root.major)_\(root.minor) or lower), or a base image whose glibc is \(needed) or later."
    }

    /// Another copy of `library` in the root that has what the found one lacks (`hasAll`:
    /// conda's newer libstdc++.so.6 under the system's older one): named, and what putting its
    /// directory first on `LD_LIBRARY_PATH` would do, proven by re-resolving.
    func copyRemedy(_ finding: Finding, library: String, lacking names: [String], who: String, in diagnosis: Diagnosis,
                    environment: LoaderEnvironment, search: inout CandidateSearch?, hasAll: @escaping (ELFFile) -> Bool) -> String? {
        let provider = finding.resolvedTo.flatMap { try? system.root.resolve(RootPath($0)) }?.path.string
        let defines = { (path: String) -> Bool in
            // (a copy another user may change is no copy to send a person to: `ForeignWrite`)
            guard FindingCatalog.fileName(path).hasSameBytes(as: library), self.isUsableLibrary(path), self.newExposure(path) == nil,
                  let real = (try? self.system.root.resolve(RootPath(path)))?.path.string, real != provider,
                  let elf = self.elfFile(path) else { return false }
            return hasAll(elf)
        }
        var reading = search ?? CandidateSearch(root: system.root, glibc: system.platform.glibc,
                                                ownDirectories: CandidateSearch.ownDirectories(of: diagnosis.graph))
        reading.find(library, accept: defines)
        search = reading
        guard let copy = reading.index.paths(named: library).first(where: defines) else { return nil }
        let them = names.count == 1 ? "it" : "them"
        let directory = Resolver.directoryName(copy)
        let value = ([directory] + libraryPathDirectories(environment).filter { !$0.hasSameBytes(as: directory) }).joined(separator: ":")
        let install = "install \(library) at a version that defines \(them) where the loader finds it now, or rebuild \(who) against the one present"
        // Proven as a plan is: the program re-resolved with that environment.
        guard let after = try? simulate([], environment: environment.with("LD_LIBRARY_PATH", value), reusing: diagnosis.graph) else {
            return "\(copy) defines \(them). \(install.prefix(1).uppercased())\(install.dropFirst())."
        }
        let before = Set(diagnosis.errors.map(\.key))
        let cleared = !after.errors.contains { $0.key == finding.key }
        if cleared, let added = after.errors.first(where: { !before.contains($0.key) }) {
            return "\(copy) defines \(them), but with LD_LIBRARY_PATH=\(value) the loader fails otherwise (\(added.summary)): \(install)."
        }
        guard cleared else {
            return "\(copy) defines \(them), but even with LD_LIBRARY_PATH=\(value) the loader does not take it for \(who): \(install)."
        }
        return "\(copy) defines \(them): with LD_LIBRARY_PATH=\(value) the loader takes that copy and this shortfall is gone (proven by re-resolving), though every library of \(directory) then comes before the system's for this program. Or \(install)."
    }
}

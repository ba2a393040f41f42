import LoaderModel

/// Findings about what the loader checks as it binds the program's references while
/// relocating: protected definitions a program copies, IFUNCs of objects not yet relocated,
/// copied variables that changed size.
extension FindingCatalog {
    // MARK: - indirect-extern-access, protected-direct-reference

    /// The program's copy relocations and canonical PLT entries that bind to a protected
    /// definition (`ProtectedReference`, glibc 2.35+): the refused ones (LD019, errors), or
    /// the others (LD020, warnings), one finding per library.
    static func protectedFindings(_ graph: LoadGraph, symbols: SymbolCheck, argv0: String, refused: Bool) -> [Finding] {
        let groups = symbols.protectedReferences.filter { $0.refused == refused }.groupedInOrder(by: \.definer)
        let program = graph.executable.path
        return groups.map { group in
            let definer = graph.objects[group[0].definer]
            let references = group.filter(\.atStartup) + group.filter { !$0.atStartup }
            let first = references[0]
            let names = references.map(\.symbol)
            let copies = references.filter { $0.kind == .copy }.map(\.symbol)
            let pointers = references.filter { $0.kind == .canonicalPLT }.map(\.symbol)
            let library = definer.soname ?? fileName(definer.path)
            var how: [String] = [], rebuild: [String] = []
            if !copies.isEmpty {
                how.append("\(program) holds its own copy of \(shortList(copies)) (a copy relocation, made when it was linked against a \(library) where \(copies.count == 1 ? "that variable was" : "those variables were") not protected), while \(definer.path)'s code uses its own: what one of them writes the other never sees")
                rebuild.append("compile \(program)'s code with -fPIC, so that it reads \(shortList(copies)) through the GOT (linked against this \(library), ld now refuses the copy)")
            }
            if !pointers.isEmpty {
                how.append("\(program) uses a PLT entry of its own as the address of \(shortList(pointers)) (a canonical PLT entry of a non-PIE program), while \(definer.path) uses the function itself: two addresses for one function, and comparisons of function pointers fail")
                rebuild.append("link \(program) as a position-independent executable (-fPIE -pie)")
            }
            let them = names.count == 1 ? "it is" : "they are"
            let explanation = "The loader finds \(shortList(names)) in \(definer.path), where \(them) protected (STV_PROTECTED: the library binds its own references to its own definition). " + how.joined(separator: "; ") + "."
            let remedy = "Rebuild: " + rebuild.joined(separator: ", and ") + "; or use a build of \(library) where \(them) not protected."
            if refused {
                var finding = Finding(
                    id: .indirectExternAccess, rule: .indirectExternAccess,
                    summary: "\(definer.path) refuses \(program)'s direct reference to its protected \(first.symbol)\(more(names)): it needs indirect extern access",
                    explanation: explanation + " \(definer.path) was built with -mno-direct-extern-access (its property note sets GNU_PROPERTY_1_NEEDED_INDIRECT_EXTERN_ACCESS), which forbids such references: glibc \(ProtectedReference.since) and later print '\(first.warning(definer: definer.loaderName))' and stop" + (first.atStartup ? ", while relocating the program: it does not start." : " at the program's first call of \(first.symbol): the program starts and dies there.") + " (glibc 2.31 checks neither.)",
                    loaderMessage: first.error(argv0: argv0, definer: definer.loaderName),
                    library: definer.soname ?? definer.names.first ?? definer.path, symbol: first.symbol, version: first.version,
                    neededBy: [program], resolvedTo: definer.path, remedy: remedy)
                finding.failsAtFirstCall = !first.atStartup
                return finding
            }
            return Finding(
                id: .protectedDirectReference, rule: .protectedDirectReference, severity: .warning,
                summary: "\(program) references \(definer.path)'s protected \(first.symbol)\(more(names)) directly: \(copies.isEmpty ? "two addresses for one function" : "two copies of one variable")",
                explanation: explanation + " glibc \(ProtectedReference.since) and later print the warning\(references.count == 1 ? "" : "s") above on stderr; the program starts.",
                loaderMessage: references.map { $0.warning(definer: definer.loaderName) }.joined(separator: "\n"),
                library: definer.soname ?? definer.names.first ?? definer.path, symbol: first.symbol, version: first.version,
                neededBy: [program], resolvedTo: definer.path, remedy: remedy)
        }
    }

    // MARK: - ifunc-in-executable, ifunc-not-relocated

    /// Start-up bindings to an IFUNC of an object not yet relocated (`IFUNCBinding`): the
    /// program's (LD021, errors; the loader stops at the first) or a library's (LD022,
    /// warnings), one finding per requester and definer.
    static func ifuncFindings(_ graph: LoadGraph, symbols: SymbolCheck, argv0: String, fatal: Bool) -> [Finding] {
        var groups = symbols.ifuncBindings.filter { $0.isFatal == fatal }.groupedInOrder { [$0.requester, $0.definer] }
        // (the loader stops at the first fatal one)
        if fatal { groups = Array(groups.prefix(1)) }
        return groups.map { bindings in
            let first = bindings[0]
            let requester = graph.objects[first.requester], definer = graph.objects[first.definer]
            let names = bindings.map(\.symbol)
            // (every warning the loader prints; it stops at the first fatal one)
            // (a resolver that crashes ends the run at its line, as a fatal binding does)
            let crashes = !fatal && first.resolverCrashes
            let message = (fatal || crashes ? [first] : bindings)
                .map { $0.message(argv0: argv0, requester: requester.loaderName, definer: definer.loaderName) }.joined(separator: "\n")
            let unseen = "ldd -r resolves no IFUNC and shows nothing; binding lazily, at the first call, would come after every object is relocated."
            let them = names.count == 1 ? "it" : "them"
            let explanation = fatal
                ? "The program \(definer.path) defines \(shortList(names)) as an IFUNC (STT_GNU_IFUNC: a resolver picks the implementation), and \(requester.path), relocated before the program as every library is, binds \(them) at start-up (BIND_NOW, or a data reference). The loader would have to call the program's resolver before the program is relocated, and refuses. A dynamic program gets such a definition when it links pieces of a static library built with IFUNCs (libc.a's memset or memcpy); \(unseen)"
                : "\(definer.path) defines \(shortList(names)) as an IFUNC, and \(requester.path) binds \(them) at start-up, but the loader relocates \(requester.path) first (it does not need \(definer.path) itself, or the two need each other): it calls the resolver in an object whose relocations are not done, says so on stderr and goes on. A resolver that reads relocated data (a global, its GOT) may crash the program. \(unseen)"
            let remedy = fatal
                ? "Relink \(definer.path) without the static archive that brings \(shortList(names)) (let it use the shared library's), or rebuild \(requester.soname ?? requester.path) with lazy binding (no -z now)."
                : "Relink \(requester.soname ?? requester.path) with \(definer.soname ?? definer.path) among its DT_NEEDED entries, as the loader says, so that \(definer.soname ?? definer.path) is relocated first."
            var finding = Finding(
                id: fatal ? .ifuncInExecutable : .ifuncNotRelocated, rule: fatal ? .ifuncInExecutable : .ifuncNotRelocated,
                severity: fatal || crashes ? .error : .warning,
                summary: fatal ? "\(requester.path) binds the program's IFUNC \(first.symbol)\(more(names)) before the program is relocated: the loader stops"
                               : "\(requester.path) binds \(definer.path)'s IFUNC \(first.symbol)\(more(names)) before \(definer.path) is relocated"
                                 + (crashes ? ": its resolver dies of SIGSEGV" : ""),
                explanation: crashes
                    ? "\(definer.path) defines \(shortList(names)) as an IFUNC, and \(requester.path) binds \(them) at start-up, but the loader relocates \(requester.path) first (it does not need \(definer.path) itself, or the two need each other): it calls the resolver in an object whose relocations are not done. glibc's own resolvers read the CPU's features through libc's GOT, which its relocation fills: the loader prints its \"Relink\" line and the process dies of SIGSEGV (a shell says \"Segmentation fault\", exit status 139). From glibc 2.39 the loader relocates libc.so.6 before every other object, and this cannot happen. \(unseen)"
                    : explanation,
                loaderMessage: message,
                library: requester.soname ?? requester.names.first ?? requester.path, symbol: first.symbol,
                neededBy: [requester.path], resolvedTo: definer.path, remedy: remedy)
            if crashes { finding.startPrediction = .segmentationFault }
            return finding
        }
    }

    // MARK: - copy-size-mismatch

    /// The program's copied variables whose size the library changed (`CopySizeMismatch`):
    /// one finding per library, a warning when one was cut short, else information.
    static func copySizeFindings(_ graph: LoadGraph, symbols: SymbolCheck, argv0: String) -> [Finding] {
        let groups = symbols.copySizeMismatches.groupedInOrder(by: \.definer)
        let program = graph.executable.path
        return groups.map { group in
            let definer = graph.objects[group[0].definer]
            let library = definer.soname ?? fileName(definer.path)
            let truncated = group.filter(\.isTruncated)
            let first = truncated.first ?? group[0]
            let sizes = group.map { "\($0.symbol) (\($0.programSize) bytes in the program, \($0.librarySize) in the library)" }
            let consequence = truncated.isEmpty
                ? "The library's are smaller: the program's copies are large enough, and the loader says nothing unless LD_WARN is set (ldd -r sets it)."
                : "Where the library's is larger (its structure or array grew), the program's copy holds only the first part of it, and the library's own code, which uses the program's copy, reads and writes past its end: memory corruption. The loader says so on stderr at every start and goes on."
            return Finding(
                id: .copySizeMismatch, rule: .copySizeMismatch, severity: truncated.isEmpty ? .info : .warning,
                summary: "\(program) copies \(first.symbol)\(more(group.map(\.symbol))) from \(definer.path) at another size than the library's",
                explanation: "\(program) was linked against a \(library) whose variable\(group.count == 1 ? "" : "s") \(shortList(group.map(\.symbol))) had another size, and holds a copy of \(group.count == 1 ? "it" : "each") (a copy relocation): \(sizes.joined(separator: "; ")). The loader copies the smaller size. " + consequence,
                loaderMessage: truncated.isEmpty ? nil : truncated.map { $0.warning(argv0: argv0) }.joined(separator: "\n"),
                library: definer.soname ?? definer.names.first ?? definer.path, symbol: first.symbol,
                neededBy: [program], resolvedTo: definer.path,
                remedy: "Rebuild \(program) against this \(library) (the ABI changed), or use the \(library) it was built with.")
        }
    }
}

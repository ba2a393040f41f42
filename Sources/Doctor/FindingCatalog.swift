import ELFInspect
import LoaderModel
import Quoting
import RootFS
import Support

/// The catalog: turns what the loader model saw into findings with stable ids (LD…). An
/// application's rules (`ApplicationRules`) may name some of them as its documented failures;
/// `docs/findings.md` has a section per id.
public enum FindingCatalog {
    /// Every finding the load graph and symbol check show, in the order the loader meets them.
    public static func findings(graph: LoadGraph, symbols: SymbolCheck, argv0: String, system: TargetSystem,
                                rules: [any ApplicationRules] = []) -> [Finding] {
        // The runtime refuses before any program runs: first, whatever the program is.
        var result: [Finding] = unknownUserFindings(graph)
        let exe = graph.executable
        if exe.elf.isStaticProgram {
            let pie = exe.elf.dynamic != nil
            result.append(Finding(
                id: .staticExecutable, rule: .staticExecutable, severity: .info,
                summary: "\(exe.path) is statically linked\(pie ? " (a static PIE)" : ""): it needs no shared libraries",
                explanation: pie ? "It has no PT_INTERP and names no library: the kernel starts it without ld.so and it relocates itself; nothing can be missing."
                                 : "It has no PT_INTERP and no PT_DYNAMIC, so the kernel starts it without ld.so; nothing can be missing."))
            return result
        }
        // execve checks the program's own permission before it looks at its interpreter.
        if graph.programNotExecutable {
            var summary = "\(exe.path) has no execute permission"
            var explanation = "execve refuses a file with no execute bit (EACCES) before any loader runs: the shell prints 'Permission denied' and exits 126, whatever its libraries. (Root needs one execute bit, of user, group or others; another user needs the one that applies to it.) Files lose the bit when they are copied by a tool that does not keep modes, unpacked from an archive made without them, or put on a volume mounted noexec (which a root directory does not show)."
            var remedy = "Give it its execute permission back (chmod +x), as its owner or root."
            if let denial = graph.programDenial {
                summary = "\(exe.path) may not be executed by \(denial.identity)"
                explanation = "execve checks permission as the user who starts the program, before any loader runs: \(denial). A user other than root gets the owner's bits when it owns the file, else the group's when the file's group is one of its groups, else the others', and needs search permission on every directory of the path; it fails with EACCES, the shell prints 'Permission denied' and exits 126, whatever the libraries."
                remedy = permissionSentence([denial])
            }
            result.append(Finding(id: .programNotExecutable, rule: .programNotExecutable, summary: summary, explanation: explanation,
                                  loaderMessage: "\(argv0): Permission denied", neededBy: [exe.path], remedy: remedy))
        }
        if graph.interpreterMissing, let interp = graph.interpreterPath, let refusal = graph.interpreterRefusal {
            result.append(Finding(
                id: .interpreterUnusable, rule: .interpreterUnusable,
                summary: refusal == .symlinkLoop ? "the program interpreter \(interp) cannot be opened: \(refusal.reason)"
                                                 : "the program interpreter \(interp) is there, but the kernel cannot run it: \(refusal.reason)",
                explanation: "The kernel reads PT_INTERP (\(interp)) before any library is looked at and starts that file as the program's loader; \(refusal.reason), so execve fails\(refusal.errnoText.map { " (\($0))" } ?? "") and no loader runs\({ if case .denied = refusal { return ": the kernel opens the interpreter as the user who starts the program, who needs its execute bit and search permission on its directories." } else { return ": a damaged or half-copied C library, or a PT_INTERP edited to name the wrong file." } }())",
                loaderMessage: refusal.errnoText.map { "\(argv0): \($0)" },
                library: interp, neededBy: [exe.path],
                remedy: { if case .denied(let denial) = refusal { return permissionSentence([denial]) }
                          return "Reinstall the C library the program was built for (Debian/Ubuntu: libc6), whose package holds \(interp)." }()))
        } else if graph.interpreterMissing, let interp = graph.interpreterPath {
            let cwd = graph.environment.workingDirectory
            let relative = !interp.startsWithSlash
            result.append(Finding(
                id: .interpreterNotFound, rule: .interpreterNotFound,
                summary: relative ? "the program interpreter \(interp), relative to the working directory, is not in \(cwd)"
                                  : "the program interpreter \(interp) is not in the root",
                explanation: relative
                    ? "The kernel reads PT_INTERP (\(interp)) before any library is looked at and opens it as any path: without a leading slash, from the directory the program is started in (\(cwd) here), which has no such file. execve fails with ENOENT, and shells print a baffling 'No such file or directory' for a file that exists; started from the directory that holds \(interp) it would run."
                    : "The kernel reads PT_INTERP (\(interp)) before any library is looked at; the root has no file there, so execve fails with ENOENT and shells print a baffling 'No such file or directory' for a file that exists.",
                loaderMessage: "\(argv0): cannot execute: required file not found",
                library: interp, neededBy: [exe.path],
                remedy: relative
                    ? "Start it from the directory that holds \(interp) (ofdoctor's --cwd DIR checks it from there), or give it an absolute interpreter with patchelf's --set-interpreter (x86-64's is /lib64/ld-linux-x86-64.so.2)."
                    : "Install the C library the program was built for (Debian/Ubuntu: libc6), or run it with that loader."))
        }
        // A program cut short that dies before the loader loads any library: nothing else is met.
        if graph.programCut?.stopsStart == true, let cut = programCutFinding(graph) {
            return result + [cut]
        }
        let programCut = programCutFinding(graph)
        // So does a program whose dynamic section the loader dies on as it first reads it.
        let unchecked = dynamicEntryFindings(graph)
        if let mapping = unchecked.programMapping { return result + [mapping] }
        // And so does a program that needs an executable stack the tunable forbids.
        if graph.programStackRefused { return result + [executableStackFinding(graph, object: graph.executable.path, library: nil)] }
        result += preloadFindings(graph)
        // The loader crashes on a filter cycle where it meets it: before any missing library
        // it would meet later.
        let cycle = filterCycleFindings(graph)
        let cycleFirst = graph.filterCycle?.missingBefore == 0
        // So does the assertion on a Bloom filter, as it maps the object.
        let bloom = mappingAssertionFindings(graph)
        let bloomFirst = graph.mappingAssertion?.missingBefore == 0
        if bloomFirst { result += bloom }
        if cycleFirst { result += cycle }
        result += missingLibraries(graph, symbols: symbols, argv0: argv0, system: system, rules: rules)
        if !bloomFirst { result += bloom }
        if !cycleFirst { result += cycle }
        // A need of a file nothing loads stops the version check where it is met: first,
        // unless a version error was printed before it.
        // So does a version record of a version it does not know; one of a definition is a
        // version error among the others.
        let records = unsupportedRecordFindings(graph, symbols: symbols, argv0: argv0)
        let recordFirst = symbols.unsupportedRecords.first?.versionErrorsBefore == 0
        let unloaded = unloadedVersionFileFindings(graph, symbols: symbols)
        let unloadedFirst = !recordFirst && symbols.unloadedVersionFiles.first?.versionErrorsBefore == 0
        if recordFirst { result += records }
        if unloadedFirst { result += unloaded }
        // The ISA check comes after the version checks and before relocation: ahead of the
        // symbol findings unless the version check stops the loader first.
        let isa = isaFindings(graph, argv0: argv0)
        let versionCheckStops = !unloaded.isEmpty || !records.isEmpty || symbols.versionProblems.contains { $0.kind == .notFound }
        if !versionCheckStops { result += isa }
        // Then, while relocating: an IFUNC of the program bound before the program is relocated
        // (in a library), and a protected definition refused (in the program, relocated last),
        // each where the loader meets it among the failed lookups.
        let ifuncs = ifuncFindings(graph, symbols: symbols, argv0: argv0, fatal: true)
        let ifuncFirst = !versionCheckStops && symbols.ifuncBindings.first { $0.isFatal }?.failuresBefore == 0
        if ifuncFirst { result += ifuncs }
        let refused = protectedFindings(graph, symbols: symbols, argv0: argv0, refused: true)
        let refusedFirst = !versionCheckStops && !ifuncFirst
            && symbols.protectedReferences.first { $0.refused }?.failuresBefore == 0
        if refusedFirst { result += refused }
        // Then what kills the loader while it relocates the libraries, where it meets it
        // among their failed start-up lookups (`RelocationDeaths`).
        let cut = cutShortFindings(graph)
        let deaths = relocationDeaths(graph, symbols: symbols, argv0: argv0, cut: cut,
                                      libraryRelocation: versionCheckStops ? [] : unchecked.libraryRelocation,
                                      versionCheckStops: versionCheckStops)
        result += deaths.beforeLookups
        result += shortfallFindings(graph, symbols: symbols, argv0: argv0, system: system, rules: rules)
        result += deaths.afterLookups
        if !ifuncFirst { result += ifuncs }
        if !refusedFirst { result += refused }
        if !recordFirst { result += records }
        if !unloadedFirst { result += unloaded }
        if versionCheckStops { result += isa }
        // (the program's own filter objects crash the loader when it relocates them: after
        // what it meets while mapping and checking versions)
        result += programFilterFindings(graph)
        // (ld.so relocates itself after every other object, binding its own calls to the copy)
        result += loaderCopyFindings(graph)
        // (it relocates the program last; its entry point runs after that)
        if let programCut, programCut.severity == .error { result.append(programCut) }
        if versionCheckStops { result += unchecked.libraryRelocation }
        result += unchecked.programRelocation + unchecked.later
        result += protectedFindings(graph, symbols: symbols, argv0: argv0, refused: false)
        result += deaths.ifuncWarnings
        result += copySizeFindings(graph, symbols: symbols, argv0: argv0)
        result += trailFindings(graph)
        result += unsafePathFindings(graph, fromOutside: system.examinedFromOutside)
        result += relativeNeededFindings(graph, fromOutside: system.examinedFromOutside)
        result += loadPathWriteFindings(graph, system: system)
        result += secureExecutionFindings(graph)
        result += auditFindings(graph, system: system)
        result += stubFindings(graph, system: system)
        result += cut.filter { finding in !deaths.cutKills.contains { $0.key == finding.key && $0.summary == finding.summary } }
        if let programCut, programCut.severity != .error { result.append(programCut) }
        result += auxiliaryFindings(graph)
        result += CompanionCheck.findings(graph, system: system, rules: rules)
        return result
    }

    // MARK: - isa-level-too-high

    /// An object built for an x86 ISA level this machine's CPU lacks (glibc 2.33+ stop the
    /// start at it: `ISALevelCheck`).
    static func isaFindings(_ graph: LoadGraph, argv0: String) -> [Finding] {
        guard let refusal = ISALevelCheck.firstRefusal(in: graph) else { return [] }
        let object = graph.objects[refusal.object]
        let level = ISALevelCheck.levelName(refusal.needed)
        let cpu = ISALevelCheck.levelName(refusal.supported)
        let what = refusal.object == 0 ? "the program \(object.path)" : object.path
        return [Finding(
            id: .isaLevelTooHigh, rule: .isaLevelTooHigh,
            summary: "\(what) is built for \(level), which this machine's CPU lacks (it has \(cpu))",
            explanation: "Its GNU property note (GNU_PROPERTY_X86_ISA_1_NEEDED) says it needs \(level); glibc \(ISALevelCheck.since) and later check every loaded object against the CPU before relocating anything and stop at the first the CPU cannot run. ldd and ld.so --list leave before that check, so they list it as if all were well. (The CPU judged is the one ofdoctor runs on; a root examined here may run elsewhere.)",
            loaderMessage: "\(refusal.object == 0 ? argv0 : object.loaderName): CPU ISA level is lower than required",
            library: object.soname ?? object.names.first ?? object.path, neededBy: object.neededBy.map { graph.objects[$0].path },
            resolvedTo: object.path,
            remedy: "Run it on a CPU that has \(level), or install a build of \(refusal.object == 0 ? "the program" : object.soname ?? object.path) made for \(cpu) or an older level (the baseline x86-64 build most distributions ship).")]
    }

    // MARK: - version-record-unsupported

    /// Version records of a version the loader does not know (`UnsupportedVersionRecord`):
    /// one finding per object and kind.
    static func unsupportedRecordFindings(_ graph: LoadGraph, symbols: SymbolCheck, argv0: String) -> [Finding] {
        symbols.unsupportedRecords.groupedInOrder { [$0.object, $0.kind == .need ? 0 : $0.kind == .definition ? 1 : 2] }.map { same in
            let record = same[0]
            let object = graph.objects[record.object]
            let name = record.object == graph.executable.index ? argv0 : object.loaderName
            if record.kind == .noVersionSymbolTable { return versionSymbolTableMissing(object, lost: object.elf.lostForVersionCheck ?? "no DT_VERSYM", graph: graph) }
            let table = record.kind == .need ? "DT_VERNEED (Verneed)" : "DT_VERDEF (Verdef)"
            var requesters: [String] = []
            for path in same.compactMap(\.requester).map({ graph.objects[$0].path }) where !requesters.contains(path) { requesters.append(path) }
            let what = record.kind == .need
                ? "The loader checks the version of the first record of each object's version needs as it reaches the object and stops there; ldd and ld.so --list stop too."
                : "The loader checks each definition record it walks past while matching a version need against \(object.path) (\(shortList(same.compactMap(\.neededVersion))) for \(shortList(requesters))), and reports each as a version error; after the whole version check it exits with status 1. ldd -r prints the same lines and goes on."
            return Finding(
                id: .versionRecordUnsupported, rule: .versionRecordUnsupported,
                summary: "\(object.path) has a \(record.kind == .need ? "version-need" : "version-definition") record of version \(record.recordVersion), which the loader does not know",
                explanation: "A \(table) record says it is version \(record.recordVersion); the only version glibc knows is 1, so the file is damaged or was edited by hand. " + what,
                loaderMessage: record.message(argv0: argv0, name: name),
                library: object.soname ?? object.names.first ?? object.path, version: record.neededVersion,
                neededBy: requesters, resolvedTo: object.path,
                remedy: "Reinstall \(object.soname ?? object.path) from its package (the file is damaged), or rebuild it.")
        }
    }

    /// A damaged file's findings' `neededBy`: the objects that need it, or the program itself.
    static func damagedFileRequesters(_ object: LoadedObject, in graph: LoadGraph) -> [String] {
        object.index == graph.executable.index ? [object.path] : object.neededBy.map { graph.objects[$0].path }
    }

    /// `UnsupportedVersionRecord.noVersionSymbolTable`: the loader crashes checking the
    /// object's versions.
    static func versionSymbolTableMissing(_ object: LoadedObject, lost: String, graph: LoadGraph) -> Finding {
        var finding = Finding(
            id: .versionRecordUnsupported, rule: .versionRecordUnsupported,
            summary: "\(object.path) has \(lost): the loader dies of SIGSEGV checking its versions",
            explanation: "The loader checks each object's version records as it reaches it, after mapping every library, and then makes a table of its versions, indexed by the object's DT_VERSYM, whose entry it takes without checking that there is one: \(object.path) has none, so it reads through a null pointer and the kernel kills it with SIGSEGV. Nothing is printed; a shell says \"Segmentation fault\" (exit status 139), and ldd and ld.so --list die the same way. A linker never writes such a file: it was damaged (a dynamic section cut short, whose last entries read as zeros) or edited by hand.",
            library: object.soname ?? object.names.first ?? object.path,
            neededBy: damagedFileRequesters(object, in: graph),
            resolvedTo: object.path,
            remedy: "Reinstall \(object.soname ?? object.path) from its package (the file is damaged), or rebuild it.")
        finding.startPrediction = .segmentationFault
        return finding
    }

    // MARK: - bloom-filter-assertion, dynamic-info-assertion

    /// The first assertion the loader fails as it maps an object (`MappingAssertion`): a
    /// dynamic section x86-64's loader refuses, or a `DT_GNU_HASH` Bloom filter whose word
    /// count is not a power of two; or an entry it reads there that a library lacks
    /// (LD010's `DT_RELA` without `DT_RELAENT`, LD035's `DT_RELR` without `DT_RELRENT`,
    /// which `cutShortFindings` and `dynamicEntryFindings` leave to this).
    static func mappingAssertionFindings(_ graph: LoadGraph) -> [Finding] {
        guard let assertion = graph.mappingAssertion else { return [] }
        let object = graph.objects[assertion.object]
        let isProgram = assertion.object == graph.executable.index
        let name = object.soname ?? object.names.first ?? object.path
        let message = assertion.loaderMessage(graph.platform.glibc, isProgram: isProgram)
        let neededBy = damagedFileRequesters(object, in: graph)
        switch assertion.kind {
        case .entryAbsent(.relrEntrySize):
            return libraryMappingFinding(graph, object: assertion.object).map { [$0] } ?? []
        case .entryAbsent(.relaEntrySize):
            guard let lost = object.elf.lostForMapping else { return [] }
            return [lostForMappingFinding(object, lost, requesters: object.neededBy.map { graph.objects[$0].path })]
        case .bloomWords:
            return [Finding(
                id: .bloomFilterAssertion, rule: .bloomFilterAssertion,
                summary: "\(object.path)'s GNU hash table has a Bloom filter of a size the loader refuses: it aborts mapping it",
                explanation: "The DT_GNU_HASH table of \(object.path) says its Bloom filter has a number of words that is not a power of two, which no linker writes: the file is damaged, or was made by hand. The loader checks it as it maps the object and aborts with an internal assertion, and so do ldd and ld.so --list; nothing after it is loaded.",
                loaderMessage: message, library: name, neededBy: neededBy, resolvedTo: object.path,
                remedy: "Reinstall \(object.soname ?? object.path) from its package, or rebuild it.")]
        case .dynamicInfo(let check):
            return [Finding(
                id: .dynamicInfoAssertion, rule: .dynamicInfoAssertion,
                summary: "\(object.path)'s dynamic section has \(check.found): the loader aborts \(isProgram ? "reading it" : "mapping it")",
                explanation: "As it first reads an object's dynamic section, x86-64's loader asserts that DT_PLTREL says DT_RELA and that DT_RELAENT is the size of a relocation entry (24); a linker always writes them so, and \(object.path) has \(check.found): the file is damaged (a value the file's end cut in two) or was edited by hand. The loader aborts with an internal assertion, and so do ldd and ld.so --list; nothing after it is loaded.",
                loaderMessage: message, library: isProgram ? nil : name, neededBy: neededBy, resolvedTo: object.path,
                remedy: "Reinstall \(object.soname ?? object.path) from its package, or rebuild it.")]
        }
    }

    // MARK: - filter-cycle

    /// Filter objects that name each other (`FilterCycle`): the loader crashes.
    static func filterCycleFindings(_ graph: LoadGraph) -> [Finding] {
        guard let cycle = graph.filterCycle else { return [] }
        let filter = graph.objects[cycle.filter].path, filtee = graph.objects[cycle.filtee].path
        return [Finding(
            id: .filterCycle, rule: .filterCycle,
            summary: "\(filter) and \(filtee) name each other as filter objects: the loader crashes on them",
            explanation: "\(filter) names \(filtee) in DT_FILTER or DT_AUXILIARY, and \(filtee), itself or through its own filter objects, names \(filter). The loader puts a filter object before the library that names it in its search list and processes it again; here each move calls for the other, without end, until its stack runs out: it dies of SIGSEGV (exit 139) without a word, and so do ldd and ld.so --list.",
            neededBy: [filter, filtee],
            remedy: "Rebuild one of the two without the filter entry that names the other (ld's -F or -f): a library cannot filter one that filters it back.")]
    }

    // MARK: - program-filter

    /// Filter objects the program itself names (`LoadGraph.programFilters`).
    static func programFilterFindings(_ graph: LoadGraph) -> [Finding] {
        guard !graph.programFilters.isEmpty else { return [] }
        let program = graph.executable.path
        let filtees = graph.programFilters.map { graph.objects[$0].path }
        return [Finding(
            id: .programFilter, rule: .programFilter,
            summary: "the program \(program) names filter objects (\(shortList(filtees))): the loader crashes on them",
            explanation: "\(program) has DT_FILTER or DT_AUXILIARY entries, which ld writes for shared libraries only: someone edited them in. glibc's loader loads such an object and puts it before the program in its lists, where ld.so --list and ldd do not look (they show nothing wrong and leave it out), and dies of SIGSEGV (exit 139) when it relocates it, without a word.",
            neededBy: [program], resolvedTo: filtees.first,
            remedy: "Turn the entries back into DT_NEEDED ones, or rebuild the program: a program cannot be a filter.")]
    }

    // MARK: - loader-loaded-twice, executable-stack-refused

    /// An object that needs an executable stack (`PT_GNU_STACK` with `PF_X`, or none) while
    /// `GLIBC_TUNABLES`' `glibc.rtld.execstack=0` forbids one (glibc 2.41 on, `RtldTunables`):
    /// the program, before anything is loaded, or `library`, fatally as it is mapped.
    static func executableStackFinding(_ graph: LoadGraph, object: String, library: String?) -> Finding {
        let why = "needs an executable stack: its PT_GNU_STACK program header has the execute flag (linked with -z execstack, or from an assembly file without a .note.GNU-stack section), or it has none, which on x86-64 means the same"
        let when = library == nil ? "before it loads any library (elf/rtld.c)" : "as it maps \(library ?? object), so before it searches the libraries after it (elf/dl-load.c, _dl_map_object_from_fd), and does not go on to another copy"
        return Finding(
            id: .executableStackRefused, rule: .executableStackRefused,
            summary: "\(object) needs an executable stack, which GLIBC_TUNABLES' glibc.rtld.execstack=0 forbids: the loader stops",
            explanation: "\(object) \(why). GLIBC_TUNABLES sets glibc.rtld.execstack=0, which glibc 2.41 and later read: the loader refuses any object that needs an executable stack, \(when). Without the tunable it would make the stack executable and start the program.",
            loaderMessage: library == nil ? MappingRefusal.programExecutableStack : nil,
            library: library, resolvedTo: object,
            remedy: "Drop glibc.rtld.execstack=0 from GLIBC_TUNABLES, or clear the flag if the code never runs code on the stack (GCC's nested-function trampolines do): rebuild \(object) with -Wl,-z,noexecstack, or run execstack -c \(object) (Debian's execstack package; newer patchelf releases have --clear-execstack, Debian 12's 0.14.3 does not).")
    }

    /// The dynamic loader loaded a second time (`LoadGraph.loaderCopy`): the loader dies.
    static func loaderCopyFindings(_ graph: LoadGraph) -> [Finding] {
        guard let loaderCopy = graph.loaderCopy else { return [] }
        let copy = graph.objects[loaderCopy.object]
        let requesters = copy.neededBy.map { graph.objects[$0].path }
        let name = copy.names.first ?? copy.path
        let interpreter = graph.interpreterPath ?? Resolver.defaultInterpreter
        let soname = graph.interpreterIndex.flatMap { graph.objects[$0].soname } ?? copy.soname ?? "ld-linux-x86-64.so.2"
        let asked = requesters.isEmpty ? "A preload names \(name)" : "\(shortList(requesters)) \(requesters.count == 1 ? "names" : "name") \(name) in DT_NEEDED"
        return [Finding(
            id: .loaderLoadedTwice, rule: .loaderLoadedTwice,
            summary: "\(copy.path) is the dynamic loader loaded a second time: the loader dies of SIGFPE",
            explanation: "\(asked), \(loaderCopy.sameFile ? "another path to the loader's own file" : "another file with the loader's soname \(soname)"). The loader is already in the process under the program's PT_INTERP path (\(interpreter)) and its soname (\(soname)), and knows itself by those names only (elf/rtld.c; elf/dl-load.c _dl_map_object matches loaded objects by name, and the loader's own entry has no file identity to compare): it maps \(copy.path) as a new library. Relocating itself last, it binds its own internal calls to that copy, which was never set up, and dies of SIGFPE (exit 136) without a word. ldd and ld.so --list list both copies and exit 0.",
            library: name, neededBy: requesters, resolvedTo: copy.path,
            remedy: requesters.isEmpty
                ? "Drop \(name) from the preload list: the loader is always loaded."
                : "Name the loader as the program does, or drop the entry (the loader is always loaded): patchelf --replace-needed \(name) \(soname) \(requesters[0]), or patchelf --remove-needed \(name) \(requesters[0]).")]
    }

    // MARK: - version-file-not-loaded

    /// Version needs of a file no loaded object is (`UnloadedVersionFile`): one finding per
    /// requester and file.
    static func unloadedVersionFileFindings(_ graph: LoadGraph, symbols: SymbolCheck) -> [Finding] {
        symbols.unloadedVersionFiles.map { need in
            let requester = graph.objects[need.requester]
            let versions = need.versions.joined(separator: ", ")
            return Finding(
                id: .versionFileNotLoaded, rule: .versionFileNotLoaded,
                summary: "\(requester.path) needs versions of \(need.file) (\(versions)), but nothing loads \(need.file)",
                explanation: "\(requester.path)'s version needs (DT_VERNEED) name \(need.file), and no loaded object is \(need.file): its DT_NEEDED entry is gone (removed, or renamed by an old patchelf) while the need stayed. glibc's version check finds no object for it and stops with an internal assertion (dl-version.c _dl_check_map_versions), before anything is relocated; ldd and ld.so --list stop with the same line and list nothing.",
                loaderMessage: UnloadedVersionFile.loaderMessage(graph.platform.glibc),
                library: need.file, neededBy: [requester.path],
                remedy: "Put \(need.file) back among \(requester.path)'s DT_NEEDED entries (patchelf's --add-needed does that), or have it loaded by preloading it (LD_PRELOAD=\(need.file)).",
                symbols: references(symbols.symbolProblems.filter { $0.requester == need.requester && $0.versionFile == need.file },
                                    in: graph),
                versions: need.versions.map { VersionReference(name: $0, requester: requester.path) })
        }
    }

    // MARK: - auxiliary-filter-absent

    /// `DT_AUXILIARY` objects the loader cannot load: it goes on without them and says
    /// nothing (elf/dl-deps.c), while ldd, tracing, lists each as "not found".
    static func auxiliaryFindings(_ graph: LoadGraph) -> [Finding] {
        graph.absentAuxiliaries.map { miss in
            let filters = miss.neededBy.map { graph.objects[$0].path }
            let filter = filters.first ?? graph.executable.path
            // (the program's own goes before the program, where ldd does not look)
            let ldd = miss.neededBy == [0] ? "ldd does not show it either" : "ldd lists it as 'not found' all the same"
            return Finding(
                id: .auxiliaryFilterAbsent, rule: .auxiliaryFilterAbsent, severity: .info,
                summary: "\(miss.name), an auxiliary filter of \(filter), cannot be loaded (\(miss.reason)): the loader goes on without it",
                explanation: "\(filter) names \(miss.name) in DT_AUXILIARY: an object that, when present, the loader loads with it and searches first for its symbols. When it cannot be loaded the loader ignores it silently and uses \(filter)'s own definitions; \(ldd). Nothing fails.",
                library: miss.name, neededBy: filters,
                searched: miss.name.containsSlash ? [] : SearchedDirectories.of(miss.trail))
        }
    }

    // MARK: - preload-ignored

    /// Preloaded objects (`LD_PRELOAD`, /etc/ld.so.preload) the loader cannot load: it prints
    /// an error line, ignores them and starts the program anyway (elf/rtld.c `do_preload`),
    /// so this is a warning.
    static func preloadFindings(_ graph: LoadGraph) -> [Finding] {
        graph.failedPreloads.map { miss in
            // The caught error's text without the errno part the fatal message would append.
            let reason = miss.reason.hasPrefix(openFailure) ? openFailure
                : miss.executableStackRefused ? MappingRefusal.executableStack : miss.reason
            let object = miss.fatalPath ?? miss.name
            let searched = miss.name.containsSlash ? " A name with a slash is opened as that path only." : ""
            let list = (miss.preloadList ?? .environment).label
            let every = miss.preloadList == .file ? ", for every program of the root," : ""
            // In secure mode a name without a slash is searched without the cache, and only a
            // set-user-ID file is taken (dl-load.c `open_path`).
            var secureNote = "", secureRemedy = ""
            if let secure = graph.secureExecution, !miss.name.containsSlash {
                let passed = miss.trail.filter { $0.outcome == .notSetUserID }.map(\.path)
                secureNote = " \(graph.executable.path) runs in secure-execution mode (it is \(secure.summary)): the loader looks for a preloaded name without ld.so.cache and takes only a set-user-ID file"
                    + (passed.isEmpty ? "." : "; \(passed.joined(separator: ", ")) \(passed.count == 1 ? "is" : "are") not.")
                secureRemedy = " (in secure-execution mode, a set-user-ID library in a directory the loader searches)"
            }
            return Finding(
                id: .preloadIgnored, rule: .preloadIgnored, severity: .warning,
                summary: "\(list) names \(miss.name), which cannot be loaded (\(reason)): the loader ignores it",
                explanation: "The loader loads the objects \(list) names\(every) before the program's own libraries; one it cannot load is reported on stderr and skipped, and the program starts without it (whatever it was meant to change — an allocator, a hook, a shim — is not there).\(searched)\(secureNote)",
                loaderMessage: "ERROR: ld.so: object '\(miss.name)' from \(list) cannot be preloaded (\(reason)): ignored.",
                library: miss.name, resolvedTo: miss.fatalPath.map { _ in object },
                remedy: "Remove \(miss.name) from \(list), or put the object it names in place\(secureRemedy).",
                searched: miss.name.containsSlash ? [] : SearchedDirectories.of(miss.trail))
        }
    }

    /// What a person does about permission checks the program's user fails (the program, the
    /// interpreter, copies of a library), as a blocker's remedy: no capital, no full stop.
    public static func permissionRemedy(_ denied: [AccessDenial]) -> String {
        denied.map { denial in
            let how = denial.access == .read && !denial.isDirectory ? "r" : "x"
            let what = denial.isDirectory ? "search \(denial.path)" : denial.access == .read ? "read \(denial.path)" : "execute \(denial.path)"
            return "let \(denial.identity) \(what) (chmod o+\(how), or g+\(how) for a group it is in)"
        }.joined(separator: " and ") + ", or start the program as a user who may"
    }

    /// `permissionRemedy` as a finding's sentence.
    static func permissionSentence(_ denied: [AccessDenial]) -> String {
        let remedy = permissionRemedy(denied)
        return remedy.prefix(1).uppercased() + remedy.dropFirst() + "."
    }

    /// How a remedy for a damaged file begins; `Doctor` names the package when dpkg lists the file.
    static func reinstall(_ path: String) -> String {
        "Reinstall the package that provides \(path), or copy it again whole"
    }

    /// The loader's text for a file it could not open (errno's text follows in fatal messages).
    static let openFailure = "cannot open shared object file"

    // MARK: - library-not-found

    /// `library-not-found`, `stale-cache` and `bad-candidate` findings: the names the loader cannot open.
    /// Each one the loader goes past in trace mode carries the lookups that wait for it
    /// (`waitingReferences`); a bad candidate stops `ldd -r` too, before any lookup.
    static func missingLibraries(_ graph: LoadGraph, symbols: SymbolCheck? = nil, argv0: String, system: TargetSystem? = nil,
                                 rules: [any ApplicationRules] = []) -> [Finding] {
        var result: [Finding] = []
        let configured = system.map { configuredDirectories(graph, system: $0) } ?? []
        let waiting = symbols.map { waitingReferences(graph, symbols: $0) } ?? [:]
        // The interpreter's own name, which libc needs: the kernel stops before any loader runs
        // (LD001), and once the interpreter is in place the loader has it loaded under that name.
        let interpreterName = graph.interpreterMissing ? graph.interpreterPath.map { RootPath($0).lastComponent } : nil
        for miss in graph.missing where interpreterName.map({ !miss.name.hasSameBytes(as: $0) }) ?? true {
            let waits = waiting[TextKey(miss.name)] ?? []
            // In a directory ld.so.conf names, but not in the cache: ldconfig has not run since.
            // (One the cache lists is no stale entry: the loader took another entry first, a
            // file cut short in a directory before it, say, and stopped there.)
            if let system, let directory = configured.first(where: { cacheable(miss.name, in: $0, system: system, for: graph) }),
               skippedLegacyEntry(miss.name, in: directory, system: system) != nil || !cacheLists(miss.name, in: directory, system: system) {
                let requesters = miss.neededBy.map { graph.objects[$0].path }
                if let bits = skippedLegacyEntry(miss.name, in: directory, system: system) {
                    result.append(Finding(
                        id: .staleCache, rule: .staleCache,
                        summary: "\(miss.name) is in \(directory), but glibc \(system.platform.glibc)'s loader skips its ld.so.cache entry",
                        explanation: "\(directory) is listed in ld.so.conf, so the loader finds its libraries only through /etc/ld.so.cache (it is not a default directory). "
                            + "The cache's entry for \(miss.name) is marked with the legacy hwcap \(bits.joined(separator: ", ")), as an ldconfig of glibc 2.36 or older marks every library in a directory of that name (an `ldconfig -r` run from an older host, say); "
                            + "glibc 2.37 and later skip every entry so marked.",
                        loaderMessage: "\(argv0): error while loading shared libraries: \(miss.name): \(miss.reason)",
                        library: miss.name, neededBy: requesters, resolvedTo: directory + "/" + miss.name,
                        remedy: "Run the root's own ldconfig: ldconfig inside it, or chroot ROOT /sbin/ldconfig for an unpacked image (an older host's ldconfig -r ROOT writes the same entry again); or list the library's directory in LD_LIBRARY_PATH.",
                        symbols: waits, searched: SearchedDirectories.of(miss.trail)))
                    continue
                }
                result.append(Finding(
                    id: .staleCache, rule: .staleCache,
                    summary: system.cache == nil ? "\(miss.name) is in \(directory), and the root has no usable ld.so.cache"
                             : graph.cacheDenial.map { "\(miss.name) is in \(directory), and \($0.identity) may not read ld.so.cache" }
                             ?? "\(miss.name) is in \(directory) but not in ld.so.cache",
                    explanation: "\(directory) is \(directory.containsBytes("/glibc-hwcaps/") ? "a glibc-hwcaps subdirectory of a directory ld.so.conf lists" : "listed in ld.so.conf"), so the loader finds its libraries only through /etc/ld.so.cache (it is not a default directory); "
                        + (system.cache == nil ? "the root has no cache it can read (\(system.cacheProblem ?? "ldconfig has not run")), so the loader never looks there."
                           : graph.cacheDenial.map { "the program's user may not read the cache (\($0)), so the loader goes on without it; ldconfig writes it readable by everyone." }
                           ?? "the cache was written before \(miss.name) was put there."),
                    loaderMessage: "\(argv0): error while loading shared libraries: \(miss.name): \(miss.reason)",
                    library: miss.name, neededBy: requesters, resolvedTo: directory + "/" + miss.name,
                    remedy: "Run ldconfig (ldconfig -r ROOT for an unpacked image).", symbols: waits,
                    searched: SearchedDirectories.of(miss.trail)))
                continue
            }
            let requesters = miss.neededBy.map { graph.objects[$0].path }
            if let fatal = miss.fatalPath, let cut = miss.pastEndOfFile {
                result.append(cutShort(fatal, cut, miss: miss, requesters: requesters))
                continue
            }
            if let fatal = miss.fatalPath, miss.executableStackRefused {
                var finding = executableStackFinding(graph, object: fatal, library: miss.name)
                finding.loaderMessage = "\(argv0): error while loading shared libraries: \(miss.name): \(miss.reason)"
                finding.neededBy = requesters
                result.append(finding)
                continue
            }
            if let fatal = miss.fatalPath {
                result.append(Finding(
                    id: .badCandidate, rule: .badCandidate,
                    summary: "\(fatal) stops the loader: \(miss.reason)",
                    explanation: "Looking for \(miss.name), ld.so opened \(fatal) and refuses it fatally (\(miss.reason)); it does not go on to later directories, even if a good copy is there (elf/dl-load.c \(miss.loaderName == fatal ? "open_verify" : "_dl_map_object_from_fd")).",
                    loaderMessage: "\(argv0): error while loading shared libraries: \(miss.loaderName): \(miss.reason)",
                    library: miss.name, neededBy: requesters, resolvedTo: fatal,
                    remedy: "Remove or rename \(fatal): it is not a usable shared library."))
                continue
            }
            var finding = Finding(
                id: .libraryNotFound, rule: .libraryNotFound,
                summary: "\(miss.name) not found (\(miss.isFilter ? "the filter object of" : "needed by") \(shortList(requesters)))",
                explanation: "\(miss.name), \(miss.isFilter ? "which \(shortList(requesters)) names as its filter object (DT_FILTER: one the loader must load with it, or stop)" : "needed by \(shortList(requesters))"), is in none of the directories the loader searched and not in ld.so.cache.",
                loaderMessage: "\(argv0): error while loading shared libraries: \(miss.name): \(miss.reason)",
                library: miss.name, neededBy: requesters, symbols: waits, searched: SearchedDirectories.of(miss.trail))
            // A link loop met in a search list ends that list (open_path: ELOOP is no ENOENT):
            // the directories after it were not looked in.
            if let loop = miss.trail.first(where: { $0.outcome == .symlinkLoop }) {
                finding.explanation += " At \(loop.path), a symbolic link loop (ELOOP), the loader gave up the rest of that search list (\(loop.source.label)) and went on to the next: a copy in a later directory of it is never reached. Removing or mending that link lets the search go on."
            }
            // A name with a slash is no search: the loader opens that path (a relative one from
            // the working directory) and nothing else (elf/dl-load.c _dl_map_object).
            if miss.name.containsSlash {
                let cwd = graph.environment.workingDirectory
                let path = ProgramLocation.path(miss.name, in: graph.environment).string
                let relative = !miss.name.startsWithSlash
                finding.explanation = "\(miss.name), needed by \(shortList(requesters)), holds a slash, so the loader searches for no file of that name: it opens "
                    + (relative ? "the path relative to the directory the program is started in (\(cwd) here), \(path)" : "that path")
                    + ", which is not there; no search path, ld.so.cache or default directory is looked at."
                finding.searched = [SearchedDirectories(via: "direct path", directories: [Resolver.directoryName(path)])]
                let base = RootPath(miss.name).lastComponent
                let rename = requesters.count == 1
                    ? patchelfCommand(["--replace-needed", miss.name, base], on: requesters[0], fromOutside: system?.examinedFromOutside ?? false)
                    : "patchelf --replace-needed on each"
                finding.remedy = (relative ? "Start it from the directory \(miss.name) is relative to (ofdoctor's --cwd DIR checks it from there), or n" : "Put the file at \(miss.name), or n")
                    + "ame the library by its file name, which the loader searches for (\(rename)), and put \(base) where the loader looks."
            }
            // Files of the name it met and skipped: "in none of the directories" would deny them.
            var skipped: [String] = []
            for attempt in miss.trail {
                let file: String
                switch attempt.outcome {
                case .wrongClass(let elfClass, _): file = "\(attempt.path) (\(elfClass))"
                case .wrongMachine(let machine, _): file = "\(attempt.path) (\(ELFMachine(machine)))"
                default: continue
                }
                if !skipped.contains(file) { skipped.append(file) }
            }
            if !skipped.isEmpty {
                finding.explanation = "\(miss.name), needed by \(shortList(requesters)), has no usable copy in the directories the loader searched: it skipped "
                    + skipped.joined(separator: ", ") + ", which this program cannot load, and ld.so.cache lists none it can (LD007 says why)."
            }
            if let system, let note = ignoredLibraryPathNote(miss.name, graph: graph, system: system) { finding.explanation += " " + note }
            if let system, let note = runpathNotInheritedNote(miss, graph: graph, system: system) { finding.explanation += " " + note }
            if let denial = graph.cacheDenial, let system, system.cache.map({ CacheLookup(cache: $0, platform: system.platform).lookup(miss.name) != nil }) == true {
                finding.explanation += " /etc/ld.so.cache lists it, but the program's user may not read the cache (\(denial)), so the loader goes on without it."
                finding.remedy = "Let \(denial.identity) read /etc/ld.so.cache (ldconfig writes it 0644: run ldconfig again, or chmod 644 it), or start the program as a user who may."
            }
            let denied = miss.deniedAttempts
            if !denied.isEmpty {
                // Not "in none of the directories": it is there, for another user.
                finding.explanation = "\(miss.name), needed by \(shortList(requesters)), is where the loader looks, but the program's user may not open it: "
                    + denied.map(\.description).joined(separator: "; ")
                    + ". The loader passes over a file it may not open (EACCES) as if it were absent, and found no other copy."
                finding.remedy = permissionSentence(denied)
            }
            if let documented = rules.documentedFailure(finding, provider: nil, graph: graph, system: system) {
                finding.id = documented.id
                if let note = documented.note { finding.explanation += " " + note }
            } else if DriverLibrary.isNVIDIA(miss.name) {
                finding.explanation += " " + DriverLibrary.note(miss.name)
                finding.remedy = DriverLibrary.remedy(miss.name)
            }
            result.append(finding)
        }
        return rules.reduce(result) { $1.merge(missing: $0, graph: graph, system: system) }
    }

    /// A candidate cut short (`PastEndOfFile`): LD010, as any file that stops the loader, but
    /// the loader says nothing; it dies of SIGBUS (or, with a dynamic section cut, SIGSEGV).
    static func cutShort(_ path: String, _ cut: PastEndOfFile, miss: MissingLibrary, requesters: [String]) -> Finding {
        cutShortFinding(name: miss.name, path: path, cut, requesters: requesters, throughCache: miss.trail.last?.source == .cache)
    }

    /// - Parameter throughCache: the loader found the file through ld.so.cache, which names
    ///   it until ldconfig runs again (a cache entry whose file is gone sends the loader to
    ///   the default directories, not to the next entry).
    static func cutShortFinding(name: String, path: String, _ cut: PastEndOfFile, requesters: [String],
                                throughCache: Bool = false) -> Finding {
        let stage = cut.stage == .relocation
            ? "when it relocates it, after mapping the program's other libraries and checking their versions"
            : "as it maps it, \(cut.stage.activity)"
        var finding = Finding(
            id: .badCandidate, rule: .badCandidate,
            summary: "\(path) is cut short: the loader dies of \(cut.signal) \(cut.stage == .relocation ? "relocating" : "loading") it",
            explanation: "Looking for \(name), ld.so opened \(path): \(cut.fileSize) bytes, but its segments run to byte \(cut.segmentsEnd) (a copy, download or image layer cut short). "
                + (cut.stage == .dynamicSectionCut
                    ? "The loader maps the segments all the same (mmap past a file's end succeeds); the part of the last page past the end reads as zeros, so it reads a dynamic section cut at file offset \(cut.offset), without the entries after it, and crashes. "
                    : "The loader maps the segments all the same (mmap past a file's end succeeds), and the kernel kills it with SIGBUS at the first page it touches that holds no byte of the file: here \(stage) (file offset \(cut.offset)). ")
                + "Nothing is printed by the loader; a shell says \(cut.shellText), and docker run exits with that status too. "
                + "A copy later on the search path is never reached.",
            library: name, neededBy: requesters, resolvedTo: path,
            remedy: reinstall(path) + " (\(cut.segmentsEnd) bytes or more); or remove it"
                + (throughCache ? " and run ldconfig (ldconfig -r ROOT for an unpacked image), so that ld.so.cache names another copy." : ", so the loader finds another copy."))
        finding.reinstallPath = path
        finding.startPrediction = .killedBy(cut.signals)
        return finding
    }

    /// LD010 for a library's dynamic section without what the loader dereferences (`lost`):
    /// the summary ends "dies of SIGSEGV" and `stage`; the explanation says `how`, the signal,
    /// then `printed` (what the user sees, and why no linker wrote it).
    private static func lostTableFinding(_ object: LoadedObject, _ lost: String, requesters: [String], stage: String, how: String,
                                         printed: String) -> Finding {
        var finding = Finding(
            id: .badCandidate, rule: .badCandidate,
            summary: "\(object.path) has \(lost): the loader dies of SIGSEGV \(stage)",
            explanation: "Looking for \(object.names.first ?? object.path), ld.so mapped \(object.path), whose dynamic section has \(lost). "
                + how + ", and the kernel kills it with SIGSEGV" + printed,
            library: object.names.first, neededBy: requesters, resolvedTo: object.path,
            remedy: reinstall(object.path) + "; or remove it, so the loader finds another copy.")
        finding.reinstallPath = object.path
        finding.startPrediction = .segmentationFault
        return finding
    }

    /// LD010 for a library whose dynamic section the loader dies on as it first reads it
    /// (`ELFFile.lostForMapping`).
    static func lostForMappingFinding(_ object: LoadedObject, _ lost: String, requesters: [String]) -> Finding {
        lostTableFinding(
            object, lost, requesters: requesters, stage: "loading it",
            how: "As it reads the dynamic section the loader checks the relocation entries' size, reading the entry without checking that there is one",
            printed: " before it loads the libraries after this one. Nothing is printed by the loader; a shell says \"Segmentation fault\" (exit status 139), and ldd and ld.so --list die the same way. A linker never writes such a file: it was damaged or edited by hand.")
    }

    /// Loaded libraries cut short (`PastEndOfFile`) that the loader maps: one only relocation
    /// touches kills it then (LD010); one the loader does not touch at all is LD032, its
    /// segments running past the file's end where the pages it reads are whole. The program
    /// and the loader itself are mapped by the kernel, and left out.
    static func cutShortFindings(_ graph: LoadGraph) -> [Finding] {
        var result: [Finding] = []
        for (index, object) in graph.objects.enumerated() where index != 0 && index != graph.interpreterIndex {
            // (made only for a finding: most objects have none)
            lazy var requesters = object.neededBy.map { graph.objects[$0].path }
            // (the loader reads each object's dynamic section as it maps it; the first object it
            // dies on there is `mappingAssertionFindings`')
            if let lost = object.elf.lostForMapping {
                if graph.mappingAssertion?.object != index { result.append(lostForMappingFinding(object, lost, requesters: requesters)) }
                continue
            }
            // (the loader relocates every object after mapping them all and checking versions)
            if let lost = object.elf.lostForRelocation {
                result.append(lostTableFinding(
                    object, lost, requesters: requesters, stage: "relocating it",
                    how: "When it relocates the object, after mapping the program's other libraries and checking their versions, the loader "
                        + (lost.hasPrefix("no DT_") ? "reads that table through a null pointer" : "calls constructors no relocation has fixed"),
                    printed: ". Nothing is printed by the loader; a shell says \"Segmentation fault\" (exit status 139). A linker never writes such a file: it was damaged or made by hand"
                        + (PastEndOfFile.cutsDynamicSection(object.elf) ? " (here the file's end cuts its dynamic section, and the entries lost read as zeros)." : ".")))
                continue
            }
            /// LD032 for this object: `summary` after its path, `what` after the sizes.
            func libraryCutShort(size: UInt64, end: UInt64, summary: String, what: String) -> Finding {
                var finding = Finding(
                    id: .libraryCutShort, rule: .libraryCutShort, severity: .warning,
                    summary: "\(object.path) is cut short: \(summary)",
                    explanation: "\(object.path) is \(size) bytes, but its segments run to byte \(end) (a copy, download or image layer cut short). " + what,
                    library: object.names.first, neededBy: requesters, resolvedTo: object.path,
                    remedy: reinstall(object.path) + " (\(end) bytes or more).")
                finding.reinstallPath = object.path
                return finding
            }
            if let (size, end) = PastEndOfFile.cutInLastPage(object.elf) {
                result.append(libraryCutShort(
                    size: size, end: end, summary: "the loader reads zeros where the file ends",
                    what: "The missing bytes lie in the file's last page, which the loader maps whole, so it reads them as zeros: no signal, "
                        + "but whatever they held (here from byte \(size) on: its dynamic section's last entries, tables, data) is gone, "
                        + "and the loader goes on with what is left. Failures reported with it here can come from that."))
                continue
            }
            guard let (size, end) = PastEndOfFile.cutShort(object.elf) else { continue }
            if let cut = PastEndOfFile.of(object.elf) {
                result.append(cutShortFinding(name: object.names.first ?? object.path, path: object.path, cut, requesters: requesters))
                continue
            }
            result.append(libraryCutShort(
                size: size, end: end, summary: "the program dies of SIGBUS if it touches the missing part",
                what: (PastEndOfFile.cutsDynamicSection(object.elf)
                       ? "The file ends inside its dynamic section: the loader reads zeros for the entries after byte \(size) (the rest of that page) and goes on with what is left, and failures reported with it here can come from that; it does not touch the pages past the file's last one, "
                       : "The loader maps it without touching the missing part, so it, ldd and ld.so --list find nothing wrong; ")
                    + "the first access to that part (by the library's initialisers as the program starts, or by its code or data later) kills the process with SIGBUS: a shell says \"Bus error\", exit status 135. "
                    + "A program that never uses that part runs."))
        }
        return result
    }

    /// The failed lookups that wait for each library the loader could not open, by name, as
    /// `ldd -r` lists them (`WaitedLibrary`; `Shortfall.group` leaves exactly these out).
    static func waitingReferences(_ graph: LoadGraph, symbols: SymbolCheck) -> [TextKey: [SymbolReference]] {
        guard !graph.missing.isEmpty else { return [:] }
        var waited = WaitedLibrary(graph)
        var result: [TextKey: [SymbolReference]] = [:]
        for problem in symbols.symbolProblems where !problem.assertion {
            guard let name = waited.of(problem) else { continue }
            result[name, default: []] += references([problem], in: graph)
        }
        return result
    }

    /// The directories ldconfig scans that are not default directories: only the cache
    /// makes the loader look in them.
    static func configuredDirectories(_ graph: LoadGraph, system: TargetSystem) -> [String] {
        guard !graph.missing.isEmpty else { return [] }
        let defaults = Set(system.platform.defaultDirectories)
        return LdSoConf(root: system.root, glibc: system.platform.glibc).directories.map(\.path).filter { !defaults.contains($0) }
    }

    /// True when a fresh ldconfig would put `directory/name` in the cache under `name` and the
    /// loader would then take it: an ELF object of the program's class and machine whose
    /// DT_SONAME is `name` (ldconfig caches sonames; a file without one under its own name).
    /// Another machine's or class's copy, or another soname's, is no stale cache: running
    /// ldconfig would not make the loader find it.
    static func cacheable(_ name: String, in directory: String, system: TargetSystem, for graph: LoadGraph) -> Bool {
        let path = RootPath(directory + "/" + name)
        guard hasFile(name, in: directory, system: system), let bytes = try? system.root.contents(of: path) else { return false }
        let expected = graph.objects.first.map { CandidateVerdict.Expectation(header: $0.elf.header) } ?? .x86_64
        guard CandidateVerdict.judge(bytes.buffer, expecting: expected) == .accept,
              let elf = try? ELFFile(bytes: bytes, path: path.description) else { return false }
        return (elf.dynamic?.soname ?? name).hasSameBytes(as: name)
    }

    /// The legacy hwcap names of the cache's entry for `directory/name` when the root's loader
    /// (glibc 2.37 and later) skips it for them; nil when there is no such entry.
    static func skippedLegacyEntry(_ name: String, in directory: String, system: TargetSystem) -> [String]? {
        guard !LoaderPlatform.hasLegacyHWCaps(system.platform.glibc), let cache = system.cache else { return nil }
        let path = directory + "/" + name
        // (names compared as the loader does, byte for byte)
        guard let entry = cache.entries(forKey: name).first(where: {
            SeededByteHash.sameBytes($0.value, path) && $0.hwcap != 0 && !$0.isGlibcHWCapsEntry
        })
        else { return nil }
        return LdSoCacheLegacyHWCap.names(of: entry.hwcap)
    }

    /// True when the root's ld.so.cache has an entry for `name` naming `directory/name`.
    static func cacheLists(_ name: String, in directory: String, system: TargetSystem) -> Bool {
        let path = directory + "/" + name
        return system.cache?.entries(forKey: name).contains { SeededByteHash.sameBytes($0.value, path) } == true
    }

    /// True when the root has a file (or a link to one) named `name` in `directory`.
    public static func hasFile(_ name: String, in directory: String, system: TargetSystem) -> Bool {
        ((try? system.root.resolve(RootPath(directory + "/" + name))) ?? nil)?.entry.kind == .file
    }

    /// A library in a directory another object's DT_RUNPATH names, missed because the loader
    /// searches an object's DT_RUNPATH for that object's own needs alone (DT_RPATH serves the
    /// libraries it loads too): a program whose RUNPATH is `$ORIGIN/lib`, and a library there
    /// that needs its neighbour and has no run path of its own.
    static func runpathNotInheritedNote(_ miss: MissingLibrary, graph: LoadGraph, system: TargetSystem) -> String? {
        let requesters = miss.neededBy.map { graph.objects[$0].path }
        for (directory, source) in graph.searchedDirectories {
            let owner: String, isRunpath: Bool
            switch source {
            case .runpath(let path): (owner, isRunpath) = (path, true)
            case .rpath(let path): (owner, isRunpath) = (path, false)
            default: continue
            }
            guard !requesters.contains(owner),
                  !miss.trail.contains(where: { $0.directoryName.hasSameBytes(as: directory) }),
                  hasFile(miss.name, in: directory, system: system) else { continue }
            let names = requesters.map(fileName)
            var note: String
            if isRunpath {
                note = "It is in \(directory), which the DT_RUNPATH of \(owner) names: the loader searches an object's DT_RUNPATH for that object's own needs only, "
                    + "not for the libraries it loads (DT_RPATH would serve them too), and \(shortList(names)) \(names.count == 1 ? "has" : "have") no run path that names it."
            } else {
                // A DT_RPATH is inherited, except by an object with a DT_RUNPATH of its own:
                // the loader then skips every DT_RPATH (elf/dl-load.c _dl_map_object).
                let withRunpath = miss.neededBy.filter { graph.objects[$0].elf.dynamic?.runpath != nil }.map { fileName(graph.objects[$0].path) }
                guard !withRunpath.isEmpty else { continue }
                note = "It is in \(directory), which the DT_RPATH of \(owner) names: the libraries an object loads inherit its DT_RPATH, but the loader skips every DT_RPATH "
                    + "for an object that has a DT_RUNPATH of its own, as \(shortList(withRunpath)) \(withRunpath.count == 1 ? "has" : "have"), and that one does not name it."
            }
            if let only = miss.neededBy.first, miss.neededBy.count == 1 {
                let object = graph.objects[only]
                let own = Resolver.directoryName(object.path).hasSameBytes(as: directory) ? "$ORIGIN" : directory
                // (its own list kept, the directory added after it)
                let current = object.elf.dynamic?.runpath ?? object.elf.dynamic?.rpath
                let list = current.map { $0 + ":" + own } ?? own
                note += " " + runPathCommand(list, for: object.path, rpath: object.elf.dynamic?.runpath == nil && current != nil,
                                             replacing: current != nil, fromOutside: system.examinedFromOutside)
                    + (current == nil ? " gives it one." : " adds the directory to its own.")
            }
            return note
        }
        return nil
    }

    /// For a program in secure-execution mode: the directory of the ignored `LD_LIBRARY_PATH`
    /// that holds `name`, said plainly (the user set it, and `ldd` shows it used).
    static func ignoredLibraryPathNote(_ name: String, graph: LoadGraph, system: TargetSystem) -> String? {
        guard graph.secureExecution != nil else { return nil }
        let directories = SearchPath.libraryPathDirectories(of: graph.environment, platform: graph.platform)
        guard let holder = directories.first(where: { hasFile(name, in: $0, system: system) }) else { return nil }
        return "LD_LIBRARY_PATH lists \(holder), which has it, but the loader ignores LD_LIBRARY_PATH for this program: it runs in secure-execution mode (LD029)."
    }

    /// `items` joined with ", ", the first `limit` of them and then how many more: prose that
    /// stays readable where a list may hold thousands (a configuration of 20,000 directories),
    /// while the finding's data (`searched`, `exposedObjects`) holds them all.
    static func cappedList(_ items: [String], limit: Int = 8) -> String {
        guard items.count > limit else { return items.joined(separator: ", ") }
        return items.prefix(limit).joined(separator: ", ") + " and \(items.count - limit) more"
    }

    /// Up to two items, else the first and how many more: for one-line summaries.
    public static func shortList(_ items: [String]) -> String {
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        case 2: return items[0] + " and " + items[1]
        default: return "\(items[0]) and \(items.count - 1) more"
        }
    }

    /// The last path component: names in prose, where the full paths are in `neededBy`.
    public static func fileName(_ path: String) -> String {
        // Split on the UTF-8 bytes, as the file system does: a `/` is one byte and never
        // part of a longer sequence (a Character-wise split would keep a `/` followed by a
        // combining mark, and cost some 18,000 instructions a name).
        let slash = UInt8(ascii: "/")
        var text = path
        return text.withUTF8 { bytes in
            var end = bytes.count
            while end > 0, bytes[end - 1] == slash { end -= 1 }
            guard end > 0 else { return path }
            var start = end
            while start > 0, bytes[start - 1] != slash { start -= 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }

    // MARK: - what the trails show

    static func trailFindings(_ graph: LoadGraph) -> [Finding] {
        var result: [Finding] = []
        var seen = Set<TextKey>()   // by bytes: canonically equivalent paths are two files
        let trails = graph.objects.map { ($0.names.first ?? $0.path, $0.trail) } + graph.missing.map { ($0.name, $0.trail) }
        for (name, trail) in trails {
            for attempt in trail {
                switch attempt.outcome {
                case .absent, .taken: continue
                default: break
                }
                guard !seen.contains(TextKey(attempt.path)) else { continue }
                switch attempt.outcome {
                case .danglingLink(let target, let link):
                    seen.insert(TextKey(attempt.path))
                    // One link met under two names (a merged /usr's /lib and /usr/lib) is one finding.
                    guard seen.insert(TextKey("\u{0}" + link)).inserted else { continue }
                    result.append(Finding(
                        id: .danglingSymlink, rule: .danglingSymlink, severity: .warning,
                        summary: "\(attempt.path) is a dangling symlink (to \(target))",
                        explanation: "Looking for \(name), the loader opened \(attempt.path) (\(attempt.source.label)); the link's target \(target) does not exist, so it was passed over. A package was removed or upgraded without its links.",
                        library: name, resolvedTo: attempt.path,
                        remedy: "Remove the link, or reinstall the package that owns \(target)."))
                case .wrongClass(let cls, let file):
                    seen.insert(TextKey(attempt.path))
                    guard seen.insert(TextKey("\u{0}" + file)).inserted else { continue }
                    result.append(Finding(
                        id: .wrongClassSkipped, rule: .wrongClassSkipped, severity: .warning,
                        summary: "\(attempt.path) is \(cls), skipped",
                        explanation: "The loader found a file named \(name) in \(Resolver.directoryName(attempt.path)) (\(attempt.source.label)) but of the wrong ELF class; it skips it and goes on. If nothing else is found the error reads 'wrong ELF class: \(cls)'.",
                        library: name, resolvedTo: attempt.path,
                        remedy: "Keep 32-bit libraries out of 64-bit search paths."))
                case .wrongMachine(let machine, let file):
                    seen.insert(TextKey(attempt.path))
                    guard seen.insert(TextKey("\u{0}" + file)).inserted else { continue }
                    result.append(Finding(
                        id: .wrongClassSkipped, rule: .wrongClassSkipped, severity: .warning,
                        summary: "\(attempt.path) is for another machine (\(ELFMachine(machine))), skipped",
                        explanation: "The loader expects \(ELFMachine(graph.executable.elf.header.machine)) like the program; it silently skips a library built for \(ELFMachine(machine)) and goes on searching.",
                        library: name, resolvedTo: attempt.path))
                case .staleCacheEntry:
                    seen.insert(TextKey(attempt.path))
                    result.append(Finding(
                        id: .staleCache, rule: .staleCache, severity: .warning,
                        summary: "ld.so.cache names \(attempt.path), which is gone",
                        explanation: "The cache was written before \(attempt.path) was removed; the loader falls back to the default directories. Run ldconfig.",
                        library: name, resolvedTo: attempt.path, fixable: true))
                default:
                    break
                }
            }
        }
        return result
    }

    /// `stub-library-loaded`: a library the loader takes from a `stubs` directory — the CUDA
    /// toolkit's link-time stand-ins, which load and then fail every call — by a search path
    /// that lists the directory, or through a link to a stub elsewhere.
    static func stubFindings(_ graph: LoadGraph, system: TargetSystem? = nil) -> [Finding] {
        let stubs = graph.objects.dropFirst().filter { DriverLibrary.isLinkTimeStub($0.path) || DriverLibrary.isLinkTimeStub($0.realPath) }
        guard !stubs.isEmpty else { return [] }
        // Which file and line of ld.so.conf list a directory (the first that does).
        let configured = system.map { LdSoConf(root: $0.root, glibc: $0.platform.glibc).directories } ?? []
        return stubs.map { object in
            let name = object.names.first ?? fileName(object.path)
            let directory = Resolver.directoryName(object.path)
            let driver = DriverLibrary.isNVIDIA(name)
            let throughLink = !DriverLibrary.isLinkTimeStub(object.path)
            // Why the loader took it, and what a person changes so that it does not.
            let via: String, takeOff: String
            switch object.foundVia {
            case _ where throughLink:
                via = "\(object.path) is a link to \(object.realPath)"
                takeOff = "Remove the link that leads \(object.path) to \(object.realPath) (then run ldconfig); "
            case .search(.libraryPath, _):
                via = "LD_LIBRARY_PATH lists \(directory)"
                takeOff = "Take \(directory) off LD_LIBRARY_PATH; "
            case .search(.cache, _):
                let origin = configured.first { $0.path.hasSameBytes(as: directory) }?.origin
                let listing = origin.map { "\($0.file) line \($0.line)" } ?? "ld.so.conf"
                via = "ld.so.cache has it (\(listing) lists \(directory))"
                takeOff = "Remove \(directory) from \(origin.map { "\($0.file) (line \($0.line))" } ?? "the ld.so.conf file that lists it"), then run ldconfig; "
            case .search(.rpath(let owner), _):
                via = "the RPATH of \(owner) lists \(directory)"
                takeOff = "Take \(directory) out of the RPATH of \(owner) (relink it, or patchelf --set-rpath); "
            case .search(.runpath(let owner), _):
                via = "the RUNPATH of \(owner) lists \(directory)"
                takeOff = "Take \(directory) out of the RUNPATH of \(owner) (relink it, or patchelf --set-rpath); "
            default:
                via = "it is named as \(object.path)"
                takeOff = "Take \(directory) off the search path; "
            }
            let real = driver ? "the real \(name) comes from the NVIDIA Container Toolkit when the container is started with the GPU (docker run --gpus all), or from the NVIDIA driver on a machine."
                              : "install the real \(name)."
            return Finding(
                id: .stubLibraryLoaded, rule: .stubLibraryLoaded, severity: .warning,
                summary: "\(name) is loaded from a link-time stub, \(object.path)"
                    + (Resolver.directoryName(object.realPath) == directory ? "" : " (a link to \(object.realPath))"),
                explanation: "A library in a stubs directory (the CUDA toolkit's) exists so that programs can link where the real library is not installed: it defines every function and fails every call. The loader takes it because \(via), so the program starts and its first call into \(name) fails"
                    + (driver ? " (CUDA reports a stub library, or a driver older than the runtime), and in a container started with the GPU the stub stands before the driver's copy the runtime mounts." : "."),
                library: name, neededBy: object.neededBy.map { graph.objects[$0].path }, resolvedTo: object.path,
                remedy: takeOff + real)
        }
    }

    /// `secure-execution`: a set-ID program (or one with file capabilities) that the kernel
    /// starts in secure mode, where the loader leaves out what the environment or a
    /// `$ORIGIN` asked of it. Only when something was left out: otherwise the mode changes
    /// nothing the check found.
    static func secureExecutionFindings(_ graph: LoadGraph) -> [Finding] {
        guard let secure = graph.secureExecution, !graph.ignoredInSecureMode.isEmpty else { return [] }
        let ignored = graph.ignoredInSecureMode.map(\.description)
        let trusted = graph.platform.defaultDirectories.joined(separator: ", ")
        return [Finding(
            id: .secureExecution, rule: .secureExecution, severity: .warning,
            summary: "secure-execution mode: the loader ignores \(ignored.count == 1 ? ignored[0] : "\(ignored[0]) and \(ignored.count - 1) more")",
            explanation: "\(graph.executable.path) is \(secure.summary), so \(secure.setBy). In that mode the loader ignores LD_LIBRARY_PATH, preloads from LD_PRELOAD only set-user-ID libraries named without a directory, and expands $ORIGIN only at the start of a path element (for the program's own, only into \(trusted)). Ignored here: \(ignored.joined(separator: "; ")). `ldd` and `ld.so --list` run the loader themselves, not in this mode, and show these as used.",
            remedy: secure.cause == .tunable
                ? "Drop glibc.rtld.enable_secure=1 from GLIBC_TUNABLES, or put the libraries where the loader looks without the environment: list their directory in /etc/ld.so.conf.d and run ldconfig, or link them into a system directory."
                : "Put the libraries where the loader looks without the environment: list their directory in /etc/ld.so.conf.d and run ldconfig, or link them into a system directory; LD_LIBRARY_PATH never reaches this program when \(secure.identity) starts it.")]
    }

    /// One finding per element of a list, however often the list repeats it (one cause is
    /// one finding: `LD_LIBRARY_PATH=::` has one empty element, three times).
    static func unsafePathFindings(_ graph: LoadGraph, fromOutside: Bool = false) -> [Finding] {
        var elements: [(source: SearchSource, element: String, count: Int)] = []
        for item in graph.unsafeSearchPath {
            if let index = elements.firstIndex(where: { $0.source == item.source && $0.element == item.element }) {
                elements[index].count += 1
            } else {
                elements.append((item.source, item.element, 1))
            }
        }
        return elements.map { item in
            // The loader takes an empty element as "./" and opens a relative one from wherever
            // the program was started (elf/dl-load.c, fillin_rpath): `lib` is `$PWD/lib`, not a
            // search of the working directory itself.
            let times = item.count == 1 ? "" : " (\(item.count) times)"
            return Finding(
                id: .unsafeSearchPath, rule: .unsafeSearchPath, severity: .warning,
                summary: "\(item.source.label) element '\(item.element)'\(times) is resolved relative to the working directory",
                explanation: "An empty (\"./\") or relative element of \(item.source.label) is resolved relative to the directory the program is started in, so what loads depends on where you stand — and anyone who can write there can inject a library.",
                remedy: runPathRemedy(item.source, graph: graph, fromOutside: fromOutside) ?? "Use absolute directories only (no leading, trailing or doubled ':').")
        }
    }

    /// A needed name that is a relative path (`lib/libfoo.so.1`): the loader opens it from
    /// the directory the program is started in, whatever the search path says.
    static func relativeNeededFindings(_ graph: LoadGraph, fromOutside: Bool) -> [Finding] {
        var result: [Finding] = []
        for object in graph.objects {
            for name in object.elf.dynamic?.needed ?? [] where name.containsSlash && !name.startsWithSlash && !name.hasBytePrefix("$") {
                result.append(Finding(
                    id: .unsafeSearchPath, rule: .unsafeSearchPath, severity: .warning,
                    summary: "\(object.path) needs '\(name)', which is resolved relative to the working directory",
                    explanation: "A needed name with a slash is opened as a path, not searched for; one that does not start with / is opened from the directory the program is started in, so it loads from one directory and not from another — and anyone who can write where it is started can put a library there.",
                    library: name, neededBy: [object.path],
                    remedy: "Name the library by its file name, "
                        + patchelfCommand(["--replace-needed", name, RootPath(name).lastComponent], on: object.path, fromOutside: fromOutside)
                        + ", and put it where the loader looks."))
            }
        }
        return result
    }

    /// For a run path with relative elements: the same list with each one relative to the
    /// object instead (`lib` → `$ORIGIN/lib`, empty → `$ORIGIN`), what a build meant that was
    /// run from its own directory, as the patchelf command that writes it.
    /// (A command names this machine's files: for another root, the file is said in words.)
    static func runPathRemedy(_ source: SearchSource, graph: LoadGraph, fromOutside: Bool) -> String? {
        let owner: String, isRunpath: Bool
        switch source {
        case .runpath(let path): (owner, isRunpath) = (path, true)
        case .rpath(let path): (owner, isRunpath) = (path, false)
        default: return nil
        }
        guard let object = graph.objects.first(where: { $0.path.hasSameBytes(as: owner) }),
              let text = isRunpath ? object.elf.dynamic?.runpath : object.elf.dynamic?.rpath else { return nil }
        let elements = text.split(separator: ":", omittingEmptySubsequences: false).map { element -> String in
            if element.isEmpty || element == "." { return "$ORIGIN" }
            if element.hasPrefix("/") || element.hasPrefix("$") { return String(element) }
            return "$ORIGIN/" + (element.hasPrefix("./") ? element.dropFirst(2) : element)
        }
        var seen = Set<String>()
        let list = elements.filter { seen.insert($0).inserted }.joined(separator: ":")
        return "Name the directories relative to the object, not to where it is started: "
            + runPathCommand(list, for: owner, rpath: !isRunpath, replacing: true, fromOutside: fromOutside) + " (or absolute ones)."
    }

    /// The patchelf command that gives `file` the run path `list` (`rpath`: as DT_RPATH,
    /// which its libraries inherit), in backquotes; for another root, in words (a command
    /// names this machine's files). One that replaces a list removes the old one first:
    /// patchelf 0.14 overwrites the old string, and a linker may have merged a symbol's name
    /// into its tail (a function `b` in the `b` of `lib`), which then names nothing.
    static func runPathCommand(_ list: String, for file: String, rpath: Bool, replacing: Bool, fromOutside: Bool) -> String {
        let options = (rpath ? ["--force-rpath"] : []) + ["--set-rpath", list]
        if fromOutside || !replacing { return patchelfCommand(options, on: file, fromOutside: fromOutside) }
        return "`" + patchelfWords(["--remove-rpath"], on: file) + " && " + patchelfWords(options, on: file) + "`"
    }

    /// `patchelf OPTIONS FILE` in backquotes, a command to paste; for another root in words,
    /// since a command names this machine's files (the root's file is meant).
    static func patchelfCommand(_ options: [String], on file: String, fromOutside: Bool) -> String {
        fromOutside ? "patchelf's \(options.map(ShellQuote.display).joined(separator: " ")) on \(file) in the root"
                    : "`" + patchelfWords(options, on: file) + "`"
    }

    /// `patchelf OPTIONS FILE`, each word quoted for a shell.
    private static func patchelfWords(_ options: [String], on file: String) -> String {
        (["patchelf"] + options + [file]).map(ShellQuote.display).joined(separator: " ")
    }
}

import ELFInspect
import RootFS
import Support

/// How an object came to be loaded: the rule and, for searches, the directory that held it.
public enum FoundVia: Equatable, Sendable {
    case executable
    case interpreter
    /// Preloaded: found by that search (nil: a name with a `/`), named by that list.
    case preload(SearchSource?, PreloadList)
    case search(SearchSource, directory: String)
    /// A name with a `/`: opened as written.
    case directPath
    /// The kernel's vDSO, which the loader has loaded before it reads the program's needs.
    case vdso

    /// The design's `foundVia` value.
    public var label: String {
        switch self {
        case .executable: return "executable"
        case .interpreter: return "interpreter"
        case .preload(_, let list): return list.label
        case .search(let source, _): return source.label
        case .directPath: return "direct path"
        case .vdso: return "vdso"
        }
    }
}

/// Where a preloaded name came from: the loader loads `LD_PRELOAD`'s names, then those of
/// the root's `/etc/ld.so.preload` (elf/rtld.c), and names each in its messages.
public enum PreloadList: Equatable, Sendable {
    case environment
    case file

    /// As the loader's message and `tree` name it.
    public var label: String {
        switch self {
        case .environment: return "LD_PRELOAD"
        case .file: return PreloadFile.path.string
        }
    }
}

/// Why one place the loader tried was passed over, or that it was taken.
public struct Attempt: Equatable, Sendable {
    public enum Outcome: Equatable, Sendable {
        case absent
        /// `link`: the link's real path (its parents resolved).
        case danglingLink(target: String, link: String)
        /// `file`: the real path of the file skipped (one file may be met under two names).
        case wrongClass(String, file: String)
        case wrongMachine(UInt16, file: String)
        case symlinkLoop
        /// A candidate the loader refuses fatally (`invalid ELF header`, `file too short`…).
        case fatal(String)
        /// A candidate that passed those checks but that the loader refuses, fatally, as it
        /// maps it (`cannot dynamically load executable`…): its message names the library
        /// as requested, not the file.
        case refusedWhenMapped(String)
        /// A candidate cut short: the loader maps it and dies of SIGBUS at the first page it
        /// touches past the file's end (of SIGSEGV or SIGBUS on a dynamic section the end
        /// cuts), with no message (`PastEndOfFile`).
        case pastEndOfFile(PastEndOfFile)
        case taken
        /// The cache named this path but it is gone (stale cache).
        case staleCacheEntry
        /// Skipped because the requester has `DF_1_NODEFLIB`.
        case nodeflib
        /// A preload in secure mode found a file without the set-user-ID bit: passed over.
        case notSetUserID
        /// The open failed with EACCES for the identity the program runs as (a directory on
        /// the way it may not search, or a file it may not read): passed over, as absent.
        case permissionDenied(AccessDenial)
    }
    /// The place tried. Kept as directory and name until asked for: a search records a
    /// dozen absent places per library (hwcaps subdirectories), and joining each one up
    /// front was a fifth of `tree`'s time on large closures.
    public var path: String {
        get { directory.map { ($0 == "/" ? "" : $0) + "/" + name } ?? name }
        set { directory = nil; name = newValue }
    }
    @usableFromInline var directory: String?
    @usableFromInline var name: String

    /// `Resolver.directoryName(path)`, without joining the path first: the candidate search
    /// and the planner ask it of every place a missing library's search tried. Inlinable:
    /// called from another module on an array's element, it copied the whole attempt first.
    @inlinable public var directoryName: String {
        // Over the contiguous bytes: the `utf8` iterator cost more than the rest together.
        guard let directory, name.utf8.withContiguousStorageIfAvailable({ !$0.contains(UInt8(ascii: "/")) }) ?? false
        else { return Resolver.directoryName(path) }
        return directory.isEmpty ? "/" : directory
    }
    public var source: SearchSource
    public var outcome: Outcome
    /// The search-path directory this place belongs to (its hwcaps subdirectories included).
    public var searchDirectory: String?

    public init(path: String, source: SearchSource, outcome: Outcome, searchDirectory: String? = nil) {
        self.directory = nil
        self.name = path
        self.source = source
        self.outcome = outcome
        self.searchDirectory = searchDirectory
    }

    /// `name` looked up in `directory`.
    public init(directory: String, name: String, source: SearchSource, outcome: Outcome, searchDirectory: String? = nil) {
        self.directory = directory
        self.name = name
        self.source = source
        self.outcome = outcome
        self.searchDirectory = searchDirectory
    }

    public static func == (lhs: Attempt, rhs: Attempt) -> Bool {
        lhs.path == rhs.path && lhs.source == rhs.source && lhs.outcome == rhs.outcome
            && lhs.searchDirectory == rhs.searchDirectory
    }
}

/// One object in the process image, in load order.
public struct LoadedObject: Sendable {
    /// Position in load order (0 = the executable).
    public var index: Int
    /// The name the loader built: the search directory plus the name, links unresolved.
    public var path: String
    /// The file it really is inside the root.
    public var realPath: String
    public var identity: FileIdentity
    public var elf: ELFFile
    public var foundVia: FoundVia
    /// The object whose `DT_NEEDED` first loaded this one (`l_loader`); nil for the executable and preloads.
    public var loader: Int?
    /// Every object that needs it (by `DT_NEEDED`), in load order.
    public var neededBy: [Int]
    /// Names it was requested by (`DT_NEEDED` strings, preload names).
    public var names: [String]
    /// `$ORIGIN` for this object's own paths.
    public var origin: String?
    /// What each of its `DT_NEEDED` entries resolved to (nil: missing), in order.
    public var dependencies: [Int?]
    /// What each of its `DT_FILTER`/`DT_AUXILIARY` entries (`elf.dynamic.filtees`) resolved
    /// to (nil: not loaded), in order.
    public var filtees: [Int?] = []
    /// The objects that name it in `DT_FILTER` or `DT_AUXILIARY`, in load order.
    public var filterOf: [Int] = []
    /// Places tried before it was found, and the one it was taken from; places where the
    /// name was simply absent are left out (a missing library's trail keeps them), since
    /// every library searched for would otherwise carry a dozen of them.
    public var trail: [Attempt]
    /// The name as the loader spells it when that is not `path`: found through a relative
    /// (or empty) search-path element, the loader's name for it stays relative (`path` is
    /// made absolute from the working directory).
    public var spelledPath: String? = nil
    /// The file's own entry (`realPath`'s: mode and owner) as the resolution met it.
    public var fileEntry: RootEntry? = nil

    public var soname: String? { elf.dynamic?.soname }

    /// `_dl_map_object`'s test of a loaded object: `name` is its path, a name it was loaded
    /// under, or its soname, byte for byte (strcmp: `é` and `e` + U+0301 are two names).
    public func answers(to name: String) -> Bool {
        isNamed(name) || soname.map { SeededByteHash.sameBytes($0, name) } == true
    }

    /// `_dl_name_match_p`: `name` is its path or a name it was loaded under. Its soname
    /// counts only once a request found it by that (the loader then adds it to the names):
    /// the version checks and `check_match` find a `vn_file` this way.
    public func isNamed(_ name: String) -> Bool {
        SeededByteHash.sameBytes(path, name) || names.contains { SeededByteHash.sameBytes($0, name) }
    }
    /// What the loader calls the object in its messages (`l_name`).
    public var loaderName: String { spelledPath ?? path }
}

/// A `DT_NEEDED` name the loader cannot open.
public struct MissingLibrary: Sendable, Equatable {
    /// The copies it tried that the program's user may not open, each once.
    public var deniedAttempts: [AccessDenial] {
        var result: [AccessDenial] = []
        for attempt in trail {
            if case .permissionDenied(let denial) = attempt.outcome, !result.contains(denial) { result.append(denial) }
        }
        return result
    }

    public var name: String
    /// Objects that need it.
    public var neededBy: [Int]
    /// Every place tried and why it was passed over.
    public var trail: [Attempt]
    /// The loader's message tail: `cannot open shared object file: No such file or directory`,
    /// `wrong ELF class: ELFCLASS32`, or a fatal candidate's text.
    public var reason: String
    /// The file whose fatal problem stops the loader (`invalid ELF header`…), if that is why.
    public var fatalPath: String?
    /// For a name the loader could not preload: the list that named it.
    public var preloadList: PreloadList? = nil
    /// Named by `DT_FILTER` only (no `DT_NEEDED` entry names it).
    public var isFilter = false

    /// How the loader's message names the library: the file for what `open_verify` refuses,
    /// the name as requested for what the mapping refuses.
    public var loaderName: String {
        guard let fatalPath else { return name }
        if case .refusedWhenMapped = trail.last?.outcome { return name }
        return fatalPath
    }

    /// Refused as it was mapped for needing an executable stack (`glibc.rtld.execstack=0`).
    public var executableStackRefused: Bool {
        guard fatalPath != nil, case .refusedWhenMapped(let message) = trail.last?.outcome else { return false }
        return message.hasBytePrefix(MappingRefusal.executableStack)
    }

    /// When the fatal candidate is a file cut short: where the loader dies, and of what.
    public var pastEndOfFile: PastEndOfFile? {
        guard fatalPath != nil, case .pastEndOfFile(let cut) = trail.last?.outcome else { return nil }
        return cut
    }
}

/// Filter objects that name each other (`DT_FILTER`/`DT_AUXILIARY`, directly or through
/// others): elf/dl-deps.c moves a filtee listed later before its filter and processes it
/// again, and here each move brings on the next, without end; the loader's stack runs out
/// and it dies of SIGSEGV (exit 139) with nothing printed, `ldd` and `ld.so --list` too.
public struct FilterCycle: Equatable, Sendable {
    /// The object whose filter entry closed the cycle.
    public var filter: Int
    /// Its filtee, which had been processed already (it names `filter`, or leads to it).
    public var filtee: Int
    /// Missing libraries the loader met before it: it stops at the first of those instead.
    public var missingBefore: Int
}

/// An assertion the loader fails as it maps an object, and aborts, printing only the
/// assertion (exit 127); ldd and ld.so --list too. A damaged or hand-made file: a dynamic
/// section x86-64's loader refuses (`DynamicInfoCheck`, checked first), or a `DT_GNU_HASH`
/// Bloom filter whose word count is not a power of two (`_dl_setup_hash`). An entry size
/// the assertion reads through a pointer to an entry the section lacks kills the loader
/// there with SIGSEGV instead, printing nothing (`entryAbsent`).
public struct MappingAssertion: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case dynamicInfo(DynamicInfoCheck)
        /// The entry size of `DT_RELA` or (glibc 2.36 on) of `DT_RELR` is not there.
        case entryAbsent(AbsentEntry)
        case bloomWords
    }

    /// The entry whose value the assertion reads through a null pointer.
    public enum AbsentEntry: Equatable, Sendable {
        /// `DT_RELA` without `DT_RELAENT` (`ELFFile.lostForMapping`).
        case relaEntrySize
        /// `DT_RELR` without `DT_RELRENT`.
        case relrEntrySize
    }

    public var kind: Kind
    public var object: Int
    /// Libraries the loader failed to find before it mapped this object (it stops at the first).
    public var missingBefore: Int

    /// The first assertion `elf` fails as it is mapped by the loader of `glibc`, if any, in
    /// get-dynamic-info.h's order: `DT_PLTREL`, then `DT_RELA`'s entry size, then `DT_RELR`'s,
    /// then the Bloom filter as the hash table is set up.
    public static func first(_ elf: ELFFile, glibc: GlibcVersion) -> Kind? {
        let check = elf.failedDynamicInfoCheck.flatMap { check in
            glibc >= GlibcVersion(check.checkedSince.major, check.checkedSince.minor) ? check : nil
        }
        if let check, case .pltRelocationType = check { return .dynamicInfo(check) }
        if elf.lostForMapping != nil { return .entryAbsent(.relaEntrySize) }
        if let check, case .relaEntrySize = check { return .dynamicInfo(check) }
        if glibc >= GlibcVersion(2, 36), elf.header.machine == 62, elf.uncheckedEntries?.lacksRelrEntrySize == true {
            return .entryAbsent(.relrEntrySize)
        }
        if let check { return .dynamicInfo(check) }
        return elf.hasPowerOfTwoBloomWords ? nil : .bloomWords
    }

    /// The loader's line. Measured in glibc 2.31, 2.36 and 2.41: the Bloom filter's check
    /// moved to a file of its own, and get-dynamic-info.h's lines moved, in between (the
    /// versions between are taken as 2.36); the program's dynamic section is read by rtld.c,
    /// which names the header `./get-dynamic-info.h` from 2.36 on. Nil for `entryAbsent`: the
    /// loader dies of SIGSEGV, silent.
    public func loaderMessage(_ glibc: GlibcVersion, isProgram: Bool) -> String? {
        let modern = glibc >= GlibcVersion(2, 35)
        switch kind {
        case .bloomWords:
            let place = modern ? "dl-setup_hash.c: 36" : "dl-lookup.c: 972"
            return "Inconsistency detected by ld.so: \(place): _dl_setup_hash: Assertion `(bitmask_nwords & (bitmask_nwords - 1)) == 0' failed!"
        case .entryAbsent:
            return nil
        case .dynamicInfo(let check):
            let file = modern && isProgram ? "./get-dynamic-info.h" : "get-dynamic-info.h"
            let line: Int
            switch check {
            case .pltRelocationType: line = modern ? 115 : 123
            case .relaEntrySize: line = modern ? 123 : 131
            case .relrEntrySize: line = 130   // (2.36 and 2.41, measured; 2.31 has no check)
            }
            return "Inconsistency detected by ld.so: \(file): \(line): elf_get_dynamic_info: Assertion `\(check.assertion)' failed!"
        }
    }
}

/// The whole closure of a program, as the loader would load it.
public struct LoadGraph: Sendable {
    public var objects: [LoadedObject]
    /// Missing names in the order the loader meets them (the first one stops a real start).
    public var missing: [MissingLibrary]
    /// Preload names that could not be loaded (the loader warns and goes on).
    public var failedPreloads: [MissingLibrary]
    /// `DT_AUXILIARY` names that could not be loaded (the loader goes on without a word).
    public var absentAuxiliaries: [MissingLibrary] = []
    /// Two objects that are each other's filter, on which the loader crashes.
    public var filterCycle: FilterCycle?
    /// Filter objects the program itself names (`DT_FILTER`/`DT_AUXILIARY` of the
    /// executable, which ld refuses to write): glibc's ld.so puts them before the program in
    /// its search list and its list of objects, whose head stays the program, so that
    /// `ld.so --list` and `ldd` leave them out; then it dies of SIGSEGV relocating them
    /// (measured, 2.36). An absent one is as any other filter's.
    public var programFilters: [Int] = []
    /// The first loaded object that is the dynamic loader again: ld.so's own file by another
    /// path than PT_INTERP's, or another file with its soname. The loader maps it as a library
    /// and dies of SIGFPE relocating itself against it.
    public var loaderCopy: LoaderCopy?
    public var platform: LoaderPlatform
    public var environment: LoaderEnvironment
    /// Index of the interpreter in `objects`, when it is loaded.
    public var interpreterIndex: Int?
    /// `PT_INTERP` of the executable, and whether the root has it.
    public var interpreterPath: String?
    public var interpreterMissing: Bool
    /// With `interpreterMissing`: the file is there, and the kernel refuses it.
    public var interpreterRefusal: InterpreterRefusal?
    /// The first object the loader fails an assertion on as it maps it (`MappingAssertion`).
    public var mappingAssertion: MappingAssertion?
    /// `glibc.rtld.execstack=0` is in force and the program needs an executable stack: the
    /// loader stops before it loads anything ("Fatal glibc error: executable stack is not allowed").
    public var programStackRefused = false
    /// The program file has no execute bit: execve refuses it (EACCES) before any loader runs.
    public var programNotExecutable = false
    /// The program's file cut short, and what starting it comes to.
    public var programCut: ProgramCut?
    /// For a user other than root, the permission check execve fails (the program's bit of
    /// that user's class, or search permission on a directory on its way).
    public var programDenial: AccessDenial?
    /// Whom the loader's opens were checked for (the credentials execve made); nil for root.
    public var accessIdentity: ProcessIdentity?
    /// That user may not read /etc/ld.so.cache, so the loader did without it.
    public var cacheDenial: AccessDenial?
    /// Set when the kernel starts the program in secure-execution mode (`AT_SECURE`).
    public var secureExecution: SecureExecution?
    /// The mode the kernel would have set but for the starting process's `no_new_privs`.
    public var secureExecutionWaived: SecureExecution?
    /// What the loader left out because of it, in the order it met them.
    public var ignoredInSecureMode: [SecureModeOmission] = []
    /// Search-path elements resolved relative to the working directory (empty or relative)
    /// or that could not be expanded, each occurrence in a list once (`::` is two).
    public var unsafeSearchPath: [(source: SearchSource, element: String)]
    /// Every search-path directory the loader looked in for some library, and each hwcaps
    /// subdirectory of one that exists, once, with the list that first led there, in the order met:
    /// a library put there is found before, or instead of, the one found later. Directories
    /// after the one a library was found in are not looked in for it.
    public var searchedDirectories: [(directory: String, source: SearchSource)] = []

    public var executable: LoadedObject { objects[0] }

    /// `LD_BIND_NOW` as the loader heeds it: glibc 2.39 and later ignore it in secure-execution
    /// mode (measured: 2.36 binds the program's functions at start-up, 2.41 lazily).
    public var bindsNowByEnvironment: Bool {
        environment.bindNow && !(secureExecution != nil && platform.glibc >= SecureExecution.bindNowIgnoredSince)
    }

    /// Each entry of object `index`'s dependencies (`DynamicSection.forEachDependencyEntry`)
    /// with what it resolved to (nil: not loaded).
    public func forEachDependency(of index: Int, _ body: (_ entry: DependencyEntry, _ target: Int?) -> Void) {
        // Fields read one by one: a copy of the whole object retains and releases every one
        // of its references, each time.
        let dependencies = objects[index].dependencies, filtees = objects[index].filtees
        // Without filter entries (nearly every object) the order is the DT_NEEDED one: no
        // copy of the dynamic section needed to learn it.
        guard !filtees.isEmpty else {
            for (position, target) in dependencies.enumerated() {
                body(.needed(position), target)
            }
            return
        }
        objects[index].elf.dynamic?.forEachDependencyEntry { entry in
            let targets = entry.isFilter ? filtees : dependencies
            body(entry, entry.index < targets.count ? targets[entry.index] : nil)
        }
    }

    /// Object `index`'s dependencies as the loader records them for the initialisation (and
    /// so the relocation) order: `DT_NEEDED` and filter objects in the order of the dynamic
    /// section (elf/dl-deps.c `l_initfini`), those not loaded left out.
    public func linkedDependencies(of index: Int) -> [Int] {
        var linked: [Int] = []
        forEachDependency(of: index) { _, target in if let target { linked.append(target) } }
        return linked
    }

    /// The names of object `index`'s `DT_NEEDED` and `DT_FILTER` objects that were not loaded,
    /// in the dynamic section's order (an absent `DT_AUXILIARY` one does not count: the loader
    /// does without it).
    public func missingDependencies(of index: Int) -> [String] {
        var names: [String] = []
        let dynamic = objects[index].elf.dynamic
        forEachDependency(of: index) { entry, target in
            if target == nil, dynamic?.filter(of: entry)?.isAuxiliary != true { names.append(dynamic?.name(of: entry) ?? "") }
        }
        return names
    }
}

/// A loaded object that is the dynamic loader again (`LoadGraph.loaderCopy`).
public struct LoaderCopy: Equatable, Sendable {
    /// Its index in `LoadGraph.objects`.
    public var object: Int
    /// It is the interpreter's own file, reached by another path (else another file with its soname).
    public var sameFile: Bool
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ELFInspect
import RootFS
import Support

/// Answers "which file does the cache name for this soname?" (`ld.so.cache` lookup).
public protocol LibraryCache: Sendable {
    func lookup(_ name: String) -> String?
    /// The same cache read for a CPU of only these glibc-hwcaps levels (a tunable took some away).
    func withGlibcHWCaps(_ levels: [String]) -> any LibraryCache
    /// The same cache read with `platform`'s legacy hwcap bits (a hwcap mask took some away).
    func withLegacyHWCaps(of platform: LoaderPlatform) -> any LibraryCache
}

extension LibraryCache {
    public func withGlibcHWCaps(_ levels: [String]) -> any LibraryCache { self }
    public func withLegacyHWCaps(of platform: LoaderPlatform) -> any LibraryCache { self }
}

/// Why the program itself cannot be analysed (exit 3).
public enum ResolveError: Error, Equatable, Sendable, CustomStringConvertible {
    case programNotFound(path: String, root: String)
    case programNotAFile(path: String)
    case unreadable(ELFError)
    case root(RootError)
    /// ofdoctor's process was refused a read the loader's identity (or the user who starts
    /// the program, for the program itself) may be allowed.
    case deniedToReader(RootError, reader: ProcessIdentity, loader: ProcessIdentity)
    /// Another ELF class or machine than the x86-64 loader this tool models.
    case unsupported(path: String, what: String)
    /// An ELF file the kernel refuses to execute (fs/binfmt_elf.c `load_elf_binary`).
    case notRunnable(path: String, reason: String)
    /// An object file, archive, linker script or script: not damaged, just not a program.
    case notAProgram(path: String, kind: NonProgramFile)
    /// A program whose `PT_INTERP` is another C library's loader (musl's), whose rules differ.
    case otherLoader(path: String, interpreter: String)
    /// A root whose /etc/ld.so.preload is too large to be a list of names.
    case oversizedPreloadFile(size: Int)

    public var description: String {
        switch self {
        case .programNotFound(let path, let root):
            return "\(path): no such program in \(root); give its path inside the root"
        case .programNotAFile(let path): return "\(path) is not a regular file"
        case .unreadable(let error): return error.description
        case .root(let error): return error.description
        case .deniedToReader(let error, let reader, let loader):
            return "\(error.description); ofdoctor runs as \(reader), and may be refused what \(loader), who starts the program, is let read: run it as root or as that user"
        case .unsupported(let path, let what):
            return "\(path) is \(what); ofdoctor models the x86-64 (ELFCLASS64, EM_X86_64) loader only"
        case .notRunnable(let path, let reason):
            return "\(path): the kernel would refuse to run it (\(reason)); is the file damaged or cut short?"
        case .notAProgram(let path, let kind):
            return "\(path) is \(kind)"
        case .oversizedPreloadFile(let size):
            return "\(PreloadFile.path) is \(size) bytes, more than a list of library names (ofdoctor reads up to \(PreloadFile.largestRead) bytes); look at what wrote it"
        case .otherLoader(let path, let interpreter):
            return "\(path) is run by \(interpreter), musl's loader; ofdoctor models glibc's ld.so only (musl searches, caches and reports differently)"
        }
    }
}

/// Resolves a program's whole closure as glibc's `ld.so` would (elf/dl-deps.c
/// `_dl_map_object_deps`, elf/dl-load.c `_dl_map_object`), without running anything.
public struct Resolver: Sendable {
    /// Files a resolution keeps resident and reads ahead; past them each file's pages are
    /// dropped after its parse (a closure of thousands of libraries stays small).
    public static let residentFiles = 256
    public var root: RootView
    public var environment: LoaderEnvironment
    public var platform: LoaderPlatform
    public var cache: (any LibraryCache)?
    /// `$ORIGIN` of the executable: a real `exec` resolves links (`/proc/self/exe`);
    /// `ldd` and `ld.so --list` take the path as typed.
    public var originFromTypedPath: Bool
    /// The kernel's vDSO, loaded before anything else under its soname (nil: none).
    public var vdso: KernelVDSO?
    /// ofdoctor's read of /etc/ld.so.cache that failed (`TargetSystem.cacheReadFailure`): the
    /// loader, reading it as another user, may not fail it (`OwnReadFailure`).
    public var cacheReadFailure: RootError?
    /// Whether the files parsed have their symbol-check tables read on a second thread
    /// meanwhile (`TableReadAhead`); the graph is the same either way.
    public var readsTablesAhead: SymbolCheck.Concurrency = .automatic

    public init(root: RootView, environment: LoaderEnvironment, platform: LoaderPlatform,
                cache: (any LibraryCache)?, originFromTypedPath: Bool = false) {
        self.root = root
        self.environment = environment
        self.platform = platform
        self.cache = cache
        self.originFromTypedPath = originFromTypedPath
    }

    /// The x86-64 psABI's program interpreter (`RTLD` in glibc's build).
    public static let defaultInterpreter = "/lib64/ld-linux-x86-64.so.2"

    /// The directory part of a path as the loader spells it (`_dl_get_origin` keeps it unresolved).
    public static func directoryName(_ path: String) -> String {
        // On the contiguous UTF-8 bytes: `lastIndex(of: Character)` walks grapheme clusters,
        // and the `utf8` view's own search and slicing cost a thousand instructions a path.
        // (A `/` byte is never inside a multi-byte character: the cut is valid UTF-8.)
        var path = path
        return path.withUTF8 { bytes in
            guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "." }
            return slash == 0 ? "/" : String(decoding: UnsafeBufferPointer(rebasing: bytes[..<slash]), as: UTF8.self)
        }
    }

    /// `reusing`: a graph resolved in the root this one overlays, whose parsed files are
    /// taken by (st_dev, st_ino) instead of parsed again. Sound only when every file this
    /// root adds or changes has an identity of its own (`OverlayRoot`'s are synthetic).
    public func resolve(program: RootPath, reusing parsed: LoadGraph? = nil) throws(ResolveError) -> LoadGraph {
        var state = ResolutionState(resolver: self)
        for object in parsed?.objects ?? [] { state.filesByIdentity[object.identity] = object.elf }
        state.readAhead = TableReadAhead(concurrency: readsTablesAhead)
        defer { state.readAhead?.finish() }
        return try state.run(program: program)
    }
}

/// The mutable part of one resolution: the loaded list, files already read, directory listings.
struct ResolutionState {
    var resolver: Resolver
    var objects: [LoadedObject] = []
    var interpreter: LoadedObject?
    /// The kernel's vDSO until a name asks for it (it then joins the list, as ld.so does).
    var vdso: LoadedObject?
    var missing: [MissingLibrary] = []
    var failedPreloads: [MissingLibrary] = []
    var absentAuxiliaries: [MissingLibrary] = []
    var filterCycle: FilterCycle?
    var programFilters: [Int] = []
    /// The first object that is the dynamic loader again (`LoadGraph.loaderCopy`).
    var loaderCopy: LoaderCopy?
    /// The interpreter's file and soname, kept once it has joined the loaded list.
    var interpreterIdentity: FileIdentity?
    var interpreterSoname: String?
    /// Why the kernel refuses the interpreter found (`InterpreterRefusal`).
    var interpreterRefusal: InterpreterRefusal?
    /// The first object mapped whose Bloom filter the loader asserts on.
    var mappingAssertion: MappingAssertion?
    /// The program file has no execute bit (for root: none at all).
    var programNotExecutable = false
    /// The program's file cut short (`ProgramCut`).
    var programCut: ProgramCut?
    /// For another user than root: the check execve fails.
    var programDenial: AccessDenial?
    /// The kernel starts the program in secure-execution mode.
    var secure: SecureExecution?
    var secureWaived: SecureExecution?
    /// `glibc.rtld.execstack=0` is in force (`RtldTunables`): an object that needs an
    /// executable stack is refused as it is mapped.
    var refusesExecutableStack = false
    /// Whom the loader's opens are checked for (the credentials execve made); nil for root,
    /// who passes every check.
    var accessIdentity: ProcessIdentity?
    /// Why the identity may not read /etc/ld.so.cache: the loader goes on without it.
    var cacheDenial: AccessDenial?
    var cacheDenied: Bool { cacheDenial != nil }
    /// Directories (by path as searched) and how far the identity gets with them.
    var directoryAccess: [TextKey: DirectoryAccess] = [:]

    /// What a user other than root can do with a directory the loader searches.
    enum DirectoryAccess {
        /// Look names up in it: opens there succeed or fail on the file itself.
        case searchable
        /// Reach it (stat succeeds) but not look names up in it: every open there fails (EACCES).
        case reachableOnly(AccessDenial)
        /// Not reach it (a directory above it may not be searched): the loader's stat after the
        /// first failed open fails too, and it marks the directory missing (`open_path`).
        case unreachable(AccessDenial)
    }
    /// Set while a preload is searched for in secure mode (`__RTLD_SECURE`): a file without
    /// the set-user-ID bit is passed over (`open_path`'s extra check, after the file was
    /// opened and verified, before it is mapped; errno ENOENT).
    var takesOnlySetUserID = false
    var ignoredInSecureMode: [SecureModeOmission] = []
    /// The list the name being preloaded comes from (`LD_PRELOAD`, then /etc/ld.so.preload).
    var preloadList = PreloadList.environment
    var unsafe: [(source: SearchSource, element: String)] = []
    /// Each search-path directory the loader looked in, once, with the list that first led
    /// there, in the order met (`LoadGraph.searchedDirectories`).
    var searched: [(directory: String, source: SearchSource)] = []
    /// By `Probe.slot`: whether the directory is in `searched` yet.
    var searchedProbes: [Bool] = []
    var filesByIdentity = FileIdentityMap<ELFFile>()
    /// Every name an object answers to (path, load names, soname) → the first such object
    /// in load order, and (st_dev, st_ino) → object: what `alreadyLoaded` and `admit` would
    /// otherwise find by scanning the loaded list for every DT_NEEDED entry (quadratic).
    var loadedByName: [TextKey: Int] = Dictionary(minimumCapacity: 256)   // a name or three per object
    var loadedByIdentity = FileIdentityMap<Int>()
    /// Each search directory as spelled, listed once: where it leads and its names (nil
    /// when it is absent or not a directory).
    var directoryListings: [TextKey: DirectoryListing?] = [:]
    /// Each search directory's probes (hwcaps subdirectories, then itself), made once.
    var directoryProbes: [TextKey: [Probe]] = [:]
    var resolvedParents: [RootPath: RootPath?] = [:]
    /// Parsed RPATH/RUNPATH lists by `$ORIGIN` (the owner's directory), then text and kind:
    /// libraries of one directory share them, and hold few distinct lists. (Not keyed by a
    /// `Hashable` struct: its dictionary's metadata cost a scan of every conformance record
    /// on each run.)
    var parsedLists: [TextKey: [ParsedList]] = [:]

    struct ParsedList {
        var text: String
        var origin: String?
        var isRunpath: Bool
        var list: SearchPath
    }
    /// glibc-hwcaps subdirectories, then legacy ones, then the directory itself (dl-hwcaps.c).
    var subdirectories: [String]
    /// Each subdirectory's first component, which the directory's own listing must hold.
    var subdirectoryHeads: [TextKey]

    struct DirectoryListing {
        var resolved: RootPath
        /// nil: ofdoctor may search the directory but not read it (mode 0711, run as a user
        /// other than root). The loader never lists a directory, it opens each name there,
        /// and so does the search then.
        var names: Set<TextKey>?

        /// Whether `name` may be in the directory: listed, or not known to be absent.
        func mayHold(_ name: TextKey) -> Bool { names?.contains(name) ?? true }
    }

    var expectation = CandidateVerdict.Expectation.x86_64
    /// Whether `search` lists the probes where the name is absent (see `mapObject`).
    var recordsAbsentProbes = true
    /// The last failed system call of the current search (none: errno 0), whose errno is the
    /// tail of a "cannot open shared object file" message (`LoaderErrno`).
    var lastFailure = LoaderErrno.Failure.none
    /// By `Probe.slot`: probe directories found missing once (the loader marks them and
    /// opens nothing there again).
    var missingProbes: [Bool] = []
    /// Each probe directory's slot, one per distinct spelling: a probe's marks are read and set
    /// by index, not by hashing its path on every search (18 probes a directory in glibc 2.36).
    var probeSlots: [TextKey: Int] = [:]
    /// Whether /etc/ld.so.cache was read (or failed to open) yet: once per process.
    var cacheFileRead = false
    var llp: SearchPath?
    /// Mapped files parsed so far. The symbol check reads every object's tables again, so
    /// dropping a mapping's pages after its parse only makes them fault back in; it pays
    /// only past `residentFiles`, where it bounds a huge closure's memory.
    var filesParsed = 0
    static let residentFiles = Resolver.residentFiles
    /// The first file (or directory listing, or path walk) the loader would use that ofdoctor
    /// could not read for a reason of its own (out of memory or descriptors, an I/O error): no
    /// finding can stand on it, so the run fails with it rather than report the library
    /// absent (`OwnReadFailure`).
    var ownReadFailure: RootError?
    /// ofdoctor's process may be refused what the loader's identity is not
    /// (`OwnReadFailure.readerMayLack`): then a denial is its own failure too.
    var readerMayLack = false

    /// Keeps `error` as `ownReadFailure` when it is ofdoctor's own and the first: a denial
    /// is when the loader's identity would be let through (as the modes ofdoctor could read say).
    mutating func noteReadFailure(_ error: RootError) {
        guard ownReadFailure == nil else { return }
        if OwnReadFailure.isOwn(error) { ownReadFailure = error; return }
        guard readerMayLack, error.isPermission, case .io(let path, _, _) = error else { return }
        if accessIdentity?.denial(.read, path: RootPath(path), in: root) == nil { ownReadFailure = error }
    }
    /// Takes each file parsed (up to `residentFiles`: past them pages are dropped, and
    /// reading ahead would fault them back in).
    var readAhead: TableReadAhead?

    init(resolver: Resolver) {
        self.resolver = resolver
        (subdirectories, subdirectoryHeads) = Self.subdirectories(of: resolver.platform)
    }

    static func subdirectories(of platform: LoaderPlatform) -> ([String], [TextKey]) {
        let subdirectories = platform.glibcHWCaps.map { "glibc-hwcaps/" + $0 } + platform.legacySubdirectories + [""]
        return (subdirectories, subdirectories.map { sub in TextKey(sub.utf8.firstIndex(of: UInt8(ascii: "/")).map { String(sub[..<$0]) } ?? sub) })
    }

    /// `GLIBC_TUNABLES`' `glibc.cpu.hwcaps` (`HWCapsTunable`): the levels it takes away are
    /// searched nowhere, neither in directories nor in ld.so.cache — outside secure mode,
    /// where the loader ignores the tunable.
    mutating func applyHWCapsTunable() {
        guard secure == nil, let tunables = resolver.environment.variables["GLIBC_TUNABLES"] else { return }
        let levels = HWCapsTunable.apply(to: resolver.platform.glibcHWCaps, tunables: tunables)
        guard levels != resolver.platform.glibcHWCaps else { return }
        resolver.platform.maskGlibcHWCaps(to: levels)
        resolver.cache = resolver.cache?.withGlibcHWCaps(levels)
        (subdirectories, subdirectoryHeads) = Self.subdirectories(of: resolver.platform)
    }

    /// `glibc.cpu.hwcap_mask` or `LD_HWCAP_MASK` (`HWCapMaskTunable`), glibc ≤ 2.36: the
    /// legacy subdirectories and cache entries of hwcap bits it clears are passed over —
    /// outside secure mode, where the loader ignores both.
    mutating func applyHWCapMask() {
        guard secure == nil, LoaderPlatform.hasLegacyHWCaps(platform.glibc),
              let mask = HWCapMaskTunable.mask(in: resolver.environment) else { return }
        resolver.platform.maskLegacyHWCaps(mask)
        resolver.cache = resolver.cache?.withLegacyHWCaps(of: resolver.platform)
        (subdirectories, subdirectoryHeads) = Self.subdirectories(of: resolver.platform)
    }

    var root: RootView { resolver.root }
    var platform: LoaderPlatform { resolver.platform }

    /// A read that ends the run: a denial to ofdoctor, run as another user than `loader` (who
    /// makes that read for real), says so, since `loader` may have been let through.
    func failure(_ error: RootError, loader: ProcessIdentity) -> ResolveError {
        guard error.isPermission, let reader = resolver.environment.reader,
              OwnReadFailure.readerMayLack(reader, comparedWith: loader) else { return .root(error) }
        return .deniedToReader(error, reader: reader, loader: loader)
    }

    mutating func run(program: RootPath) throws(ResolveError) -> LoadGraph {
        let resolved: RootView.Resolved?
        // (the program is the kernel's to read, as the user who starts it)
        do { resolved = try root.resolve(program) } catch { throw failure(error, loader: resolver.environment.identity) }
        guard let target = resolved else { throw .programNotFound(path: program.string, root: root.label) }
        guard target.entry.kind == .file else { throw .programNotAFile(path: program.string) }
        let elf: ELFFile
        let bytes: FileBytes
        do {
            bytes = try root.filesystem.contents(of: target.path)
            do {
                // A program without DT_STRTAB whose entries name libraries: the loader reads
                // those names through a null pointer (`DynamicEntryHazard`); read without them.
                do { elf = try ELFFile(bytes: bytes, path: program.string) } catch .namesWithoutStringTable {
                    elf = try ELFFile(bytes: bytes, path: program.string, namesWithoutStringTable: true)
                }
                programCut = ProgramCut.judge(elf)
            } catch {
                // Cut short, the kernel maps it all the same: what starting it comes to.
                guard let (read, cut) = ProgramCut.read(bytes, path: program.string) else { throw error }
                (elf, programCut) = (read, cut)
            }
            bytes.dropResidentPages()
        } catch let error as ELFError {
            if let bytes = try? root.filesystem.contents(of: target.path) {
                if let kind = NonProgramFile.identify(bytes.buffer) { throw .notAProgram(path: program.string, kind: kind) }
                // Cut inside its program headers, say: what execve refuses, in its words.
                if case .fatal(let message) = CandidateVerdict.judge(bytes.buffer, expecting: .x86_64),
                   !Self.loaderOnlyRefusals.contains(message) {
                    throw .notRunnable(path: program.string, reason: message)
                }
            }
            throw .unreadable(error)
        } catch let error as RootError {
            throw failure(error, loader: resolver.environment.identity)
        } catch {
            throw .programNotFound(path: program.string, root: root.label)
        }
        if let refusal = Self.kernelRefusal(elf, bytes: bytes, path: program.string) { throw refusal }
        // execve wants an execute bit (any one, for root) before it reads the file. (A library,
        // which has no PT_INTERP, is checked as ld.so runs it, `ld.so LIB`: no bit needed; so
        // is a library that can also be run — a DT_SONAME and no DF_1_PIE, as libc.so.6 and
        // libcap, which Debian ships 0644 — for it is loaded far more than it is run.)
        // Another user needs the bit of its class, and search permission on the way.
        let identity = resolver.environment.identity
        if elf.interpreter != nil && !elf.isRunnableLibrary {
            if identity.uid == 0 {
                programNotExecutable = target.entry.mode & 0o111 == 0
            } else if let denial = identity.denial(.execute, path: program, in: root) {
                programNotExecutable = true
                programDenial = denial
            }
        }
        // Executed, a set-ID program (or one with file capabilities, for another user than
        // root) runs in secure mode; a library is run as `ld.so LIB`, which changes no one.
        // (A mode the starting process's no_new_privs waives is kept for messages.)
        if elf.interpreter != nil, target.entry.mode & 0o6000 != 0 || identity.uid != 0 {
            let attributes = root.filesystem.executionAttributes(of: target.path)
            secure = SecureExecution.decide(mode: target.entry.mode, owner: target.entry.owner, attributes: attributes, identity: identity)?
                .naming(in: root)
            secureWaived = SecureExecution.waived(mode: target.entry.mode, owner: target.entry.owner, attributes: attributes, identity: identity)?
                .naming(in: root)
        }
        // `glibc.rtld.enable_secure=1` sets the mode as the loader reads the tunables, which
        // changes no credentials; a program the kernel starts so ignores every tunable.
        if secure == nil, elf.interpreter != nil, RtldTunables.enablesSecureMode(resolver.environment, glibc: platform.glibc) {
            secure = SecureExecution(cause: .tunable, identity: identity)
            secureWaived = nil
        }
        refusesExecutableStack = RtldTunables.refusesExecutableStack(resolver.environment, glibc: platform.glibc, secure: secure != nil)
        let effective = identity.effective(under: secure)
        if effective.uid != 0 {
            accessIdentity = effective
            cacheDenial = effective.denial(.read, path: Self.cacheFile, in: root)
        }
        readerMayLack = OwnReadFailure.readerMayLack(resolver.environment.reader, comparedWith: accessIdentity)
        if let failure = resolver.cacheReadFailure { noteReadFailure(failure) }
        applyHWCapsTunable()
        applyHWCapMask()
        expectation = .init(header: elf.header)
        filesByIdentity[target.entry.identity] = elf
        readAhead?.submit(elf)
        let origin = resolver.originFromTypedPath ? program.parent.string : target.path.parent.string
        objects.append(LoadedObject(index: 0, path: program.string, realPath: target.path.string,
                                    identity: target.entry.identity, elf: elf, foundVia: .executable, loader: nil,
                                    neededBy: [], names: [], origin: origin, dependencies: [], trail: []))

        if let image = resolver.vdso, let name = image.name {
            // No file: a synthetic identity no file of the root has (st_dev is never all ones).
            vdso = LoadedObject(index: -1, path: name, realPath: name, identity: FileIdentity(device: .max, inode: .max),
                                elf: image.elf, foundVia: .vdso, loader: nil, neededBy: [], names: [name],
                                origin: nil, dependencies: [], trail: [])
        }
        var interpreterMissing = false
        if let interp = elf.interpreter {
            interpreterMissing = !loadInterpreter(interp)
            // musl's loader (ld-musl-ARCH.so.1) in the root would run it, by rules that are not
            // glibc's. (Missing, it is LD001: the program was built for another C library.)
            if !interpreterMissing && String(interp.afterLastSlash).hasBytePrefix("ld-musl-") {
                throw .otherLoader(path: program.string, interpreter: interp)
            }
        } else if elf.dynamic != nil && !elf.isStaticProgram {
            // A library run as `ld.so LIB` (what ldd does): the loader is there under its built-in name.
            _ = loadInterpreter(Resolver.defaultInterpreter)
        }
        // (killed before the loader reads its dynamic section, or as it does: nothing is loaded;
        // a static PIE relocates itself, started by the kernel without ld.so: no preload either)
        guard elf.dynamic != nil, !elf.isStaticProgram, programCut?.stopsStart != true else { return try graph(interpreterMissing: interpreterMissing) }

        if let list = resolver.environment.libraryPath {
            if secure != nil {
                ignoredInSecureMode.append(.libraryPath(list))
            } else {
                let path = SearchPath(parsing: list, source: .libraryPath, origin: origin, platform: platform,
                                      workingDirectory: resolver.environment.workingDirectory)
                unsafe += path.unsafeElements.map { (SearchSource.libraryPath, $0) }
                llp = path
            }
        }
        // The loader reads /etc/ld.so.preload only when access(2) — the real user's — says it may.
        var filePreloads: [String] = []
        if identity.uid == 0 || identity.denial(.read, path: PreloadFile.path, in: root) == nil {
            do { filePreloads = try PreloadFile.names(in: root) } catch .root(let failure) { noteReadFailure(failure) }
        }
        for (list, names) in [(PreloadList.environment, resolver.environment.preload), (.file, filePreloads)] {
            preloadList = list
            for (position, name) in names.enumerated() {
                // rtld.c `dso_name_valid_for_suid`: in secure mode an LD_PRELOAD entry with a
                // directory, or as long as NAME_MAX, is passed over without a word (the
                // root's /etc/ld.so.preload is not filtered so, nor is an imported module).
                if secure != nil, list == .environment, position >= resolver.environment.importedObjects.count,
                   name.containsSlash || name.utf8.count >= 255 {
                    ignoredInSecureMode.append(.preloadPath(name))
                    continue
                }
                let outcome = mapObject(name, requester: 0, isPreload: true)
                if case .missing(var miss) = outcome {
                    miss.preloadList = list
                    failedPreloads.append(miss)
                }
            }
        }
        // The search list, in which each object's dependencies are looked for in turn: the
        // program and its preloads, then breadth first; filter objects go in before the
        // object that names them (elf/dl-deps.c `_dl_map_object_deps`).
        var searchList = Array(objects.indices)
        var listed = ObjectMarks(searchList.count), processed = ObjectMarks(0)
        var cursor = 0
        while cursor < searchList.count {
            let current = searchList[cursor]
            guard processed.insert(current) else { cursor += 1; continue }
            // Where `current` stands: its filter objects go in here, in order, before it; the
            // cursor stays, so they are processed next (then `current` is passed over).
            var insertion = cursor
            var deps: [Int?] = [], filtees: [Int?] = []
            let dynamic = objects[current].elf.dynamic ?? DynamicSection()
            dynamic.forEachDependencyEntry { entry in
                let outcome = mapObject(dynamic.name(of: entry), requester: current, isPreload: false)
                guard let filter = dynamic.filter(of: entry) else {
                    switch outcome {
                    case .loaded(let index):
                        deps.append(index)
                        if !objects[index].neededBy.contains(current) { objects[index].neededBy.append(current) }
                        if listed.insert(index) { searchList.append(index) }
                    case .missing(let miss):
                        deps.append(nil)
                        noteMissing(miss, neededBy: current)
                    }
                    return
                }
                switch outcome {
                case .loaded(let index):
                    filtees.append(index)
                    if !objects[index].filterOf.contains(current) { objects[index].filterOf.append(current) }
                    if current == 0 {
                        // The program's own (which ld does not write, but a hand can): the
                        // loader puts them before the program, lists them as here, and
                        // crashes relocating them (`LoadGraph.programFilters`).
                        if listed.insert(index) { searchList.append(index) }
                        programFilters.append(index)
                    } else if listed.insert(index) {
                        searchList.insert(index, at: insertion)
                        insertion += 1
                    } else if let at = searchList[(insertion + 1)...].firstIndex(of: index) {
                        // Listed later: moved up, so its symbols are found first. An object
                        // already processed is listed later only when it is a filter whose
                        // filtees are being processed: two objects that are each other's
                        // filter. The loader processes the moved one again, which moves the
                        // other again, without end: it runs out of stack (SIGSEGV).
                        if filterCycle == nil, processed.contains(index) {
                            filterCycle = FilterCycle(filter: current, filtee: index, missingBefore: missing.count)
                        }
                        searchList.remove(at: at)
                        searchList.insert(index, at: insertion)
                        insertion += 1
                    }
                case .missing(var miss):
                    filtees.append(nil)
                    if filter.isAuxiliary {
                        miss.neededBy = [current]
                        absentAuxiliaries.append(miss)
                    } else {
                        noteMissing(miss, neededBy: current, asFilter: true)
                    }
                }
            }
            objects[current].dependencies = deps
            objects[current].filtees = filtees
        }
        if searchList != Array(objects.indices) { reorder(as: searchList) }
        // ld.so joins the search list only when an object names it (as libc does).
        return try graph(interpreterMissing: interpreterMissing)
    }

    /// A set of object indices as flags: the search list marks a few per object, and a
    /// hashed set cost more than the rest of the list's upkeep.
    struct ObjectMarks {
        var marked: [Bool]
        /// The first `count` indices marked.
        init(_ count: Int) { marked = [Bool](repeating: true, count: count) }
        func contains(_ index: Int) -> Bool { index < marked.count && marked[index] }
        /// Marks `index`; false when it was marked already.
        mutating func insert(_ index: Int) -> Bool {
            // (Grown in place: objects are met one at a time, and a fresh array a time was
            // an allocation per library.)
            while index >= marked.count { marked.append(false) }
            defer { marked[index] = true }
            return !marked[index]
        }
    }

    /// A missing library met in `requester`'s dynamic section: one entry per name.
    mutating func noteMissing(_ miss: MissingLibrary, neededBy requester: Int, asFilter: Bool = false) {
        if let existing = missing.firstIndex(where: { SeededByteHash.sameBytes($0.name, miss.name) }) {
            if !missing[existing].neededBy.contains(requester) { missing[existing].neededBy.append(requester) }
            missing[existing].isFilter = missing[existing].isFilter && asFilter
        } else {
            var miss = miss
            miss.neededBy = [requester]
            miss.isFilter = asFilter
            missing.append(miss)
        }
    }

    /// Puts the loaded list in search-list order (`order`: the objects' present indices),
    /// which filter objects made differ from the order they were mapped in, renumbering
    /// every reference to an object.
    mutating func reorder(as order: [Int]) {
        var position = [Int](repeating: 0, count: objects.count)
        for (at, index) in order.enumerated() { position[index] = at }
        func renumbered(_ indices: [Int]) -> [Int] { indices.map { position[$0] }.sorted() }
        objects = order.map { index in
            var object = objects[index]
            object.index = position[index]
            object.loader = object.loader.map { position[$0] }
            object.neededBy = renumbered(object.neededBy)
            object.filterOf = renumbered(object.filterOf)
            object.dependencies = object.dependencies.map { $0.map { position[$0] } }
            object.filtees = object.filtees.map { $0.map { position[$0] } }
            return object
        }
        for at in missing.indices { missing[at].neededBy = missing[at].neededBy.map { position[$0] } }
        for at in absentAuxiliaries.indices { absentAuxiliaries[at].neededBy = absentAuxiliaries[at].neededBy.map { position[$0] } }
        programFilters = programFilters.map { position[$0] }
        if let copy = loaderCopy { loaderCopy?.object = position[copy.object] }
        if let cycle = filterCycle {
            filterCycle = FilterCycle(filter: position[cycle.filter], filtee: position[cycle.filtee], missingBefore: cycle.missingBefore)
        }
        if let assertion = mappingAssertion { mappingAssertion?.object = position[assertion.object] }
    }

    /// What the loader refuses in a library's identification bytes and the kernel does not
    /// check in a program's: it runs such a program.
    static let loaderOnlyRefusals: Set<String> = ["ELF file OS ABI invalid", "ELF file ABI version invalid", "nonzero padding in e_ident"]

    /// What `load_elf_binary` checks before it maps a program: the architecture, the
    /// program header size and count, and that the program headers can be read. (It does
    /// not check `EI_OSABI` or the `e_ident` padding; ld.so does, for libraries only.)
    static func kernelRefusal(_ elf: ELFFile, bytes: FileBytes, path: String) -> ResolveError? {
        if let kind = NonProgramFile.identify(bytes.buffer) { return .notAProgram(path: path, kind: kind) }
        switch CandidateVerdict.judge(bytes.buffer, expecting: .x86_64) {
        case .accept: break
        case .wrongClass(let cls): return .unsupported(path: path, what: "an \(cls) program")
        case .wrongMachine(let machine): return .unsupported(path: path, what: "a program for \(ELFMachine(machine))")
        case .fatal(let message):
            if !loaderOnlyRefusals.contains(message) { return .notRunnable(path: path, reason: message) }
        }
        if elf.programHeaders.isEmpty { return .notRunnable(path: path, reason: "no program headers") }
        return nil
    }

    /// What the run found; it fails instead with a read of ofdoctor's own that failed
    /// (`ownReadFailure`), on which no finding can stand.
    func graph(interpreterMissing: Bool) throws(ResolveError) -> LoadGraph {
        if let ownReadFailure { throw failure(ownReadFailure, loader: accessIdentity ?? .root) }
        let interpIndex = objects.firstIndex(where: { $0.foundVia == .interpreter })
        var graph = LoadGraph(objects: objects, missing: missing, failedPreloads: failedPreloads, platform: platform,
                              environment: resolver.environment, interpreterIndex: interpIndex,
                              interpreterPath: objects.first?.elf.interpreter, interpreterMissing: interpreterMissing,
                              unsafeSearchPath: unsafe)
        graph.searchedDirectories = searched
        graph.interpreterRefusal = interpreterMissing ? interpreterRefusal : nil
        graph.programNotExecutable = programNotExecutable
        graph.programCut = programCut
        graph.programDenial = programDenial
        graph.accessIdentity = accessIdentity
        graph.cacheDenial = cacheDenial
        graph.secureExecution = secure
        graph.secureExecutionWaived = secureWaived
        graph.ignoredInSecureMode = ignoredInSecureMode
        // (checked as the loader sets up the program, before it loads anything)
        graph.programStackRefused = refusesExecutableStack && objects.first.map { RtldTunables.needsExecutableStack($0.elf) } == true
        // (the program's hash table is set up before anything else is loaded; an entry its
        // dynamic section lacks is `ProgramCut`'s or `DynamicEntryHazard`'s)
        graph.mappingAssertion = objects.first.flatMap { program in
            MappingAssertion.first(program.elf, glibc: platform.glibc).flatMap { kind in
                if case .entryAbsent = kind { return nil }
                return MappingAssertion(kind: kind, object: 0, missingBefore: 0)
            }
        } ?? mappingAssertion
        graph.absentAuxiliaries = absentAuxiliaries
        graph.filterCycle = filterCycle
        graph.loaderCopy = loaderCopy
        graph.programFilters = programFilters
        return graph
    }

    /// Reads `PT_INTERP` inside the root; false when the kernel would not find it.
    mutating func loadInterpreter(_ path: String) -> Bool {
        // The kernel opens PT_INTERP as any path: a relative one from the working directory.
        let located = RootPath(path.startsWithSlash ? path : resolver.environment.workingDirectory + "/" + path)
        let resolved: RootView.Resolved?
        do { resolved = try root.resolve(located) } catch {
            // (a link loop is ELOOP to the kernel, not ENOENT; ENOTDIR reads as missing)
            if case .symlinkLoop = error { interpreterRefusal = .symlinkLoop }
            return false
        }
        guard let found = resolved else { return false }
        // There, but perhaps not a file the kernel runs as an interpreter (for another user
        // than root: one it may execute, on a way it may search; the caller's credentials).
        if let refusal = InterpreterRefusal.permission(regular: found.entry.kind == .file, mode: found.entry.mode) {
            interpreterRefusal = refusal
            return false
        }
        let caller = resolver.environment.identity
        if caller.uid != 0, let denial = caller.denial(.execute, path: located, in: root) {
            interpreterRefusal = .denied(denial)
            return false
        }
        guard let elf = readELF(found), elf.header.machine == 62 else {   // EM_X86_64
            let head = (try? root.filesystem.contents(of: found.path)).map { Array($0.buffer.prefix(64)) } ?? []
            interpreterRefusal = InterpreterRefusal.content(size: found.entry.size, head: head) ?? .unreadable("not a valid ELF file")
            return false
        }
        if filesByIdentity[found.entry.identity] == nil { readAhead?.submit(elf) }   // parsed just now
        (interpreterIdentity, interpreterSoname) = (found.entry.identity, elf.dynamic?.soname)
        interpreter = LoadedObject(index: -1, path: located.string, realPath: found.path.string, identity: found.entry.identity,
                                   // (its name is PT_INTERP as written; ld.so adds its own soname at start: elf/rtld.c)
                                   elf: elf, foundVia: .interpreter, loader: nil, neededBy: [],
                                   names: [path] + (elf.dynamic?.soname.map { [$0] } ?? []),
                                   origin: located.parent.string, dependencies: [], trail: [], fileEntry: found.entry)
        return true
    }

    enum MapOutcome {
        case loaded(Int)
        case missing(MissingLibrary)
    }

    // MARK: - _dl_map_object

    /// Absent probes (a dozen hwcaps subdirectories per search directory) are dropped from
    /// a found library's trail: they are recorded only when the search failed, by searching
    /// again (the caches make that cheap and it finds the same).
    mutating func mapObject(_ rawName: String, requester: Int, isPreload: Bool) -> MapOutcome {
        recordsAbsentProbes = false
        let before = (missingProbes, cacheFileRead)
        let outcome = locate(rawName, requester: requester, isPreload: isPreload)
        guard case .missing = outcome else { return outcome }
        recordsAbsentProbes = true
        // The same search again, with the loader's marks as they were (the first pass marked
        // the missing directories that this one must meet as the loader did: for the first time).
        // (slots made by the first pass were unmarked before it)
        missingProbes = before.0 + repeatElement(false, count: missingProbes.count - before.0.count)
        cacheFileRead = before.1
        return locate(rawName, requester: requester, isPreload: isPreload)
    }

    mutating func locate(_ rawName: String, requester: Int, isPreload: Bool) -> MapOutcome {
        // Each search starts from errno 0 as far as its message goes: the previous one either
        // opened its file (open_verify clears errno after a successful open) or was a preload,
        // whose failure is caught and does not reach a later message (measured: a preload's
        // ENOTDIR never shows up on the next library's line).
        lastFailure = .none
        var name = rawName
        // A needed name's tokens are expanded whatever it holds (`expand_dst`); a preloaded
        // name's only when it has a `/` (`_dl_map_object`): `lib$PLATFORM.so` is searched as is.
        if name.containsByte(UInt8(ascii: "$")) && (!isPreload || name.containsSlash) {
            guard let expanded = SearchPath.expandTokens(name, origin: objects[requester].origin, platform: platform,
                                                         secure: secureTokens(for: requester)) else {
                if secure != nil, SearchPath.expandTokens(name, origin: objects[requester].origin, platform: platform) != nil {
                    ignoredInSecureMode.append(.originElement(name, owner: objects[requester].path, source: nil))
                }
                return .missing(MissingLibrary(name: rawName, neededBy: [], trail: [],
                                               reason: "cannot expand dynamic string token", fatalPath: nil))
            }
            name = expanded
        }
        if let index = alreadyLoaded(name) { return .loaded(index) }

        var trail: [Attempt] = []
        var otherClass: String?
        if name.containsSlash {
            let path = name.startsWithSlash ? name : resolver.environment.workingDirectory + "/" + name
            let direct = tryCandidate(RootPath(path).string, source: nil, name: name, trail: &trail, otherClass: &otherClass)
            noteAttempts(trail, from: 0)
            switch direct {
            case .found(let found, let elf):
                return .loaded(admit(found: found, elf: elf, builtPath: name, requestedAs: rawName, via: isPreload ? .preload(nil, preloadList) : .directPath,
                                     requester: requester, isPreload: isPreload, trail: trail))
            case .fatal(let path, let message):
                return .missing(MissingLibrary(name: rawName, neededBy: [], trail: trail, reason: message, fatalPath: path))
            case .next, .endList:
                return .missing(MissingLibrary(name: rawName, neededBy: [], trail: trail,
                                               reason: otherClass.map { "wrong ELF class: \($0)" }
                                                   ?? "cannot open shared object file" + LoaderErrno.tail(lastFailure.code(in: root)),
                                               fatalPath: nil))
            }
        }

        let nodeflib = (objects[requester].elf.dynamic?.flags1 ?? 0) & DynamicFlags1.noDefaultLib != 0
        // A preload in secure mode (`__RTLD_SECURE`): no cache, and only a set-user-ID file.
        let securePreload = isPreload && secure != nil
        takesOnlySetUserID = securePreload
        defer { takesOnlySetUserID = false }
        for path in searchPaths(for: requester) {
            switch search(name, in: path, trail: &trail, otherClass: &otherClass) {
            case .found(let found, let elf, let directory, let element):
                let via: FoundVia = isPreload ? .preload(path.source, preloadList) : .search(path.source, directory: directory)
                return .loaded(admit(found: found, elf: elf, builtPath: (directory == "/" ? "" : directory) + "/" + name, requestedAs: rawName, via: via,
                                     requester: requester, isPreload: isPreload, trail: trail,
                                     spelledPath: path.spelledName(name, in: directory, searchDirectory: element)))
            case .fatal(let at, let message):
                return .missing(MissingLibrary(name: rawName, neededBy: [], trail: trail, reason: message, fatalPath: at))
            case .notFound:
                continue
            }
        }
        // ld.so.cache: read at the first lookup (a root without one: the open's ENOENT); a path
        // under a default directory is dropped for a DF_1_NODEFLIB requester.
        if !cacheFileRead && !securePreload {
            cacheFileRead = true
            if cacheDenied { lastFailure = .code(EACCES) } else if (try? root.resolve(Self.cacheFile)) == nil { lastFailure = .code(ENOENT) }
        }
        if !securePreload, !cacheDenied, let cached = resolver.cache?.lookup(name) {
            let inDefault = platform.defaultDirectories.contains { cached.hasBytePrefix($0 + "/") }
            if nodeflib && inDefault {
                trail.append(Attempt(path: cached, source: .cache, outcome: .nodeflib))
            } else {
                var cacheTrail: [Attempt] = []
                let fromCache = tryCandidate(cached, source: .cache, name: name, trail: &cacheTrail, otherClass: &otherClass)
                noteAttempts(cacheTrail, from: 0)
                switch fromCache {
                case .found(let found, let elf):
                    trail += cacheTrail
                    let via: FoundVia = isPreload ? .preload(.cache, preloadList) : .search(.cache, directory: RootPath(cached).parent.string)
                    return .loaded(admit(found: found, elf: elf, builtPath: cached, requestedAs: rawName, via: via,
                                         requester: requester, isPreload: isPreload, trail: trail))
                case .fatal(let at, let message):
                    trail += cacheTrail
                    return .missing(MissingLibrary(name: rawName, neededBy: [], trail: trail, reason: message, fatalPath: at))
                case .next, .endList:
                    if let last = cacheTrail.last, last.outcome == .absent {
                        trail.append(Attempt(path: cached, source: .cache, outcome: .staleCacheEntry))
                    } else {
                        trail += cacheTrail
                    }
                }
            }
        }
        if !nodeflib {
            let defaults = SearchPath(directories: platform.defaultDirectories, source: .defaultDirectories)
            switch search(name, in: defaults, trail: &trail, otherClass: &otherClass) {
            case .found(let found, let elf, let directory, _):
                let via: FoundVia = isPreload ? .preload(.defaultDirectories, preloadList) : .search(.defaultDirectories, directory: directory)
                return .loaded(admit(found: found, elf: elf, builtPath: (directory == "/" ? "" : directory) + "/" + name, requestedAs: rawName, via: via,
                                     requester: requester, isPreload: isPreload, trail: trail))
            case .fatal(let at, let message):
                return .missing(MissingLibrary(name: rawName, neededBy: [], trail: trail, reason: message, fatalPath: at))
            case .notFound:
                break
            }
        }
        return .missing(MissingLibrary(name: rawName, neededBy: [], trail: trail,
                                       reason: otherClass.map { "wrong ELF class: \($0)" }
                                           ?? "cannot open shared object file" + LoaderErrno.tail(lastFailure.code(in: root)),
                                       fatalPath: nil))
    }

    static let cacheFile = RootPath("/etc/ld.so.cache")

    /// `_dl_name_match_p` and the soname check of `_dl_map_object`, over the loaded list.
    mutating func alreadyLoaded(_ name: String) -> Int? {
        if let index = loadedByName[TextKey(name)] {
            // Found by its soname: the loader adds that to its names (`add_name_to_object`).
            if !objects[index].isNamed(name) { objects[index].names.append(name) }
            return index
        }
        // The program's own link map answers to "" (elf/rtld.c names it so: what
        // dlopen("") returns), so an empty DT_NEEDED is the program itself.
        if name.isEmpty, !objects.isEmpty { return 0 }
        // The loader's list holds the vDSO (after the program) and ld.so (last) from the
        // start; the list is searched in order.
        if let held = vdso, held.answers(to: name) {
            vdso = nil
            return join(held)
        }
        if let interp = interpreter, interp.answers(to: name) {
            return appendInterpreter()
        }
        return nil
    }

    mutating func appendInterpreter() -> Int? {
        guard let interp = interpreter else { return nil }
        interpreter = nil
        return join(interp)
    }

    /// An object the loader had from the start (ld.so, the vDSO) joins the loaded list,
    /// where the first name asking for it put it.
    mutating func join(_ held: LoadedObject) -> Int {
        var object = held
        object.index = objects.count
        objects.append(object)
        register(object.index)
        return object.index
    }

    /// Indexes object `index` by its names and identity, keeping the lowest index for a
    /// name (the loaded list is searched in order). The executable is not a match for
    /// `alreadyLoaded` (`_dl_name_match_p` skips it unless it was loaded as a library).
    mutating func register(_ index: Int) {
        // Fields read in place: a copy of the object retained and released a dozen references.
        guard objects[index].index > 0 || objects[index].foundVia != .executable else { return }
        func note(_ name: String) {
            loadedByName.modify(TextKey(name), default: index) { known in known = Swift.min(known, index) }
        }
        note(objects[index].path)
        for name in objects[index].names { note(name) }
        // (a loader copy's soname is ld.so's, which ld.so itself answers first: it is on the
        // loader's list from the start, before any library)
        if let soname = objects[index].soname, objects[index].foundVia == .interpreter || soname != interpreterSoname { note(soname) }
        let identity = objects[index].identity
        if index > 0, loadedByIdentity[identity] == nil { loadedByIdentity[identity] = index }
    }

    /// The search lists for a requester before the cache: RPATHs (unless it has RUNPATH),
    /// `LD_LIBRARY_PATH`, its own RUNPATH (dl-load.c `_dl_map_object`).
    mutating func searchPaths(for requester: Int) -> [SearchPath] {
        var lists: [SearchPath] = []
        let runpath = objects[requester].elf.dynamic?.runpath
        if runpath == nil {
            var current: Int? = requester
            var visitedMain = false
            var guardCount = 0
            while let index = current, guardCount <= objects.count {
                if let list = rpath(of: index) {
                    lists.append(list)
                    if index == 0 { visitedMain = true }
                }
                current = objects[index].loader
                guardCount += 1
            }
            if !visitedMain, requester != 0, let list = rpath(of: 0) { lists.append(list) }
        }
        if let llp { lists.append(llp) }
        if let runpath {
            lists.append(parsedList(runpath, isRunpath: true, of: requester))
        }
        return lists
    }

    /// A RUNPATH or RPATH list of object `index`, parsed once per text and `$ORIGIN`.
    mutating func parsedList(_ text: String, isRunpath: Bool, of index: Int) -> SearchPath {
        let owner = objects[index].path, origin = objects[index].origin
        let source: SearchSource = isRunpath ? .runpath(owner: owner) : .rpath(owner: owner)
        var list: SearchPath
        // (In secure mode the program's own lists follow stricter rules: kept apart.)
        // (Texts and origins by their bytes: canonically equivalent ones are other directories.)
        let key = TextKey((origin ?? "") + (secure != nil && index == 0 ? "\u{0}program" : ""))
        if let known = parsedLists[key]?.first(where: {
            $0.text.hasSameBytes(as: text) && ($0.origin ?? "\u{0}").hasSameBytes(as: origin ?? "\u{0}") && $0.isRunpath == isRunpath
        }) {
            list = known.list
            list.source = source
        } else {
            list = SearchPath(parsing: text, source: source, origin: origin,
                              platform: platform, workingDirectory: resolver.environment.workingDirectory,
                              secure: secureTokens(for: index))
            parsedLists[key, default: []].append(ParsedList(text: text, origin: origin, isRunpath: isRunpath, list: list))
        }
        if !list.unsafeElements.isEmpty { noteUnsafe(list) }
        for element in list.refusedInSecureMode {
            let omission = SecureModeOmission.originElement(element, owner: owner, source: source)
            if !ignoredInSecureMode.contains(omission) { ignoredInSecureMode.append(omission) }
        }
        return list
    }

    /// The `$ORIGIN` rules for object `index`'s tokens, in secure mode only.
    func secureTokens(for index: Int) -> SearchPath.SecureTokens? {
        guard secure != nil else { return nil }
        return SearchPath.SecureTokens(isProgram: index == 0, systemDirectories: platform.defaultDirectories)
    }

    /// An object's `DT_RPATH`; ignored when it also has `DT_RUNPATH` (elf/dynamic-link.h).
    mutating func rpath(of index: Int) -> SearchPath? {
        guard let dynamic = objects[index].elf.dynamic, dynamic.runpath == nil, let rpath = dynamic.rpath else { return nil }
        return parsedList(rpath, isRunpath: false, of: index)
    }

    /// Each occurrence of the list's unsafe elements (`::` is two), for the elements no list of
    /// its source named before: the same RPATH of several objects is noted once.
    mutating func noteUnsafe(_ list: SearchPath) {
        let before = unsafe
        for element in list.unsafeElements where !before.contains(where: { $0.source == list.source && $0.element == element }) {
            unsafe.append((list.source, element))
        }
    }

    enum SearchOutcome {
        /// `directory`: the probe the file was in; `element`: the list's directory it belongs to.
        case found(RootView.Resolved, ELFFile, directory: String, element: String)
        case fatal(path: String, message: String)
        case notFound
    }

    /// `open_path`: each directory, with its hwcaps subdirectories first.
    mutating func search(_ name: String, in list: SearchPath, trail: inout [Attempt], otherClass: inout String?) -> SearchOutcome {
        let key = TextKey(name)   // hashed once for every probe's listing
        for directory in list.directories {
            // By index, fields read in place: a copy of each probe retained its strings and set.
            let places = probes(of: directory)
            // (the directory's own probe, last, is spelled as the directory)
            if let own = places.last?.slot, !searchedProbes[own] {
                searchedProbes[own] = true
                searched.append((directory, list.source))
            }
            for k in places.indices {
                // (a hwcaps subdirectory that exists is looked in first: a place of its own)
                if k != places.count - 1, places[k].listing != nil, !searchedProbes[places[k].slot] {
                    searchedProbes[places[k].slot] = true
                    searched.append((places[k].directory, list.source))
                }
                // For a user other than root, a directory it cannot search fails every open there.
                if accessIdentity != nil, places[k].listing != nil, let denial = deniedSearch(places[k].directory) {
                    noteDeniedProbe(places[k], reachable: denial.reachable)
                    let held = places[k].listing?.mayHold(key) == true
                    if held || recordsAbsentProbes {
                        trail.append(Attempt(directory: places[k].directory, name: name, source: list.source,
                                             outcome: held ? .permissionDenied(denial.denial) : .absent,
                                             searchDirectory: directory))
                    }
                    continue
                }
                guard places[k].listing?.mayHold(key) == true, let resolved = places[k].listing?.resolved else {
                    noteAbsentProbe(places[k], name: name)
                    guard recordsAbsentProbes else { continue }
                    trail.append(Attempt(directory: places[k].directory, name: name, source: list.source, outcome: .absent,
                                         searchDirectory: directory))
                    continue
                }
                let probeDirectory = places[k].directory
                let path = (probeDirectory == "/" ? "" : probeDirectory) + "/" + name
                let before = trail.count
                defer { for i in before..<trail.count { trail[i].searchDirectory = directory } }
                let outcome = tryCandidate(path, source: list.source, name: name, trail: &trail, otherClass: &otherClass,
                                           inDirectory: resolved)
                noteAttempts(trail, from: before)
                switch outcome {
                case .found(let found, let elf): return .found(found, elf, directory: probeDirectory, element: directory)
                case .fatal(let at, let message): return .fatal(path: at, message: message)
                // open_path tries every probe of a directory and then judges the errno of the
                // last open: the directory itself, always probed last. A loop in a hwcaps or
                // legacy subdirectory is overwritten by that open's ENOENT (or its success).
                case .endList: if isOwnProbe(k, of: places) { return .notFound } else { continue }
                case .next: continue
                }
            }
        }
        return .notFound
    }

    /// The errno an absent probe leaves: ENOENT from the open in a directory that exists; in
    /// one that does not, the open's (and the stat's) the first time only, since the loader
    /// then marks the directory and skips it.
    mutating func noteAbsentProbe(_ probe: Probe, name: String) {
        if probe.listing != nil { lastFailure = .code(ENOENT); return }
        guard !missingProbes[probe.slot] else { return }
        missingProbes[probe.slot] = true
        lastFailure = .missing((probe.directory == "/" ? "" : probe.directory) + "/" + name)
    }

    /// The errno of each failed open `tryCandidate` recorded since `start`, in order.
    mutating func noteAttempts(_ trail: [Attempt], from start: Int) {
        for attempt in trail[start...] {
            switch attempt.outcome {
            case .symlinkLoop: lastFailure = .code(ELOOP)
            case .absent: lastFailure = .missing(attempt.path)
            case .danglingLink, .wrongClass, .wrongMachine, .staleCacheEntry: lastFailure = .code(ENOENT)
            case .permissionDenied: lastFailure = .code(EACCES)
            case .taken, .fatal, .refusedWhenMapped, .pastEndOfFile, .nodeflib, .notSetUserID: break
            }
        }
    }

    /// The errno a probe of a directory the user may not search leaves: EACCES each time in one
    /// it can reach; in one it cannot, EACCES the first time only (the loader's stat fails
    /// too, and it marks the directory missing, as `noteAbsentProbe` does).
    mutating func noteDeniedProbe(_ probe: Probe, reachable: Bool) {
        if reachable || !missingProbes[probe.slot] {
            missingProbes[probe.slot] = true
            lastFailure = .code(EACCES)
        }
    }

    /// Why the user may not look names up in `directory` (nil: it may; always for root), and
    /// whether it can reach it all the same.
    mutating func deniedSearch(_ directory: String) -> (denial: AccessDenial, reachable: Bool)? {
        guard let who = accessIdentity else { return nil }
        let key = TextKey(directory)
        let access: DirectoryAccess
        if let known = directoryAccess[key] {
            access = known
        } else {
            let path = RootPath(directory)
            if let denial = who.denial(.execute, path: path.parent, in: root) {
                access = .unreachable(denial)
            } else if let denial = who.denial(.execute, path: path, in: root) {
                access = .reachableOnly(denial)
            } else {
                access = .searchable
            }
            directoryAccess[key] = access
        }
        switch access {
        case .searchable: return nil
        case .reachableOnly(let denial): return (denial, true)
        case .unreachable(let denial): return (denial, false)
        }
    }

    /// True for the directory's own probe, which comes after all its subdirectories.
    func isOwnProbe(_ k: Int, of places: [Probe]) -> Bool { k == places.count - 1 }

    /// One place a search directory is probed: itself or one of its hwcaps subdirectories.
    struct Probe {
        var directory: String
        var listing: DirectoryListing?
        /// Its marks' index in `missingProbes` and `searchedProbes` (`probeSlot(of:)`).
        var slot: Int
    }

    /// The slot of a probe directory's marks, made unmarked the first time it is spelled so.
    mutating func probeSlot(of directory: String) -> Int {
        let key = TextKey(directory)
        if let known = probeSlots[key] { return known }
        probeSlots[key] = missingProbes.count
        missingProbes.append(false)
        searchedProbes.append(false)
        return missingProbes.count - 1
    }

    /// The places `directory` is probed, in order, each listed once per resolution.
    mutating func probes(of directory: String) -> [Probe] {
        let key = TextKey(directory)
        if let known = directoryProbes[key] { return known }
        // The directory is listed first: a subdirectory whose first component it does not
        // hold (`glibc-hwcaps`, `tls`, `x86_64` are absent from most) cannot exist, and
        // needs no walk from `/` to say so.
        let own = listing(of: directory)
        let base = directory == "/" ? "" : directory
        var probes: [Probe] = []
        probes.reserveCapacity(subdirectories.count)
        for k in subdirectories.indices {
            let sub = subdirectories[k]
            if sub.isEmpty { probes.append(Probe(directory: directory, listing: own, slot: probeSlot(of: directory))); continue }
            let dir = base + "/" + sub
            // (A directory that cannot be listed says nothing: then the walk decides.) An
            // absent one is not kept among the listings: only probes ask for it.
            if let own, !own.mayHold(subdirectoryHeads[k]) {
                probes.append(Probe(directory: dir, listing: nil, slot: probeSlot(of: dir)))
                continue
            }
            probes.append(Probe(directory: dir, listing: listing(of: dir), slot: probeSlot(of: dir)))
        }
        directoryProbes[key] = probes
        return probes
    }

    /// The real directory `path`'s parent leads to, resolved once per parent (cache and
    /// direct-path candidates share a few directories); nil when it is not a directory or
    /// cannot be resolved, and then the candidate takes the full walk with its errors.
    mutating func resolvedParent(of path: String) -> RootPath? {
        let parent = RootPath(path).parent
        if let known = resolvedParents[parent] { return known }
        var found: RootPath?
        if let resolved = try? root.resolve(parent), resolved.entry.kind == .directory { found = resolved.path }
        resolvedParents[parent] = .some(found)
        return found
    }

    /// Where `dir` leads and what it holds; nil when it is absent or not a directory.
    mutating func listing(of dir: String) -> DirectoryListing? {
        let key = TextKey(dir)
        if let cached = directoryListings[key] { return cached }
        var found: DirectoryListing?
        if let resolved = try? root.resolve(RootPath(dir)), resolved.entry.kind == .directory {
            do {
                let list = try root.filesystem.names(in: resolved.path)
                var names = Set<TextKey>(minimumCapacity: list.count)
                for name in list { names.insert(TextKey(name)) }
                found = DirectoryListing(resolved: resolved.path, names: names)
            } catch .io(_, _, EACCES) {
                // (whether the user may search it is `deniedSearch`'s to say, before any name)
                found = DirectoryListing(resolved: resolved.path, names: nil)
            } catch {
                noteReadFailure(error)
            }
        }
        directoryListings[key] = .some(found)
        return found
    }

    enum CandidateOutcome {
        case found(RootView.Resolved, ELFFile)
        case fatal(path: String, message: String)
        /// Passed over; the search goes on.
        case next
        /// An open error other than "absent" (ELOOP): this path list ends.
        case endList
    }

    /// - Parameter inDirectory: the resolved directory `path` lies in, when known; then
    ///   `name` is `path`'s last component, and only it is looked up.
    mutating func tryCandidate(_ path: String, source: SearchSource?, name: String, trail: inout [Attempt],
                               otherClass: inout String?, inDirectory: RootPath? = nil) -> CandidateOutcome {
        let attemptSource = source ?? .defaultDirectories
        let resolved: RootView.Resolved?
        do {
            if let inDirectory {
                // `search` passes a name its listing of `inDirectory` holds: the path's last
                // component, as it is (no path to build and split again).
                resolved = try root.resolve(name, inResolvedDirectory: inDirectory)
            } else if let directory = resolvedParent(of: path) {
                resolved = try root.resolve(RootPath(path).lastComponent, inResolvedDirectory: directory)
            } else {
                resolved = try root.resolve(RootPath(path))
            }
        } catch .symlinkLoop {
            trail.append(Attempt(path: path, source: attemptSource, outcome: .symlinkLoop))
            return .endList
        } catch {
            noteReadFailure(error)
            trail.append(Attempt(path: path, source: attemptSource, outcome: .absent))
            return .next
        }
        guard let found = resolved else {
            if let target = try? root.linkTarget(at: RootPath(path)) {
                // (the link's own real path: /lib/x86_64-linux-gnu/x and /usr/lib/x86_64-linux-gnu/x
                // are one link in a merged /usr)
                let link = ((try? root.resolveParents(RootPath(path))) ?? nil)?.path.string ?? path
                trail.append(Attempt(path: path, source: attemptSource, outcome: .danglingLink(target: target, link: link)))
            } else {
                trail.append(Attempt(path: path, source: attemptSource, outcome: .absent))
            }
            return .next
        }
        if found.entry.kind == .directory {
            // read(2) fails with EISDIR, which ld.so's own minimal strerror does not name: it
            // prints "Error 21" (loader.md).
            let message = "cannot read file data" + LoaderErrno.tail(EISDIR)
            trail.append(Attempt(path: path, source: attemptSource, outcome: .fatal(message)))
            return .fatal(path: path, message: message)
        }
        guard found.entry.kind == .file else {
            trail.append(Attempt(path: path, source: attemptSource, outcome: .absent))
            return .next
        }
        // open(2) as the identity: EACCES is passed over as ENOENT is (`open_path`).
        if let who = accessIdentity, let denial = who.denial(.read, path: RootPath(path), in: root) {
            trail.append(Attempt(path: path, source: attemptSource, outcome: .permissionDenied(denial)))
            return .next
        }
        if let known = filesByIdentity[found.entry.identity] {
            return map(found, known, path: path, source: attemptSource, trail: &trail)
        }
        let bytes: FileBytes
        do {
            bytes = try root.filesystem.contents(of: found.path, listedSize: found.entry.size)
        } catch {
            noteReadFailure(error)
            trail.append(Attempt(path: path, source: attemptSource, outcome: .absent))
            return .next
        }
        switch CandidateVerdict.judge(bytes.buffer, expecting: expectation) {
        case .accept:
            do {
                let elf = try ELFFile(bytes: bytes, path: path)
                filesParsed += 1
                if filesParsed > Self.residentFiles { bytes.dropResidentPages() } else { readAhead?.submit(elf) }
                filesByIdentity[found.entry.identity] = elf
                return map(found, elf, path: path, source: attemptSource, trail: &trail)
            } catch {
                // A file the loader maps all the same, read as it reads it, and taken:
                // - names and no string table: it crashes reading them or relocating it
                //   (`lostForRelocation`), whatever copy comes later;
                // - tables that run past the file's end: it reads them from the mapping, zeros
                //   to the end of the file's last page, and uses what that leaves (a dynamic
                //   section ended early, say); a page past it kills it where it is touched, and
                //   so does a lost table relocation reads (`relocatesAsDescribed`), or one its
                //   first read of the dynamic section does (`lostForMapping`).
                var mapped: ELFFile?
                if case .namesWithoutStringTable = error {
                    mapped = try? ELFFile(bytes: bytes, path: path, namesWithoutStringTable: true)
                }
                var cut: PastEndOfFile?
                if mapped == nil {
                    cut = PastEndOfFile.of(bytes: bytes) ?? PastEndOfFile.dynamicSectionCut(bytes: bytes)
                    if cut == nil || cut?.stage == .dynamicSectionCut, let padded = PastEndOfFile.zeroPadded(bytes),
                       let elf = try? ELFFile(bytes: padded, path: path, fileSize: bytes.buffer.count), elf.relocatesAsDescribed,
                       elf.lostForMapping == nil {
                        mapped = elf
                    }
                }
                if let mapped {
                    filesParsed += 1
                    filesByIdentity[found.entry.identity] = mapped
                    return map(found, mapped, path: path, source: attemptSource, trail: &trail)
                }
                if let cut {
                    trail.append(Attempt(path: path, source: attemptSource, outcome: .pastEndOfFile(cut)))
                    return .fatal(path: path, message: cut.description)
                }
                let message = "malformed: \(error.description)"
                trail.append(Attempt(path: path, source: attemptSource, outcome: .fatal(message)))
                return .fatal(path: path, message: message)
            }
        case .wrongClass(let cls):
            otherClass = cls
            trail.append(Attempt(path: path, source: attemptSource, outcome: .wrongClass(cls, file: found.path.string)))
            return .next
        case .wrongMachine(let machine):
            trail.append(Attempt(path: path, source: attemptSource, outcome: .wrongMachine(machine, file: found.path.string)))
            return .next
        case .fatal(let message):
            trail.append(Attempt(path: path, source: attemptSource, outcome: .fatal(message)))
            return .fatal(path: path, message: message)
        }
    }

    /// A verified candidate as the loader maps it: taken, or refused fatally
    /// (`MappingRefusal`) — never a file already loaded (the same file is reused), nor the
    /// interpreter, which is always loaded. (Mutating though it changes nothing: called from
    /// `tryCandidate` as a plain method, it got a copy of the whole state each time.)
    mutating func map(_ found: RootView.Resolved, _ elf: ELFFile, path: String, source: SearchSource,
             trail: inout [Attempt]) -> CandidateOutcome {
        if takesOnlySetUserID && found.entry.mode & 0o4000 == 0 {
            trail.append(Attempt(path: path, source: source, outcome: .notSetUserID))
            lastFailure = .code(ENOENT)
            return .next
        }
        let identity = found.entry.identity
        if loadedByIdentity[identity] == nil, interpreter?.identity != identity {
            let cut = PastEndOfFile.of(elf)
            if let refusal = MappingRefusal.reason(elf, glibc: platform.glibc, cutAt: cut?.stage,
                                                   refusesExecutableStack: refusesExecutableStack) {
                trail.append(Attempt(path: path, source: source, outcome: .refusedWhenMapped(refusal)))
                return .fatal(path: path, message: refusal)
            }
            // (a cut only relocation touches kills the loader after every object is mapped and
            // its versions checked: the object loads, and its finding comes with the symbols')
            if let cut, cut.stage != .relocation {
                trail.append(Attempt(path: path, source: source, outcome: .pastEndOfFile(cut)))
                return .fatal(path: path, message: cut.description)
            }
        }
        trail.append(Attempt(path: path, source: source, outcome: .taken))
        return .found(found, elf)
    }

    func readELF(_ found: RootView.Resolved) -> ELFFile? {
        if let known = filesByIdentity[found.entry.identity] { return known }
        guard let bytes = try? root.filesystem.contents(of: found.path, listedSize: found.entry.size) else { return nil }
        let elf = try? ELFFile(bytes: bytes, path: found.path.string)
        bytes.dropResidentPages()
        return elf
    }

    /// Adds a found file to the loaded list, or reuses the object with the same
    /// (st_dev, st_ino) (`_dl_map_object_from_fd`).
    mutating func admit(found: RootView.Resolved, elf: ELFFile, builtPath: String, requestedAs: String, via: FoundVia,
                        requester: Int, isPreload: Bool, trail: [Attempt], spelledPath: String? = nil) -> Int {
        let path = builtPath
        // ld.so's own link map answers only to its names (PT_INTERP as written and its soname,
        // `alreadyLoaded`): it has no file identity to compare (elf/rtld.c), so another path to
        // its file maps a second copy, as does any other file with its soname (`loaderCopy`).
        let identity = found.entry.identity
        let isLoader = identity == interpreterIdentity || (interpreterSoname != nil && elf.dynamic?.soname == interpreterSoname)
        if let existing = loadedByIdentity[identity], objects[existing].foundVia != .interpreter {
            if !objects[existing].names.contains(where: { SeededByteHash.sameBytes($0, requestedAs) }) {
                objects[existing].names.append(requestedAs)
            }
            register(existing)
            return existing
        }
        let index = objects.count
        objects.append(LoadedObject(index: index, path: path, realPath: found.path.string, identity: found.entry.identity,
                                    elf: elf, foundVia: via, loader: isPreload ? nil : requester, neededBy: [],
                                    names: [requestedAs], origin: Resolver.directoryName(path), dependencies: [],
                                    trail: trail.filter { $0.outcome != .absent }, spelledPath: spelledPath,
                                    fileEntry: found.entry))
        if isLoader {
            if loaderCopy == nil { loaderCopy = LoaderCopy(object: index, sameFile: identity == interpreterIdentity) }
            loadedByIdentity[identity] = index   // (the copy has a file identity: a third path reuses it)
        }
        // (mapping it, the loader reads its dynamic section, then sets up its hash table, and
        // asserts on what each holds, or dies reading an entry it lacks)
        if mappingAssertion == nil, let kind = MappingAssertion.first(elf, glibc: platform.glibc) {
            mappingAssertion = MappingAssertion(kind: kind, object: index, missingBefore: missing.count)
        }
        register(index)
        return index
    }
}

import ELFInspect
import RootFS
import Support

/// The directories `ldconfig` scans, in its order (glibc elf/ldconfig.c `parse_conf`,
/// `parse_conf_include`, `add_dir_1`, `add_single_dir`, `add_glibc_hwcaps_subdirectories`):
/// `/etc/ld.so.conf` with its `include` globs, then the built-in directories. Every read goes
/// through `RootView`, so this works on any `--root` and on a simulated overlay.
public struct LdSoConf: Equatable, Sendable {
    /// One directory ldconfig will scan.
    public struct Directory: Equatable, Sendable {
        /// As ldconfig spells it (trailing blanks and slashes dropped): cache values start with it.
        public var path: String
        /// (st_dev, st_ino) of the directory the spelling leads to; duplicates are dropped by it.
        public var identity: FileIdentity
        /// The config file and line that named it (`<builtin>`, 0 for the built-ins).
        public var origin: Origin
        /// The `DIR=libc6` type (`FLAG_ELF_LIBC6` 3, …), or -1 (`FLAG_ANY`) when none was given.
        public var libraryType: Int32
        /// For `DIR/glibc-hwcaps/NAME`: `NAME` (such directories are not descended into further).
        public var glibcHWCaps: String?

        public init(path: String, identity: FileIdentity, origin: Origin, libraryType: Int32 = -1, glibcHWCaps: String? = nil) {
            self.path = path
            self.identity = identity
            self.origin = origin
            self.libraryType = libraryType
            self.glibcHWCaps = glibcHWCaps
        }
    }

    public struct Origin: Equatable, Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public static let builtin = Origin(file: "<builtin>", line: 0)
        public var description: String { "\(file):\(line)" }
    }

    /// Something ldconfig would warn about (or, for loops, never finish).
    public enum Note: Equatable, Sendable, CustomStringConvertible {
        /// `hwcap` lines are ignored since glibc 2.37's predecessors (`hwcap directive ignored`).
        case hwcapIgnored(Origin)
        /// `DIR=TYPE` with an unknown TYPE (`is not a known library type`).
        case unknownLibraryType(Origin, String)
        /// An include of a file already being read; real ldconfig recurses until it runs out of
        /// file descriptors (through a tree that doubles per level when a glob matches two
        /// such files: it never ends), so it is skipped here. Noted once per file.
        case includeLoop(Origin, String)
        /// Nesting or fan-out beyond `maxDepth` / `maxFiles`. Noted once per file.
        case includeLimit(Origin, String)
        /// A config file that exists but could not be read.
        case unreadable(String, String)
        /// A file or directory of the configuration ofdoctor was refused (EACCES, EPERM): it
        /// runs as a user who may not read what ldconfig, run as root, reads.
        case denied(String)
        /// A FIFO, socket or device where a configuration file is named: ldconfig opens it
        /// and reads (a FIFO: waits for a writer that never comes, a device: may never end).
        case notAFile(String)
        /// A configuration file past `largestFile` bytes: not read (a sparse file of
        /// gigabytes, whose NULs end every line ldconfig reads of it, took ofdoctor 26 s and
        /// 6 GB of memory for 3 GB; ldconfig reads it whole).
        case tooLarge(String, size: Int)
        /// Entries past `maxEntries` across all files, from this file on: not read (each is a
        /// path to resolve, and a megabyte of one-letter lines is a hundred thousand of them).
        case tooManyEntries(String)

        public var description: String {
            switch self {
            case .hwcapIgnored(let o): return "\(o): hwcap directive ignored"
            case .unknownLibraryType(let o, let t): return "\(o): \(t) is not a known library type"
            case .includeLoop(let o, let f): return "\(o): include loop: \(f) is already being read; skipped"
            case .includeLimit(let o, let f): return "\(o): \(f) not read: includes nest or fan out too far"
            case .unreadable(let f, let why): return "\(f): ignoring configuration file that cannot be read: \(why)"
            case .denied(let f): return "\(f): ofdoctor may not read it; ldconfig, run as root, would"
            case .notAFile(let f): return "\(f): not a regular file (a FIFO, socket or device); ldconfig would block or read without end on it"
            case .tooLarge(let f, let size): return "\(f): \(size) bytes, more than the \(LdSoConf.largestFile >> 20) MiB ofdoctor reads of a configuration file; not read (ldconfig reads it whole)"
            case .tooManyEntries(let f): return "\(f): past \(LdSoConf.maxEntries) entries in the configuration's files; the rest not read (ldconfig reads them all)"
            }
        }
    }

    public var directories: [Directory]
    /// A directory the configuration names that does not exist (ldconfig passes over it):
    /// read at the first ldconfig after someone makes it.
    public struct AbsentDirectory: Equatable, Sendable {
        public var path: String
        public var origin: Origin
        /// Its place in ldconfig's order: it would come before `directories[before]` (and
        /// after every directory before that).
        public var before: Int
    }

    /// The config files read, in order.
    public var files: [String]
    public var notes: [Note]
    /// Directories named but absent, in the order named (each spelling once).
    public var absentDirectories: [AbsentDirectory] = []

    public static let maxDepth = 32
    public static let maxFiles = 1000
    /// The largest configuration file read (a real one is a few hundred bytes).
    public static let largestFile = 1 << 20
    /// The most entries (directory, include and hwcap lines) read across all files (a real
    /// configuration has a few dozen).
    public static let maxEntries = 20_000

    /// The entries of an ld.so.conf file as ldconfig reads its lines: each cut at NUL (a C
    /// string) and at `#` (a comment; the format has no quoting), leading white space
    /// dropped, blank ones skipped; `body` gets the 1-based line number and the text.
    public static func forEachEntry(in bytes: [UInt8], _ body: (_ line: Int, _ text: [UInt8]) -> Void) {
        var lineNumber = 0
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Array(rawLine.prefix { $0 != 0 })
            if let hash = line.firstIndex(of: UInt8(ascii: "#")) { line.removeSubrange(hash...) }
            guard let start = line.firstIndex(where: { !isSpace($0) }) else { continue }
            body(lineNumber, Array(line[start...]))
        }
    }

    /// isspace(3) in the C locale.
    public static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0d) }

    /// Reads `configFile` inside `root`, then adds `builtins`: by default Debian 12 x86-64's,
    /// the loader's own default directories (`ldconfig -v` with an empty config lists them).
    /// - Parameter glibc: the root's glibc, whose ldconfig this models; nil reads it from the
    ///   root. Before 2.33 ldconfig adds no `glibc-hwcaps/` subdirectories.
    public init(root: RootView, configFile: String = "/etc/ld.so.conf", builtins: [String] = LoaderPlatform.debianDefaultDirectories,
                glibc: GlibcVersion? = nil) {
        let version = glibc ?? GlibcVersion.read(root: root)?.version ?? TargetSystem.fallbackGlibc
        var reader = Reader(root: root, glibcHWCaps: LoaderPlatform.hasGlibcHWCaps(version))
        reader.parse(file: configFile, from: nil, stack: [])
        for dir in builtins { reader.addDirectory(dir, origin: .builtin) }
        directories = reader.directories
        files = reader.files
        notes = reader.notes
        absentDirectories = reader.absent
    }

    public init(directories: [Directory], files: [String] = [], notes: [Note] = []) {
        self.directories = directories
        self.files = files
        self.notes = notes
    }

    /// The include loops found (`.includeLoop` notes).
    public var includeLoops: [Note] {
        notes.filter { if case .includeLoop = $0 { true } else { false } }
    }

    /// Why `ldconfig` must not be run on this configuration, or nil. ldconfig follows an
    /// include loop until it runs out of descriptors, and through a glob that matches two
    /// looping files it never finishes; a run is refused before it starts.
    public var ldconfigRefusal: String? { ldconfigObstacle?.refusal }

    /// What in this configuration makes ldconfig unsafe to run, or unforeseeable, or nil.
    public var ldconfigObstacle: LdconfigObstacle? {
        for note in notes {
            switch note {
            // (another reason to refuse comes first: it holds for root too)
            case .notAFile(let file): return .notAFile(file)
            // (what ldconfig would make of it was not read, so no plan's proof holds)
            case .tooLarge(let file, let size): return .tooLarge(file, size: size)
            case .tooManyEntries(let file): return .tooManyEntries(file)
            default: continue
            }
        }
        if case .includeLoop(let origin, let file)? = includeLoops.first { return .includeLoop(origin: origin.description, file: file) }
        return notes.lazy.compactMap { if case .denied(let path) = $0 { LdconfigObstacle.denied(path) } else { nil } }.first
    }

    /// ldconfig.c `lib_types`.
    static let libraryTypes: [String: Int32] = ["libc4": 0, "libc5": 2, "libc6": 3, "glibc2": 3]
}

/// The mutable state of one `LdSoConf` read.
private struct Reader {
    let root: RootView
    var directories: [LdSoConf.Directory] = []
    var files: [String] = []
    var notes: [LdSoConf.Note] = []
    var absent: [LdSoConf.AbsentDirectory] = []
    /// `directories` by (st_dev, st_ino), and the absent spellings: a configuration of a
    /// hundred thousand lines (a megabyte) is read in linear time, not quadratic.
    private var positions = FileIdentityMap<Int>()
    private var absentSpellings: Set<TextKey> = []
    /// Entries read so far, across files (`LdSoConf.maxEntries`).
    private var entries = 0
    /// Files read (resolved), and files already noted as a loop or past a limit.
    /// (By path string: a set of `RootPath` cost a one-time runtime conformance scan.)
    private var visited: Set<TextKey> = []
    private var noted: Set<TextKey> = []
    /// Memos for one read (the root does not change under it): a glob that every file
    /// includes is expanded once, and each name is resolved once.
    private var expansions: [TextKey: [String]] = [:]
    /// The paths `.denied` notes name (each once).
    private var deniedPaths: Set<TextKey> = []
    private var resolved: [TextKey: RootPath] = [:]
    /// Whether this ldconfig adds `DIR/glibc-hwcaps/*` (glibc 2.33+).
    let glibcHWCaps: Bool

    init(root: RootView, glibcHWCaps: Bool) {
        self.root = root
        self.glibcHWCaps = glibcHWCaps
    }

    /// Reads each file once: ldconfig rereads a file included twice, but its directories
    /// are then already listed (by inode, `addSingle`), so a second read adds nothing but a
    /// repeated `=TYPE`; reading once keeps files that all include each other linear.
    mutating func parse(file: String, from origin: LdSoConf.Origin?, stack: [RootPath]) {
        let rootPath = RootPath(file)
        let real = resolved[TextKey(file)] ?? (try? root.resolve(rootPath))??.path ?? rootPath
        resolved[TextKey(file)] = real
        if let origin {
            if stack.contains(real) {
                if noted.insert(TextKey(real.string)).inserted { notes.append(.includeLoop(origin, file)) }
                return
            }
            if visited.contains(TextKey(real.string)) { return }
            if stack.count >= LdSoConf.maxDepth || files.count >= LdSoConf.maxFiles {
                if noted.insert(TextKey(real.string)).inserted { notes.append(.includeLimit(origin, file)) }
                return
            }
        }
        visited.insert(TextKey(real.string))
        // (past the budget no file is read: its entries would not be)
        guard entries <= LdSoConf.maxEntries else { return }
        let bytes: [UInt8]
        do throws(RootError) {
            // (a large file is mapped, not read: only copying its bytes would cost)
            let contents = try root.contents(of: rootPath)
            guard contents.count <= LdSoConf.largestFile else {
                notes.append(.tooLarge(file, size: contents.count))
                return
            }
            bytes = contents.bytes
        } catch {
            // fopen's ENOENT is silent (a missing config or a dangling glob hit); a directory
            // opens but reads nothing; others warn.
            if case .notFound = error { return }
            if case .io(_, _, 21) = error {
                if (try? root.resolve(rootPath))??.entry.kind == .other { notes.append(.notAFile(file)) }
                return
            }
            if error.isPermission { return deny(file) }
            notes.append(.unreadable(file, error.description))
            return
        }
        files.append(file)
        LdSoConf.forEachEntry(in: bytes) { lineNumber, text in
            entries += 1
            guard entries <= LdSoConf.maxEntries else {
                if entries == LdSoConf.maxEntries + 1 { notes.append(.tooManyEntries(file)) }
                return
            }
            let here = LdSoConf.Origin(file: file, line: lineNumber)
            if text.count > 7, text.starts(with: Array("include".utf8)), Self.isBlank(text[7]) {
                for word in text[8...].split(whereSeparator: Self.isBlank) {
                    include(pattern: ByteString.decode(word), configFile: file, origin: here,
                            stack: stack + [real])
                }
            } else if text.count > 5, String(decoding: text[0..<5], as: UTF8.self).lowercased() == "hwcap", Self.isBlank(text[5]) {
                notes.append(.hwcapIgnored(here))
            } else {
                addDirectory(ByteString.decode(text), origin: here)
            }
        }
    }

    /// `parse_conf_include`: a relative pattern is relative to the including file's directory.
    mutating func include(pattern: String, configFile: String, origin: LdSoConf.Origin, stack: [RootPath]) {
        var full = pattern
        if !pattern.startsWithSlash, let slash = configFile.lastSlashIndex {
            let dir = configFile[..<slash]
            full = (dir.isEmpty ? "" : String(dir)) + "/" + pattern
        }
        var denied: [String] = []
        let matches = expansions[TextKey(full)] ?? LdSoConfGlob.expand(full, in: root, denied: &denied)
        expansions[TextKey(full)] = matches
        for path in denied { deny(path) }
        for match in matches {
            parse(file: match, from: origin, stack: stack)
        }
    }

    /// `add_dir_1` + `add_single_dir`, then the directory's glibc-hwcaps subdirectories.
    mutating func addDirectory(_ line: String, origin: LdSoConf.Origin) {
        var bytes = Array(line.utf8)
        var libraryType: Int32 = -1
        if let equal = bytes.firstIndex(of: UInt8(ascii: "=")) {
            let type = String(decoding: bytes[(equal + 1)...], as: UTF8.self)
            bytes.removeSubrange(equal...)
            if let known = LdSoConf.libraryTypes[type] { libraryType = known } else { notes.append(.unknownLibraryType(origin, type)) }
        }
        while let last = bytes.last, LdSoConf.isSpace(last) { bytes.removeLast() }
        while bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        guard !bytes.isEmpty else { return }
        let spelling = String(decoding: bytes, as: UTF8.self)
        let resolved: RootView.Resolved??
        do { resolved = try root.resolve(RootPath(spelling)) } catch {
            if error.isPermission { deny(spelling) }
            resolved = nil
        }
        guard let found = resolved, let target = found, target.entry.kind == .directory else {
            // (nothing there at all, not a file or a loop: someone may make it)
            if case .some(.none) = resolved, spelling.startsWithSlash, absentSpellings.insert(TextKey(spelling)).inserted {
                absent.append(LdSoConf.AbsentDirectory(path: spelling, origin: origin, before: directories.count))
            }
            return
        }
        let entry = LdSoConf.Directory(path: spelling, identity: target.entry.identity, origin: origin, libraryType: libraryType)
        guard addSingle(entry), glibcHWCaps else { return }
        addGlibcHWCaps(of: entry, realPath: target.path)
    }

    /// Dedup by (st_dev, st_ino): the first spelling stays, the newer `=TYPE` wins.
    mutating func addSingle(_ entry: LdSoConf.Directory) -> Bool {
        if let k = positions[entry.identity] {
            directories[k].libraryType = entry.libraryType
            return false
        }
        positions[entry.identity] = directories.count
        directories.append(entry)
        return true
    }

    /// `add_glibc_hwcaps_subdirectories`: `DIR/glibc-hwcaps/*` that are directories (links
    /// followed), not hidden, not regular files, no `:` in the name; in readdir order.
    mutating func addGlibcHWCaps(of entry: LdSoConf.Directory, realPath: RootPath) {
        let hwcapsDir = realPath.appending("glibc-hwcaps")
        let names: [String]
        do { names = try root.names(in: hwcapsDir) } catch {
            if error.isPermission { deny(hwcapsDir.string) }
            return
        }
        for name in names where !name.hasBytePrefix(".") && !name.containsByte(UInt8(ascii: ":")) {
            let sub = hwcapsDir.appending(name)
            guard let own = try? root.resolveParents(sub), own.entry.kind != .file,
                  let target = try? root.resolve(sub), target.entry.kind == .directory else { continue }
            let child = LdSoConf.Directory(path: entry.path + "/glibc-hwcaps/" + name, identity: target.entry.identity,
                                           origin: entry.origin, libraryType: entry.libraryType, glibcHWCaps: name)
            _ = addSingle(child)
        }
    }

    /// Notes `path` as refused to ofdoctor (once).
    mutating func deny(_ path: String) {
        if deniedPaths.insert(TextKey(path)).inserted { notes.append(.denied(path)) }
    }

    /// isblank(3).
    static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
}

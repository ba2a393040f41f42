/// How bad a finding is: `error` stops the program, `warning` breaks it later, `info` is harmless.
public enum Severity: String, Sendable, Codable, Comparable {
    case error, warning, info

    private var rank: Int { self == .error ? 0 : self == .warning ? 1 : 2 }
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// The general rules; their raw values are the design's fixed `rule` names.
public enum Rule: String, Sendable, Codable, CaseIterable {
    case libraryNotFound = "library-not-found"
    case versionNotFound = "version-not-found"
    case symbolNotFound = "symbol-not-found"
    case interpreterNotFound = "interpreter-not-found"
    case staleCache = "stale-cache"
    case danglingSymlink = "dangling-symlink"
    case wrongClassSkipped = "wrong-class-skipped"
    case unsafeSearchPath = "unsafe-search-path"
    case runtimeCompanionMissing = "runtime-companion-missing"
    case badCandidate = "bad-candidate"
    case noVersionInformation = "no-version-information"
    case staticExecutable = "static-executable"
    case preloadIgnored = "preload-ignored"
    case isaLevelTooHigh = "isa-level-too-high"
    case auxiliaryFilterAbsent = "auxiliary-filter-absent"
    case versionFileNotLoaded = "version-file-not-loaded"
    case filterCycle = "filter-cycle"
    case programFilter = "program-filter"
    case indirectExternAccess = "indirect-extern-access"
    case protectedDirectReference = "protected-direct-reference"
    case ifuncInExecutable = "ifunc-in-executable"
    case ifuncNotRelocated = "ifunc-not-relocated"
    case copySizeMismatch = "copy-size-mismatch"
    case versionRecordUnsupported = "version-record-unsupported"
    case interpreterUnusable = "interpreter-unusable"
    case bloomFilterAssertion = "bloom-filter-assertion"
    case programNotExecutable = "program-not-executable"
    case stubLibraryLoaded = "stub-library-loaded"
    case secureExecution = "secure-execution"
    case auditInterface = "audit-interface"
    case containerUserUnknown = "container-user-unknown"
    case libraryCutShort = "library-cut-short"
    case programCutShort = "program-cut-short"
    case dynamicInfoAssertion = "dynamic-info-assertion"
    case dynamicEntryUnchecked = "dynamic-entry-unchecked"
    case loaderLoadedTwice = "loader-loaded-twice"
    case executableStackRefused = "executable-stack-refused"
    case modelFileMissing = "model-file-missing"
    case modelFileCorrupt = "model-file-corrupt"
}

/// A place the root does have a missing library: another copy, or another soname of it.
public struct Candidate: Equatable, Sendable {
    public enum Kind: String, Sendable, Codable {
        /// The same soname elsewhere in the root (ABI-identical).
        case sameSoname = "same-soname"
        /// Another soname of the same library (a soname bump declares an ABI break).
        case otherSoname = "other-soname"
    }
    public var path: String
    public var soname: String?
    public var kind: Kind
    /// Why it can or cannot stand in (symbols it lacks, dependencies it cannot resolve).
    public var note: String?
    public var usable: Bool

    public init(path: String, soname: String?, kind: Kind, note: String? = nil, usable: Bool) {
        self.path = path
        self.soname = soname
        self.kind = kind
        self.note = note
        self.usable = usable
    }
}

/// One reason the loader would refuse (or later break) the program, with its stable id.
public struct Finding: Equatable, Sendable {
    /// `OF001`…: documented failures of the seed; `LD…`: general rules; `OF1xx`: OpenFace data.
    public var id: FindingID
    public var rule: Rule
    public var severity: Severity
    /// One line.
    public var summary: String
    /// Why, in the loader's terms, with the places it tried.
    public var explanation: String
    /// The loader message this predicts, when it prints one.
    public var loaderMessage: String?
    public var library: String?
    public var symbol: String?
    public var version: String?
    public var neededBy: [String]
    public var resolvedTo: String?
    public var candidates: [Candidate]
    public var fixable: Bool
    /// What a person must do when no automatic fix exists.
    public var remedy: String?
    /// The damaged file whose package the remedy says to reinstall (`FindingCatalog.reinstall`):
    /// the report names that package when the root's dpkg lists the file.
    var reinstallPath: String?
    /// Every reference of the cause the loader cannot bind (what `ldd -r` lists as undefined),
    /// for symbol and version findings.
    public var symbols: [SymbolReference]
    /// Every version need of the cause the found library does not define.
    public var versions: [VersionReference]
    /// Where the loader looked, by rule, for a library it did not find.
    public var searched: [SearchedDirectories]
    /// For one finding made of several missing libraries of one cause (an application's
    /// `merge`), their names: each is a node of the load graph it is about.
    public var coveredLibraries: [String] = []
    /// For an `unsafe-search-path` finding about an entry others may change: the loaded
    /// objects (paths as the loader opened them) that user may replace.
    public var exposedObjects: [String] = []
    /// The loader starts the program and stops only at its first call of what is missing
    /// (symbol references bound lazily, none at start-up).
    public var failsAtFirstCall = false

    /// Errors, and warnings that break the program later (a companion it cannot open, a
    /// link-time stub that fails every call): what makes `check` exit non-zero and what a
    /// plan must fix.
    public var isProblem: Bool {
        severity == .error || rule == .runtimeCompanionMissing || rule == .stubLibraryLoaded || rule == .libraryCutShort
            || rule == .programCutShort || rule == .dynamicEntryUnchecked
    }

    /// What a finding says of the program's start beyond its severity.
    public enum StartPrediction: Equatable, Sendable {
        /// The kernel or the loader kills it with one of these signals (SIGBUS 7, SIGSEGV 11)
        /// as it starts it, printing nothing: a file cut short or damaged (LD010, LD024, LD033).
        case killedBy([Int32])
        /// It may or may not start, as the loader takes a value cut in two (LD033), or reads
        /// a table from the ELF header (LD035).
        case uncertain
        /// It starts and runs, and is killed with one of these signals as it exits (LD035).
        case killedAtExit([Int32])

        /// Killed by SIGSEGV (11): a table the loader dereferences is missing.
        public static let segmentationFault = StartPrediction.killedBy([11])
    }
    public var startPrediction: StartPrediction?

    /// An error that says the program is killed by signal `number` as it starts.
    public func predictsSignal(_ number: Int32) -> Bool {
        guard severity == .error else { return false }
        switch startPrediction {
        case .killedBy(let signals), .killedAtExit(let signals): return signals.contains(number)
        case .uncertain, nil: return false
        }
    }

    /// The program starts before what this finding says happens to it: a warning that is a
    /// problem about its own file or dynamic section (LD033, LD035), or death at its exit.
    public var programStartsFirst: Bool {
        if case .killedAtExit = startPrediction { return true }
        return (rule == .programCutShort || rule == .dynamicEntryUnchecked) && severity != .error
    }

    /// The report's headline says neither "will not start" nor "starts but will fail".
    public var startIsUncertain: Bool { startPrediction == .uncertain }

    public init(id: FindingID, rule: Rule, severity: Severity = .error, summary: String, explanation: String,
                loaderMessage: String? = nil, library: String? = nil, symbol: String? = nil, version: String? = nil,
                neededBy: [String] = [], resolvedTo: String? = nil, candidates: [Candidate] = [],
                fixable: Bool = false, remedy: String? = nil, symbols: [SymbolReference] = [],
                versions: [VersionReference] = [], searched: [SearchedDirectories] = []) {
        self.id = id
        self.rule = rule
        self.severity = severity
        self.summary = summary
        self.explanation = explanation
        self.loaderMessage = loaderMessage
        self.library = library
        self.symbol = symbol
        self.version = version
        self.neededBy = neededBy
        self.resolvedTo = resolvedTo
        self.candidates = candidates
        self.fixable = fixable
        self.remedy = remedy
        self.symbols = symbols
        self.versions = versions
        self.searched = searched
    }
}

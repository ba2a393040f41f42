import ELFInspect

/// Raw access to one root filesystem. Paths given to these calls have no symlink among
/// their parents (`RootView` resolves them first), so an implementation only has to
/// look at the last component and can never be led out of the root.
public protocol RootFilesystem: Sendable {
    /// `lstat(2)` of `path`; nil when it does not exist.
    func entry(at path: RootPath) throws(RootError) -> RootEntry?
    /// `readlink(2)` of the symlink at `path`.
    func linkTarget(at path: RootPath) throws(RootError) -> String
    /// The names in the directory at `path`, without `.` and `..`, in no particular order.
    func names(in directory: RootPath) throws(RootError) -> [String]
    /// The same names, each with its kind when the listing tells it (readdir's `d_type`)
    /// and nil when only `entry(at:)` can: a walk over a large tree then needs no `lstat`
    /// per name.
    func kinds(in directory: RootPath) throws(RootError) -> [(name: String, kind: RootEntry.Kind?)]
    /// The contents of the regular file at `path`.
    func contents(of path: RootPath) throws(RootError) -> FileBytes
    /// The same, for a file whose `entry(at:)` just gave `size`: a root that reads files may
    /// take it as the size to read, and save asking again (a system call a library).
    func contents(of path: RootPath, listedSize size: Int) throws(RootError) -> FileBytes
    /// The regular file's size and its first `count` bytes (fewer when it is shorter): what a
    /// look at a file's kind needs, without reading or mapping the rest.
    func head(of path: RootPath, count: Int) throws(RootError) -> FileHead
    /// What this root is called in messages (`/`, the `--root` directory, the image file).
    var label: String { get }
    /// Where `RootView` keeps the paths it resolved, for a root nothing writes to while it is
    /// read (`CachedRoot`); nil for every other.
    var resolutions: ResolutionMemo? { get }
    /// What the kernel weighs besides the mode bits when it executes the regular file at
    /// `path` (a resolved path): its file capabilities and a `nosuid` mount.
    func executionAttributes(of path: RootPath) -> ExecutionAttributes
}

/// How an `execve` of a file may raise privileges beyond its set-ID bits (security/commoncap.c).
public struct ExecutionAttributes: Equatable, Sendable {
    /// The file's `security.capability` extended attribute; nil when it has none.
    public var fileCapabilities: FileCapabilities?
    /// The file lies on a filesystem mounted `nosuid`: set-ID bits and capabilities are ignored.
    public var onNosuidMount = false
    public init(fileCapabilities: FileCapabilities? = nil, onNosuidMount: Bool = false) {
        self.fileCapabilities = fileCapabilities
        self.onNosuidMount = onNosuidMount
    }
}

extension RootFilesystem {
    public var resolutions: ResolutionMemo? { nil }
    /// Roots that record neither (an image's tar members, a plan's overlay) say nothing more.
    public func executionAttributes(of path: RootPath) -> ExecutionAttributes { ExecutionAttributes() }

    public func kinds(in directory: RootPath) throws(RootError) -> [(name: String, kind: RootEntry.Kind?)] {
        try names(in: directory).map { ($0, nil) }
    }

    /// Roots in memory have the size at hand.
    public func contents(of path: RootPath, listedSize size: Int) throws(RootError) -> FileBytes {
        try contents(of: path)
    }

    /// From the contents (an image's members and a plan's files are in memory already).
    public func head(of path: RootPath, count: Int) throws(RootError) -> FileHead {
        FileHead(of: try contents(of: path), count: count)
    }
}

/// A file's size and its leading bytes (`RootFilesystem.head(of:count:)`).
public struct FileHead: Equatable, Sendable {
    public var size: UInt64
    public var bytes: [UInt8]

    public init(size: UInt64, bytes: [UInt8]) {
        self.size = size
        self.bytes = bytes
    }

    /// The size and first `count` bytes of contents in hand.
    public init(of contents: FileBytes, count: Int) {
        self.init(size: UInt64(contents.count), bytes: Array(contents.buffer.prefix(max(0, count))))
    }
}

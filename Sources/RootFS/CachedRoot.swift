#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ELFInspect

/// A root filesystem read during one analysis that nothing writes to: each `lstat`,
/// `readlink` and `names(in:)` answer is kept (and the files read last), so a path the
/// resolver, the candidate search and the planner's simulations resolve or list again and
/// again costs the system calls once. (`RootView` resolves a path component by component from `/`: a `check` with a plan
/// made some 1,800 `lstat` calls, most of them for the same few dozen directories; the
/// FeatureExtraction check listed the same directories 40 times: the loader's search,
/// ld.so.conf's hwcaps subdirectories, ldconfig's scan, the companions, the candidates.)
/// Made fresh for every analysis; `fix --apply` writes through its own root and checks again
/// with an `emptied()` one.
public final class CachedRoot: RootFilesystem, @unchecked Sendable {
    private let base: any RootFilesystem
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Sized as `ResolutionMemo`'s answers.
    private var entries = [RootPath: RootEntry?](minimumCapacity: 512)
    private var links: [RootPath: String] = [:]
    private var listings: [RootPath: [String]] = [:]
    /// The files read last, oldest first, at most `keptFiles` of them.
    private var files: [RootPath: FileBytes] = [:]
    private var fileOrder: [RootPath] = []
    package static let keptFiles = 32

    public init(_ base: any RootFilesystem) {
        self.base = base
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    public var label: String { base.label }

    public func executionAttributes(of path: RootPath) -> ExecutionAttributes { base.executionAttributes(of: path) }

    /// Paths resolved through this root: they stay as they are while nothing writes.
    public let resolutions: ResolutionMemo? = ResolutionMemo()

    /// The same root with nothing kept: for reading it again after something wrote to it.
    public func emptied() -> CachedRoot { CachedRoot(base) }

    public func entry(at path: RootPath) throws(RootError) -> RootEntry? {
        if let known = locked({ entries[path] }) { return known }
        let entry = try base.entry(at: path)   // errors are not kept: they are reported as met
        locked { entries[path] = .some(entry) }
        return entry
    }

    public func linkTarget(at path: RootPath) throws(RootError) -> String {
        if let known = locked({ links[path] }) { return known }
        let target = try base.linkTarget(at: path)
        locked { links[path] = target }
        return target
    }

    public func names(in directory: RootPath) throws(RootError) -> [String] {
        if let known = locked({ listings[directory] }) { return known }
        let names = try base.names(in: directory)
        locked { listings[directory] = names }
        return names
    }

    /// Not kept: a walk over a large tree (the candidate search's) lists each directory once,
    /// and keeping every name of 100,000 files would only cost memory.
    public func kinds(in directory: RootPath) throws(RootError) -> [(name: String, kind: RootEntry.Kind?)] {
        try base.kinds(in: directory)
    }

    /// The last `keptFiles` files read are kept: the FeatureExtraction check read MKL's main
    /// library seven times within a few dozen reads (the candidate's check, its companions
    /// twice, ldconfig's model, the simulated loader), each an open, fstat, map or read and
    /// close. Only the last few: a kept mapping keeps its pages, and a parsed file that copied
    /// what it needs would otherwise let its whole mapping go (5,000 libraries: +33 MiB).
    public func contents(of path: RootPath) throws(RootError) -> FileBytes {
        try cachedContents(of: path, listedSize: nil)
    }

    public func contents(of path: RootPath, listedSize size: Int) throws(RootError) -> FileBytes {
        try cachedContents(of: path, listedSize: size)
    }

    private func cachedContents(of path: RootPath, listedSize size: Int?) throws(RootError) -> FileBytes {
        if let known = locked({ files[path] }) { return known }
        let bytes: FileBytes
        if let size { bytes = try base.contents(of: path, listedSize: size) } else { bytes = try base.contents(of: path) }
        locked {
            if files.updateValue(bytes, forKey: path) == nil {
                fileOrder.append(path)
                if fileOrder.count > Self.keptFiles { files[fileOrder.removeFirst()] = nil }
            }
        }
        return bytes
    }

    /// A kept file's, else the base's (not kept: a head is read once).
    public func head(of path: RootPath, count: Int) throws(RootError) -> FileHead {
        if let known = locked({ files[path] }) { return FileHead(of: known, count: count) }
        return try base.head(of: path, count: count)
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return body()
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `RootView`'s answers for a root that does not change while it is read: the resolver, the
/// candidate search and the planner's simulations resolve the same paths again and again,
/// each a walk from `/`. Errors are not kept (they are reported where they are met). Safe to
/// share between threads.
public final class ResolutionMemo: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Keyed by the path as given: links followed to the end, and parents only (`lstat`).
    /// Each with the links its walk followed, which a longer path's walk counts on.
    /// Sized for a check's few hundred paths: growing from empty rehashed every key at each
    /// doubling (a twentieth of a `check --root` with a plan).
    private var followingLast = [RootPath: RootView.Walk](minimumCapacity: 512)
    private var parentsOnly = [RootPath: RootView.Walk](minimumCapacity: 64)

    public init() { pthread_mutex_init(lock, nil) }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// The kept answer for `path`, or nil when not asked yet.
    func answer(_ path: RootPath, followLast: Bool) -> RootView.Walk? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return followLast ? followingLast[path] : parentsOnly[path]
    }

    func keep(_ answer: RootView.Walk, for path: RootPath, followLast: Bool) {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if followLast { followingLast[path] = answer } else { parentsOnly[path] = answer }
    }
}

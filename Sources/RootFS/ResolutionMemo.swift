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
    private var followingLast: [String: RootView.Resolved?] = [:]
    private var parentsOnly: [String: RootView.Resolved?] = [:]

    public init() { pthread_mutex_init(lock, nil) }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// The kept answer for `path` (`.some(nil)`: it leads nowhere), or nil when not asked yet.
    func answer(_ path: RootPath, followLast: Bool) -> RootView.Resolved?? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return followLast ? followingLast[path.string] : parentsOnly[path.string]
    }

    func keep(_ answer: RootView.Resolved?, for path: RootPath, followLast: Bool) {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if followLast { followingLast[path.string] = .some(answer) } else { parentsOnly[path.string] = .some(answer) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CThread

/// Two independent pieces of work at once: the second on a thread of its own, the first on
/// the caller's; back when both are done. The symbol check splits its per-object work in two
/// this way (issue 19: the machine has two cores, `ldd -r` uses one). A plain pthread: no
/// scheduler to start; it starts off the caller's CPU (`ofdoctor_thread_start_beside`:
/// packed onto it, the halves took turns). `run` waits for both; `Started` is work beside a
/// longer job (the resolver's `TableReadAhead`), joined by its owner.
package enum ConcurrentPair {
    /// Whether splitting can pay: this process may run on more than one CPU.
    package static let isWorthwhile: Bool = usableCPUs() > 1

    /// The CPUs the calling thread may run on (its affinity: `taskset`, a container's cpuset).
    package static func usableCPUs() -> Int { Int(ofdoctor_usable_cpus()) }

    /// Where to cut items of these weights so that each half carries about as much: the
    /// first index of the second half (at least one item stays in it).
    static func balancedMiddle(_ weights: [Int]) -> Int {
        let half = weights.reduce(0, +) / 2
        var middle = 0, seen = 0
        while middle < weights.count - 1 && seen < half { seen += weights[middle]; middle += 1 }
        return middle
    }

    private final class Work {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Work running on a thread of its own from `init`; `join` waits for it.
    package final class Started {
        #if canImport(Darwin)
        private var thread: pthread_t?
        #else
        private var thread = pthread_t()
        #endif
        private var joined = false
        /// The CPU the thread may not run on until `join`: the caller's when it started (nil
        /// when it may run wherever the caller may: one CPU allowed, or no mask to read).
        package let avoidedCPU: Int?

        /// Nil when no thread could be made (the caller then does the work itself).
        package init?(_ body: @escaping () -> Void) {
            let work = Unmanaged.passRetained(Work(body))
            var avoided: Int32 = -1
            let started = ofdoctor_thread_start_beside(&thread, { context in
                guard let context else { return nil }
                Unmanaged<Work>.fromOpaque(context).takeRetainedValue().body()
                return nil
            }, work.toOpaque(), &avoided)
            avoidedCPU = avoided >= 0 ? Int(avoided) : nil
            guard started == 0 else {
                work.release()
                return nil
            }
        }

        /// Back when the work is done (at once the second time). The thread may move to the
        /// caller's CPU from here: the caller only waits now.
        package func join() {
            guard !joined else { return }
            joined = true
            #if canImport(Darwin)
            if let thread { pthread_join(thread, nil) }
            #else
            if avoidedCPU != nil { _ = ofdoctor_thread_unpin(thread) }
            pthread_join(thread, nil)
            #endif
        }
    }

    /// Runs `first` and `second` concurrently (one after the other when no thread can be
    /// made). They must not touch the same mutable state.
    package static func run(_ first: () -> Void, _ second: () -> Void) {
        withoutActuallyEscaping(second) { second in
            guard let started = Started(second) else {
                first()
                second()
                return
            }
            first()
            started.join()
        }
    }
}

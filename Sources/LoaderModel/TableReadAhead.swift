#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ELFInspect

/// Reads each library's GNU hash chains and strong undefined references
/// (`ELFFile.readTablesAhead`) on the second CPU while the resolver is still finding the
/// rest of the closure, so the symbol check after it starts with them (issue 19: the
/// resolution runs on one CPU; these reads were over a quarter of the instructions of a
/// 57-library check). Files come in the order they are parsed; `finish` reads what is left
/// on both threads. Results are the same either way.
final class TableReadAhead: @unchecked Sendable {
    /// Symbols handed over before the thread is started: a closure of small libraries is
    /// resolved and checked before a thread would pay for itself (the same bar as the
    /// definition index's split).
    private let startWeight: Int
    /// Symbols waiting before a waiting thread is woken: a wake-up per small library cost
    /// more than its tables.
    private static let batchWeight = 2_000
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private let arrived: UnsafeMutablePointer<pthread_cond_t>
    private var pending: [ELFFile] = []
    private var nextPending = 0
    private var pendingWeight = 0
    private var submittedWeight = 0
    private var closing = false
    private var waiting = false
    private var worker: ConcurrentPair.Started?

    /// Nil when `concurrency` does not split (one CPU online, or `.never`).
    init?(concurrency: SymbolCheck.Concurrency) {
        guard concurrency.splits(possible: true, pays: true) else { return nil }
        startWeight = concurrency == .always ? 0 : DefinitionIndex.concurrentSymbols
        lock = .allocate(capacity: 1)
        arrived = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(arrived, nil)
    }

    /// (The thread holds the queue until `finish`: deinit comes after it.)
    deinit {
        pthread_cond_destroy(arrived)
        pthread_mutex_destroy(lock)
        lock.deallocate()
        arrived.deallocate()
    }

    /// Hands a file just parsed to the reading thread, which starts once `startWeight`
    /// symbols have come.
    func submit(_ elf: ELFFile) {
        let weight = max(1, elf.symbolCount)
        // No other thread yet, nor one started now: nothing to lock (most closures never start one).
        let shared = worker != nil || submittedWeight + weight >= startWeight
        if shared { pthread_mutex_lock(lock) }
        pending.append(elf)
        pendingWeight += weight
        submittedWeight += weight
        guard shared else { return }
        let start = worker == nil && !closing
        if waiting && (pendingWeight >= Self.batchWeight || startWeight == 0) { pthread_cond_signal(arrived) }
        pthread_mutex_unlock(lock)
        if start { worker = ConcurrentPair.Started { [self] in work() } }
    }

    /// No more files come: both threads read what is left, then the thread is joined, and
    /// every file's `tablesReadAhead` may be read. (Never started, the thread leaves the
    /// tables to the symbol check, which may not need them all.)
    func finish() {
        pthread_mutex_lock(lock)
        closing = true
        if waiting { pthread_cond_signal(arrived) }
        pthread_mutex_unlock(lock)
        guard let worker else { return }
        work()
        worker.join()
    }

    private func work() {
        while let elf = take() { elf.readTablesAhead() }
    }

    /// The next file to read: waits for one until `finish`, then nil once none is left.
    private func take() -> ELFFile? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        while !closing && nextPending == pending.count {
            waiting = true
            pthread_cond_wait(arrived, lock)
            waiting = false
        }
        guard nextPending < pending.count else { return nil }
        let elf = pending[nextPending]
        nextPending += 1
        pendingWeight -= max(1, elf.symbolCount)
        return elf
    }
}

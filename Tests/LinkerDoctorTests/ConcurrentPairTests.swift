import Foundation
import Glibc
import LoaderModel
import Testing

/// The second thread of a split starts off its creator's CPU: a scheduler that packs threads
/// onto few virtual CPUs (this project's machines) otherwise queued it behind its creator,
/// and the two halves took turns on one CPU (issue 19). Checked through the thread's own
/// affinity mask, which is what the kernel obeys.
@Suite("Threads of a split")
struct ConcurrentPairTests {
    /// glibc's `sched_getaffinity`/`sched_setaffinity`, which Swift's Glibc module leaves out.
    typealias AffinityCall = @convention(c) (pid_t, Int, UnsafeMutableRawPointer?) -> Int32
    static func affinityCall(_ name: String) -> AffinityCall? {
        dlsym(dlopen(nil, RTLD_NOW), name).map { unsafeBitCast($0, to: AffinityCall.self) }
    }

    /// The CPUs the calling thread may run on, as the kernel reports them.
    static func allowedCPUs() -> Set<Int> {
        var mask = cpu_set_t()
        guard let call = affinityCall("sched_getaffinity"), call(0, MemoryLayout<cpu_set_t>.size, &mask) == 0 else { return [] }
        return withUnsafeBytes(of: &mask) { bytes in
            Set((0..<bytes.count * 8).filter { bytes[$0 / 8] & (1 << ($0 % 8)) != 0 })
        }
    }

    /// Lets the calling thread run on `cpus` only.
    static func restrict(to cpus: Set<Int>) -> Bool {
        var mask = cpu_set_t()
        withUnsafeMutableBytes(of: &mask) { bytes in
            for cpu in cpus where cpu < bytes.count * 8 { bytes[cpu / 8] |= UInt8(1 << (cpu % 8)) }
        }
        guard let call = affinityCall("sched_setaffinity") else { return false }
        return call(0, MemoryLayout<cpu_set_t>.size, &mask) == 0
    }

    /// Runs `body` on a thread of its own, so that changing its affinity leaves the test
    /// runner's threads alone.
    static func onOwnThread(_ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        Thread { body(); done.signal() }.start()
        done.wait()
    }

    final class Seen: @unchecked Sendable {
        var creatorCPUs: Set<Int> = []
        var workerCPUs: Set<Int> = []
        /// The worker's mask once its creator waits for it.
        var workerCPUsWhileJoined: Set<Int> = []
        var avoided: Int?
        var usable = 0
        var ran = false
    }

    @Test("with two CPUs or more, the new thread may run on every allowed CPU but its creator's, until its creator waits for it",
          .enabled(if: ConcurrentPair.usableCPUs() > 1, "this process may run on one CPU only"))
    func startsOffTheCreatorsCPU() {
        let seen = Seen()
        let creator = Self.allowedCPUs()
        // The thread reads its mask, then watches it until `join` widens it (2 s at most).
        let read = DispatchSemaphore(value: 0)
        guard let started = ConcurrentPair.Started({
            seen.workerCPUs = Self.allowedCPUs()
            read.signal()
            let deadline = Date().addingTimeInterval(2)
            while Self.allowedCPUs() != creator && Date() < deadline { usleep(1_000) }
            seen.workerCPUsWhileJoined = Self.allowedCPUs()
            seen.ran = true
        }) else {
            Issue.record("no thread could be started")
            return
        }
        read.wait()
        started.join()
        #expect(seen.ran)
        guard let avoided = started.avoidedCPU else {
            Issue.record("no CPU avoided with \(creator.count) allowed")
            return
        }
        #expect(creator.contains(avoided))
        #expect(seen.workerCPUs == creator.subtracting([avoided]))
        #expect(seen.workerCPUsWhileJoined == creator, "widened by join")
    }

    @Test("with one CPU allowed, the thread starts plainly there and the split is not worth it",
          .enabled(if: !allowedCPUs().isEmpty, "the affinity mask cannot be read"))
    func oneAllowedCPU() {
        let seen = Seen()
        let only = Self.allowedCPUs().min()!
        Self.onOwnThread {
            guard Self.restrict(to: [only]) else { return }
            seen.creatorCPUs = Self.allowedCPUs()
            seen.usable = ConcurrentPair.usableCPUs()
            guard let started = ConcurrentPair.Started({ seen.workerCPUs = Self.allowedCPUs(); seen.ran = true }) else { return }
            started.join()
            seen.avoided = started.avoidedCPU
        }
        #expect(seen.creatorCPUs == [only])
        #expect(seen.usable == 1)
        #expect(seen.ran)
        #expect(seen.avoided == nil)
        #expect(seen.workerCPUs == [only])
    }

    @Test("a thread's work runs, and run() does both halves", arguments: [1, 2, 50])
    func runsBoth(count: Int) {
        let seen = Seen()
        var first = 0
        for _ in 0..<count {
            ConcurrentPair.run({ first += 1 }, { seen.usable += 1 })
        }
        #expect(first == count)
        #expect(seen.usable == count)
    }
}

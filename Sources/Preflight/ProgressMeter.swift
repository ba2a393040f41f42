/// Counts covered bytes and forwards them to the caller's progress closure.
final class ProgressMeter {
    private(set) var done: UInt64 = 0
    let total: UInt64
    private let report: (UInt64, UInt64) -> Void

    init(total: UInt64, report: @escaping (UInt64, UInt64) -> Void) {
        self.total = total
        self.report = report
        report(0, total)
    }

    func advance(_ bytes: UInt64) {
        done = min(total, done &+ bytes)
        report(done, total)
    }

    func finish() {
        if done < total { done = total; report(done, total) }
    }
}

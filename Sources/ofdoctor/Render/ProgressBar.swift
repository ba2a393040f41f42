import TextLayout

/// A one-line progress bar on stderr, redrawn at most every 1% (terminal only).
final class ProgressBar: @unchecked Sendable {
    let enabled: Bool
    private var lastPercent = -1

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ done: UInt64, _ total: UInt64) {
        guard enabled, total > 0 else { return }
        let percent = Int(min(100, done * 100 / total))
        guard percent != lastPercent else { return }
        lastPercent = percent
        let width = 30
        let filled = percent * width / 100
        let line = "\r[" + String(repeating: "#", count: filled) + String.blanks(width - filled) + "] \(percent)% of \(total / 1_048_576) MiB"
        writeStandardError(line)
    }

    func finish() {
        if enabled && lastPercent >= 0 { writeStandardError("\r\u{1B}[K") }
    }
}

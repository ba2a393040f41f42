/// What a program wrote to one stream, within a bound: its first `headLimit` bytes and its
/// last `tailLimit` bytes. What lay between is counted, not kept: a program that writes
/// without end (a hostile root's, or one stuck in a loop until `--timeout`) must not take
/// ofdoctor's memory with it, while what the loader prints first and the program's last
/// words are both kept.
public struct BoundedCapture: Sendable {
    public let headLimit: Int
    public let tailLimit: Int
    private var head: [UInt8] = []
    /// The bytes after the head, of which the last `tailLimit` are kept: trimmed from the front
    /// once they pass twice that, so each byte is moved at most once on average.
    private var tail: [UInt8] = []
    /// Bytes trimmed from the front of the tail.
    private var trimmed = 0

    public init(headLimit: Int = 4 << 20, tailLimit: Int = 4 << 20) {
        self.headLimit = headLimit
        self.tailLimit = tailLimit
    }

    public mutating func append(_ bytes: ArraySlice<UInt8>) {
        var rest = bytes[...]
        if head.count < headLimit {
            let taken = rest.prefix(headLimit - head.count)
            head.append(contentsOf: taken)
            rest = rest.dropFirst(taken.count)
        }
        guard !rest.isEmpty else { return }
        tail.append(contentsOf: rest)
        if tail.count > 2 * tailLimit {
            let excess = tail.count - tailLimit
            tail.removeFirst(excess)
            trimmed += excess
        }
    }

    /// The bytes kept, in order (the head, then the tail); `droppedBytes` says whether bytes
    /// lay between them.
    public var bytes: [UInt8] {
        let excess = max(0, tail.count - tailLimit)
        return head + tail[excess...]
    }

    /// Bytes written between the head and the tail kept, left out.
    public var droppedBytes: Int { trimmed + max(0, tail.count - tailLimit) }
}

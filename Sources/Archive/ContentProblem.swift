/// What a downloaded file is when it is not the file it claims to be.
public enum ContentProblem: Equatable, Sendable {
    /// Zero bytes: the download never started.
    case empty
    /// An HTML page (a login wall, a "file too large to scan" notice, a 404) saved under the file's name.
    case html
    /// A Git LFS pointer: the repository was cloned without `git lfs pull`.
    case lfsPointer
    /// Shorter than the real file can be.
    case truncated(size: UInt64, minimum: UInt64)

    /// Looks at the first bytes of `file`; `minimumSize` is the least the real file can weigh.
    public static func sniff(_ file: any RandomAccessBytes, minimumSize: UInt64 = 0) throws(ResourceReadError) -> ContentProblem? {
        if file.size == 0 { return .empty }
        return sniff(size: file.size, head: try file.read(at: 0, count: headLength), minimumSize: minimumSize)
    }

    /// The leading bytes a sniff reads.
    public static let headLength = 512

    /// A file of `size` bytes that starts with `head` (its first `headLength` bytes, or all).
    public static func sniff(size: UInt64, head: [UInt8], minimumSize: UInt64 = 0) -> ContentProblem? {
        if size == 0 { return .empty }
        if let problem = sniff(head: head) { return problem }
        if size < minimumSize { return .truncated(size: size, minimum: minimumSize) }
        return nil
    }

    /// HTML or LFS pointer from the leading bytes alone.
    public static func sniff(head: [UInt8]) -> ContentProblem? {
        var start = 0
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }   // UTF-8 BOM
        while start < head.count, [0x20, 0x09, 0x0A, 0x0D].contains(head[start]) { start += 1 }
        let text = String(decoding: head[start...].prefix(64), as: UTF8.self).lowercased()
        if text.hasPrefix("version https://git-lfs.github.com/spec/v1") { return .lfsPointer }
        for marker in ["<!doctype html", "<html", "<head", "<!--", "<?xml version=\"1.0\"?>\n<!doctype html"]
        where text.hasPrefix(marker) {
            return .html
        }
        return nil
    }

    /// One line for a summary.
    public var summary: String {
        switch self {
        case .empty: return "is empty (0 bytes)"
        case .html: return "is an HTML page, not the file (a download error or login page saved under its name)"
        case .lfsPointer: return "is a Git LFS pointer, not the file (cloned without `git lfs pull`)"
        case .truncated(let size, let minimum):
            return "is truncated: \(size) bytes, the real file has at least \(minimum)"
        }
    }
}

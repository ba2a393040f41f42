import Support

/// Why a resource file could not be read (as opposed to read and found wrong, which is a finding).
public enum ResourceReadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed; `errno` names its C constant.
    case io(path: String, operation: String, errno: Int32)
    /// The data ended at `offset` where more was expected.
    case truncated(path: String, offset: UInt64)
    /// The directory to check is missing or not a directory.
    case notADirectory(path: String)
    /// A FIFO, device or directory where a file was expected (swapped in after the listing).
    case notARegularFile(path: String)

    public var description: String {
        switch self {
        case .io(let p, let op, let e): return "\(p): \(op) failed: \(Errno.describe(e))"
        case .truncated(let p, let o): return "\(p): ends at byte \(o) where more data was expected; download it again"
        case .notARegularFile(let p): return "\(p): not a regular file (a FIFO, device or folder); put the downloaded file here"
        case .notADirectory(let p):
            return "\(p): not a directory; pass the docker_resources folder (ofdoctor resources DIR)"
        }
    }
}

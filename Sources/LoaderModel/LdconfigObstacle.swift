/// What in a root's ldconfig configuration keeps a plan from running ldconfig there: what
/// would make ldconfig hang or fail (for root too), or what ofdoctor was refused and root
/// would not be, so that no plan's proof of ldconfig's work holds.
public enum LdconfigObstacle: Equatable, Sendable, CustomStringConvertible {
    /// A configuration file that is a FIFO, socket or device.
    case notAFile(String)
    /// A configuration file larger than ofdoctor reads.
    case tooLarge(String, size: Int)
    /// More entries than ofdoctor reads, from this file on.
    case tooManyEntries(String)
    /// `origin` includes `file`, which includes it back.
    case includeLoop(origin: String, file: String)
    /// A path of the configuration, or a directory or library ldconfig scans, that ofdoctor
    /// may not read and root may: ldconfig can run; ofdoctor cannot foresee it.
    case denied(String)

    /// Whether ldconfig itself may run and only ofdoctor cannot foresee it.
    public var isDenial: Bool {
        if case .denied = self { return true }
        return false
    }

    /// The message that refuses a run.
    public var refusal: String { "refusing to run ldconfig: \(self)" }

    public var description: String {
        switch self {
        case .notAFile(let file):
            return "\(file) is not a regular file (a FIFO, socket or device), and ldconfig "
                + "would wait on it or read it without end. Replace it with a file, or remove it"
        case .tooLarge(let file, let size):
            return "\(file) is \(size) bytes, more than the \(LdSoConf.largestFile >> 20) MiB "
                + "ofdoctor reads of a configuration file, so what ldconfig would do with it is unknown. Remove it, "
                + "or cut it to the directories it is meant to list"
        case .tooManyEntries(let file):
            return "the configuration has more than \(LdSoConf.maxEntries) entries (\(file) "
                + "and after were not read), so what ldconfig would do with it is unknown. Cut it to the directories "
                + "it is meant to list"
        case .includeLoop(let origin, let file):
            return "\(origin) includes \(file), which includes it back (an include loop); "
                + "ldconfig would recurse without end. Remove the include that closes the loop"
        case .denied(let path):
            return "ofdoctor may not read \(path), which ldconfig, run as root, reads: run ofdoctor as root for a plan that runs ldconfig"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import RootFS
import Support

/// Why `fix --apply` or `undo` stopped. Each message names the path inside the root,
/// the failing call and `errno`, and says what to do.
public indirect enum ApplyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The name is taken by something ofdoctor did not create.
    case exists(path: String)
    /// A parent of `path` is not a directory (or is a symlink leading nowhere).
    case notADirectory(path: String)
    /// A directory on the way to a path is now a symbolic link: writes go only through
    /// real directories inside the root, so the tree changed since the path was resolved
    /// (or a journal names a path through a link).
    case linkInPath(path: String)
    /// `EROFS`.
    case readOnly(path: String, operation: String)
    /// `EACCES` or `EPERM`.
    case permissionDenied(path: String, operation: String, errno: Int32)
    /// `ENOSPC` or `EDQUOT`.
    case noSpace(path: String, operation: String, errno: Int32)
    /// Any other failed system call.
    case system(path: String, operation: String, errno: Int32)
    /// Another `fix --apply` or `undo` holds the root's lock.
    case lockHeld(root: String)
    /// The journal fails its checks (`line` is 1-based): refused whole, nothing changed,
    /// kept on disk. `holds` lists the changes it records (unverified).
    case journalCorrupt(path: String, line: Int, reason: String, holds: [String])
    /// The journal lies in another directory than the one it was written in (copied from
    /// another root, or the root copied).
    case journalElsewhere(path: String, directory: String)
    /// The journal names a path that is not a plain real path inside the root (`..`, NUL,
    /// relative, or through a link): refused whole, nothing changed, kept on disk.
    case journalOutsideRoot(path: String, entry: String, reason: String)
    /// The key that seals journals (`JournalKey`) cannot be read or made.
    case journalKey(path: String, reason: String)
    /// Checked before the first change: the plan cannot be carried out here, and why.
    case cannotApply(reasons: [String])
    /// As `cannotApply`, run by a user other than root where some place is root's to change.
    case needsRoot(reasons: [String])
    /// An `undo` was interrupted; it must finish before anything new is applied.
    case undoIncomplete(journal: String)
    /// `ldconfig` exited non-zero.
    case ldconfigFailed(LdconfigResult)
    /// The plan cannot be written as asked (a bad variable name, an empty link target…).
    case invalidAction(String)
    /// Reading the root failed.
    case root(RootError)
    /// The step hook asked the applier to stop at once, as if killed (tests only).
    case stoppedByHook(point: Int)
    /// A plan stopped part-way: `completed` were done (and journaled) before `cause`.
    case incomplete(completed: [AppliedStep], cause: ApplyError)

    /// Maps a failed call on `path` (inside the root) to the case a user can act on.
    public static func from(_ failure: WriteFailure, path: String) -> ApplyError {
        switch failure.errno {
        case EROFS: return .readOnly(path: path, operation: failure.operation)
        case EACCES, EPERM: return .permissionDenied(path: path, operation: failure.operation, errno: failure.errno)
        case ENOSPC, EDQUOT: return .noSpace(path: path, operation: failure.operation, errno: failure.errno)
        case EEXIST: return .exists(path: path)
        case ELOOP: return .linkInPath(path: path)   // O_NOFOLLOW met a link
        default: return .system(path: path, operation: failure.operation, errno: failure.errno)
        }
    }

    public var description: String {
        switch self {
        case .exists(let p):
            return "\(p) exists and fix --apply did not create it (it is not in ofdoctor's journal), so ofdoctor leaves it alone; remove or rename it yourself, then run fix --apply again"
        case .notADirectory(let p):
            return "\(p): a parent is not a directory (or is a symlink to nothing); ofdoctor will not replace it"
        case .linkInPath(let p):
            return "\(p) is a symbolic link where ofdoctor expected a real directory inside the root; it does not follow links when it writes (one could lead out of the root): put the directory back, or revert by hand"
        case .readOnly(let p, let op):
            return "\(p): \(op) failed: \(Errno.describe(EROFS)); the root is mounted read-only: remount it read-write or apply the fix when building the image"
        case .permissionDenied(let p, let op, let e):
            return "\(p): \(op) failed: \(Errno.describe(e)); run as a user who may write the root (root), or use --format dockerfile"
        case .noSpace(let p, let op, let e):
            return "\(p): \(op) failed: \(Errno.describe(e)); free space on the root's filesystem and run fix --apply again"
        case .system(let p, let op, let e):
            return "\(p): \(op) failed: \(Errno.describe(e))"
        case .lockHeld(let root):
            return "\(root): another ofdoctor fix --apply or undo is running on this root; wait for it to finish"
        case .journalCorrupt(let p, let line, let reason, let holds):
            let listed = holds.isEmpty ? "no change it records can be read" : "it records (unverified): \(holds.joined(separator: "; "))"
            return "\(p): the journal fails its checks at line \(line): \(reason); nothing was changed and the journal is kept; \(listed); inspect it and revert by hand"
        case .journalElsewhere(let p, let directory):
            return "\(p): the journal was written in another root: \(directory) is not the directory fix --apply wrote it in (the journal was copied here, or this root is a copy), and what looks like its changes here was not made by it; ofdoctor changed nothing and kept the journal: run undo on the root fix --apply changed, or remove \(p) to treat this root as one ofdoctor never changed"
        case .journalOutsideRoot(let p, let entry, let reason):
            return "\(p): the journal names \(Self.printable(entry)), which \(reason); ofdoctor refuses the whole journal, changed nothing and kept it; inspect it and revert by hand"
        case .journalKey(let p, let reason):
            return "\(p): the key that seals ofdoctor's journals cannot be used: \(reason); nothing was changed; fix it, or point XDG_STATE_HOME at a directory of your own"
        case .cannotApply(let reasons):
            return "the plan cannot be carried out, so nothing was changed: \(reasons.joined(separator: "; "))"
        case .needsRoot(let reasons):
            return "the plan changes what only root may change here, so nothing was changed: \(reasons.joined(separator: "; ")); run fix --apply as root, or write the plan out for root to run"
        case .undoIncomplete(let p):
            return "\(p): an earlier ofdoctor undo did not finish; run ofdoctor undo before applying a new fix"
        case .ldconfigFailed(let result):
            let detail = result.stderr.trimmingTrailingWhitespace()
            return "\(result.command) exited with status \(result.status)\(detail.isEmpty ? "" : ": \(detail)"); the cache may be stale; ofdoctor undo restores the old one"
        case .invalidAction(let reason):
            return "cannot apply the plan: \(reason)"
        case .root(let error):
            return error.description
        case .stoppedByHook(let point):
            return "stopped at point \(point) by the step hook"
        case .incomplete(let completed, let cause):
            return "\(cause) (stopped after \(completed.count) step\(completed.count == 1 ? "" : "s"); ofdoctor undo reverts what was done)"
        }
    }
}

extension ApplyError {
    /// A journal's text shown with control bytes and NUL escaped, on one line.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F { out += "\\x" + String(scalar.value, radix: 16, uppercase: false).leftPadded(2) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }

    fileprivate func trimmingTrailingWhitespace() -> String {
        var s = self
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return s
    }
}

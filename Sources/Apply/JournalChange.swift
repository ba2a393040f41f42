/// One change `fix --apply` makes to the root, as journaled: everything `undo` needs to
/// put the root back. Paths are real paths inside the root (every symlink resolved), so
/// a change made through a symlinked parent is journaled where it happened.
public enum JournalChange: Codable, Equatable, Sendable {
    /// A directory that did not exist.
    case directory(path: String)
    /// The symlink `path` → `target`; `previousTarget` is the link ofdoctor made there
    /// earlier and replaced (nil: the name was free). `temporary` is the name a
    /// replacement is built under before `rename(2)`.
    case link(path: String, target: String, previousTarget: String?, temporary: String?)
    /// The file `path` with `contents`, built as `temporary` and published with `link(2)`
    /// (new) or `rename(2)` (replacing `previous`, a file ofdoctor wrote).
    case file(path: String, contents: String, mode: UInt32, previous: String?, temporary: String,
              environment: [EnvironmentSetting]?)
    /// An `ldconfig` run, with what it may change as it was before.
    case ldconfig(snapshot: LdconfigSnapshot)

    /// The path the change is about (`/etc/ld.so.cache` for ldconfig).
    public var path: String {
        switch self {
        case .directory(let path), .link(let path, _, _, _), .file(let path, _, _, _, _, _): return path
        case .ldconfig: return "/etc/ld.so.cache"
        }
    }

    /// A line for reports: what was (or would be) done.
    public var summary: String {
        switch self {
        case .directory(let path): return "created directory \(path)"
        case .link(let path, let target, let previous, _):
            return previous == nil ? "linked \(path) -> \(target)" : "repointed \(path) -> \(target) (was \(previous ?? ""))"
        case .file(let path, _, _, let previous, _, _):
            return previous == nil ? "wrote \(path)" : "rewrote \(path)"
        case .ldconfig: return "ran ldconfig"
        }
    }
}

/// One variable of `/etc/profile.d/ofdoctor.sh`: set to `value`, or unset (nil).
public struct EnvironmentSetting: Codable, Equatable, Sendable {
    public var name: String
    public var value: String?

    public init(name: String, value: String?) {
        self.name = name
        self.value = value
    }
}

/// What `ldconfig` may change, saved before it runs: it rewrites `/etc/ld.so.cache` and
/// its aux cache, and creates, repoints or deletes soname links in every directory it
/// scans (glibc elf/ldconfig.c, `search_dir`; a dangling link is removed).
public struct LdconfigSnapshot: Codable, Equatable, Sendable {
    /// A file's bytes (base64) and mode, a symbolic link's target (`/etc/ld.so.cache`
    /// may be one, and ldconfig's `rename(2)` replaces it with a file), or its absence
    /// (both nil).
    public struct SavedFile: Codable, Equatable, Sendable {
        public var path: String
        public var base64: String?
        public var mode: UInt32?
        public var linkTarget: String? = nil
    }

    public var files: [SavedFile]
    /// Directories that did not exist (ldconfig makes `/var/cache/ldconfig`).
    public var absentDirectories: [String]
    /// Real directory path → link name → link target.
    public var links: LinkTable<String>
}

/// What one `ldconfig` run changed, measured right after it against its snapshot: only
/// these are reverted by `undo`, and each only while it is still as ldconfig left it, so
/// links made or repointed by others since (a package's, a user's) are kept.
public struct LdconfigEffect: Codable, Equatable, Sendable {
    /// One soname link: its target before and after (nil: absent).
    public struct LinkChange: Codable, Equatable, Sendable {
        public var before: String?
        public var after: String?
    }

    /// A file as ldconfig left it: SHA-256 of its bytes, or nil when absent.
    public struct FileState: Codable, Equatable, Sendable {
        public var path: String
        public var sha256: String?
    }

    /// Real directory path → link name → change.
    public var links: LinkTable<LinkChange>
    public var files: [FileState]
}

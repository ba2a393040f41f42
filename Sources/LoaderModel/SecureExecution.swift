import RootFS

/// Who starts the program: the real user and group the kernel compares a set-ID file's
/// owner with.
public struct ProcessIdentity: Equatable, Sendable, CustomStringConvertible {
    public var uid: UInt32
    public var gid: UInt32
    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
    }

    /// A container's processes unless its image names another user.
    public static let root = ProcessIdentity(uid: 0, gid: 0)

    public var description: String { uid == 0 ? "root" : "uid \(uid) (gid \(gid))" }

    /// An image config's `User` as the container runtime reads it (`name`, `uid`, either
    /// with `:group` or `:gid`): a name through the root's /etc/passwd, whose entry also
    /// gives the group unless one is named (a number not listed there has group 0); a group
    /// name through /etc/group. Nil when a name is in neither file (the runtime refuses to
    /// start such a container).
    public static func container(user: String, root: RootView) -> ProcessIdentity? {
        let parts = user.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let accounts = AccountFile(root: root, path: "/etc/passwd")
        var identity: ProcessIdentity
        if let uid = UInt32(parts[0]) {
            identity = ProcessIdentity(uid: uid, gid: accounts.entry(id: uid).flatMap { UInt32($0[3]) } ?? 0)
        } else if let entry = accounts.entry(name: parts[0]), let uid = UInt32(entry[2]), let gid = UInt32(entry[3]) {
            identity = ProcessIdentity(uid: uid, gid: gid)
        } else {
            return nil
        }
        if parts.count == 2 {
            if let gid = UInt32(parts[1]) {
                identity.gid = gid
            } else if let entry = AccountFile(root: root, path: "/etc/group").entry(name: parts[1]), let gid = UInt32(entry[2]) {
                identity.gid = gid
            } else {
                return nil
            }
        }
        return identity
    }
}

/// /etc/passwd or /etc/group of a root: colon-separated lines, the name first and the id third.
struct AccountFile {
    var lines: [[Substring]] = []

    init(root: RootView, path: String) {
        guard let found = try? root.resolve(RootPath(path)), found.entry.kind == .file, found.entry.size <= 1 << 20,
              let bytes = try? root.filesystem.contents(of: found.path) else { return }
        let text = String(decoding: bytes.buffer, as: UTF8.self)
        lines = text.split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false) }.filter { $0.count >= 4 }   // passwd has 7 fields, group 4
    }

    func entry(id: UInt32) -> [Substring]? { lines.first { UInt32($0[2]) == id && !$0[0].isEmpty } }
    func entry(name: String) -> [Substring]? { lines.first { $0[0] == name } }
}

/// The kernel starts a program in secure-execution mode (auxv `AT_SECURE` = 1) when its
/// `execve` changes the effective user or group or raises capabilities
/// (security/commoncap.c `cap_bprm_creds_from_file`); glibc's loader then ignores
/// `LD_LIBRARY_PATH`, preloads only set-user-ID libraries by bare name, and expands
/// `$ORIGIN` only at the start of a path element, for the program itself only into the
/// system directories (elf/rtld.c, elf/dl-load.c `_dl_dst_substitute`).
public struct SecureExecution: Equatable, Sendable {
    public enum Cause: Equatable, Sendable {
        /// Set-user-ID, owned by another user than the one who runs it.
        case setUserID(owner: UInt32)
        /// Set-group-ID (with group execute), owned by another group.
        case setGroupID(group: UInt32)
        /// File capabilities, for a user who does not hold them all already (not root).
        case fileCapabilities
    }

    public var cause: Cause
    public var identity: ProcessIdentity
    /// The owner's or group's name in the root's /etc/passwd or /etc/group, for messages.
    public var causeName: String?

    /// From this glibc on, the loader ignores `LD_BIND_NOW` (and `LD_BIND_NOT`) in this mode
    /// as well (2.36's honours it, 2.41's does not: the generated roots show it; 2.39 is where
    /// glibc's history puts the change).
    public static let bindNowIgnoredSince = GlibcVersion(2, 39)

    /// Nil when `execve` by `identity` leaves the program's credentials as they were.
    /// A `nosuid` mount ignores set-ID bits and capabilities alike (fs/exec.c
    /// `bprm_fill_uid`, `get_file_caps`). (Root gains no capability it lacks; a set-ID
    /// program of its own user or group changes nothing either.)
    public static func decide(mode: UInt32, owner: FileOwner?, attributes: ExecutionAttributes,
                              identity: ProcessIdentity) -> SecureExecution? {
        guard !attributes.onNosuidMount else { return nil }
        if mode & 0o4000 != 0, let owner, owner.uid != identity.uid {
            return SecureExecution(cause: .setUserID(owner: owner.uid), identity: identity)
        }
        // Set-group-ID without group execute marks mandatory locking, not a group change.
        if mode & 0o2010 == 0o2010, let owner, owner.gid != identity.gid {
            return SecureExecution(cause: .setGroupID(group: owner.gid), identity: identity)
        }
        if attributes.hasFileCapabilities && identity.uid != 0 {
            return SecureExecution(cause: .fileCapabilities, identity: identity)
        }
        return nil
    }

    /// "set-group-ID (group 65534) and started by root", for messages.
    public var summary: String {
        let how: String
        let named = causeName.map { "\($0), " } ?? ""
        switch cause {
        case .setUserID(let owner): how = "set-user-ID (owner \(named)uid \(owner))"
        case .setGroupID(let group): how = "set-group-ID (group \(named)gid \(group))"
        case .fileCapabilities: how = "carries file capabilities"
        }
        return "\(how) and started by \(identity)"
    }

    /// The name `/etc/passwd` (uids) or `/etc/group` (gids) of `root` gives `id`: the first
    /// line `name:x:id:…` (nil when the file is missing, too large to be one, or has none).
    public static func accountName(_ id: UInt32, inGroups: Bool, root: RootView) -> String? {
        AccountFile(root: root, path: inGroups ? "/etc/group" : "/etc/passwd").entry(id: id).map { String($0[0]) }
    }

    /// `_dl_dst_substitute` in secure mode: `$ORIGIN` only as the first thing in an element,
    /// alone or followed by `/`; and for the program itself (`check_for_trusted`) the whole
    /// expansion must lie in one of the system directories once `.`, `..` and repeated
    /// slashes are resolved as text (`is_trusted_path_normalize`).
    static func isTrusted(_ path: String, systemDirectories: [String]) -> Bool {
        guard !path.isEmpty else { return false }
        var components: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { _ = components.popLast(); continue }
            components.append(part)
        }
        let normalized = "/" + components.joined(separator: "/") + (components.isEmpty ? "" : "/")
        return systemDirectories.contains { directory in
            let prefix = directory.hasSuffix("/") ? directory : directory + "/"
            return normalized.utf8.starts(with: prefix.utf8)
        }
    }
}

/// Something the environment or an object asked of the loader that secure-execution mode
/// made it leave out.
public enum SecureModeOmission: Equatable, Sendable {
    /// `LD_LIBRARY_PATH` with this value.
    case libraryPath(String)
    /// An `LD_PRELOAD` name with a `/` (or too long for a file name).
    case preloadPath(String)
    /// An RPATH/RUNPATH element (`source`) or a needed name (nil) whose `$ORIGIN` the loader
    /// refuses here: not first in its element, or for the program, outside the system
    /// directories.
    case originElement(String, owner: String, source: SearchSource?)

    public var description: String {
        switch self {
        case .libraryPath(let value): return "LD_LIBRARY_PATH=\(value)"
        case .preloadPath(let name): return "the LD_PRELOAD entry \(name)"
        case .originElement(let element, let owner, let source):
            return source.map { "\(element) in the \($0.label) of \(owner)" } ?? "the name \(element) needed by \(owner)"
        }
    }
}

import RootFS

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
        /// File capabilities that raise a user's (not root's) privileges: the effective bit, or
        /// a permitted set after the exec that the process did not have (`capabilityDecision`).
        case fileCapabilities(FileCapabilities)
        /// `GLIBC_TUNABLES`' `glibc.rtld.enable_secure=1` (glibc 2.40 on, `RtldTunables`): the
        /// loader's rules, not the kernel's; no credentials change.
        case tunable
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
    /// `bprm_fill_uid`, `get_file_caps`), and so does `no_new_privs` the set-ID bits
    /// (`bprm_fill_uid` returns before it reads them). (Root gains no capability it lacks; a
    /// set-ID program of its own user or group changes nothing either.)
    public static func decide(mode: UInt32, owner: FileOwner?, attributes: ExecutionAttributes,
                              identity: ProcessIdentity) -> SecureExecution? {
        guard !attributes.onNosuidMount else { return nil }
        if identity.privileges.noNewPrivileges { return capabilityDecision(attributes, identity: identity) }
        if mode & 0o4000 != 0, let owner, owner.uid != identity.uid {
            return SecureExecution(cause: .setUserID(owner: owner.uid), identity: identity)
        }
        // Set-group-ID without group execute marks mandatory locking, not a group change.
        if mode & 0o2010 == 0o2010, let owner, owner.gid != identity.gid {
            return SecureExecution(cause: .setGroupID(group: owner.gid), identity: identity)
        }
        return capabilityDecision(attributes, identity: identity)
    }

    /// File capabilities start secure-execution mode when the real user is not root and the
    /// file's effective bit is set or the new permitted set is not empty (security/commoncap.c
    /// `cap_bprm_creds_from_file`: `effective || __cap_grew(permitted, ambient, new)`, the
    /// ambient set being cleared for a file with capabilities). So `cap_net_raw=i` alone
    /// raises nothing for a process whose inheritable set lacks it, nor `=p` for one whose
    /// bounding set does (Docker's keeps 14 capabilities), but `=ei` does all the same.
    static func capabilityDecision(_ attributes: ExecutionAttributes, identity: ProcessIdentity) -> SecureExecution? {
        guard let capabilities = attributes.fileCapabilities, identity.uid != 0,
              capabilities.effective || identity.privileges.permittedAfterExec(of: capabilities) != 0 else { return nil }
        return SecureExecution(cause: .fileCapabilities(capabilities), identity: identity)
    }

    /// What the mode would have been but for the starting process's `no_new_privs`: the
    /// program then runs in normal mode, and messages say why. Nil when the flag changes
    /// nothing (unset, or the program is in secure mode all the same).
    public static func waived(mode: UInt32, owner: FileOwner?, attributes: ExecutionAttributes,
                              identity: ProcessIdentity) -> SecureExecution? {
        guard identity.privileges.noNewPrivileges,
              decide(mode: mode, owner: owner, attributes: attributes, identity: identity) == nil else { return nil }
        var without = identity
        without.privileges.noNewPrivileges = false
        return decide(mode: mode, owner: owner, attributes: attributes, identity: without)
    }

    /// "set-group-ID (group shadow, gid 42) and started by root", for messages.
    public var summary: String {
        let how: String
        let named = causeName.map { "\($0), " } ?? ""
        switch cause {
        case .setUserID(let owner): how = "set-user-ID (owner \(named)uid \(owner))"
        case .setGroupID(let group): how = "set-group-ID (group \(named)gid \(group))"
        case .tunable:
            return "started with GLIBC_TUNABLES' glibc.rtld.enable_secure=1"
        case .fileCapabilities(let capabilities) where capabilities == .unreadable:
            how = "given a security.capability attribute ofdoctor does not read, taken to raise privileges"
        case .fileCapabilities(let capabilities) where capabilities.effective:
            how = "given file capabilities with the effective bit set"
        case .fileCapabilities(let capabilities):
            let granted = String(identity.privileges.permittedAfterExec(of: capabilities), radix: 16)
            how = "given file capabilities that grant it permitted capabilities 0x\(granted)"
            if !identity.privileges.isKnown {
                return "\(how) and started by \(identity) (assumed: with a full bounding set and no inheritable capabilities)"
            }
        }
        return "\(how) and started by \(identity)"
    }

    /// Who sets the mode, for messages: the kernel (`AT_SECURE`), or the loader itself.
    public var setBy: String {
        cause == .tunable ? "the loader runs it as in secure-execution mode (glibc 2.40 and later)"
            : "the kernel starts it in secure-execution mode (AT_SECURE)"
    }

    /// For a mode `no_new_privs` waived: "set-user-ID (…) and started by root, whose process
    /// has no_new_privs set (…): execve ignores the set-ID bits, so the loader runs in normal mode".
    public var waiverSummary: String {
        let source = identity.privileges.isKnown ? "NoNewPrivs: 1 in ofdoctor's /proc/self/status" : "assumed"
        let ignored = if case .fileCapabilities = cause { "grants none of the file's capabilities the process lacks" } else { "ignores the set-ID bits" }
        return "\(summary), whose process has no_new_privs set (\(source)): execve \(ignored), so the loader runs in normal mode"
    }

    /// This decision with the owner's or group's name of `root`, for messages.
    func naming(in root: RootView) -> SecureExecution {
        var named = self
        switch cause {
        case .setUserID(let uid): named.causeName = Self.accountName(uid, inGroups: false, root: root)
        case .setGroupID(let gid): named.causeName = Self.accountName(gid, inGroups: true, root: root)
        case .fileCapabilities, .tunable: break
        }
        return named
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

import RootFS

/// What a process may do with a file or directory, as the kernel decides it without ACLs
/// (fs/namei.c `generic_permission`): root — a container's keeps `CAP_DAC_OVERRIDE` —
/// reads and searches everything and executes a regular file that has any execute bit;
/// anyone else gets the owner's bits when it owns the entry, else the group's when the
/// entry's group is its group or one of its supplementary ones, else the others' (the class
/// that matches decides, even when a later one would allow more).
public enum FileAccess: Sendable {
    case read
    /// Execute a file; search (look a name up in) a directory.
    case execute

    var bit: UInt32 { self == .read ? 4 : 1 }
}

/// One permission check that failed: the entry that refused (a directory on the way, or
/// the file itself), and for whom.
public struct AccessDenial: Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var isDirectory: Bool
    public var access: FileAccess
    public var mode: UInt32
    public var owner: FileOwner?
    public var identity: ProcessIdentity

    /// "uid 1000 (gid 1000) may not search /root (mode 0700, owner 0, group 0)".
    public var description: String {
        let verb = isDirectory ? "search" : access == .read ? "read" : "execute"
        let octal = String(self.mode & 0o7777, radix: 8)
        let mode = "mode " + String(repeating: "0", count: max(0, 4 - octal.count)) + octal
        let owner = self.owner.map { ", owner \($0.uid), group \($0.gid)" } ?? ""
        return "\(identity) may not \(verb) \(path) (\(mode)\(owner))"
    }
}

extension ProcessIdentity {
    /// Whether this identity may `access` `entry`. An entry whose owner the root does not
    /// say (a file a plan adds in memory) is taken as allowed.
    public func may(_ access: FileAccess, _ entry: RootEntry) -> Bool {
        if uid == 0 {
            return access == .read || entry.kind == .directory || entry.mode & 0o111 != 0
        }
        guard let owner = entry.owner else { return true }
        let shift: UInt32 = owner.uid == uid ? 6 : (owner.gid == gid || groups.contains(owner.gid)) ? 3 : 0
        return entry.mode >> shift & access.bit != 0
    }

    /// The first check that fails when this identity looks `path` up and then reads or
    /// executes what it leads to: each directory a component (or a link's target's) is
    /// looked up in needs search permission, then the entry `access`. Nil when every check
    /// passes, or when the path leads nowhere (not a permission matter). Where ofdoctor's own
    /// lookup is refused on the way (run as a user other than root), the directories it
    /// reached are judged all the same.
    public func denial(_ access: FileAccess, path: RootPath, in root: RootView) -> AccessDenial? {
        guard let lookup = try? root.lookupUpToDenial(path), lookup.resolved != nil || lookup.denied else { return nil }
        if let directory = lookup.searched.first(where: { !may(.execute, $0.entry) }) {
            return AccessDenial(path: directory.path.string, isDirectory: true, access: .execute, mode: directory.entry.mode,
                                owner: directory.entry.owner, identity: self)
        }
        guard let found = lookup.resolved, !may(access, found.entry) else { return nil }
        return AccessDenial(path: found.path.string, isDirectory: found.entry.kind == .directory, access: access,
                            mode: found.entry.mode, owner: found.entry.owner, identity: self)
    }

    /// The identity the loader's opens run with once `execve` made it: a set-user-ID
    /// program's owner as the user, a set-group-ID one's group as the group (supplementary
    /// groups stay) — what `secure` says changed, since it also knows the mount.
    public func effective(under secure: SecureExecution?) -> ProcessIdentity {
        var effective = self
        switch secure?.cause {
        case .setUserID(let owner): effective.uid = owner
        case .setGroupID(let group): effective.gid = group
        case .fileCapabilities, .tunable, nil: break
        }
        return effective
    }
}

import RootFS

/// Who starts the program: the real user and group the kernel compares a set-ID file's
/// owner with.
public struct ProcessIdentity: Equatable, Sendable, CustomStringConvertible {
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary groups: a file's group bits apply to them as to `gid`.
    public var groups: [UInt32]
    /// Its `no_new_privs` flag and capability sets (`ProcessPrivileges`): known for ofdoctor's
    /// own process only.
    public var privileges: ProcessPrivileges
    public init(uid: UInt32, gid: UInt32, groups: [UInt32] = [], privileges: ProcessPrivileges = .assumed) {
        self.uid = uid
        self.gid = gid
        self.groups = groups
        self.privileges = privileges
    }

    /// A container's processes unless its image names another user.
    public static let root = ProcessIdentity(uid: 0, gid: 0)

    public var description: String {
        let others = groups.filter { $0 != gid }
        return uid == 0 ? "root" : "uid \(uid) (gid \(gid)\(others.isEmpty ? "" : ", groups " + others.map(String.init).joined(separator: ",")))"
    }

    /// An image config's `User` as the container runtime reads it (`name`, `uid`, either
    /// with `:group` or `:gid`): a name through the root's /etc/passwd, whose entry also
    /// gives the group unless one is named (a number not listed there has group 0); a group
    /// name through /etc/group. A name in neither file is the runtime's refusal to start the
    /// container at all (measured with Docker: exit 125, `UnknownContainerUser`'s words).
    public static func container(user: String, root: RootView) -> Result<ProcessIdentity, UnknownContainerUser> {
        let parts = user.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let accounts = AccountFile(root: root, path: "/etc/passwd")
        var identity: ProcessIdentity
        // The user's supplementary groups: those /etc/group lists its name in (also for a
        // number /etc/passwd names; measured with Docker).
        let memberships = { (name: String) -> [UInt32] in AccountFile(root: root, path: "/etc/group").groups(listing: name) }
        if let uid = UInt32(parts[0]) {
            let entry = accounts.entry(id: uid)
            identity = ProcessIdentity(uid: uid, gid: entry.flatMap { UInt32($0[3]) } ?? 0, groups: entry.map { memberships(String($0[0])) } ?? [])
        } else if let entry = accounts.entry(name: parts[0]), let uid = UInt32(entry[2]), let gid = UInt32(entry[3]) {
            identity = ProcessIdentity(uid: uid, gid: gid, groups: memberships(String(entry[0])))
        } else {
            return .failure(UnknownContainerUser(spec: user, kind: .user, name: parts[0]))
        }
        if parts.count == 2 {
            // A group named in User is the only one: Docker adds no supplementary groups then
            // (measured: `alice:1000` may not read a file of a group /etc/group lists alice in).
            identity.groups = []
            if let gid = UInt32(parts[1]) {
                identity.gid = gid
            } else if let entry = AccountFile(root: root, path: "/etc/group").entry(name: parts[1]), let gid = UInt32(entry[2]) {
                identity.gid = gid
            } else {
                return .failure(UnknownContainerUser(spec: user, kind: .group, name: parts[1]))
            }
        }
        return .success(identity)
    }
}

/// A container `User` (the image's, or `--user`) naming a user or group the root's
/// /etc/passwd or /etc/group does not list: the runtime resolves names there before it
/// starts anything, and refuses.
public struct UnknownContainerUser: Error, Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case user, group }
    /// As given: `ghost`, `alice:staff`.
    public var spec: String
    public var kind: Kind
    /// The name not found.
    public var name: String

    /// The file it was looked up in.
    public var file: String { kind == .user ? "/etc/passwd" : "/etc/group" }

    /// What Docker's daemon answers `docker run` and `docker exec` (runc's user lookup).
    public var runtimeMessage: String {
        kind == .user ? "unable to find user \(name): no matching entries in passwd file"
                      : "unable to find group \(name): no matching entries in group file"
    }
}

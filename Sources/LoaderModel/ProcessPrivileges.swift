import RootFS

/// What the kernel weighs, besides the ids, when the process that starts the program execs a
/// set-ID file or one with file capabilities (fs/exec.c `bprm_fill_uid`, security/commoncap.c
/// `cap_bprm_creds_from_file`): its `no_new_privs` flag and capability sets. Known only for
/// the process ofdoctor itself is (its own `/proc/self/status`, when it checks `/` as the user
/// who runs it); for another root or `--user`, `assumed`.
public struct ProcessPrivileges: Equatable, Sendable {
    /// `NoNewPrivs: 1` (`prctl(PR_SET_NO_NEW_PRIVS)`, `docker run --security-opt
    /// no-new-privileges`, Kubernetes `allowPrivilegeEscalation: false`): execve ignores
    /// set-user-ID and set-group-ID bits, and grants no capability the process lacks.
    public var noNewPrivileges: Bool
    /// `CapBnd`: X, the most a file's permitted capabilities can grant.
    public var boundingSet: UInt64
    /// `CapInh`: pI, what a file's inheritable capabilities can take up.
    public var inheritableSet: UInt64
    /// `CapPrm`: pP, what the process holds (under `no_new_privs`, the most it keeps).
    public var permittedSet: UInt64
    /// Read from the starting process's status (true), or assumed (false).
    public var isKnown: Bool

    public init(noNewPrivileges: Bool = false, boundingSet: UInt64 = .max, inheritableSet: UInt64 = 0,
                permittedSet: UInt64 = 0, isKnown: Bool = false) {
        self.noNewPrivileges = noNewPrivileges
        self.boundingSet = boundingSet
        self.inheritableSet = inheritableSet
        self.permittedSet = permittedSet
        self.isKnown = isKnown
    }

    /// What is assumed of a process ofdoctor cannot read: no `no_new_privs`, every capability
    /// in its bounding set and none inheritable (a login shell's, a container's unless
    /// `--cap-add` set them inheritable).
    public static let assumed = ProcessPrivileges()

    /// From the text of `/proc/PID/status` (`NoNewPrivs:`, Linux 4.10 and later, and the
    /// hexadecimal `CapBnd:`, `CapInh:`, `CapPrm:`); nil when a line is missing.
    public init?(status: String) {
        self.init(status: Array(status.utf8))
    }

    /// The same from the file's bytes, the four lines only: every run reads it, and
    /// splitting the whole text into `Character`s cost a million instructions, half of
    /// `tree /bin/true`.
    public init?(status bytes: [UInt8]) {
        var values: [UInt64?] = [nil, nil, nil, nil]   // NoNewPrivs, CapBnd, CapInh, CapPrm
        let names = ["NoNewPrivs:", "CapBnd:", "CapInh:", "CapPrm:"].map { Array($0.utf8) }
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            for (k, name) in names.enumerated() where end - start > name.count && bytes[start..<start + name.count].elementsEqual(name) {
                let value = bytes[(start + name.count)..<end].filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
                values[k] = UInt64(String(decoding: value, as: UTF8.self), radix: 16)
            }
            start = end + 1
        }
        guard let noNewPrivileges = values[0], let bounding = values[1], let inheritable = values[2], let permitted = values[3] else { return nil }
        self.init(noNewPrivileges: noNewPrivileges == 1, boundingSet: bounding, inheritableSet: inheritable,
                  permittedSet: permitted, isKnown: true)
    }

    /// pP', the permitted set an execve of a file with `capabilities` gives (commoncap.c
    /// `bprm_caps_from_vfs_caps`): (pI & fI) | (fP & X), and under `no_new_privs` no more
    /// than the process held (`cap_bprm_creds_from_file` intersects it with pP).
    public func permittedAfterExec(of capabilities: FileCapabilities) -> UInt64 {
        let granted = (inheritableSet & capabilities.inheritable) | (capabilities.permitted & boundingSet)
        return noNewPrivileges ? granted & permittedSet : granted
    }
}

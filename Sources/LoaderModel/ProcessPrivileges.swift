/// What the kernel weighs, besides the ids, when the process that starts the program execs a
/// set-ID file (fs/exec.c `bprm_fill_uid`): its `no_new_privs` flag. Known only for the
/// process ofdoctor itself is (its own `/proc/self/status`, when it checks `/` as the user
/// who runs it); for another root or `--user`, assumed unset.
public struct ProcessPrivileges: Equatable, Sendable {
    /// `NoNewPrivs: 1` (`prctl(PR_SET_NO_NEW_PRIVS)`, `docker run --security-opt
    /// no-new-privileges`, Kubernetes `allowPrivilegeEscalation: false`): execve ignores
    /// set-user-ID and set-group-ID bits, so they never start secure-execution mode.
    public var noNewPrivileges: Bool
    /// Read from the starting process's status (true), or assumed (false).
    public var isKnown: Bool

    public init(noNewPrivileges: Bool = false, isKnown: Bool = false) {
        self.noNewPrivileges = noNewPrivileges
        self.isKnown = isKnown
    }

    /// What is assumed of a process ofdoctor cannot read: no `no_new_privs`.
    public static let assumed = ProcessPrivileges()

    /// From the text of `/proc/PID/status` (its `NoNewPrivs:` line, Linux 4.10 and later);
    /// nil when it has none.
    public init?(status: String) {
        let fields = Self.fields(status)
        guard let noNewPrivileges = fields["NoNewPrivs"] else { return nil }
        self.init(noNewPrivileges: noNewPrivileges == "1", isKnown: true)
    }

    /// `Name:\tvalue` lines, by name.
    static func fields(_ status: String) -> [Substring: Substring] {
        var fields: [Substring: Substring] = [:]
        for line in status.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon]] = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
        }
        return fields
    }
}

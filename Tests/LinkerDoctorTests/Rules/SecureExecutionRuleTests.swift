import Foundation
@testable import LoaderModel
import RootFS
import Testing

/// The rules of secure-execution mode that are text and numbers: when the kernel sets
/// AT_SECURE (security/commoncap.c), and which `$ORIGIN` elements the loader keeps
/// (elf/dl-load.c `_dl_dst_substitute`, `is_trusted_path_normalize`). SecureExecutionTests
/// judges the same rules by running set-ID programs under glibc 2.36's and 2.41's loaders.
@Suite("Secure-execution mode: the kernel's decision and the $ORIGIN rules")
struct SecureExecutionRuleTests {
    static let root = ProcessIdentity.root
    static let user = ProcessIdentity(uid: 1000, gid: 1000)
    static let plain = ExecutionAttributes()

    @Test("set-ID bits count only when they change the user or group")
    func decision() {
        let owner = FileOwner(uid: 0, gid: 42)
        // set-user-ID root: another user's programs change it, root's do not
        #expect(SecureExecution.decide(mode: 0o4755, owner: owner, attributes: Self.plain, identity: Self.user)?.cause == .setUserID(owner: 0))
        #expect(SecureExecution.decide(mode: 0o4755, owner: owner, attributes: Self.plain, identity: Self.root) == nil)
        // set-group-ID shadow: root too (its gid is 0), unless the group has no execute bit
        #expect(SecureExecution.decide(mode: 0o2755, owner: owner, attributes: Self.plain, identity: Self.root)?.cause == .setGroupID(group: 42))
        #expect(SecureExecution.decide(mode: 0o2705, owner: owner, attributes: Self.plain, identity: Self.root) == nil)
        #expect(SecureExecution.decide(mode: 0o2755, owner: FileOwner(uid: 0, gid: 1000), attributes: Self.plain, identity: Self.user) == nil)
        // file capabilities raise a user's, never root's
        let netRaw = FileCapabilities(permitted: Self.netRaw, inheritable: 0, effective: false)
        let caps = ExecutionAttributes(fileCapabilities: netRaw)
        #expect(SecureExecution.decide(mode: 0o755, owner: owner, attributes: caps, identity: Self.user)?.cause == .fileCapabilities(netRaw))
        #expect(SecureExecution.decide(mode: 0o755, owner: owner, attributes: caps, identity: Self.root) == nil)
        // nosuid: neither bits nor capabilities; a root that does not say who owns: nothing
        let nosuid = ExecutionAttributes(fileCapabilities: netRaw, onNosuidMount: true)
        #expect(SecureExecution.decide(mode: 0o6755, owner: owner, attributes: nosuid, identity: Self.user) == nil)
        #expect(SecureExecution.decide(mode: 0o6755, owner: nil, attributes: Self.plain, identity: Self.user) == nil)
        var named = SecureExecution(cause: .setGroupID(group: 42), identity: Self.root)
        named.causeName = "shadow"
        #expect(named.summary == "set-group-ID (group shadow, gid 42) and started by root")
    }

    @Test("no_new_privs: execve ignores set-ID bits; the mode they would have set is kept as waived")
    func noNewPrivileges() {
        let owner = FileOwner(uid: 1000, gid: 42)
        var nnp = Self.root
        nnp.privileges = ProcessPrivileges(noNewPrivileges: true, isKnown: true)
        #expect(SecureExecution.decide(mode: 0o4755, owner: owner, attributes: Self.plain, identity: Self.root)?.cause == .setUserID(owner: 1000))
        #expect(SecureExecution.decide(mode: 0o4755, owner: owner, attributes: Self.plain, identity: nnp) == nil)
        #expect(SecureExecution.decide(mode: 0o2755, owner: owner, attributes: Self.plain, identity: nnp) == nil)
        #expect(SecureExecution.waived(mode: 0o4755, owner: owner, attributes: Self.plain, identity: nnp)?.cause == .setUserID(owner: 1000))
        #expect(SecureExecution.waived(mode: 0o4755, owner: owner, attributes: Self.plain, identity: Self.root) == nil)
        #expect(SecureExecution.waived(mode: 0o755, owner: owner, attributes: Self.plain, identity: nnp) == nil)
        #expect(SecureExecution.waived(mode: 0o4755, owner: owner, attributes: Self.plain, identity: nnp)?.waiverSummary
                == "set-user-ID (owner uid 1000) and started by root, whose process has no_new_privs set (NoNewPrivs: 1 in ofdoctor's /proc/self/status): execve ignores the set-ID bits, so the loader runs in normal mode")
    }

    static let netRaw: UInt64 = 1 << 13

    /// A user (uid 1000) whose process has `inheritable` and `bounding` as its sets.
    static func starter(inheritable: UInt64 = 0, bounding: UInt64 = .max, noNewPrivileges: Bool = false) -> ProcessIdentity {
        ProcessIdentity(uid: 1000, gid: 1000, privileges: ProcessPrivileges(noNewPrivileges: noNewPrivileges, boundingSet: bounding,
                                                                            inheritableSet: inheritable, isKnown: true))
    }

    /// `setcap cap_net_raw=FLAGS` as uid 1000: secure mode when the effective bit is set or the
    /// exec leaves a permitted set ((pI & fI) | (fP & X), under no_new_privs also & pP).
    @Test("file capabilities: the effective bit, or a permitted set the exec grants", arguments: [
        ("p", starter(), true), ("ep", starter(), true), ("i", starter(), false), ("ei", starter(), true), ("ip", starter(), true),
        ("i", starter(inheritable: netRaw), true), ("p", starter(bounding: ~netRaw), false), ("ip", starter(bounding: ~netRaw), false),
        ("ei", starter(bounding: ~netRaw), true), ("p", starter(noNewPrivileges: true), false), ("ep", starter(noNewPrivileges: true), true),
        ("i", starter(inheritable: netRaw, noNewPrivileges: true), false),
    ] as [(String, ProcessIdentity, Bool)])
    func fileCapabilities(_ flags: String, _ identity: ProcessIdentity, _ secure: Bool) {
        let capabilities = FileCapabilities(permitted: flags.contains("p") ? Self.netRaw : 0, inheritable: flags.contains("i") ? Self.netRaw : 0,
                                            effective: flags.contains("e"))
        let attributes = ExecutionAttributes(fileCapabilities: capabilities)
        #expect((SecureExecution.decide(mode: 0o755, owner: FileOwner(uid: 0, gid: 0), attributes: attributes, identity: identity) != nil) == secure)
        #expect(SecureExecution.decide(mode: 0o755, owner: FileOwner(uid: 0, gid: 0), attributes: attributes, identity: Self.root) == nil)
    }

    /// The attribute as setcap writes it (revision 2: magic, then permitted and inheritable,
    /// low then high words) and revision 1 and 3; other sizes are not taken.
    @Test("security.capability: revisions 1 to 3 read, anything else not")
    func attribute() {
        let v2ep: [UInt8] = [0x01, 0, 0, 0x02, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(FileCapabilities(attribute: v2ep) == FileCapabilities(permitted: Self.netRaw, inheritable: 0, effective: true))
        let v1i: [UInt8] = [0, 0, 0, 0x01, 0, 0, 0, 0, 0x00, 0x20, 0, 0]
        #expect(FileCapabilities(attribute: v1i) == FileCapabilities(permitted: 0, inheritable: Self.netRaw, effective: false))
        let v3high: [UInt8] = [0, 0, 0, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(FileCapabilities(attribute: v3high) == FileCapabilities(permitted: 1 << 32, inheritable: 0, effective: false))
        #expect(FileCapabilities(attribute: Array(v2ep.prefix(12))) == nil)
        #expect(FileCapabilities(attribute: [0, 0, 0, 0x04] + Array(repeating: 0, count: 16)) == nil)
        #expect(FileCapabilities(attribute: [1]) == nil)
    }

    @Test("/proc/self/status: NoNewPrivs and the capability sets read, a missing line (a kernel before 4.10) is no reading")
    func statusParsing() {
        let status = "Name:\tofdoctor\nUid:\t0\t0\t0\t0\nCapInh:\t0000000000002000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t000001fffeffffff\nNoNewPrivs:\t1\nSeccomp:\t0\n"
        #expect(ProcessPrivileges(status: status) == ProcessPrivileges(noNewPrivileges: true, boundingSet: 0x1fffeffffff, inheritableSet: Self.netRaw,
                                                                       permittedSet: 0, isKnown: true))
        #expect(ProcessPrivileges(status: status.replacingOccurrences(of: "NoNewPrivs:\t1", with: "NoNewPrivs:\t0"))?.noNewPrivileges == false)
        #expect(ProcessPrivileges(status: "Name:\tx\n") == nil)
    }

    @Test("a trusted path is one of the system directories or below, after . and .. as text",
          arguments: [("/usr/lib/x86_64-linux-gnu", true), ("/lib", true), ("/usr/lib/app/bin/../lib", true),
                      ("/usr//lib/./x", true), ("/libx", false), ("/usr/lib/../../opt/lib", false),
                      ("/opt/app/lib", false), ("/usr/lib/x86_64-linux-gnu/../../../app", false), ("", false)])
    func trusted(_ path: String, _ expected: Bool) {
        #expect(SecureExecution.isTrusted(path, systemDirectories: LoaderPlatform.debianDefaultDirectories) == expected)
    }

    static let platform = LoaderPlatform(glibc: GlibcVersion(2, 36), glibcHWCaps: [], legacySubdirectories: [])
    static let library = SearchPath.SecureTokens(isProgram: false, systemDirectories: LoaderPlatform.debianDefaultDirectories)
    static let program = SearchPath.SecureTokens(isProgram: true, systemDirectories: LoaderPlatform.debianDefaultDirectories)

    @Test("$ORIGIN only first in its element, alone or before a slash; the program's only into trusted directories",
          arguments: [("$ORIGIN", "/opt/app/lib", false, "/opt/app/lib"), ("${ORIGIN}/../x", "/opt/app/lib", false, "/opt/app/lib/../x"),
                      ("/x/$ORIGIN", "/opt/app/lib", false, nil), ("$ORIGIN$ORIGIN", "/opt/app/lib", false, nil),
                      ("$ORIGIN/../lib", "/opt/app/bin", true, nil), ("$ORIGIN/../lib", "/usr/lib/app/bin", true, "/usr/lib/app/bin/../lib"),
                      ("$LIB/x", "/opt/app/bin", true, "lib/x86_64-linux-gnu/x"), ("$ORIGINX", "/opt/app/bin", true, "$ORIGINX")] as [(String, String, Bool, String?)])
    func origin(_ text: String, _ origin: String, _ isProgram: Bool, _ expected: String?) {
        #expect(SearchPath.expandTokens(text, origin: origin, platform: Self.platform, secure: isProgram ? Self.program : Self.library) == expected)
    }
}

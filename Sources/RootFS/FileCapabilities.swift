/// A file's capabilities: its `security.capability` attribute (`struct vfs_cap_data`,
/// linux/capability.h), one bit a capability (`CAP_NET_RAW` is bit 13).
public struct FileCapabilities: Equatable, Sendable {
    /// fP: granted whatever the process holds, within its bounding set.
    public var permitted: UInt64
    /// fI: granted as far as the process's inheritable set has them.
    public var inheritable: UInt64
    /// The effective bit (`VFS_CAP_FLAGS_EFFECTIVE`): the permitted set is made effective at once.
    public var effective: Bool

    public init(permitted: UInt64, inheritable: UInt64, effective: Bool) {
        self.permitted = permitted
        self.inheritable = inheritable
        self.effective = effective
    }

    /// An attribute this reader does not take (another revision or size, which the kernel
    /// refuses as well): judged as if it granted everything, effective, so a user other than
    /// root is in secure-execution mode (what ofdoctor said of any capability before it read them).
    public static let unreadable = FileCapabilities(permitted: .max, inheritable: .max, effective: true)

    /// Parses the attribute: a little-endian `magic_etc` (revision in the top byte, the
    /// effective flag in bit 0), then permitted and inheritable words: one pair for revision 1
    /// (12 bytes), two for revision 2 (20 bytes) and 3 (24 bytes, the namespace's root id
    /// last, which is not weighed: the capabilities are taken to apply). Nil for anything else.
    public init?(attribute bytes: [UInt8]) {
        func word(_ index: Int) -> UInt32 {
            let at = index * 4
            return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        guard bytes.count >= 4 else { return nil }
        let magic = word(0)
        let words: Int
        switch (magic & 0xff00_0000, bytes.count) {
        case (0x0100_0000, 12): words = 1
        case (0x0200_0000, 20), (0x0300_0000, 24): words = 2
        default: return nil
        }
        var permitted: UInt64 = 0, inheritable: UInt64 = 0
        for i in 0..<words {
            permitted |= UInt64(word(1 + 2 * i)) << (32 * i)
            inheritable |= UInt64(word(2 + 2 * i)) << (32 * i)
        }
        self.init(permitted: permitted, inheritable: inheritable, effective: magic & 1 != 0)
    }
}

import ELFInspect

extension LdSoCache {
    /// One `file_entry_new` (or old `file_entry`) with its strings looked up
    /// (sysdeps/generic/dl-cache.h).
    public struct Entry: Equatable, Sendable {
        /// `flags`: `0x0303` is ELF + libc6 + x86-64, the only value the x86-64 loader takes.
        public var flags: Int32
        /// `key`: the name looked up (a SONAME, or a `.so` link's own name).
        public var key: String {
            get { ByteString.decode(keyBytes) }
            set { keyBytes = ByteString.bytes(newValue) }
        }
        /// `value`: the path the loader then opens.
        public var value: String {
            get { ByteString.decode(valueBytes) }
            set { valueBytes = ByteString.bytes(newValue) }
        }
        /// `hwcap`: bit 62 marks a glibc-hwcaps entry (low 32 bits index the names, bits
        /// 32–41 the ISA level); otherwise legacy hwcap/platform/`tls` bits, 0 for a plain entry.
        public var hwcap: UInt64
        /// The glibc-hwcaps subdirectory name (`x86-64-v3`) of a glibc-hwcaps entry.
        public var glibcHWCaps: String?
        /// The key's and the value's bytes as stored: `LdSoCacheNameOrder` compares the keys,
        /// and a lookup makes a `String` only of the value it returns (a cache has a
        /// thousand entries, a program needs a few).
        var keyBytes: [UInt8]
        var valueBytes: [UInt8]

        public init(flags: Int32, key: String, value: String, hwcap: UInt64 = 0, glibcHWCaps: String? = nil) {
            self.init(flags: flags, keyBytes: ByteString.bytes(key), valueBytes: ByteString.bytes(value), hwcap: hwcap,
                      glibcHWCaps: glibcHWCaps)
        }

        init(flags: Int32, keyBytes: [UInt8], valueBytes: [UInt8], hwcap: UInt64, glibcHWCaps: String?) {
            self.flags = flags
            self.hwcap = hwcap
            self.glibcHWCaps = glibcHWCaps
            self.keyBytes = keyBytes
            self.valueBytes = valueBytes
        }

        /// `dl_cache_hwcap_extension`: only bit 62 set in the upper half, ISA level bits aside.
        public var isGlibcHWCapsEntry: Bool { Self.isGlibcHWCaps(hwcap) }

        /// The x86 ISA level a glibc-hwcaps entry needs (0 baseline, 1 v2, 2 v3, 3 v4).
        public var isaLevel: Int { Self.isaLevel(hwcap) }

        /// Index into the glibc-hwcaps name table (glibc-hwcaps entries only).
        public var glibcHWCapsIndex: UInt32 { Self.glibcHWCapsIndex(hwcap) }

        // The same from the `hwcap` field alone (a lookup reads it in the file).
        static func isGlibcHWCaps(_ hwcap: UInt64) -> Bool {
            ((hwcap >> 32) & ~LdSoCache.isaLevelMask) == (LdSoCache.hwcapExtensionBit >> 32)
        }

        static func isaLevel(_ hwcap: UInt64) -> Int { Int((hwcap >> 32) & LdSoCache.isaLevelMask) }

        static func glibcHWCapsIndex(_ hwcap: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: hwcap) }
    }

    /// `DL_CACHE_HWCAP_EXTENSION`.
    public static let hwcapExtensionBit: UInt64 = 1 << 62
    /// `DL_CACHE_HWCAP_ISA_LEVEL_MASK` (10 bits).
    public static let isaLevelMask: UInt64 = (1 << 10) - 1
    /// `_DL_CACHE_DEFAULT_ID` of x86-64 (sysdeps/unix/sysv/linux/x86_64/dl-cache.h):
    /// `FLAG_X8664_LIB64 | FLAG_ELF_LIBC6`.
    public static let x86_64Flags: Int32 = 0x0303
}

import Support

/// The pre-2.37 hwcap subdirectories (`tls`, `x86_64`, `haswell`, …) as x86-64's glibc 2.36
/// encodes them in cache entries: sysdeps/x86/dl-hwcap.h `_dl_string_hwcap`,
/// `_dl_string_platform` (`_DL_FIRST_PLATFORM` 48), ldconfig.c `TLS_HWCAP_BIT` 63.
/// Verified with `ldconfig -p` on Debian 12: `x86_64` 0x2, `avx512_1` 0x4, `i686` bit 49,
/// `haswell` bit 50, `tls` bit 63.
public struct LdSoCacheLegacyHWCap: Equatable, Sendable {
    /// `GLRO(dl_hwcap) & hwcap_mask`: `x86_64` always; `avx512_1` on AVX-512 Intel CPUs.
    public var hwcap: UInt64
    /// `dl_platform`: `haswell`/`xeon_phi` on such Intel CPUs, nil when it is `x86_64`
    /// (not a known platform, so every platform entry is rejected).
    public var platform: String?

    /// False for glibc 2.37 and later, whose loader skips every entry with a legacy bit.
    public var isSupported: Bool

    public init(hwcap: UInt64 = hwcapBits["x86_64"] ?? 0, platform: String? = nil) {
        self.hwcap = hwcap
        self.platform = platform
        self.isSupported = true
    }

    /// The loader of glibc 2.37 and later: only plain entries (hwcap 0) and glibc-hwcaps
    /// ones are used (elf/dl-cache.c `search_cache`), so a cache an older ldconfig wrote
    /// with `tls` or `x86_64` entries has those passed over.
    public static let removed: LdSoCacheLegacyHWCap = {
        var legacy = LdSoCacheLegacyHWCap(hwcap: 0)
        legacy.isSupported = false
        return legacy
    }()

    /// An x86-64 CPU without AVX-512 or Intel's `haswell` platform (e.g. this AMD host).
    public static let baseline = LdSoCacheLegacyHWCap()

    /// `_dl_x86_hwcap_flags` from `HWCAP_START` 1 (both are in `HWCAP_IMPORTANT`).
    public static let hwcapBits: [String: UInt64] = ["x86_64": 1 << 1, "avx512_1": 1 << 2]
    /// `_dl_x86_platforms`, from `_DL_FIRST_PLATFORM` 48.
    public static let platformBits: [String: UInt64] = [
        "i586": 1 << 48, "i686": 1 << 49, "haswell": 1 << 50, "xeon_phi": 1 << 51,
    ]
    /// `_DL_HWCAP_PLATFORM`: the four platform bits.
    public static let platformMask: UInt64 = 0xF << 48
    /// `_DL_HWCAP_TLS_MASK`.
    public static let tlsBit: UInt64 = 1 << 63

    /// ldconfig.c `is_hwcap_platform`: a subdirectory name ldconfig descends into.
    public static func isSubdirectoryName(_ name: String) -> Bool {
        hwcapBits[name] != nil || platformBits[name] != nil || name == "tls"
    }

    /// ldconfig.c `path_hwcap`: the bits of the trailing hwcap components of `path`.
    public static func bits(ofPath path: String) -> UInt64 {
        var hwcap: UInt64 = 0
        var rest = Substring(path)
        while let slash = rest.utf8.lastIndex(of: UInt8(ascii: "/")) {
            let component = String(rest[rest.utf8.index(after: slash)...])
            if let bit = hwcapBits[component] ?? platformBits[component] {
                hwcap = hwcap &+ bit
            } else if component == "tls" {
                hwcap = hwcap &+ tlsBit
            } else {
                break
            }
            rest = rest[..<slash]
        }
        return hwcap
    }

    /// The subdirectory names an entry's legacy bits stand for (`tls`, `x86_64`, `haswell`;
    /// `ldconfig -p` prints only the number), and the bits no name stands for in hexadecimal.
    public static func names(of hwcap: UInt64) -> [String] {
        var names: [String] = []
        var rest = hwcap
        for (name, bit) in (hwcapBits.merging(platformBits) { a, _ in a }).sorted(by: { $0.value < $1.value })
        where hwcap & bit != 0 {
            names.append(name)
            rest &= ~bit
        }
        if hwcap & tlsBit != 0 {
            names.append("tls")
            rest &= ~tlsBit
        }
        if rest != 0 { names.append("0x" + String(rest, radix: 16)) }
        return names
    }

    /// Whether `search_cache` takes a plain entry marked with `bits`.
    public func accepts(_ bits: UInt64) -> Bool {
        bits & excluded == 0 && acceptsPlatform(of: bits)
    }

    /// The platform test, which glibc 2.36 and older make of glibc-hwcaps entries too.
    func acceptsPlatform(of bits: UInt64) -> Bool {
        let platformBits = bits & Self.platformMask
        return !isSupported || platformBits == 0 || platformBits == platformValue
    }

    /// `search_cache`'s `hwcap_exclude`: bits an entry must not have.
    var excluded: UInt64 { isSupported ? ~(hwcap | Self.platformMask | Self.tlsBit) : UInt64.max }

    /// `1 << _dl_string_platform(dl_platform)`, or all ones when unknown.
    var platformValue: UInt64 {
        guard let p = platform, let bit = Self.platformBits[p] else { return UInt64.max }
        return bit
    }
}

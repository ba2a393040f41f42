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

    public init(hwcap: UInt64 = hwcapBits["x86_64"] ?? 0, platform: String? = nil) {
        self.hwcap = hwcap
        self.platform = platform
    }

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

    /// `search_cache`'s `hwcap_exclude`: bits an entry must not have.
    var excluded: UInt64 { ~(hwcap | Self.platformMask | Self.tlsBit) }

    /// `1 << _dl_string_platform(dl_platform)`, or all ones when unknown.
    var platformValue: UInt64 {
        guard let p = platform, let bit = Self.platformBits[p] else { return UInt64.max }
        return bit
    }
}

/// The root's `ld.so.cache` as the resolver asks it: with the CPU's hwcaps choices fixed.
public struct CacheLookup: LibraryCache {
    public var cache: LdSoCache
    public var glibcHWCaps: [String]
    public var legacy: LdSoCacheLegacyHWCap

    public init(cache: LdSoCache, platform: LoaderPlatform) {
        self.cache = cache
        self.glibcHWCaps = platform.glibcHWCaps
        self.legacy = Self.legacyHWCap(for: platform)
    }

    /// The legacy hwcap entries `platform`'s loader takes: none from glibc 2.37.
    public static func legacyHWCap(for platform: LoaderPlatform) -> LdSoCacheLegacyHWCap {
        guard LoaderPlatform.hasLegacyHWCaps(platform.glibc) else { return .removed }
        // (`GLRO(dl_hwcap) & hwcap_mask`)
        let hwcap = platform.hwcapNames.reduce(UInt64(0)) { $0 | (LdSoCacheLegacyHWCap.hwcapBits[$1] ?? 0) } & (platform.hwcapMask ?? ~0)
        let known = LdSoCacheLegacyHWCap.platformBits[platform.platform] != nil
        return LdSoCacheLegacyHWCap(hwcap: hwcap, platform: known ? platform.platform : nil)
    }

    public func lookup(_ name: String) -> String? {
        cache.lookup(name, glibcHWCaps: glibcHWCaps, legacy: legacy)
    }

    public func withLegacyHWCaps(of platform: LoaderPlatform) -> any LibraryCache {
        var copy = self
        copy.legacy = Self.legacyHWCap(for: platform)
        return copy
    }

    public func withGlibcHWCaps(_ levels: [String]) -> any LibraryCache {
        var copy = self
        copy.glibcHWCaps = levels
        return copy
    }
}

/// What the loader of the examined root is and what the CPU that will run it supports:
/// the rules that differ between glibc releases and machines are read from here.
public struct LoaderPlatform: Equatable, Sendable {
    /// The root's glibc (read from its `libc.so.6`), e.g. 2.31 or 2.36.
    public var glibc: GlibcVersion
    /// `glibc-hwcaps/` subdirectories the CPU supports, best first (glibc 2.33+ only).
    public var glibcHWCaps: [String]
    /// Legacy hwcap subdirectories probed in every search directory, best first (glibc ≤ 2.36).
    public var legacySubdirectories: [String]
    /// The built-in default directories (`SYSTEM_DIRS`).
    public var defaultDirectories: [String]
    /// `$LIB` expands to this.
    public var lib: String
    /// `$PLATFORM` expands to this (`AT_PLATFORM`, or `haswell` on such Intel CPUs).
    public var platform: String

    public init(glibc: GlibcVersion, glibcHWCaps: [String], legacySubdirectories: [String],
                defaultDirectories: [String] = LoaderPlatform.debianDefaultDirectories,
                lib: String = "lib/x86_64-linux-gnu", platform: String = "x86_64") {
        self.glibc = glibc
        self.glibcHWCaps = glibcHWCaps
        self.legacySubdirectories = legacySubdirectories
        self.defaultDirectories = defaultDirectories
        self.lib = lib
        self.platform = platform
    }

    /// Debian/Ubuntu multiarch `SYSTEM_DIRS` (`ld.so --help`).
    public static let debianDefaultDirectories = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"]
    /// Upstream x86-64 `SYSTEM_DIRS` (Fedora, Arch …).
    public static let upstreamDefaultDirectories = ["/lib64", "/usr/lib64"]

    /// The first glibc that searches and caches `glibc-hwcaps/` subdirectories (2.31 and
    /// 2.32 know only the legacy hwcap subdirectories; elf/dl-hwcaps.c, elf/ldconfig.c).
    public static let glibcHWCapsSince = GlibcVersion(2, 33)

    /// Whether `glibc` searches, caches and configures `glibc-hwcaps/` subdirectories.
    public static func hasGlibcHWCaps(_ glibc: GlibcVersion) -> Bool { glibc >= glibcHWCapsSince }

    /// The platform for `glibc` on a CPU described by `cpu`, following glibc's
    /// sysdeps/x86/cpu-features.c (platform, hwcap bits) and elf/dl-hwcaps.c (subdirectories).
    public static func make(glibc: GlibcVersion, cpu: CPUFeatures, multiarch: Bool) -> LoaderPlatform {
        let hwcaps = hasGlibcHWCaps(glibc) ? cpu.supportedLevels : []
        var platform = "x86_64"
        var hwcapNames = ["x86_64"]
        if cpu.isIntel {
            if cpu.has(["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]) { hwcapNames.append("avx512_1") }
            if cpu.has(["avx2", "bmi1", "bmi2", "abm", "movbe", "popcnt"]) { platform = "haswell" }
        }
        let legacy = glibc <= GlibcVersion(2, 36) ? legacyCombinations(hwcaps: hwcapNames, platform: platform) : []
        return LoaderPlatform(
            glibc: glibc, glibcHWCaps: hwcaps, legacySubdirectories: legacy,
            defaultDirectories: multiarch ? debianDefaultDirectories : upstreamDefaultDirectories,
            lib: multiarch ? "lib/x86_64-linux-gnu" : "lib64", platform: platform)
    }

    /// Every combination of `tls`, the platform and the hwcap names, as
    /// `_dl_important_hwcaps` orders them: longest first, `tls` most significant,
    /// duplicates dropped (the directory itself, the empty combination, is not listed).
    static func legacyCombinations(hwcaps: [String], platform: String) -> [String] {
        let parts = ["tls", platform] + hwcaps.reversed()
        var result: [String] = []
        let count = parts.count
        for mask in stride(from: (1 << count) - 1, to: 0, by: -1) {
            var chosen: [String] = []
            for (i, part) in parts.enumerated() where mask & (1 << (count - 1 - i)) != 0 { chosen.append(part) }
            let path = chosen.joined(separator: "/")
            if !result.contains(path) { result.append(path) }
        }
        return result
    }
}

/// The CPU flags that decide hwcaps levels (from `/proc/cpuinfo`).
public struct CPUFeatures: Equatable, Sendable {
    public var flags: Set<String>
    public var isIntel: Bool

    public init(flags: Set<String>, isIntel: Bool) {
        self.flags = flags
        self.isIntel = isIntel
    }

    /// Parses the first processor's `flags` and `vendor_id` lines of `/proc/cpuinfo`.
    public init(cpuinfo: String) {
        var flags: Set<String> = []
        var intel = false
        // Line by line, stopping at the blank line that ends the first processor's block:
        // the other processors repeat the same lines.
        var rest = Substring(cpuinfo)
        while !rest.isEmpty {
            let end = rest.firstIndex(of: "\n") ?? rest.endIndex
            let line = rest[..<end]
            rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
            if line.isEmpty && !flags.isEmpty { break }
            if flags.isEmpty, line.hasPrefix("flags") || line.hasPrefix("Features"),
               let colon = line.firstIndex(of: ":") {
                flags = Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
            }
            if line.hasPrefix("vendor_id") { intel = line.contains("GenuineIntel") }
        }
        self.init(flags: flags, isIntel: intel)
    }

    public func has(_ names: [String]) -> Bool { names.allSatisfy(flags.contains) }

    /// The x86-64 micro-architecture levels (psABI) the CPU meets, best first.
    public var supportedLevels: [String] {
        let v2 = has(["cx16", "lahf_lm", "popcnt", "pni", "sse4_1", "sse4_2", "ssse3"])
        let v3 = v2 && has(["avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"])
        let v4 = v3 && has(["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"])
        return (v4 ? ["x86-64-v4"] : []) + (v3 ? ["x86-64-v3"] : []) + (v2 ? ["x86-64-v2"] : [])
    }
}

import RootFS
import Support

/// What the loader of the examined root is and what the CPU that will run it supports:
/// the rules that differ between glibc releases and machines are read from here.
public struct LoaderPlatform: Equatable, Sendable {
    /// The root's glibc (read from its `libc.so.6`), e.g. 2.31 or 2.36.
    public var glibc: GlibcVersion
    /// `glibc-hwcaps/` subdirectories the CPU supports, best first (glibc 2.33+ only), less
    /// those `GLIBC_TUNABLES`' `glibc.cpu.hwcaps` takes away.
    public var glibcHWCaps: [String]
    /// The CPU's levels before `glibc.cpu.hwcaps` masked `glibcHWCaps` (nil: not masked).
    var levelsBeforeTunable: [String]?
    /// Legacy hwcap subdirectories probed in every search directory, best first (glibc ≤ 2.36).
    public var legacySubdirectories: [String]
    /// The CPU's legacy hwcap names (`GLRO(dl_hwcap)`: `x86_64`, and `avx512_1` on AVX-512
    /// Intel CPUs), before `glibc.cpu.hwcap_mask`.
    var hwcapNames: [String] = ["x86_64"]
    /// `glibc.cpu.hwcap_mask` or `LD_HWCAP_MASK` when set (nil: `HWCAP_IMPORTANT`, both names).
    public private(set) var hwcapMask: UInt64?
    /// The built-in default directories (`SYSTEM_DIRS`).
    public var defaultDirectories: [String]

    /// The levels the ISA-level check compares against: the CPU's, tunable or not. cpu_features'
    /// `isa_1` is set (sysdeps/x86/cpu-features.c `update_active`, `update_usable` in 2.33)
    /// before `init_cpu_features` applies `glibc.cpu.hwcaps`, while the glibc-hwcaps
    /// subdirectories are chosen after it (`_dl_hwcaps_subdirs_active` asks `get_isa_level`
    /// again), so a mask changes the copy found but never refuses an object.
    public var isaCheckLevels: [String] { levelsBeforeTunable ?? glibcHWCaps }

    /// `glibcHWCaps` masked by a tunable, the CPU's levels kept for the ISA-level check.
    mutating func maskGlibcHWCaps(to levels: [String]) {
        if levelsBeforeTunable == nil { levelsBeforeTunable = glibcHWCaps }
        glibcHWCaps = levels
    }

    /// The legacy subdirectories under a hwcap mask (glibc ≤ 2.36): only the hwcap names
    /// whose bits it keeps combine with the platform and `tls`, which stay
    /// (elf/dl-hwcaps.c `_dl_important_hwcaps` uses `dl_hwcap & hwcap_mask`).
    mutating func maskLegacyHWCaps(_ mask: UInt64) {
        guard Self.hasLegacyHWCaps(glibc) else { return }
        hwcapMask = mask
        let kept = hwcapNames.filter { (LdSoCacheLegacyHWCap.hwcapBits[$0] ?? 0) & mask != 0 }
        legacySubdirectories = Self.legacyCombinations(hwcaps: kept, platform: platform)
    }
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
    /// Both layouts' default directories: where ldconfig may write links, whichever the root is.
    public static let anyLayoutDefaultDirectories = debianDefaultDirectories + upstreamDefaultDirectories

    /// The default directories of `root`'s layout: multiarch when it has a multiarch library directory.
    public static func defaultDirectories(multiarch: Bool) -> [String] {
        multiarch ? debianDefaultDirectories : upstreamDefaultDirectories
    }

    /// Whether `root` has Debian's multiarch library directories.
    public static func isMultiarch(_ root: RootView) -> Bool {
        root.isDirectory(RootPath("/lib/x86_64-linux-gnu")) || root.isDirectory(RootPath("/usr/lib/x86_64-linux-gnu"))
    }

    /// The first glibc that searches and caches `glibc-hwcaps/` subdirectories (2.31 and
    /// 2.32 know only the legacy hwcap subdirectories; elf/dl-hwcaps.c, elf/ldconfig.c).
    public static let glibcHWCapsSince = GlibcVersion(2, 33)

    /// Whether `glibc` searches, caches and configures `glibc-hwcaps/` subdirectories.
    public static func hasGlibcHWCaps(_ glibc: GlibcVersion) -> Bool { glibc >= glibcHWCapsSince }

    /// The last glibc with legacy hwcap subdirectories (`tls`, `x86_64`, `haswell`, …): 2.37
    /// removed them from the loader's search, from its reading of ld.so.cache (an entry with
    /// any legacy hwcap bit is skipped) and from ldconfig's scan (elf/dl-cache.c, ldconfig.c).
    public static let legacyHWCapsUntil = GlibcVersion(2, 36)

    /// Whether `glibc` searches, caches and configures legacy hwcap subdirectories.
    public static func hasLegacyHWCaps(_ glibc: GlibcVersion) -> Bool { glibc <= legacyHWCapsUntil }

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
        let legacy = hasLegacyHWCaps(glibc) ? legacyCombinations(hwcaps: hwcapNames, platform: platform) : []
        var made = LoaderPlatform(
            glibc: glibc, glibcHWCaps: hwcaps, legacySubdirectories: legacy,
            defaultDirectories: defaultDirectories(multiarch: multiarch),
            lib: multiarch ? "lib/x86_64-linux-gnu" : "lib64", platform: platform)
        made.hwcapNames = hwcapNames
        return made
    }

    /// Every combination of `tls`, the platform and the hwcap names, as
    /// `_dl_important_hwcaps` orders them: longest first, `tls` most significant,
    /// duplicates dropped (the directory itself, the empty combination, is not listed).
    static func legacyCombinations(hwcaps: [String], platform: String) -> [String] {
        let parts = ["tls", platform] + hwcaps.reversed()
        var result: [String] = []
        let count = parts.count
        for mask in stride(from: (1 << count) - 1, to: 0, by: -1) {
            // Joined by hand: `joined(separator:)` on `[String]` instantiated generic metadata
            // whose conformance check scanned every conformance record of the binary.
            var path = ""
            for (i, part) in parts.enumerated() where mask & (1 << (count - 1 - i)) != 0 {
                if !path.isEmpty { path += "/" }
                path += part
            }
            if !result.contains(path) { result.append(path) }
        }
        return result
    }
}

/// The CPU flags that decide hwcaps levels (from `/proc/cpuinfo`).
public struct CPUFeatures: Equatable, Sendable {
    /// The flags line's words, each between single spaces: `has` asks a handful of names of
    /// it (a byte search each), where a set of all 100-odd words cost a thousand instructions
    /// a word on every command.
    private var words: [UInt8]
    public var isIntel: Bool

    public init(flags: Set<String>, isIntel: Bool) {
        words = [Self.space] + flags.sorted().flatMap { Array($0.utf8) + [Self.space] }
        self.isIntel = isIntel
    }

    private static let space = UInt8(ascii: " ")

    /// Parses the first processor's `flags` and `vendor_id` lines of `/proc/cpuinfo`.
    public init(cpuinfo: String) {
        self.init(cpuinfo: Array(cpuinfo.utf8))
    }

    /// The same from the file's bytes.
    public init(cpuinfo bytes: [UInt8]) {
        // On the UTF-8 bytes: Character-wise `Substring` scanning and `contains` (the regex
        // engine) cost a million instructions on every command for a few kilobytes of text.
        var words: [UInt8] = [Self.space]
        var found = false
        var intel = false
        let newline = UInt8(ascii: "\n"), colon = UInt8(ascii: ":"), tab = UInt8(ascii: "\t")
        func starts(_ line: ArraySlice<UInt8>, with prefix: String) -> Bool { line.starts(with: prefix.utf8) }
        var start = 0
        // Line by line, stopping at the blank line that ends the first processor's block:
        // the other processors repeat the same lines.
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: newline) ?? bytes.count
            let line = bytes[start..<end]
            start = end + 1
            if line.isEmpty && found { break }
            if !found, starts(line, with: "flags") || starts(line, with: "Features"), let at = line.firstIndex(of: colon) {
                found = true
                var word = at + 1
                while word < line.endIndex {
                    while word < line.endIndex && (line[word] == Self.space || line[word] == tab) { word += 1 }
                    var stop = word
                    while stop < line.endIndex && line[stop] != Self.space && line[stop] != tab { stop += 1 }
                    if stop > word {
                        words.append(contentsOf: line[word..<stop])
                        words.append(Self.space)
                    }
                    word = stop
                }
            }
            if starts(line, with: "vendor_id") {
                let needle = Array("GenuineIntel".utf8)
                intel = line.count >= needle.count
                    && (line.startIndex...(line.endIndex - needle.count)).contains { line[$0..<($0 + needle.count)].elementsEqual(needle) }
            }
        }
        self.words = words
        self.isIntel = intel
    }

    /// Whether the CPU has every flag named.
    public func has(_ names: [String]) -> Bool { names.allSatisfy(has) }

    private func has(_ name: String) -> Bool {
        guard !name.isEmpty else { return false }
        // `words` starts with a space and ends each word with one: "NAME " after a space is
        // a whole word. (The search anchors on the name's first byte, not on the spaces.)
        let needle = Array(name.utf8) + [Self.space]
        return words.withUnsafeBytes { bytes in
            var at = 1
            while at < bytes.count, let found = ByteSearch.firstOffset(of: needle, in: UnsafeRawBufferPointer(rebasing: bytes[at...])) {
                if bytes[at + found - 1] == Self.space { return true }
                at += found + 1
            }
            return false
        }
    }

    /// The x86-64 micro-architecture levels (psABI) the CPU meets, best first.
    public var supportedLevels: [String] {
        let v2 = has(["cx16", "lahf_lm", "popcnt", "pni", "sse4_1", "sse4_2", "ssse3"])
        let v3 = v2 && has(["avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"])
        let v4 = v3 && has(["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"])
        return (v4 ? ["x86-64-v4"] : []) + (v3 ? ["x86-64-v3"] : []) + (v2 ? ["x86-64-v2"] : [])
    }
}

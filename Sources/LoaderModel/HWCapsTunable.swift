import Support

/// `GLIBC_TUNABLES`' `glibc.cpu.hwcaps`: CPU features the loader is told to take as absent
/// (`glibc.cpu.hwcaps=-AVX2,-FMA`). A level that needs one is no longer the CPU's: its
/// `glibc-hwcaps/` subdirectory is not searched (nor its ld.so.cache entries taken). The
/// ISA-level check is not affected: it compares with the CPU's levels from before the mask
/// (`LoaderPlatform.isaCheckLevels`), so an x86-64-v4 library still starts under `-AVX512F`.
///
/// Measured with the loaders of glibc 2.36 and 2.41 (`ld.so --help` lists the levels it
/// supports; a program whose library is in `lib/`, `glibc-hwcaps/x86-64-v2/` and `…-v3/`
/// takes the copy of the best level left): `-POPCNT`, `-SSE4_1`, `-SSE4_2`, `-SSSE3` take
/// x86-64-v2 and above away; `-AVX`, `-AVX2`, `-BMI1`, `-BMI2`, `-FMA`, `-LZCNT`, `-MOVBE`,
/// `-OSXSAVE` x86-64-v3 and above; `-F16C`, `-XSAVE`, `-CX16`, `-LAHF64_SAHF64`, `-SSE3`
/// change nothing; names are upper case (`-avx2` changes nothing), one without `-` enables
/// nothing here, unknown ones are skipped; of several `glibc.cpu.hwcaps` the last counts.
/// The AVX-512 features for x86-64-v4 follow glibc's level definition (this machine has
/// none to take away). In secure-execution mode the loader ignores the tunable (measured
/// with a set-group-ID program under 2.36): the caller applies it only outside that mode.
public enum HWCapsTunable {
    /// Each level, lowest first, with the tunable names whose removal takes it away.
    static let levels: [(level: String, features: Set<String>)] = [
        ("x86-64-v2", ["POPCNT", "SSE4_1", "SSE4_2", "SSSE3"]),
        ("x86-64-v3", ["AVX", "AVX2", "BMI1", "BMI2", "FMA", "LZCNT", "MOVBE", "OSXSAVE"]),
        ("x86-64-v4", ["AVX512F", "AVX512BW", "AVX512CD", "AVX512DQ", "AVX512VL"]),
    ]

    /// The feature names `tunables` disables (`-NAME` entries of its `glibc.cpu.hwcaps`).
    public static func disabled(in tunables: String?) -> Set<String> {
        guard let tunables, let value = LoaderEnvironment.tunable("glibc.cpu.hwcaps", in: tunables) else { return [] }
        var names = Set<String>()
        for entry in value.split(bytes: { $0 == UInt8(ascii: ",") }) where entry.hasBytePrefix("-") {
            names.insert(String(entry.dropFirst()))
        }
        return names
    }

    /// `supported` (best first, as `LoaderPlatform.glibcHWCaps`) without the levels the
    /// disabled features take away, and every level above one taken away.
    public static func apply(to supported: [String], tunables: String?) -> [String] {
        let off = disabled(in: tunables)
        guard !off.isEmpty else { return supported }
        var kept: Set<String> = []
        for (level, features) in levels {
            guard features.isDisjoint(with: off) else { break }
            kept.insert(level)
        }
        return supported.filter(kept.contains)
    }
}

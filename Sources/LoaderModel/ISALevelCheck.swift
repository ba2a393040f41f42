/// glibc 2.33 and later refuse to start a program when an object it loaded needs an x86
/// ISA level the CPU lacks (its `GNU_PROPERTY_X86_ISA_1_NEEDED` note: a library built for
/// x86-64-v4 on a CPU without AVX-512). sysdeps/x86/dl-prop.h `dl_isa_level_check` runs
/// after the version checks and before any relocation, over the objects in the order they
/// are relocated, ld.so itself left out; the first refused one ends the start:
/// `NAME: CPU ISA level is lower than required`. `ldd` and `ld.so --list` exit before it.
public enum ISALevelCheck {
    public static let since = GlibcVersion(2, 33)

    /// An object the CPU cannot run, and what it needs.
    public struct Refusal: Equatable, Sendable {
        public var object: Int
        public var needed: UInt32
        public var supported: UInt32
    }

    /// The levels the CPU has, as bits (1 baseline, 2 v2, 4 v3, 8 v4): from the platform's
    /// glibc-hwcaps levels, which the same `get_isa_level` decides — those before any
    /// `glibc.cpu.hwcaps` mask (`LoaderPlatform.isaCheckLevels`).
    public static func supportedBits(_ platform: LoaderPlatform) -> UInt32 {
        var bits: UInt32 = 1
        for (bit, level) in [(UInt32(2), "x86-64-v2"), (4, "x86-64-v3"), (8, "x86-64-v4")] where platform.isaCheckLevels.contains(level) {
            bits |= bit
        }
        return bits
    }

    /// The object the loader refuses first, if any (none before glibc 2.33).
    public static func firstRefusal(in graph: LoadGraph) -> Refusal? {
        guard graph.platform.glibc >= since else { return nil }
        let supported = supportedBits(graph.platform)
        func refused(_ index: Int) -> Bool {
            let needed = graph.objects[index].elf.x86ISANeeded
            return needed & supported != needed && graph.objects[index].foundVia != .interpreter
        }
        // The loader's order matters only when two are refused (and sorting costs: the older
        // sort is quadratic).
        let all = graph.objects.indices.filter(refused)
        guard let first = all.count > 1 ? RelocationOrder.objects(in: graph).first(where: refused) : all.first else { return nil }
        return Refusal(object: first, needed: graph.objects[first].elf.x86ISANeeded, supported: supported)
    }

    /// The highest level named in `bits` (`x86-64-v4`), or the bits themselves when they name
    /// no level glibc knows.
    public static func levelName(_ bits: UInt32) -> String {
        if bits & ~0xf != 0 { return "ISA bits 0x" + String(bits, radix: 16) }
        if bits & 8 != 0 { return "x86-64-v4" }
        if bits & 4 != 0 { return "x86-64-v3" }
        if bits & 2 != 0 { return "x86-64-v2" }
        return "x86-64 (baseline)"
    }
}

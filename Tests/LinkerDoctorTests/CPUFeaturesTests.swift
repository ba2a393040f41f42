import Foundation
import LoaderModel
import Support
import Testing

/// `/proc/cpuinfo` as the hwcaps choice reads it: the first processor's flags, each a whole
/// word, and the vendor.
@Suite("CPU features from /proc/cpuinfo")
struct CPUFeaturesTests {
    static let twoProcessors = """
        processor\t: 0
        vendor_id\t: GenuineIntel
        flags\t\t: fpu sse4_1 sse4_2\tavx2 ssse3 popcnt
        \nprocessor\t: 1
        vendor_id\t: GenuineIntel
        flags\t\t: fpu avx512f
        """

    @Test("whole words of the first processor's flags line; names that are only a prefix or a part are absent")
    func wholeWords() {
        let cpu = CPUFeatures(cpuinfo: Self.twoProcessors)
        #expect(cpu.isIntel)
        #expect(cpu.has(["fpu", "sse4_1", "sse4_2", "avx2", "ssse3", "popcnt"]))
        #expect(cpu.has([]))
        for absent in ["avx", "sse4", "sse", "4_1", "avx512f", "pu", "popcnt ", ""] {
            #expect(!cpu.has([absent]), "\(absent)")
        }
        #expect(!cpu.has(["fpu", "avx"]))
    }

    @Test("no flags line: nothing; Features (arm64) is read as flags; another vendor is not Intel")
    func otherShapes() {
        #expect(!CPUFeatures(cpuinfo: "processor\t: 0\n").has(["fpu"]))
        let arm = CPUFeatures(cpuinfo: "processor\t: 0\nFeatures\t: fp asimd evtstrm\nCPU implementer\t: 0x41\n")
        #expect(arm.has(["fp", "asimd", "evtstrm"]) && !arm.isIntel)
        #expect(!CPUFeatures(cpuinfo: "vendor_id\t: AuthenticAMD\nflags\t: fpu\n").isIntel)
    }

    @Test("a set of flags given directly answers the same as parsed text")
    func fromSet() {
        let cpu = CPUFeatures(flags: ["avx2", "sse4_1"], isIntel: false)
        #expect(cpu.has(["sse4_1", "avx2"]) && !cpu.has(["avx"]) && !cpu.has(["sse4"]))
    }

    @Test("this machine's /proc/cpuinfo: every word of its first flags line, and no other")
    func thisMachine() throws {
        let text = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("flags") || $0.hasPrefix("Features") },
                                "no flags line in /proc/cpuinfo")
        let words = line.split(separator: ":", maxSplits: 1)[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let cpu = CPUFeatures(cpuinfo: text)
        #expect(!words.isEmpty && cpu.has(words))
        for word in words {
            #expect(!cpu.has([word + "x"]) || words.contains(word + "x"), "\(word)x")
            #expect(!cpu.has([String(word.dropLast())]) || words.contains(String(word.dropLast())), "\(word.dropLast())")
        }
    }

    @Test("ProcFile reads a /proc file of size 0 to its end, at most the limit, nil when absent")
    func procFile() throws {
        let whole = try #require(ProcFile.bytes(at: "/proc/self/status"))
        #expect(whole.count > 100 && String(decoding: whole, as: UTF8.self).hasPrefix("Name:"))
        #expect(ProcFile.bytes(at: "/proc/self/status", limit: 10) == Array(whole.prefix(10)))
        #expect(ProcFile.bytes(at: "/proc/self/no-such-file") == nil)
        let cpuinfo = try #require(ProcFile.bytes(at: "/proc/cpuinfo"))
        let text = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        #expect(CPUFeatures(cpuinfo: cpuinfo) == CPUFeatures(cpuinfo: text))
    }
}

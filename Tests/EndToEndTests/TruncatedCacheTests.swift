import Foundation
import Testing

/// `/etc/ld.so.cache` cut short (a copy or an image layer that lost its end): the loader
/// checks that the header and the entry table fit in the file, then each string offset
/// only as its binary search reaches that entry (elf/dl-cache.c `_dl_cache_verify_ptr`), so
/// a library whose entries lie before the cut is still found. ofdoctor called such a cache
/// unusable as a whole (LD005, "will not start") where the loader started the program.
@Suite("A cache cut short: found where the loader finds it")
struct TruncatedCacheTests {
    @Test("every cut of a cache in each format ldconfig writes (old, compat, new): check starts the program exactly where the real loader does",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason), arguments: ["old", "compat", "new"])
    func everyCut(format: String) throws {
        let fixture = try #require(FixtureRoot.named("healthy"))
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        // libfoo.so, found only through the cache (/usr/local/lib is no default directory).
        let work = (root as NSString).deletingLastPathComponent
        try "int foo(void) { return 1; }\n".write(toFile: work + "/foo.c", atomically: true, encoding: .utf8)
        try "extern int foo(void);\nint main(void) { return foo() - 1; }\n".write(toFile: work + "/main.c", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: root + "/opt/app/bin", withIntermediateDirectories: true)
        #expect(Command.run("/usr/bin/gcc", ["-shared", "-fPIC", "-o", root + "/usr/local/lib/libfoo.so", "-Wl,-soname,libfoo.so", work + "/foo.c"]).status == 0)
        #expect(Command.run("/usr/bin/gcc", ["-o", root + "/opt/app/bin/prog", work + "/main.c", "-L" + root + "/usr/local/lib", "-lfoo"]).status == 0)
        let ldconfig = Command.run("/sbin/ldconfig", ["-c", format, "-r", root])
        try #require(ldconfig.status == 0, "\(ldconfig.stderr)")
        let cache = try Data(contentsOf: URL(fileURLWithPath: root + "/etc/ld.so.cache"))
        var cuts = Array(stride(from: 0, to: cache.count, by: 7)) + [cache.count]
        cuts.sort()
        var started = 0, disagreements: [String] = []
        for cut in cuts {
            try cache.prefix(cut).write(to: URL(fileURLWithPath: root + "/etc/ld.so.cache"))
            let loader = RealLoader.list(root: root, program: "/opt/app/bin/prog", environment: [:])
            let check = Command.ofdoctor(["check", "--root", root, "/opt/app/bin/prog"])
            if loader.status == 0 { started += 1 }
            if (loader.status == 0) != (check.status == 0) {
                disagreements.append("cut at \(cut) of \(cache.count): loader exit \(loader.status), check exit \(check.status)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) of \(cuts.count) cuts: \(disagreements.prefix(5))")
        // Both outcomes are met: the cut makes the cache useless, or leaves the entry readable.
        #expect(started > 1 && started < cuts.count, "the loader started the program at \(started) of \(cuts.count) cuts")
    }
}

import ELFInspect
import Foundation
import Testing

/// Malformed copies of small valid files: the reader throws an `ELFError` naming the file
/// or reads what is still valid, and never traps or loops without bound.
@Suite("ELFInspect survives malformed files")
struct MalformedELFTests {
    /// Small valid files of each class and byte order (gcc-built fixtures).
    static func bases() throws -> [(label: String, bytes: [UInt8])] {
        let fixtures = try Fixtures.get()
        let picks = ["libdep64.so", "libmain32.so", "main64", "libdep32.so.be", "libmain64.so.be", "exec32"]
        return try picks.map { name in
            (name, try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixtures.directory + "/" + name))))
        }
    }

    static func check(_ mutant: Mutant) {
        let path = "/fixture/\(mutant.name)"
        let start = ContinuousClock.now
        let error = Mutants.probe(mutant.bytes, path: path)
        if let error {
            #expect(error.path == path, "\(mutant.name): \(error)")
            #expect(error.description.contains(path), "\(mutant.name): \(error)")
        }
        #expect(ContinuousClock.now - start < .seconds(2), "\(mutant.name) took too long")
    }

    @Test("the unmodified bases parse", .enabled(if: Fixtures.isAvailable, "needs gcc with -m32"))
    func basesParse() throws {
        for base in try Self.bases() {
            #expect(Mutants.probe(base.bytes, path: base.label) == nil, "\(base.label)")
        }
    }

    @Test("truncations, huge counts, loops, bad offsets and mismatched headers throw or parse",
          .enabled(if: Fixtures.isAvailable, "needs gcc with -m32"))
    func targetedMutantsAreSurvived() throws {
        var total = 0, thrown = 0
        for base in try Self.bases() {
            for mutant in Mutants.all(from: base.bytes, label: base.label) {
                Self.check(mutant)
                total += 1
                if Mutants.probe(mutant.bytes, path: "x") != nil { thrown += 1 }
            }
        }
        #expect(total >= 1000)
        #expect(thrown >= 200)
    }

    @Test("2000 random byte mutants (seed 2024) do not crash",
          .enabled(if: Fixtures.isAvailable, "needs gcc with -m32"))
    func randomMutantsAreSurvived() throws {
        let bases = try Self.bases()
        for (n, base) in bases.enumerated() {
            for mutant in Mutants.random(from: base.bytes, label: base.label, count: 2000 / bases.count + 1, seed: 2024 + UInt64(n)) {
                Self.check(mutant)
            }
        }
    }

    @Test("random mutants of real libraries do not crash")
    func randomMutantsOfRealFiles() throws {
        let real = ["/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/bin/ls"].filter { FileManager.default.fileExists(atPath: $0) }
        for (n, path) in real.enumerated() {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            for mutant in Mutants.random(from: bytes, label: path, count: 100, seed: 7 + UInt64(n)) {
                Self.check(mutant)
            }
        }
    }

    @Test("creeping version links in a large file end quickly")
    func creepingVersionLinksAreBounded() throws {
        let path = "/usr/lib/x86_64-linux-gnu/libc.so.6"
        guard FileManager.default.fileExists(atPath: path),
              var raw = RawELF(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) else { return }
        for (tag, num) in [(UInt64(0x6fff_fffe), UInt64(0x6fff_ffff)), (0x6fff_fffc, 0x6fff_fffd)] {
            guard let at = raw.fileOffset(ofDynamic: tag) else { continue }
            raw.setDynamic(num, 0xffff)
            if tag == 0x6fff_fffe {
                raw.write(at + 2, 2, 0xffff); raw.write(at + 12, 4, 1)
                raw.write(at + raw.readInt(at + 8, 4) + 12, 4, 1)
            } else {
                raw.write(at + 6, 2, 0xffff); raw.write(at + 16, 4, 1)
                raw.write(at + raw.readInt(at + 12, 4) + 4, 4, 1)
            }
        }
        Self.check(Mutant(name: "libc with creeping version links", bytes: raw.bytes))
    }

    @Test("the error names the file and says what is wrong", arguments: [
        ([UInt8]("#!/bin/sh\n".utf8), "not an ELF file"),
        ([0x7f, 0x45, 0x4c, 0x46, 2, 1], "truncated"),
        ([0x7f, 0x45, 0x4c, 0x46, 3, 1, 1] + [UInt8](repeating: 0, count: 57), "EI_CLASS"),
        ([0x7f, 0x45, 0x4c, 0x46, 2, 3, 1] + [UInt8](repeating: 0, count: 57), "EI_DATA"),
    ])
    func errorsNameTheFile(bytes: [UInt8], words: String) {
        let error = Mutants.probe(bytes, path: "/root/bin/tool")
        #expect(error?.path == "/root/bin/tool")
        #expect(error?.description.contains(words) == true, "\(String(describing: error))")
    }
}

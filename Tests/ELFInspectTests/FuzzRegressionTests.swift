import ELFInspect
import Foundation
import Testing

/// Inputs the fuzzer (scripts/fuzz/run.sh) once crashed or hung on, kept in Corpus/, and
/// the fuzzer's committed seed corpus: each must be read or rejected in bounded time.
@Suite("ELFInspect survives fuzzer findings")
struct FuzzRegressionTests {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().resolvingSymlinksInPath()
    static let directories = [
        testsDirectory.appendingPathComponent("Corpus"),
        testsDirectory.appendingPathComponent("../../scripts/fuzz/corpus").standardized,
    ]

    static var inputs: [URL] {
        directories.flatMap { dir in
            ((try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? [])
                .sorted { $0.path < $1.path }
        }
    }

    @Test("every committed fuzzer input is read or rejected with a typed error in bounded time")
    func committedInputsAreSurvived() throws {
        let inputs = Self.inputs
        #expect(inputs.count >= 6, "Corpus/ and scripts/fuzz/corpus should hold the committed inputs")
        for url in inputs {
            let bytes = try [UInt8](Data(contentsOf: url))
            MalformedELFTests.check(Mutant(name: url.lastPathComponent, bytes: bytes))
        }
    }

    @Test("a SysV hash chain that cycles under a huge nchain ends (fuzzer timeout)")
    func sysvHashCycleEnds() throws {
        let url = Self.testsDirectory.appendingPathComponent("Corpus/timeout-sysv-hash-cycle")
        let file = try ELFFile(bytes: FileBytes([UInt8](Data(contentsOf: url))), path: "timeout-sysv-hash-cycle")
        let start = ContinuousClock.now
        for symbol in file.symbols { _ = file.symbolIndices(named: symbol.name) }
        #expect(ContinuousClock.now - start < .seconds(1))
    }
}

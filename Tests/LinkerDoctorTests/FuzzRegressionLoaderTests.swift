import Foundation
import Testing
@testable import LoaderModel
@testable import RootFS

/// Replays every committed fuzz input for the loader parsers through the same harness the
/// libFuzzer targets run (FuzzRegressionHarness.swift): the seed corpora in scripts/fuzz and
/// the reproducers of past crashes in FuzzRegressionCorpus/. A trap here kills the test
/// process, so a crashing input shows as a failed run naming that file.
@Suite("fuzz regressions: ld.so.cache and ld.so.conf")
struct FuzzRegressionLoaderTests {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let repository = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()

    /// The regular files in `directory`, sorted; empty when it does not exist.
    static func inputs(_ directory: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
    }

    /// Reproducers are named `cache-*` or `conf-*` after the target that found them.
    static func corpus(_ target: String) -> [URL] {
        inputs(repository.appendingPathComponent("scripts/fuzz/corpus-\(target)"))
            + inputs(testsDirectory.appendingPathComponent("FuzzRegressionCorpus")).filter { $0.lastPathComponent.hasPrefix(target + "-") }
    }

    /// `make fuzz` builds its targets outside SwiftPM, so nothing else would notice a harness
    /// that calls an API the sources no longer have (it happened: the ELF harness called two
    /// removed methods, the loader ones lacked files their sources came to need).
    @Test("the fuzz harnesses type-check against the current sources (scripts/fuzz/run.sh --typecheck)")
    func harnessesTypeCheck() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-fuzz-typecheck-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        // One process per target, each with its own scratch directory: they run side by side.
        let runs = try ["elf", "cache", "conf"].map { target -> (String, Process, Pipe) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = [Self.repository.appendingPathComponent("scripts/fuzz/run.sh").path, "--typecheck", target]
            var environment = ProcessInfo.processInfo.environment
            environment["FUZZ_WORK"] = scratch.appendingPathComponent(target).path
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            return (target, process, output)
        }
        for (target, process, output) in runs {
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "fuzz-\(target) does not type-check:\n\(text.suffix(2000))")
            #expect(text.contains("== fuzz-\(target) type-checks"))
        }
    }

    @Test("the committed corpora are present")
    func corporaExist() {
        #expect(Self.corpus("cache").count >= 5)
        #expect(Self.corpus("conf").count >= 5)
    }

    @Test("every committed ld.so.cache input parses or is rejected without a trap")
    func cacheCorpus() throws {
        for url in Self.corpus("cache") {
            let bytes = [UInt8](try Data(contentsOf: url))
            FuzzHarness.cache(bytes)
        }
    }

    @Test("every committed ld.so.conf input is read without a trap")
    func confCorpus() throws {
        for url in Self.corpus("conf") {
            let bytes = [UInt8](try Data(contentsOf: url))
            FuzzHarness.conf(bytes)
        }
    }

    /// Guards the harness itself: the seeds must reach the parsers' interesting paths, or
    /// the fuzzer would only ever see rejected input.
    @Test("the seed caches parse in all three formats (ldconfig -p reads them too)")
    func seedCachesParse() throws {
        let dir = Self.repository.appendingPathComponent("scripts/fuzz/corpus-cache")
        let formats = try ["ldconfig-new-hwcaps", "hand-old-2entries", "ldconfig-compat"].map { name in
            try LdSoCache(bytes: [UInt8](Data(contentsOf: dir.appendingPathComponent(name)))).format
        }
        #expect(formats == [.new, .old, .oldWithNew])
        // Expected paths are what `ldconfig -p -C FILE` prints for these seeds.
        let old = try LdSoCache(bytes: [UInt8](Data(contentsOf: dir.appendingPathComponent("hand-old-2entries"))))
        #expect(old.lookup("libp.so.2", glibcHWCaps: []) == "/usr/lib/libp.so.2")
        let new = try LdSoCache(bytes: [UInt8](Data(contentsOf: dir.appendingPathComponent("ldconfig-new-hwcaps"))))
        #expect(new.lookup("libfoo.so.1", glibcHWCaps: ["x86-64-v3"]) == "/usr/lib/glibc-hwcaps/x86-64-v3/libfoo.so.1")
        #expect(new.lookup("libfoo.so.1", glibcHWCaps: ["x86-64-v2"]) == "/lib/libfoo.so.1")
    }

    @Test("the split seed reaches include files, hwcap lines and library types")
    func seedConfReachesIncludes() throws {
        let url = Self.repository.appendingPathComponent("scripts/fuzz/corpus-conf/split-includes")
        let conf = LdSoConf(root: RootView(FuzzMemoryRoot(input: [UInt8](try Data(contentsOf: url)))))
        #expect(conf.files.contains("/etc/ld.so.conf.d/a.conf"))
        // /etc/other.conf is read once, first through its link abs.conf (ld.so.conf.d/*.conf
        // comes first); the later `include other.conf` names a file already read.
        #expect(conf.files.contains("/etc/ld.so.conf.d/abs.conf"))
        #expect(!conf.files.contains("/etc/other.conf"))
        #expect(conf.notes.contains { if case .hwcapIgnored = $0 { true } else { false } })
        #expect(conf.notes.contains { if case .includeLoop = $0 { true } else { false } })
        #expect(conf.directories.contains { $0.glibcHWCaps == "x86-64-v3" })
    }
}

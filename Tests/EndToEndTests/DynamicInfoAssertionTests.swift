import Foundation
import Testing

/// A dynamic section x86-64's loader refuses as it first reads it: `DT_PLTREL` other than
/// `DT_RELA`, or `DT_RELAENT` other than 24. The loader aborts with an internal assertion
/// whose line differs between glibc releases and between the program (read by rtld.c) and a
/// library (LD034, the line word for word). Judged by the real loaders of this machine and of
/// the Debian 11 and 13 roots (glibc 2.31, 2.36, 2.41), each in its root with /proc mounted.
@Suite("Dynamic sections the loader asserts on: its line, against the real loaders", .serialized)
struct DynamicInfoAssertionTests {
    typealias Report = TruncatedLibraryTests.Report

    struct Damage: CustomTestStringConvertible, Sendable {
        var label: String
        /// The file damaged (`m`, the program, or `libl.so.1`), the tag and its new value.
        var file: String
        var tag: UInt64
        var value: UInt64
        var testDescription: String { label }
    }

    static let damages = [
        Damage(label: "the library's DT_PLTREL says DT_REL", file: "libl.so.1", tag: 20, value: 17),
        Damage(label: "the library's DT_RELAENT is 16", file: "libl.so.1", tag: 9, value: 16),
        Damage(label: "the program's DT_PLTREL says DT_REL", file: "m", tag: 20, value: 17),
        Damage(label: "the program's DT_RELAENT is 16", file: "m", tag: 9, value: 16),
    ]

    static let cases: [(String, Damage)] = VersionSymbolTableTests.roots.flatMap { root in damages.map { (root, $0) } }

    @Test("each damage in each root: the loader's assertion, and LD034 with its line",
          .enabled(if: VersionSymbolTableTests.canBuild, "needs gcc and root (chroot)"), arguments: cases)
    func damaged(root: String, damage: Damage) throws {
        let build = try VersionSymbolTableTests.build()
        defer { build.remove() }
        #expect(try ProgramCutShortTests.rewriteDynamicEntries(build.dir + "/" + damage.file, tag: damage.tag, value: damage.value))
        let place = "/tmp/ofdoctor-dyninfo-\(UUID().uuidString)"
        let host = (root == "/" ? "" : root) + place
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: host) }
        for name in ["m", "libl.so.1"] { try FileManager.default.copyItem(atPath: build.dir + "/" + name, toPath: host + "/" + name) }

        let real = VersionSymbolTableTests.run(place + "/m", root: root)
        #expect(real.status == 127 && real.stderr.hasPrefix("Inconsistency detected by ld.so: "), "\(root): \(real)")
        let result = Command.ofdoctor(["check", "--format", "json"] + (root == "/" ? [] : ["--root", root]) + [place + "/m"])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        let first = report.findings.first { $0.severity == "error" }
        #expect(first?.id == "LD034", "\(root): \(report.findings.map(\.summary))")
        #expect(first?.loaderMessage == real.stderr.split(separator: "\n").first.map(String.init), "\(root)")
    }
}

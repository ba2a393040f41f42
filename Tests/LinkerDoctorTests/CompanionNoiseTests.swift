import Foundation
import Doctor
import LoaderModel
import OpenFace
import RootFS
import Testing

/// Run-time companions must not be noise: over this machine's shared libraries checked as
/// programs, no error-severity finding of any kind, and `runtime-companion-missing` only
/// where a library really was loaded through a link away from its companions. A sample in
/// `make test`; every library with OFDOCTOR_DIFFERENTIAL=full.
@Suite("No noise from the companion check on this machine's libraries")
struct CompanionNoiseTests {
    @Test("no error findings and no companion warnings for the machine's own libraries",
          .enabled(if: FileManager.default.isExecutableFile(atPath: MachineDifferentialTests.interpreter), "needs this machine's x86-64 ld.so"))
    func noNoise() throws {
        let system = try #require(MachineDifferentialTests.system)
        let doctor = Doctor(system: system, rules: [OpenFaceRules()])
        var checked = 0
        var warnings: [String: Int] = [:]
        var errors: [String] = []
        let libraries = SymbolDifferentialTests.libraries()
        for library in libraries {
            // ldd -r reports unresolved symbols for some plugins on their own; those are real.
            guard let truth = SymbolDifferentialTests.lddR(library), truth.undefined.isEmpty, truth.missingVersions.isEmpty else { continue }
            let program = ProgramLocation(path: RootPath(library), argv0: library, viaPATH: false)
            let report = try doctor.check(program, environment: LoaderEnvironment())
            checked += 1
            for finding in report.findings {
                if finding.severity == .error { errors.append("\(library): \(finding.id) \(finding.summary)") }
                if finding.severity == .warning { warnings[finding.rule.rawValue, default: 0] += 1 }
            }
            #expect(!report.findings.contains { $0.rule == .runtimeCompanionMissing }, "\(library)")
        }
        print("companion noise: \(libraries.count) libraries sampled, \(checked) checked (the rest have unresolved symbols of their own), \(errors.count) errors, warnings by rule: \(warnings)")
        #expect(errors.isEmpty, "\(errors.prefix(5))")
        #expect(libraries.count >= (MachineDifferentialTests.full ? 100 : SymbolDifferentialTests.sampleSize), "the corpus scripts/deps.sh installs has fewer libraries than the sample")
        // Plugins that ldd -r itself finds unresolved symbols in are left out; most libraries are not plugins.
        #expect(checked >= libraries.count / 2)
    }
}

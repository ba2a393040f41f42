import Doctor
import Foundation
import LoaderTrace
import Testing

/// A Python extension module checked by itself: the loader on the module alone (`ldd -r`)
/// cannot find its C API references, which the importing interpreter defines. The finding
/// lists exactly what `ldd -r` lists, and says whose they are; the claim that the
/// interpreter defines them is judged by this machine's python3 opening the module as
/// import does (`dlopen` with RTLD_NOW), and a reference no one defines is named apart.
@Suite("Python extension modules: ldd -r's undefined references, and whose they are", .serialized)
struct PythonExtensionModuleTests {
    static let python = "/usr/bin/python3"
    static var canBuild: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") && FileManager.default.isExecutableFile(atPath: python)
    }

    struct Report: Decodable {
        struct Symbol: Decodable, Hashable { var name: String; var version: String?; var requester: String }
        struct Finding: Decodable { var id: String; var explanation: String; var remedy: String?; var symbols: [Symbol] }
        var findings: [Finding]
    }

    /// The module's file name as this python3 names extension modules (`.cpython-311-…so`).
    static func suffix() throws -> String {
        let run = Command.run(python, ["-c", "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))"])
        let suffix = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(run.status == 0 && suffix.hasSuffix(".so"), "\(run)")
        return suffix
    }

    @Test("a module checked alone: what ldd -r lists, whose it is, and python3 opening it as import does",
          .enabled(if: canBuild, "needs gcc and /usr/bin/python3"), arguments: [false, true])
    func module(alsoMissingLibrarySymbol: Bool) throws {
        let file = "odmod" + (try Self.suffix())
        let extra = alsoMissingLibrarySymbol ? "extern int odfake_missing(void); int (*keep_missing)(void) = odfake_missing;" : ""
        let build = try ScratchBuild("pymodule", """
            cat > mod.c <<'EOF'
            extern void *PyLong_FromLong(long);
            extern long PyLong_AsLong(void *);
            extern void *PyExc_TypeError;
            void *(*keep_from)(long) = PyLong_FromLong;
            long (*keep_as)(void *) = PyLong_AsLong;
            void **keep_exc = &PyExc_TypeError;
            \(extra)
            void *PyInit_odmod(void) { return 0; }
            EOF
            gcc -shared -fPIC -o '\(file)' mod.c
            """)
        defer { build.remove() }
        let path = build.dir + "/" + file

        // The loader on the module alone, every relocation bound (ldd -r).
        let trace = Command.run("/lib64/ld-linux-x86-64.so.2", [path],
                                environment: ["LD_TRACE_LOADED_OBJECTS": "1", "LD_BIND_NOW": "yes", "LD_WARN": "yes"])
        let truth = Set(LddOutput(trace.stdout + "\n" + trace.stderr).undefined.map {
            Report.Symbol(name: $0.symbol, version: $0.version, requester: $0.requester)
        })
        var expected: Set<String> = ["PyLong_FromLong", "PyLong_AsLong", "PyExc_TypeError"]
        if alsoMissingLibrarySymbol { expected.insert("odfake_missing") }
        #expect(Set(truth.map(\.name)) == expected, "\(trace)")

        let result = Command.ofdoctor(["check", "--format", "json", path])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(Set(report.findings.flatMap(\.symbols)) == truth, "\(result.stdout)")
        let finding = try #require(report.findings.first { $0.id == "LD004" })
        #expect(finding.explanation.contains("is a Python extension module (it defines PyInit_odmod)"), "\(finding.explanation)")
        let version = Command.run(Self.python, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(finding.remedy?.hasPrefix("Import it from Python \(version)") == true, "\(finding.remedy ?? "")")
        #expect(finding.explanation.contains("not Python's (odfake_missing)") == alsoMissingLibrarySymbol, "\(finding.explanation)")

        // As import opens it: the interpreter defines the C API; a name no one defines stays undefined.
        let opened = Command.run(Self.python, ["-c", "import ctypes, os, sys; ctypes.CDLL(sys.argv[1], mode=os.RTLD_NOW)", path])
        if alsoMissingLibrarySymbol {
            #expect(opened.status != 0 && opened.stderr.contains("undefined symbol: odfake_missing"), "\(opened)")
        } else {
            #expect(opened.status == 0, "\(opened)")
        }
    }

    @Test("file names: PEP 3149 tags say which Python")
    func builtFor() {
        #expect(PythonExtensionModule.builtFor(fileName: "_core.cpython-311-x86_64-linux-gnu.so") == "Python 3.11")
        #expect(PythonExtensionModule.builtFor(fileName: "m.cpython-38-x86_64-linux-gnu.so") == "Python 3.8")
        #expect(PythonExtensionModule.builtFor(fileName: "m.cpython-313t-x86_64-linux-gnu.so") == "Python 3.13")
        #expect(PythonExtensionModule.builtFor(fileName: "_rust.abi3.so") == "Python 3 (the stable ABI)")
        #expect(PythonExtensionModule.builtFor(fileName: "libfoo.so.1") == nil)
        #expect(PythonExtensionModule.builtFor(fileName: "m.so") == nil)
        #expect(PythonExtensionModule.builtFor(fileName: "m.cpython-3-x86_64-linux-gnu.so") == nil)
    }
}

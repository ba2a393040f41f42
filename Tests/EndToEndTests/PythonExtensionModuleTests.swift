import Doctor
import Foundation
import LoaderTrace
import Testing

/// A Python extension module checked by itself: the loader on the module alone (`ldd -r`)
/// cannot find its C API references, which the importing interpreter defines. The finding
/// lists exactly what `ldd -r` lists, and says whose they are and what the root's
/// interpreter makes of them; that is judged by the real loader tracing the interpreter
/// with the module preloaded, and by the interpreter opening the module as import does
/// (`dlopen` with RTLD_NOW).
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

    /// What the module references besides three names of the C API every Python 3 has: nothing
    /// more, a name no library defines, or a name that looks like the C API and is not in it.
    enum Extra: String, CaseIterable, Sendable { case none, libraryName, missingAPI }

    /// The set-ups: each `Extra` in a plain directory, and a name no library defines in a
    /// directory whose name holds a space and a colon (which `LD_PRELOAD` would split).
    static let moduleSetups: [(Extra, String)] = Extra.allCases.map { ($0, "") } + [(.libraryName, "my mods:2/")]

    @Test("a module checked alone: what ldd -r lists, whose it is, and the root's python3 with it loaded as import loads it",
          .enabled(if: canBuild, "needs gcc and /usr/bin/python3"), arguments: moduleSetups)
    func module(extra: Extra, subdirectory: String) throws {
        let file = subdirectory + "odmod" + (try Self.suffix())
        let missing = ["none": nil, "libraryName": "odfake_missing", "missingAPI": "PyOdfake_NotInAnyPython"][extra.rawValue] ?? nil
        let build = try ScratchBuild("pymodule", """
            cat > mod.c <<'EOF'
            extern void *PyLong_FromLong(long);
            extern long PyLong_AsLong(void *);
            extern void *PyExc_TypeError;
            void *(*keep_from)(long) = PyLong_FromLong;
            long (*keep_as)(void *) = PyLong_AsLong;
            void **keep_exc = &PyExc_TypeError;
            \(missing.map { "extern int \($0)(void); int (*keep_missing)(void) = \($0);" } ?? "")
            void *PyInit_odmod(void) { return 0; }
            EOF
            mkdir -p './\(subdirectory)'
            gcc -shared -fPIC -o '\(file)' mod.c
            ln -s '\(file)' plain.so
            """)
        defer { build.remove() }
        let path = build.dir + "/" + file
        let traceVariables = ["LD_TRACE_LOADED_OBJECTS": "1", "LD_BIND_NOW": "yes", "LD_WARN": "yes"]

        // The loader on the module alone, every relocation bound (ldd -r).
        let trace = Command.run("/lib64/ld-linux-x86-64.so.2", [path], environment: traceVariables)
        let truth = Set(LddOutput(trace.stdout + "\n" + trace.stderr).undefined.map {
            Report.Symbol(name: $0.symbol, version: $0.version, requester: $0.requester)
        })
        let api: Set<String> = ["PyLong_FromLong", "PyLong_AsLong", "PyExc_TypeError"]
        #expect(Set(truth.map(\.name)) == api.union(missing.map { [$0] } ?? []), "\(trace)")

        let result = Command.ofdoctor(["check", "--format", "json", path])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(Set(report.findings.flatMap(\.symbols)) == truth, "\(result.stdout)")
        let finding = try #require(report.findings.first { $0.id == "LD004" })
        #expect(finding.explanation.contains("is a Python extension module (it defines PyInit_odmod)"), "\(finding.explanation)")
        #expect(finding.explanation.contains("not Python's (odfake_missing)") == (extra == .libraryName), "\(finding.explanation)")

        // The interpreter ofdoctor found, and the real loader tracing it with the module
        // preloaded (every relocation bound): the references of the module it leaves unbound.
        let marker = "Loaded into "
        try #require(finding.explanation.contains(marker), "no interpreter named: \(finding.explanation)")
        let after = try #require(finding.explanation.components(separatedBy: marker).last)
        let host = try #require(after.components(separatedBy: " as import loads it").first)
        #expect(FileManager.default.isExecutableFile(atPath: host), "\(host)")
        // (A preload name cannot hold a space or a colon: a link without them names the same file.)
        let preloaded = build.dir + "/plain.so"
        let hosted = Command.run("/lib64/ld-linux-x86-64.so.2", [host],
                                 environment: traceVariables.merging(["LD_PRELOAD": preloaded]) { $1 })
        let unbound = Set(LddOutput(hosted.stdout + "\n" + hosted.stderr).undefined.filter { $0.requester == preloaded }.map(\.symbol))
        #expect(unbound == (missing.map { [$0] } ?? []), "\(hosted)")
        if unbound.isEmpty {
            #expect(finding.explanation.contains("\(marker)\(host) as import loads it, every one of them binds."), "\(finding.explanation)")
            #expect(finding.remedy == "Import it from \(host): its interpreter defines all 3.", "\(finding.remedy ?? "")")
        } else {
            #expect(finding.explanation.contains("\(marker)\(host) as import loads it, 3 of the 4 bind and 1 does not: \(missing ?? "")."),
                    "\(finding.explanation)")
            #expect(finding.remedy?.hasPrefix(extra == .missingAPI ? "\(host) lacks PyOdfake_NotInAnyPython, a name of Python's C API"
                                                               : "Import it from Python") == true, "\(finding.remedy ?? "")")
        }

        // As import opens it, in this interpreter: dlopen with RTLD_NOW.
        let opened = Command.run(host, ["-c", "import ctypes, os, sys; ctypes.CDLL(sys.argv[1], mode=os.RTLD_NOW)", path])
        if let missing {
            #expect(opened.status != 0 && opened.stderr.contains("undefined symbol: \(missing)"), "\(opened)")
        } else {
            #expect(opened.status == 0, "\(opened)")
        }
    }

    /// A PyTorch extension beside a (small, built here) torch package: `torch/_C` finds
    /// `torch/lib/libc10.so` through its RUNPATH, the extension names `libc10.so` with none.
    /// Alone it lacks the library (as `ldd -r` says); imported after torch it is found, and
    /// with `mismatch` one of its references is a name this libc10 does not define.
    @Test("a PyTorch extension: libc10.so missing alone, found once torch is imported first, and what still does not bind",
          .enabled(if: canBuild, "needs gcc and /usr/bin/python3"), arguments: [false, true])
    func torchExtension(mismatch: Bool) throws {
        let suffix = try Self.suffix()
        let build = try ScratchBuild("pytorch", """
            mkdir -p site/torch/lib site/ext
            cat > c10.c <<'EOF'
            int c10_a(void) { return 1; }
            EOF
            gcc -shared -fPIC -o site/torch/lib/libc10.so -Wl,-soname,libc10.so c10.c
            cat > torch.c <<'EOF'
            extern void *PyLong_FromLong(long);
            extern int c10_a(void);
            void *(*keep_from)(long) = PyLong_FromLong;
            int (*keep_a)(void) = c10_a;
            void *PyInit__C(void) { return 0; }
            EOF
            gcc -shared -fPIC -o 'site/torch/_C\(suffix)' torch.c -Lsite/torch/lib -lc10 -Wl,--enable-new-dtags,-rpath,'$ORIGIN/lib'
            cat > ext.c <<'EOF'
            extern void *PyLong_FromLong(long);
            extern int c10_a(void);
            void *(*keep_from)(long) = PyLong_FromLong;
            int (*keep_a)(void) = c10_a;
            \(mismatch ? "extern int c10_gone(void); int (*keep_gone)(void) = c10_gone;" : "")
            void *PyInit__C(void) { return 0; }
            EOF
            gcc -shared -fPIC -o 'site/ext/_C\(suffix)' ext.c -Lsite/torch/lib -lc10 \(mismatch ? "-Wl,--unresolved-symbols=ignore-all" : "")
            """)
        defer { build.remove() }
        let torch = build.dir + "/site/torch/_C" + suffix
        let ext = build.dir + "/site/ext/_C" + suffix
        let traceVariables = ["LD_TRACE_LOADED_OBJECTS": "1", "LD_BIND_NOW": "yes", "LD_WARN": "yes"]

        let alone = Command.run("/lib64/ld-linux-x86-64.so.2", [ext], environment: traceVariables)
        #expect(LddOutput(alone.stdout + "\n" + alone.stderr).missing == ["libc10.so"], "\(alone)")

        let result = Command.ofdoctor(["check", "--format", "json", ext])
        struct Finding: Decodable { var id: String; var library: String?; var explanation: String; var remedy: String? }
        struct Report: Decodable { var findings: [Finding] }
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        let finding = try #require(report.findings.first { $0.id == "LD002" && $0.library == "libc10.so" }, "\(result.stdout)")
        #expect(finding.explanation.contains("Imported after torch, as a PyTorch extension is (`import torch` first), it is found: torch's \(torch) has loaded \(build.dir)/site/torch/lib/libc10.so"),
                "\(finding.explanation)")
        let host = try #require(finding.explanation.components(separatedBy: "(checked: ").last?.components(separatedBy: " with torch's module").first)

        // The real loader: the interpreter with torch's module, then the extension, preloaded.
        let imported = Command.run("/lib64/ld-linux-x86-64.so.2", [host],
                                   environment: traceVariables.merging(["LD_PRELOAD": torch + ":" + ext]) { $1 })
        let output = LddOutput(imported.stdout + "\n" + imported.stderr)
        #expect(output.missing.isEmpty, "\(imported)")
        let unbound = Set(output.undefined.filter { $0.requester == ext }.map(\.symbol))
        #expect(unbound == (mismatch ? ["c10_gone"] : []), "\(imported)")
        #expect(finding.explanation.contains(mismatch ? "Then 1 of the module's references still do not bind: c10_gone" : "Then every reference of the module binds."),
                "\(finding.explanation)")
        #expect(finding.remedy?.hasPrefix(mismatch ? "Rebuild the module against the torch installed (\(torch))" : "Import torch before this module") == true,
                "\(finding.remedy ?? "")")
        // As Python does it: torch imported (its module opened), then the extension, RTLD_NOW.
        let opened = Command.run(host, ["-c", "import ctypes, os, sys; ctypes.CDLL(sys.argv[1]); ctypes.CDLL(sys.argv[2], mode=os.RTLD_NOW)", torch, ext])
        if mismatch {
            #expect(opened.status != 0 && opened.stderr.contains("undefined symbol: c10_gone"), "\(opened)")
        } else {
            #expect(opened.status == 0, "\(opened)")
        }
    }

    /// torch's `_C` module is small; its C API references are libtorch_python.so's, a library
    /// it needs, linked without libpython as manylinux wheels are. Checked alone, ldd -r lists
    /// them against that library; the finding says whose they are and what the root's
    /// python3 makes of them, judged as in `module`. With `stray`, one of the library's
    /// references is a C API name no Python defines.
    @Test("a module's library that references the C API: whose the references are, and the interpreter with the module loaded",
          .enabled(if: canBuild, "needs gcc and /usr/bin/python3"), arguments: [false, true])
    func libraryOfModule(stray: Bool) throws {
        let suffix = try Self.suffix()
        let build = try ScratchBuild("pymodlib", """
            mkdir -p pkg/lib
            cat > lib.c <<'EOF'
            extern void *PyLong_FromLong(long);
            extern void *PyExc_TypeError;
            void *(*keep_from)(long) = PyLong_FromLong;
            void **keep_exc = &PyExc_TypeError;
            \(stray ? "extern int PyOdfake_Stray(void); int (*keep_stray)(void) = PyOdfake_Stray;" : "")
            int odlib_f(void) { return 1; }
            EOF
            gcc -shared -fPIC -o pkg/lib/libodpy.so -Wl,-soname,libodpy.so lib.c
            cat > mod.c <<'EOF'
            extern int odlib_f(void);
            int (*keep_f)(void) = odlib_f;
            void *PyInit__od(void) { return 0; }
            EOF
            gcc -shared -fPIC -o 'pkg/_od\(suffix)' mod.c -Lpkg/lib -lodpy -Wl,--enable-new-dtags,-rpath,'$ORIGIN/lib'
            """)
        defer { build.remove() }
        let module = build.dir + "/pkg/_od" + suffix
        let library = build.dir + "/pkg/lib/libodpy.so"
        let traceVariables = ["LD_TRACE_LOADED_OBJECTS": "1", "LD_BIND_NOW": "yes", "LD_WARN": "yes"]
        let alone = Command.run("/lib64/ld-linux-x86-64.so.2", [module], environment: traceVariables)
        let truth = Set(LddOutput(alone.stdout + "\n" + alone.stderr).undefined.map {
            Report.Symbol(name: $0.symbol, version: $0.version, requester: $0.requester)
        })
        let api = Set(["PyLong_FromLong", "PyExc_TypeError"] + (stray ? ["PyOdfake_Stray"] : []))
        #expect(truth == Set(api.map { Report.Symbol(name: $0, version: nil, requester: library) }), "\(alone)")

        let result = Command.ofdoctor(["check", "--format", "json", module])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(Set(report.findings.flatMap(\.symbols)) == truth, "\(result.stdout)")
        let finding = try #require(report.findings.first { $0.id == "LD004" })
        #expect(finding.explanation.contains("\(library) is loaded by \(module), a Python extension module (it defines PyInit__od)"),
                "\(finding.explanation)")
        let marker = "Loaded into "
        let after = try #require(finding.explanation.components(separatedBy: marker).dropFirst().last, "\(finding.explanation)")
        let host = try #require(after.components(separatedBy: " as import loads it").first)

        // The real loader: the interpreter with the module preloaded, every relocation bound.
        let hosted = Command.run("/lib64/ld-linux-x86-64.so.2", [host],
                                 environment: traceVariables.merging(["LD_PRELOAD": module]) { $1 })
        let unbound = Set(LddOutput(hosted.stdout + "\n" + hosted.stderr).undefined.filter { $0.requester == library }.map(\.symbol))
        #expect(unbound == (stray ? ["PyOdfake_Stray"] : []), "\(hosted)")
        if stray {
            #expect(finding.explanation.contains("\(marker)\(host) as import loads it, 2 of the 3 bind and 1 does not: PyOdfake_Stray."), "\(finding.explanation)")
            #expect(finding.remedy?.hasPrefix("\(host) lacks PyOdfake_Stray, a name of Python's C API") == true, "\(finding.remedy ?? "")")
        } else {
            #expect(finding.explanation.contains("\(marker)\(host) as import loads it, every one of them binds."), "\(finding.explanation)")
            #expect(finding.remedy == "Import \(module) from \(host): its interpreter defines all 2.", "\(finding.remedy ?? "")")
        }
        // As import opens it.
        let opened = Command.run(host, ["-c", "import ctypes, os, sys; ctypes.CDLL(sys.argv[1], mode=os.RTLD_NOW)", module])
        #expect((opened.status == 0) == !stray, "\(opened)")
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

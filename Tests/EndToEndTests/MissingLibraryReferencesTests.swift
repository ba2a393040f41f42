import Foundation
import LoaderTrace
import Testing

/// `ldd -r` goes on past a library it cannot find (trace mode) and lists, as undefined
/// symbols, every reference that waited for it; the loader itself stops at the library. The
/// library's finding carries those references in `symbols`, so that a script comparing
/// ofdoctor with `ldd -r` finds every line: a versioned reference under the library its
/// version names, an unversioned one under its requester's first missing library.
/// Judged by the real loader in trace mode with BIND_NOW, in a root built here.
@Suite("a missing library's finding lists the references ldd -r names for it", .serialized)
struct MissingLibraryReferencesTests {
    static var canBuild: Bool { RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }

    /// /app/prog needs libgone.so.1 (two functions and a variable of version GONE_1.0) and
    /// libmid.so.1, which needs libplain.so.1 (unversioned: `plain`), libgone.so.1 (`gone_b`)
    /// and libc. Then libgone.so.1 and libplain.so.1 are removed: both missing. libmid's
    /// GONE_1.0 has its highest version index, past the table the loader sizes without the
    /// missing library's needs: ldd -r looks `gone_b` up, and prints it, unversioned. (Every
    /// object also needs a version of libc, as real ones do: without one, ldd -r crashes.)
    static func makeRoot() throws -> String {
        let work = try ImageE2E.temporaryDirectory()
        let script = #"""
            set -e; W=$1; R=$W/root
            """# + MinimalRoot.prelude + #"""
            cd "$W"
            printf '%s\n' 'GONE_1.0 { global: gone_a; gone_b; gone_v; local: *; };' > gone.map
            echo 'int gone_a(void) { return 1; } int gone_b(void) { return 2; } int gone_v = 3;' > gone.c
            gcc -shared -fPIC -nostdlib -o "$L/libgone.so.1" -Wl,-soname,libgone.so.1 -Wl,--version-script=gone.map gone.c
            echo 'int plain(void) { return 4; }' > plain.c
            gcc -shared -fPIC -nostdlib -o "$L/libplain.so.1" -Wl,-soname,libplain.so.1 plain.c
            printf '%s\n' '#include <stdlib.h>' 'int plain(void); int gone_b(void);' \
                'int mid(void) { return plain() + gone_b() - 2 + (getenv("NO_SUCH_NAME") != 0); }' > mid.c
            gcc -shared -fPIC -o "$L/libmid.so.1" -Wl,-soname,libmid.so.1 mid.c "$L/libplain.so.1" "$L/libgone.so.1"
            printf '%s\n' "$2" > prog.c
            gcc -o "$R/app/prog" prog.c "$L/libgone.so.1" "$L/libmid.so.1" -Wl,-rpath-link,"$L"
            gcc -static -O2 -o "$R/launch" "$3"
            rm "$L/libgone.so.1" "$L/libplain.so.1"
            chroot "$R" /sbin/ldconfig
            """#
        let program = "extern int gone_v; int gone_a(void); int gone_b(void); int mid(void); "
            + "int main(void) { return gone_v + gone_a() + gone_b() + mid() != 10; }"
        let built = ImageE2E.run("/bin/bash", ["-c", script, "sh", work, program, FixtureRoot.scriptsDirectory + "/src/launch.c"])
        try #require(built.status == 0, "\(built.stderr)")
        return work
    }

    struct Report: Decodable {
        struct Symbol: Decodable, Hashable { var name: String; var version: String?; var requester: String }
        struct Finding: Decodable { var id: String; var library: String?; var symbols: [Symbol] }
        var findings: [Finding]
    }

    @Test("each missing library's symbols are the undefined symbols ldd -r lists for it, none twice",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"))
    func symbolsEqualLddR() throws {
        let work = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        let trace = RealLoader.trace(root: root, program: "/app/prog", environment: [:], extra: ["LD_BIND_NOW": "yes", "LD_WARN": "yes"])
        let output = LddOutput(trace.stdout + "\n" + trace.stderr)
        #expect(Set(output.missing) == ["libgone.so.1", "libplain.so.1"], "\(trace)")
        let truth = Set(output.undefined.map { Report.Symbol(name: $0.symbol, version: $0.version, requester: $0.requester) })
        // What the root was built to make the loader meet: so that the comparison below has
        // a versioned function, a versioned variable and an unversioned function.
        #expect(truth.contains(.init(name: "gone_v", version: "GONE_1.0", requester: "/app/prog")), "\(trace)")
        #expect(truth.contains(.init(name: "plain", version: nil, requester: "/lib/x86_64-linux-gnu/libmid.so.1")), "\(trace)")
        #expect(truth.contains(.init(name: "gone_b", version: nil, requester: "/lib/x86_64-linux-gnu/libmid.so.1")), "\(trace)")

        let result = Command.ofdoctor(["check", "--root", root, "--format", "json", "/app/prog"])
        #expect(result.status == 2 || result.status == 1, "\(result.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        let listed = report.findings.flatMap(\.symbols)
        #expect(Set(listed) == truth, "ldd -r: \(truth) ofdoctor: \(listed)")
        #expect(listed.count == Set(listed).count, "a reference is listed twice: \(listed)")
        let byLibrary = Dictionary(grouping: report.findings, by: { $0.library ?? "" })
        let gone = try #require(byLibrary["libgone.so.1"]?.first)
        // libmid's gone_b, looked up unversioned, is still libgone's to define.
        #expect(gone.id == "LD002" && gone.symbols.count == 4
                && gone.symbols.filter { $0.version == "GONE_1.0" }.map(\.requester) == Array(repeating: "/app/prog", count: 3),
                "\(gone.symbols)")
        let plain = try #require(byLibrary["libplain.so.1"]?.first)
        #expect(plain.symbols == [.init(name: "plain", version: nil, requester: "/lib/x86_64-linux-gnu/libmid.so.1")])

        // The text names them under the library, as the symbol findings do.
        let text = Command.ofdoctor(["check", "--root", root, "/app/prog"], environment: ["COLUMNS": "300"])
        #expect(text.stdout.contains("symbols:   4 references wait for it (in 2 objects): gone_"), "\(text.stdout)")
        #expect(text.stdout.contains("symbols:   1 reference waits for it: plain\n"), "\(text.stdout)")
    }

    /// The `all` fixture: FeatureExtraction lacks OpenFace's four libraries and libmkl_rt.so.2
    /// (unversioned references to both), libopencv_imgcodecs lacks libwebp.so.7.
    static var all: FixtureRoot? { FixtureRoot.named("all") }

    @Test("an object that lacks several libraries: each unversioned reference goes to the one whose copy in the root defines it",
          .enabled(if: RealLoader.canRunRoots && all != nil, RealLoader.unavailableReason))
    func referencesFollowTheCopies() throws {
        let fixture = try #require(Self.all)
        let program = "/opt/OpenFace/build/bin/FeatureExtraction"
        // Without LD_LIBRARY_PATH: every library the seed names is missing.
        let trace = RealLoader.trace(root: fixture.rootPath, program: program, environment: [:],
                                     extra: ["LD_BIND_NOW": "yes", "LD_WARN": "yes"])
        let output = LddOutput(trace.stdout + "\n" + trace.stderr)
        let truth = Set(output.undefined.map { Report.Symbol(name: $0.symbol, version: $0.version, requester: $0.requester) })
        #expect(truth.contains { $0.name == "MKL_Set_Interface_Layer" }, "\(trace)")
        let result = Command.ofdoctor(["check", "--root", fixture.rootPath, "--format", "json", program])
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        let listed = report.findings.flatMap(\.symbols)
        #expect(Set(listed) == truth && listed.count == truth.count, "ldd -r: \(truth) ofdoctor: \(listed)")
        let byLibrary = Dictionary(grouping: report.findings, by: { $0.library ?? "" })
        let mkl = try #require(byLibrary["libmkl_rt.so.2"]?.first)
        #expect(Set(mkl.symbols.map(\.name)) == ["MKL_Set_Interface_Layer", "cblas_sgemm"], "\(mkl.symbols)")
        let openFace = try #require(byLibrary["libLandmarkDetector.so"]?.first)
        #expect(openFace.symbols.allSatisfy { $0.name.hasSuffix("_init") } && openFace.symbols.count == 4, "\(openFace.symbols)")
    }
}

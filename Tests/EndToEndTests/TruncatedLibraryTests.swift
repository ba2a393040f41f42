import Foundation
import Testing

/// A library cut short (an interrupted copy, download or layer), at every kind of place: inside
/// its headers, its tables, its code, its dynamic section, its data, or only past its segments.
/// The loader maps segments that run past a file's end without complaint and dies of SIGBUS at
/// the first page it touches that holds no byte of the file, printing nothing (a dynamic section
/// cut short reads on as zeros, and the loader crashes on a table it lost, or goes on with what
/// is left); a cut it does not
/// touch kills the program when the program touches it. Judged by the real loader: the
/// program run with each cut copy, against `ofdoctor check` of it.
@Suite("Libraries cut short: what the loader does with each cut, against the real loader")
struct TruncatedLibraryTests {
    static var canBuild: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }

    /// What a run of the program came to, or what the check says it will.
    enum Outcome: Equatable, CustomStringConvertible {
        case runs
        /// Killed by SIGBUS (a shell's "Bus error").
        case busError
        /// Killed by SIGSEGV.
        case segmentationFault
        /// The check: the loader dies of SIGSEGV or SIGBUS (a dynamic section cut short).
        case crashes
        /// The loader's message, from "error while loading shared libraries: " on.
        case loaderError(String)
        /// The check: starts, and dies of SIGBUS if it touches the cut part (LD032).
        case diesIfTouched
        /// The check: cut inside its last page, which the loader reads on as zeros (LD032):
        /// no signal, whatever the lost bytes held is gone.
        case readsZeros
        case other(String)

        var description: String {
            switch self {
            case .runs: return "runs"
            case .busError: return "SIGBUS"
            case .segmentationFault: return "SIGSEGV"
            case .crashes: return "SIGSEGV or SIGBUS"
            case .loaderError(let message): return "loader: \(message)"
            case .diesIfTouched: return "SIGBUS if touched (LD032)"
            case .readsZeros: return "reads zeros past the end (LD032)"
            case .other(let text): return text
            }
        }
    }

    struct Report: Decodable {
        struct Finding: Decodable { var id: String; var severity: String; var summary: String; var loaderMessage: String? }
        var findings: [Finding]
    }

    static let marker = "error while loading shared libraries: "

    /// The program's own run: the real loader.
    static func run(_ program: String) -> Outcome {
        let result = Command.run(program, [])
        if result.status == 0 && result.stdout.contains("sum ") { return .runs }
        // Foundation's Process reports a signal's number as the status.
        if result.status == SIGBUS && result.stderr.isEmpty { return .busError }
        if result.status == SIGSEGV && result.stderr.isEmpty { return .segmentationFault }
        if result.status == 127, let range = result.stderr.range(of: marker) {
            return .loaderError(String(result.stderr[range.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return .other("exit \(result.status): \(result.stderr)")
    }

    /// What `ofdoctor check` says of it.
    static func check(_ program: String) throws -> Outcome { try checked(program).outcome }

    /// The same, and whether the loader dies relocating the library (after mapping the rest).
    static func checked(_ program: String) throws -> (outcome: Outcome, relocating: Bool) {
        let result = Command.ofdoctor(["check", "--format", "json", program])
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        let relocating = report.findings.contains { $0.id == "LD010" && $0.summary.hasSuffix("relocating it") }
        return (outcome(of: report, status: result.status), relocating)
    }

    static func outcome(of report: Report, status: Int32) -> Outcome {
        guard let first = report.findings.first(where: { $0.severity == "error" || $0.id == "LD032" }) else {
            return status == 0 ? .runs : .other("exit \(status) with no problem")
        }
        if first.id == "LD032" { return first.summary.hasSuffix("reads zeros where the file ends") ? .readsZeros : .diesIfTouched }
        // (a version check that reads a DT_VERSYM the cut took)
        if first.id == "LD024" && first.summary.hasSuffix("dies of SIGSEGV checking its versions") { return .segmentationFault }
        if first.id == "LD010" && first.summary.contains("SIGBUS") {
            guard first.loaderMessage == nil else { return .other("a loader message for a signal: \(first.loaderMessage ?? "")") }
            return first.summary.contains("SIGSEGV or SIGBUS") ? .crashes : .busError
        }
        guard let message = first.loaderMessage, let range = message.range(of: marker) else { return .other("\(first.id): \(first.summary)") }
        return .loaderError(String(message[range.upperBound...]))
    }

    /// The library: with the C runtime's files (a `.bss` at the end of its data, which the
    /// loader zero-fills, and relocated pointers in `.data`), or without them and with no
    /// pointer in `.data` (a cut there is in data nothing relocates: the loader leaves it to
    /// the constructor to touch, LD032; its dynamic section ends the page before, so a cut
    /// can fall inside it).
    /// And a third: no `.bss`, with relocated pointers in `.data` after the plain data, where a
    /// cut is touched only when the loader relocates the library, after it has mapped every
    /// other object: a library missing after it is what the loader reports then.
    enum Variant: String, CaseIterable, Sendable { case withBSS, withoutBSS, relocatedWithoutBSS }

    @Test("every cut of a library: the check says what the real loader does (a message, SIGBUS, or nothing)",
          .enabled(if: canBuild, "needs gcc"), arguments: Variant.allCases)
    func everyCut(variant: Variant) throws {
        // libcut.so.1: code, 1,024 relocated pointers in .data.rel.ro (and 256 in .data), 16 KB
        // of data no relocation writes, and a constructor that reads all of it: every cut
        // inside its segments is touched, by the loader or by the constructor before main.
        let build = try ScratchBuild("cut", """
            mkdir lib
            cat > cut.c <<'EOF'
            static int target = 1;
            int *const table[1024] = { [0 ... 1023] = &target };
            \(variant != .withoutBSS ? "int *pointers[256] = { [0 ... 255] = &target };" : "")
            int plain[4096] = { [0 ... 4095] = 1 };
            long sum = 1;
            \(variant == .withBSS ? "long scratch[512];" : "")
            __attribute__((constructor)) static void add(void) {
                for (int i = 0; i < 1024; i++) sum += table[i] == &target;
                \(variant != .withoutBSS ? "for (int i = 0; i < 256; i++) sum += pointers[i] == &target;" : "")
                for (int i = 0; i < 4096; i++) sum += plain[i];
                \(variant == .withBSS ? "scratch[0] = sum;" : "")
            }
            long cut_sum(void) { return sum; }
            EOF
            gcc -shared -fPIC -O1 \(variant == .withBSS ? "" : "-nostartfiles") -o lib/libcut.so.1 -Wl,-soname,libcut.so.1 cut.c
            cat > prog.c <<'EOF'
            #include <stdio.h>
            long cut_sum(void);
            int main(void) { printf("sum %ld\\n", cut_sum()); return 0; }
            EOF
            gcc -o prog prog.c lib/libcut.so.1 -Wl,-rpath,'$ORIGIN/lib'
            mkdir elsewhere
            echo 'int missing_one(void) { return 1; }' > missing.c
            gcc -shared -fPIC -o elsewhere/libmissing.so.1 -Wl,-soname,libmissing.so.1 missing.c
            gcc -o prog2 prog.c -Wl,--no-as-needed lib/libcut.so.1 elsewhere/libmissing.so.1 -Wl,-rpath,'$ORIGIN/lib'
            cp lib/libcut.so.1 whole.so
            """)
        defer { build.remove() }
        let whole = try Data(contentsOf: URL(fileURLWithPath: build.dir + "/whole.so"))
        let program = build.dir + "/prog", library = build.dir + "/lib/libcut.so.1"
        // Every 97 bytes, each side of every page boundary, and at each dynamic entry (the
        // entries before it whole, the rest lost).
        var sizes = Set(stride(from: 0, to: whole.count, by: 97))
        for boundary in stride(from: 4096, through: whole.count, by: 4096) { sizes.formUnion([boundary - 1, boundary, boundary + 1]) }
        if let dynamic = ProgramCutShortTests.dynamicSection(build.dir + "/whole.so") {
            sizes.formUnion(stride(from: dynamic.offset, to: dynamic.offset + dynamic.size, by: 16))
        }
        sizes.insert(whole.count)
        var seen: [String: Int] = [:]
        for size in sizes.filter({ $0 <= whole.count }).sorted() {
            try whole.prefix(size).write(to: URL(fileURLWithPath: library))
            let real = Self.run(program), (model, relocating) = try Self.checked(program)
            if relocating, seen["relocation", default: 0] < 3 {
                // The loader maps every object and checks versions before it relocates: with a
                // library missing after this one, that is what it reports (prog2 needs both).
                // (Three cuts: the check of prog2 searches the whole machine for the library.)
                let second = build.dir + "/prog2"
                let missing = Outcome.loaderError("libmissing.so.1: cannot open shared object file: No such file or directory")
                let (realSecond, modelSecond) = (Self.run(second), try Self.check(second))
                #expect(realSecond == missing && modelSecond == missing, "cut to \(size): the program \(realSecond), the check \(modelSecond)")
                seen["relocation", default: 0] += 1
            }
            // LD032 claims SIGBUS when the cut part is touched; this library's constructor touches all of it.
            // Zeros where the constructor reads data: it runs, with other data.
            let agrees = model == real || (model == .diesIfTouched && real == .busError) || (model == .readsZeros && real == .runs)
                || (model == .crashes && (real == .busError || real == .segmentationFault))
            #expect(agrees, "cut to \(size) of \(whole.count) bytes: the program \(real), the check \(model)")
            switch model {
            case .runs: seen["runs", default: 0] += 1
            case .busError: seen["SIGBUS", default: 0] += 1
            case .crashes: seen["cut dynamic section", default: 0] += 1
            case .segmentationFault: seen["other", default: 0] += 1
            case .diesIfTouched: seen["LD032", default: 0] += 1
            case .readsZeros: seen["LD032 zeros", default: 0] += 1
            case .loaderError: seen["message", default: 0] += 1
            case .other: seen["other", default: 0] += 1
            }
        }
        // Each kind of outcome occurred, so none of the comparisons above was vacuous.
        let kinds = ["runs", "SIGBUS", "message"] + (variant == .withoutBSS ? ["LD032", "cut dynamic section"] : [])
            + (variant == .relocatedWithoutBSS ? ["relocation"] : [])
        #expect(kinds.allSatisfy { seen[$0, default: 0] > 0 }, "\(seen)")
    }
}

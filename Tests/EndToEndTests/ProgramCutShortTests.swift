import Foundation
import Testing

/// The program's own file cut short (LD033), at every kind of place: its headers, its tables,
/// its code, its dynamic section, its data, or only past its segments. The kernel maps a
/// program as it finds it and kills it at the first touch of a page past the file's end: its
/// own zero-filling of the `.bss` (SIGSEGV, before any loader), the loader reading or
/// relocating it (SIGBUS), or the program itself later. Judged by the real kernel and loader:
/// each cut copy run, against `ofdoctor check` of it.
@Suite("Programs cut short: what the kernel and the loader do with each cut, against the real ones")
struct ProgramCutShortTests {
    static var canBuild: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }

    /// What a run of the cut program came to.
    enum Real: Equatable, CustomStringConvertible {
        case runs, busError, segmentationFault
        /// execve refused it (a cut in its ELF header or program headers: ENOEXEC).
        case refused
        /// The loader stopped with a message (exit 127): an error or an assertion.
        case loaderFailure(String)
        case other(String)

        var description: String {
            switch self {
            case .runs: return "runs"
            case .busError: return "SIGBUS"
            case .segmentationFault: return "SIGSEGV"
            case .refused: return "refused by execve"
            case .loaderFailure(let message): return "the loader: \(message)"
            case .other(let text): return text
            }
        }
    }

    /// What `ofdoctor check` says of it.
    enum Model: Equatable, CustomStringConvertible {
        case healthy
        /// Exit 3: the file could not be analysed.
        case badInput
        /// LD033: the kernel kills it with SIGSEGV as it starts it.
        case kernelSegfault
        /// LD033: the loader (or its first instruction) dies of SIGBUS.
        case busError
        /// LD033 or LD024: a table the loader dereferences is lost: SIGSEGV.
        case crash
        /// LD033 as a warning: it may die later, or reads zeros.
        case warning
        /// LD033 as a warning: its dynamic section is cut inside an entry (not judged further).
        case entryCut
        /// A finding with the loader's line (LD034: an assertion on a value cut in two).
        case loaderMessage(String)
        case other(String)

        var description: String {
            switch self {
            case .healthy: return "healthy"
            case .badInput: return "bad input (exit 3)"
            case .kernelSegfault: return "the kernel's SIGSEGV"
            case .busError: return "SIGBUS"
            case .crash: return "SIGSEGV (a lost table)"
            case .warning: return "a warning (LD033)"
            case .entryCut: return "a dynamic entry cut (LD033)"
            case .loaderMessage(let message): return "the loader's line: \(message)"
            case .other(let text): return text
            }
        }
    }

    /// A report's findings, as far as these tests read them.
    typealias Report = TruncatedLibraryTests.Report

    /// Runs `command`, again while the file is busy: a process another test forks while
    /// this one writes the program holds the written file open until it execs (ETXTBSY).
    static func runWhenFree(_ command: () -> Command.Result) -> Command.Result {
        var result = command()
        for _ in 0..<20 where result.stderr.contains("Text file busy") || result.stdout.contains("Text file busy") {
            usleep(50_000)
            result = command()
        }
        return result
    }

    static func run(_ program: String) -> Real {
        let result = runWhenFree { Command.run(program, []) }
        if result.status == 0 && result.stdout.contains("sum ") { return .runs }
        // Foundation's Process reports a signal's number as the status; a failed spawn is 125.
        if result.status == SIGBUS && result.stderr.isEmpty { return .busError }
        if result.status == SIGSEGV && result.stderr.isEmpty { return .segmentationFault }
        if result.status == 125 && result.stderr.contains("format") { return .refused }
        if result.status == 127 && (result.stderr.contains("Inconsistency detected by ld.so") || result.stderr.contains("error while loading shared libraries")) {
            return .loaderFailure(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return .other("exit \(result.status): \(result.stderr)")
    }

    static func check(_ program: String) throws -> Model {
        let result = Command.ofdoctor(["check", "--format", "json", program])
        if result.status == 3 { return result.stderr.hasPrefix("ofdoctor: ") ? .badInput : .other("exit 3: \(result.stderr)") }
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        guard let first = report.findings.first(where: { $0.severity == "error" || $0.id == "LD033" }) else {
            return result.status == 0 ? .healthy : .other("exit \(result.status) with no problem")
        }
        if let message = first.loaderMessage { return .loaderMessage(message) }
        switch (first.id, first.severity) {
        case ("LD033", "warning"): return first.summary.contains("cut inside an entry") ? .entryCut : .warning
        case ("LD033", _) where first.summary.contains("the kernel kills it with SIGSEGV"): return .kernelSegfault
        case ("LD033", _) where first.summary.contains("dies of SIGBUS"): return .busError
        case ("LD033", _) where first.summary.contains("dies of SIGSEGV"): return .crash
        case ("LD024", _) where first.summary.contains("dies of SIGSEGV checking its versions"): return .crash
        default: return .other("\(first.id): \(first.summary)")
        }
    }

    /// `ld.so --list` of it: what ldd runs (the loader maps the program itself, as a library).
    static func listStatus(_ program: String) -> Int32 {
        runWhenFree { Command.run("/lib64/ld-linux-x86-64.so.2", ["--list", program]) }.status
    }

    /// With a `.bss` (the C runtime's, and one of its own) and relocated pointers, as PIE; the
    /// same not PIE; and without any `.bss` (no C runtime files, no copy relocation), where
    /// the kernel zero-fills nothing and the loader meets the cut first. Each reads all of
    /// its data before it prints.
    enum Variant: String, CaseIterable, Sendable { case withBSS, notPIE, withoutBSS }

    @Test("every cut of a program: the check says what the real kernel and loader do",
          .enabled(if: canBuild, "needs gcc"), arguments: Variant.allCases)
    func everyCut(variant: Variant) throws {
        let source = variant == .withoutBSS ? """
            #include <stdio.h>
            #include <unistd.h>
            static int target = 1;
            int *const table[512] = { [0 ... 511] = &target };
            int plain[1024] = { [0 ... 1023] = 1 };
            void _start(void) {
                long sum = 0;
                for (int i = 0; i < 512; i++) sum += table[i] == &target;
                dprintf(1, "sum %ld\\n", sum);
                _exit(0);
            }
            """ : """
            #include <stdio.h>
            static int target = 1;
            int *const table[512] = { [0 ... 511] = &target };
            int *pointers[128] = { [0 ... 127] = &target };
            int plain[1024] = { [0 ... 1023] = 1 };
            long scratch[256];
            int main(void) {
                long sum = 0;
                for (int i = 0; i < 512; i++) sum += table[i] == &target;
                for (int i = 0; i < 128; i++) sum += pointers[i] == &target;
                for (int i = 0; i < 1024; i++) sum += plain[i];
                scratch[0] = sum;
                printf("sum %ld\\n", sum);
                return 0;
            }
            """
        let flags = variant == .withoutBSS ? "-nostartfiles" : variant == .notPIE ? "-no-pie" : ""
        let build = try ScratchBuild("progcut", """
            cat > prog.c <<'EOF'
            \(source)
            EOF
            gcc -O1 \(flags) -o whole prog.c
            ./whole | grep -q '^sum '
            """)
        defer { build.remove() }
        let whole = try Data(contentsOf: URL(fileURLWithPath: build.dir + "/whole"))
        let program = build.dir + "/prog"
        // Every 193 bytes, each side of every page boundary, and inside each dynamic entry.
        var sizes = Set(stride(from: 64, to: whole.count, by: 193))
        for boundary in stride(from: 4096, through: whole.count, by: 4096) { sizes.formUnion([boundary - 1, boundary, boundary + 1]) }
        let dynamic = try #require(Self.dynamicSection(build.dir + "/whole"))
        // Each entry cut at its start (the entries before it read whole) and in its value.
        sizes.formUnion(stride(from: dynamic.offset, to: dynamic.offset + dynamic.size, by: 16))
        sizes.formUnion(stride(from: dynamic.offset + 8, to: dynamic.offset + dynamic.size, by: 16))
        let insideAnEntry = { (size: Int) in size > dynamic.offset && size < dynamic.offset + dynamic.size && (size - dynamic.offset) % 16 != 0 }
        sizes.insert(whole.count)
        var seen: [String: Int] = [:]
        var listChecked = 0
        for size in sizes.filter({ $0 <= whole.count }).sorted() {
            try whole.prefix(size).write(to: URL(fileURLWithPath: program))
            chmod(program, 0o755)
            let real = Self.run(program), model = try Self.check(program)
            let agrees: Bool
            switch model {
            case .healthy: agrees = real == .runs
            case .badInput: agrees = real == .refused
            case .kernelSegfault: agrees = real == .segmentationFault
            case .busError: agrees = real == .busError
            case .crash: agrees = real == .segmentationFault
            // A cut nothing touches as it starts: the program may touch it (SIGBUS), or read
            // zeros where the file ended (anything); never a failure of the loader's.
            case .warning: agrees = [.runs, .busError, .segmentationFault].contains(real)
            // An entry cut in two: whatever the loader does with the value left is not
            // judged, so any outcome; but only for a cut inside an entry.
            case .entryCut: agrees = insideAnEntry(size)
            case .loaderMessage(let message): agrees = real == .loaderFailure(message)
            case .other: agrees = false
            }
            #expect(agrees, "cut to \(size) of \(whole.count) bytes: the program \(real), the check \(model)")
            // A program that runs is never said to fail at start ("may not start" is no such claim).
            if real == .runs { #expect([.healthy, .warning, .entryCut].contains(model), "cut to \(size): runs, the check \(model)") }
            // The finding says ld.so --list (ldd) dies of SIGBUS on the kernel's page too.
            if model == .kernelSegfault && listChecked < 3 {
                #expect(Self.listStatus(program) == SIGBUS, "cut to \(size): ld.so --list")
                listChecked += 1
            }
            // verify runs it, and puts the signal down to the cut, not to the program (exit 2, not 5).
            if [.kernelSegfault, .busError].contains(model) && seen[model.description, default: 0] == 0 {
                let verify = Self.runWhenFree { Command.ofdoctor(["verify", program]) }
                #expect(verify.status == 2 && verify.stdout.contains("as it started, as check predicted (LD033)"),
                        "cut to \(size): verify exit \(verify.status): \(verify.stdout)")
            }
            seen[model.description, default: 0] += 1
        }
        // Each kind of outcome occurred, so none of the comparisons above was vacuous.
        let kinds: [Model] = variant == .withoutBSS ? [.healthy, .badInput, .busError, .crash, .warning, .entryCut]
                                                    : [.healthy, .badInput, .kernelSegfault, .warning]
        #expect(kinds.allSatisfy { seen[$0.description, default: 0] > 0 }, "\(seen)")
    }

    /// Rewrites each entry of `path`'s dynamic section whose tag is `tag` (little-endian
    /// ELF64): its tag as `newTag`, its value as `value`, where given; false when it has none.
    static func rewriteDynamicEntries(_ path: String, tag: UInt64, newTag: UInt64? = nil, value: UInt64? = nil) throws -> Bool {
        guard let (offset, size) = dynamicSection(path) else { return false }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        func word(_ number: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: number >> (8 * UInt64($0))) } }
        var patched = false
        for entry in stride(from: offset, to: offset + size, by: 16) {
            let found = bytes[entry..<entry + 8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            guard found == tag else { continue }
            if let newTag { bytes.replaceSubrange(entry..<entry + 8, with: word(newTag)) }
            if let value { bytes.replaceSubrange(entry + 8..<entry + 16, with: word(value)) }
            patched = true
        }
        try bytes.write(to: URL(fileURLWithPath: path))
        return patched
    }

    /// PT_DYNAMIC's file offset and size (readelf).
    static func dynamicSection(_ path: String) -> (offset: Int, size: Int)? {
        let out = Command.run("/usr/bin/readelf", ["-lW", path]).stdout
        guard let line = out.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("DYNAMIC") }) else { return nil }
        let fields = line.split(separator: " ")
        guard fields.count > 4, let offset = Int(fields[1].dropFirst(2), radix: 16), let size = Int(fields[4].dropFirst(2), radix: 16) else { return nil }
        return (offset, size)
    }
}

import ELFInspect
import Foundation
import LoaderModel
import RootFS
import Testing

/// The loader model against glibc 2.31 — Debian 11 (bullseye), the OpenFace image's
/// glibc — as 2.36 is checked against this machine: a debootstrapped root
/// (`scripts/bullseye-root.sh`, cached in /var/cache/ofdoctor-bullseye) is read from
/// outside (RootView over a LocalRoot of that directory, as `--root` does), and its own
/// ld.so, run inside it (chroot in `unshare -m`, /proc mounted), is the oracle:
/// `ld.so --list` for the files loaded, `ldd -r`'s trace for symbols and versions.
/// `make test` runs a sample; `make differential` every ELF file of the root.
@Suite("Resolver and symbol check agree with glibc 2.31's ld.so in a bullseye root", .serialized)
struct BullseyeDifferentialTests {
    static let root = ProcessInfo.processInfo.environment["OFDOCTOR_BULLSEYE_ROOT"] ?? "/var/cache/ofdoctor-bullseye"
    static let sampleSize = 40
    static var isAvailable: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: root + "/usr/bin/ldd")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")
    }
    static let unavailable: Comment = "needs root and the bullseye root: bash scripts/bullseye-root.sh (make differential builds it)"

    static let environments: [[String: String]] = [
        [:],
        ["LD_LIBRARY_PATH": "/usr/lib/x86_64-linux-gnu/sasl2:/usr/lib/x86_64-linux-gnu/engines-1.1:/usr/lib/x86_64-linux-gnu/audit"],
    ]

    /// Dynamically linked x86-64 ELF files of the root (root-relative paths), sorted.
    static func files(in directories: [String], sharedOnly: Bool) -> [String] {
        var result: [String] = []
        for dir in directories {
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: root + dir)) ?? []).sorted() {
                let path = dir + "/" + name
                var st = stat()
                guard lstat(root + path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 64,
                      let elf = try? ELFFile(path: root + path),
                      elf.header.machine == 62, elf.header.fileClass == .elf64, elf.dynamic != nil,
                      !sharedOnly || (elf.header.type == ELFHeader.sharedObject && !name.hasPrefix("ld-"))
                else { continue }
                result.append(path)
            }
        }
        return MachineDifferentialTests.full ? result : MachineSample.evenly(result, count: sampleSize)
    }

    /// Runs the root's own loader on every file in one chroot: `ld.so --list FILE`
    /// (`list`) or ldd -r's trace (`symbols`). Returns each file's output (stdout and
    /// stderr) and exit status.
    static func inRoot(_ mode: String, _ files: [String], environment: [String: String]) throws -> [String: (text: String, status: Int32)] {
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        // \036 starts a file's record, \037 ends it with the status.
        let script = #"""
            mode=$1; shift
            for f in "$@"; do
              printf '\036%s\n' "$f"
              if [ "$mode" = list ]; then /lib64/ld-linux-x86-64.so.2 --list "$f" 2>&1
              else LD_TRACE_LOADED_OBJECTS=1 LD_WARN=yes LD_BIND_NOW=yes /lib64/ld-linux-x86-64.so.2 "$f" 2>&1; fi
              printf '\037%s\n' "$?"
            done
            """#
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["-m", "--propagation", "private", "/bin/sh", "-c",
                             #"mount -t proc proc "$1/proc" && shift && exec /usr/sbin/chroot "$@""#, "sh", root,
                             root, "/usr/bin/env", "-i"] + assignments + ["/bin/sh", "-c", script, "sh", mode] + files
        process.environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("bullseye-\(UUID().uuidString)")
        try #require(FileManager.default.createFile(atPath: output.path, contents: nil), "cannot create \(output.path)")
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let text = String(decoding: try Data(contentsOf: output), as: UTF8.self)
        var result: [String: (String, Int32)] = [:]
        for record in text.split(separator: "\u{1e}") {
            guard let newline = record.firstIndex(of: "\n"), let end = record.lastIndex(of: "\u{1f}") else { continue }
            let file = String(record[..<newline])
            let body = String(record[record.index(after: newline)..<end])
            let status = Int32(record[record.index(after: end)...].trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            result[file] = (body, status)
        }
        return result
    }

    /// glibc 2.31's `--list` is trace mode: a missing library is `NAME => not found` and
    /// tracing goes on; the model's first missing library is the first such line.
    static func listing(_ text: String, status: Int32) -> MachineDifferentialTests.Listing? {
        if let line = text.split(separator: "\n").first(where: { $0.contains("=> not found") }) {
            return .init(paths: [], stoppedAt: line.trimmingCharacters(in: .whitespaces).components(separatedBy: " => ").first)
        }
        if let range = text.range(of: "error while loading shared libraries: ") {
            return .init(paths: [], stoppedAt: text[range.upperBound...].split(separator: ":").first.map(String.init))
        }
        guard status == 0 else { return nil }
        return .init(paths: MachineDifferentialTests.listedPaths(text), stoppedAt: nil)
    }

    static func system() throws -> TargetSystem {
        let cpu = CPUFeatures(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
        return TargetSystem.inspect(root: RootView(try LocalRoot(directory: root)), cpu: cpu)
    }

    @Test("the root is glibc 2.31, and the model takes its rules: no glibc-hwcaps", .enabled(if: isAvailable, unavailable))
    func readsGlibc231() throws {
        let system = try Self.system()
        #expect(system.platform.glibc == GlibcVersion(2, 31))
        #expect(system.platform.glibcHWCaps.isEmpty)
        #expect(!system.platform.legacySubdirectories.isEmpty)
    }

    @Test("every sampled file resolves to exactly what the root's ld.so --list names", .enabled(if: isAvailable, unavailable))
    func resolverAgrees() throws {
        let system = try Self.system()
        let files = Self.files(in: ["/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu"], sharedOnly: false)
        var compared = 0
        var disagreements: [String] = []
        for environment in Self.environments {
            let truths = try Self.inRoot("list", files, environment: environment)
            for file in files {
                guard let run = truths[file], let truth = Self.listing(run.text, status: run.status) else { continue }
                let model = try MachineDifferentialTests.predicted(file, system: system, environment: environment)
                compared += 1
                if model != truth { disagreements.append("\(file) \(environment): ld.so \(truth) vs model \(model)") }
            }
        }
        print("bullseye differential (glibc 2.31): \(files.count) files sampled, \(compared) resolutions compared (\(Self.environments.count) environments), \(disagreements.count) disagreements")
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10).joined(separator: "\n"))")
        #expect(compared >= MachineSample.floor(of: files.count * Self.environments.count), "ld.so --list traced too few files")
    }

    @Test("unresolved symbols and missing versions equal the root's ldd -r, library by library and program by program",
          .enabled(if: isAvailable, unavailable))
    func symbolsAgree() throws {
        let system = try Self.system()
        let libraries = Self.files(in: ["/usr/lib/x86_64-linux-gnu"], sharedOnly: true)
        // programs too: their copy relocations are looked up past them
        let programs = Self.files(in: ["/usr/bin"], sharedOnly: false).filter { path in
            (try? ELFFile(path: Self.root + path))?.interpreter != nil
        }
        let files = libraries + programs
        let truths = try Self.inRoot("symbols", files, environment: [:])
        var compared = 0, withProblems = 0, copying = 0
        var disagreements: [String] = []
        for file in files {
            guard let run = truths[file], let truth = SymbolDifferentialTests.parse(run.text) else { continue }
            compared += 1
            if programs.contains(file), (try? ELFFile(path: Self.root + file))?.copyRelocatedSymbols().isEmpty == false { copying += 1 }
            if !truth.undefined.isEmpty || !truth.missingVersions.isEmpty { withProblems += 1 }
            disagreements += try SymbolDifferentialTests.disagreements(file, truth: truth, system: system)
        }
        print("bullseye symbol differential (glibc 2.31): \(libraries.count) libraries and \(programs.count) programs sampled, \(compared) compared (\(copying) programs with copy relocations; \(withProblems) with unresolved symbols), \(disagreements.count) disagreements")
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5).joined(separator: "\n"))")
        #expect(compared >= MachineSample.floor(of: files.count), "ldd -r traced too few files")
        #expect(copying > 0, "no program with a copy relocation was compared")
    }
}

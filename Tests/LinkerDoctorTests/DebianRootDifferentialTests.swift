import ELFInspect
import Foundation
import LoaderModel
import RootFS
import Testing

/// A debootstrapped Debian root of another glibc (`scripts/debian-root.sh SUITE`, cached in
/// /var/cache/ofdoctor-SUITE), with the rules its glibc must make the model take.
struct DebianRoot: Sendable, CustomTestStringConvertible {
    var suite: String
    var glibc: GlibcVersion
    /// Whether its loader searches `glibc-hwcaps/` (2.33+) and legacy hwcap subdirectories (to 2.36).
    var glibcHWCaps: Bool
    var legacyHWCaps: Bool
    /// Library directories of its packages that no default search reaches.
    var libraryPath: String

    var path: String {
        ProcessInfo.processInfo.environment["OFDOCTOR_\(suite.uppercased().replacingOccurrences(of: "-", with: "_"))_ROOT"] ?? "/var/cache/ofdoctor-\(suite)"
    }
    var testDescription: String { "\(suite) (glibc \(glibc))" }

    /// Debian 11: glibc 2.31, the OpenFace image's (Ubuntu 20.04's).
    static let bullseye = DebianRoot(suite: "bullseye", glibc: GlibcVersion(2, 31), glibcHWCaps: false, legacyHWCaps: true,
                                     libraryPath: "/usr/lib/x86_64-linux-gnu/sasl2:/usr/lib/x86_64-linux-gnu/engines-1.1:/usr/lib/x86_64-linux-gnu/audit")
    /// Debian 13: glibc 2.41, a loader after 2.37 dropped the legacy hwcap subdirectories.
    static let trixie = DebianRoot(suite: "trixie", glibc: GlibcVersion(2, 41), glibcHWCaps: true, legacyHWCaps: false,
                                   libraryPath: "/usr/lib/x86_64-linux-gnu/sasl2:/usr/lib/x86_64-linux-gnu/engines-3:/usr/lib/x86_64-linux-gnu/gconv")
    /// Debian testing (forky), glibc 2.43 in December 2026: made by hand only
    /// (`bash scripts/debian-root.sh forky`), and then compared too.
    static let forky = DebianRoot(suite: "forky", glibc: GlibcVersion(2, 43), glibcHWCaps: true, legacyHWCaps: false,
                                  libraryPath: "/usr/lib/x86_64-linux-gnu/sasl2:/usr/lib/x86_64-linux-gnu/engines-3:/usr/lib/x86_64-linux-gnu/gconv")
    /// Debian 11 without merged /usr (`bash scripts/debian-root.sh bullseye-split`, by hand):
    /// /lib/x86_64-linux-gnu and /usr/lib/x86_64-linux-gnu are two directories, both searched.
    static let bullseyeSplit = DebianRoot(suite: "bullseye-split", glibc: GlibcVersion(2, 31), glibcHWCaps: false, legacyHWCaps: true,
                                          libraryPath: bullseye.libraryPath)
    static let all = [bullseye, trixie]
    /// `all`, and the roots made by hand that are there.
    static let compared = all + [bullseyeSplit, forky].filter(\.isAvailable)

    var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: path + "/usr/bin/ldd") }
}

/// The loader model against the loaders of other glibcs — 2.31 (Debian 11, the OpenFace
/// image's) and 2.41 (Debian 13) — as 2.36 is checked against this machine: each root is
/// read from outside (RootView over a LocalRoot of that directory, as `--root` does), and
/// its own ld.so, run inside it (chroot in `unshare -m`, /proc mounted), is the oracle:
/// `ld.so --list` for the files loaded, `ldd -r`'s trace for symbols and versions.
/// `make test` runs a sample; `make differential` every ELF file of the roots.
@Suite("Resolver and symbol check agree with the loaders of glibc 2.31 and 2.41 in Debian roots", .serialized)
struct DebianRootDifferentialTests {
    static let sampleSize = 40
    static var isAvailable: Bool {
        getuid() == 0 && DebianRoot.all.allSatisfy(\.isAvailable)
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")
    }
    static let unavailable: Comment = "needs root and the Debian roots: bash scripts/debian-root.sh bullseye; bash scripts/debian-root.sh trixie (make test builds them)"

    static func environments(_ root: DebianRoot) -> [[String: String]] {
        [[:], ["LD_LIBRARY_PATH": root.libraryPath]]
    }

    /// Dynamically linked x86-64 ELF files of the root (root-relative paths), sorted.
    static func files(in directories: [String], of debian: DebianRoot, sharedOnly: Bool) -> [String] {
        let root = debian.path
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
    static func inRoot(_ debian: DebianRoot, _ mode: String, _ files: [String], environment: [String: String]) throws -> [String: (text: String, status: Int32)] {
        let root = debian.path
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
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("\(debian.suite)-\(UUID().uuidString)")
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

    /// `--list` is trace mode in glibc 2.31 and 2.41: a missing library is `NAME => not found` and
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

    static func system(_ debian: DebianRoot) throws -> TargetSystem {
        let cpu = CPUFeatures(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
        return TargetSystem.inspect(root: RootView(try LocalRoot(directory: debian.path)), cpu: cpu)
    }

    @Test("the root's glibc is read, and the model takes its rules: glibc-hwcaps from 2.33, legacy hwcaps to 2.36",
          .enabled(if: isAvailable, unavailable), arguments: DebianRoot.compared)
    func readsGlibc(_ debian: DebianRoot) throws {
        let system = try Self.system(debian)
        #expect(system.platform.glibc == debian.glibc)
        // every x86-64 CPU has x86-64-v2's baseline or more only on 2.33+; none before
        #expect(debian.glibcHWCaps || system.platform.glibcHWCaps.isEmpty)
        #expect(system.platform.legacySubdirectories.isEmpty == !debian.legacyHWCaps)
    }

    /// The cache `fix` proves its plans on and LD008 compares with: the model's, worked out
    /// from the root's ld.so.conf and directories, against the one the root's own ldconfig
    /// writes (to a scratch file, `-X`: no link touched).
    @Test("the ldconfig model's cache is what the root's own ldconfig writes, entry by entry",
          .enabled(if: isAvailable, unavailable), arguments: DebianRoot.compared)
    func ldconfigAgrees(_ debian: DebianRoot) throws {
        let scratch = "/tmp/ofdoctor-ldconfig-\(UUID().uuidString).cache"
        defer { try? FileManager.default.removeItem(atPath: debian.path + scratch) }
        let run = try LdCacheTestSupport.sh("""
            unshare -m --propagation private sh -c 'mount -t proc proc "$1/proc" && exec chroot "$1" /sbin/ldconfig -X -C "$2"' sh '\(debian.path)' '\(scratch)'
            """)
        try #require(run.status == 0, "the root's ldconfig failed: \(run.err)")
        let real = try LdSoCache(bytes: LdCacheTestSupport.bytes(debian.path + scratch))
        let model = LdconfigModel(root: RootView(try LocalRoot(directory: debian.path)))
        print("\(debian.testDescription) ldconfig: \(real.entries.count) cache entries, the model's \(model.cache.entries.count)")
        #expect(real.entries.count > 100, "the root's ldconfig cached too few libraries")
        LdCacheTestSupport.expectSameCache(model.cache, real)
    }

    @Test("every sampled file resolves to exactly what the root's ld.so --list names",
          .enabled(if: isAvailable, unavailable), arguments: DebianRoot.compared)
    func resolverAgrees(_ debian: DebianRoot) throws {
        let system = try Self.system(debian)
        let files = Self.files(in: ["/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu", "/bin", "/sbin", "/lib/x86_64-linux-gnu"], of: debian, sharedOnly: false)
        var compared = 0
        var disagreements: [String] = []
        for environment in Self.environments(debian) {
            let truths = try Self.inRoot(debian, "list", files, environment: environment)
            for file in files {
                guard let run = truths[file], let truth = Self.listing(run.text, status: run.status) else { continue }
                let model = try MachineDifferentialTests.predicted(file, system: system, environment: environment)
                compared += 1
                if model != truth { disagreements.append("\(file) \(environment): ld.so \(truth) vs model \(model)") }
            }
        }
        print("\(debian.testDescription) differential: \(files.count) files sampled, \(compared) resolutions compared (\(Self.environments(debian).count) environments), \(disagreements.count) disagreements")
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10).joined(separator: "\n"))")
        #expect(compared >= MachineSample.floor(of: files.count * Self.environments(debian).count), "ld.so --list traced too few files")
    }

    @Test("unresolved symbols and missing versions equal the root's ldd -r, library by library and program by program",
          .enabled(if: isAvailable, unavailable), arguments: DebianRoot.compared)
    func symbolsAgree(_ debian: DebianRoot) throws {
        let system = try Self.system(debian)
        let libraries = Self.files(in: ["/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu"], of: debian, sharedOnly: true)
        // programs too: their copy relocations are looked up past them
        let programs = Self.files(in: ["/usr/bin", "/bin"], of: debian, sharedOnly: false).filter { path in
            (try? ELFFile(path: debian.path + path))?.interpreter != nil
        }
        let files = libraries + programs
        let truths = try Self.inRoot(debian, "symbols", files, environment: [:])
        var compared = 0, withProblems = 0, copying = 0
        var disagreements: [String] = []
        for file in files {
            guard let run = truths[file] else { continue }
            let truth = SymbolDifferentialTests.parse(run.text)
            compared += 1
            if programs.contains(file), (try? ELFFile(path: debian.path + file))?.copyRelocatedSymbols().isEmpty == false { copying += 1 }
            if !truth.undefined.isEmpty || !truth.missingVersions.isEmpty { withProblems += 1 }
            disagreements += try SymbolDifferentialTests.disagreements(file, truth: truth, system: system)
        }
        print("\(debian.testDescription) symbol differential: \(libraries.count) libraries and \(programs.count) programs sampled, \(compared) compared (\(copying) programs with copy relocations; \(withProblems) with unresolved symbols), \(disagreements.count) disagreements")
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5).joined(separator: "\n"))")
        #expect(compared >= MachineSample.floor(of: files.count), "ldd -r traced too few files")
        #expect(copying > 0, "no program with a copy relocation was compared")
    }
}

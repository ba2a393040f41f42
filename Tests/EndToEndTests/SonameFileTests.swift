import Foundation
import Testing

/// A library whose file is named past its soname (`libfoo.so.1.0`, soname `libfoo.so.1`), or
/// otherwise after the library's name (`libopenblasp-r0.3.21.so`, `libm-2.31.so`), with no
/// link of the soname to it: copied without its links (`COPY libfoo.so.1.0 …`, `cp` of one
/// file), or put where ldconfig scans and ldconfig not run since. The loader opens names, so
/// the program fails; ldconfig files the library by its DT_SONAME and makes the link. The real
/// loader judges each set-up before the plan, after `fix --apply` and after `undo`.
@Suite("a library whose file is named past its soname, with no link: found, planned, applied, undone", .serialized)
struct SonameFileTests {
    static var canBuild: Bool { RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }

    struct Setup: CustomTestStringConvertible, Sendable {
        var label: String
        /// Needed name, the file's name and where it lies, and the soname it declares.
        var needed: String
        var file: String
        var declared: String
        /// More shell run after the library is built (`$R` the root, `$L` its library directory).
        var extra: String = ""
        /// The plan's steps (`kind`, and `path` or `directories`), or nil: no automatic fix.
        var plan: [String]?

        var testDescription: String { label }
    }

    static let setups: [Setup] = [
        Setup(label: "in the default directory, ldconfig not run since", needed: "libfoo.so.1",
              file: "/usr/lib/x86_64-linux-gnu/libfoo.so.1.0", declared: "libfoo.so.1", plan: ["ldconfig"]),
        Setup(label: "in a directory of its own under /opt", needed: "libfoo.so.1",
              file: "/opt/vendor/lib/libfoo.so.1.0", declared: "libfoo.so.1",
              plan: ["conf /opt/vendor/lib", "ldconfig"]),
        Setup(label: "a soname whose file has another minor version (libcudart.so.11.0 in libcudart.so.11.7.99)",
              needed: "libcudart.so.11.0", file: "/usr/local/cuda/lib64/libcudart.so.11.7.99", declared: "libcudart.so.11.0",
              plan: ["conf /usr/local/cuda/lib64", "ldconfig"]),
        Setup(label: "beside a copy of a system library (conda's lib): a link into the system directory",
              needed: "libfoo.so.1", file: "/opt/conda/lib/libfoo.so.1.0", declared: "libfoo.so.1",
              extra: #"cp "$L/libc.so.6" "$R/opt/conda/lib/libc.so.6""#,
              plan: ["symlink /usr/lib/x86_64-linux-gnu/libfoo.so.1 -> /opt/conda/lib/libfoo.so.1.0", "ldconfig"]),
        Setup(label: "a vendor's bare libfoo.so that declares libfoo.so.1", needed: "libfoo.so.1",
              file: "/opt/vendor/lib/libfoo.so", declared: "libfoo.so.1", plan: ["conf /opt/vendor/lib", "ldconfig"]),
        Setup(label: "a soname link left dangling by an upgrade, the new file beside it (and a copy under /opt): ldconfig repoints it",
              needed: "libfoo.so.1", file: "/usr/lib/x86_64-linux-gnu/libfoo.so.1.2.4", declared: "libfoo.so.1",
              extra: #"ln -s libfoo.so.1.2.3 "$L/libfoo.so.1"; mkdir -p "$R/opt/vendor/lib"; cp "$R$F" "$R/opt/vendor/lib/libfoo.so.1.0""#,
              plan: ["ldconfig"]),
        Setup(label: "a library moved from the system directory to one of its own, the cache's entry for it stale: ld.so.conf.d, not LD_LIBRARY_PATH",
              needed: "libfoo.so.1", file: "/opt/vendor/lib/libfoo.so.1", declared: "libfoo.so.1",
              extra: #"cp "$R$F" "$L/libfoo.so.1"; chroot "$R" /sbin/ldconfig; rm "$L/libfoo.so.1""#,
              plan: ["conf /opt/vendor/lib", "ldconfig"]),
        Setup(label: "the only file of that name is for another machine (AArch64), in the system directory: no copy, one LD007",
              needed: "libfoo.so.1", file: "/usr/lib/x86_64-linux-gnu/libfoo.so.1", declared: "libfoo.so.1",
              extra: #"printf '\267\000' | dd of="$R$F" bs=1 seek=18 conv=notrunc status=none"#, plan: nil),
        Setup(label: "a file that declares another soname is no copy", needed: "libfoo.so.1",
              file: "/opt/vendor/lib/libfoo.so.1.0", declared: "libfoo.so.1.0", plan: nil),
        Setup(label: "a file named otherwise after the library's name (OpenBLAS's libopenblasp-r0.3.21.so for libopenblas.so.0)",
              needed: "libopenblas.so.0", file: "/opt/vendor/lib/libopenblasp-r0.3.21.so", declared: "libopenblas.so.0",
              plan: ["conf /opt/vendor/lib", "ldconfig"]),
        Setup(label: "a file named as glibc 2.31 names its own (libbar-2.31.so for libbar.so.6) in the default directory",
              needed: "libbar.so.6", file: "/usr/lib/x86_64-linux-gnu/libbar-2.31.so", declared: "libbar.so.6", plan: ["ldconfig"]),
        Setup(label: "the only copy is cut short (its segments run past its end): no copy, and the candidate says so",
              needed: "libfoo.so.1", file: "/opt/vendor/lib/libfoo.so.1", declared: "libfoo.so.1",
              extra: #"truncate -s 3000 "$R$F""#, plan: nil),
        Setup(label: "a file whose name begins with the library's name but that declares another soname is no copy",
              needed: "libfoo.so.1", file: "/opt/vendor/lib/libfoobar.so.1", declared: "libfoobar.so.1", plan: nil),
    ]

    /// The root: /app/prog needs `needed` (linked against a library of that soname, which
    /// returns 7), and the root holds only `file`, declaring `declared`, put there after the
    /// root's ldconfig ran.
    static func makeRoot(_ setup: Setup) throws -> String {
        let work = try ImageE2E.temporaryDirectory()
        let script = #"""
            set -e; W=$1; R=$W/root; N=$2; F=$3; D=$4
            """# + MinimalRoot.prelude + #"""
            cd "$W"
            echo 'int seven(void) { return 7; }' > seven.c
            gcc -shared -fPIC -nostdlib -o "$N" -Wl,-soname,"$N" seven.c
            printf '%s\n' "$5" > prog.c
            gcc -nostdlib -fno-stack-protector -o "$R/app/prog" prog.c "./$N" -Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2
            gcc -static -O2 -o "$R/launch" "$6"
            chroot "$R" /sbin/ldconfig
            mkdir -p "$R$(dirname "$F")"
            gcc -shared -fPIC -nostdlib -o "$R$F" -Wl,-soname,"$D" seven.c
            """# + "\n" + setup.extra + "\n"
        let built = ImageE2E.run("/bin/bash", ["-c", script, "sh", work, setup.needed, setup.file, setup.declared,
                                               MinimalRoot.program(calling: ["seven"], expected: 7),
                                               FixtureRoot.scriptsDirectory + "/src/launch.c"])
        try #require(built.status == 0, "\(built.stderr)")
        return work
    }

    struct Report: Decodable {
        struct Candidate: Decodable { var path: String; var soname: String?; var kind: String; var usable: Bool; var note: String? }
        struct Finding: Decodable { var id: String; var library: String?; var fixable: Bool; var candidates: [Candidate] }
        struct Action: Decodable { var kind: String; var path: String?; var target: String?; var directories: [String]? }
        var status: String
        var findings: [Finding]
        var plan: [Action]

        var steps: [String] {
            plan.map { action in
                switch action.kind {
                case "conf": return "conf " + (action.directories ?? []).joined(separator: ",")
                case "symlink": return "symlink \(action.path ?? "") -> \(action.target ?? "")"
                default: return action.kind
                }
            }
        }
    }

    /// Every name under `directory`, with a link's target: what undo must give back.
    static func tree(_ directory: String) -> [String] {
        let listed = ImageE2E.run("/bin/sh", ["-c", #"cd "$1" && find . ! -path './proc*' -printf '%p %l\n' | LC_ALL=C sort"#, "sh", directory])
        return listed.stdout.split(separator: "\n").map(String.init)
    }

    @Test("check finds the file by its DT_SONAME, the plan makes the loader start the program, undo puts the root back",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"), arguments: setups)
    func plannedAppliedUndone(_ setup: Setup) throws {
        let work = try Self.makeRoot(setup)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        let before = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:])
        #expect(before.status == 127 && before.stderr.contains("\(setup.needed): cannot open shared object file"), "\(before)")

        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "/app/prog"])
        let report = try JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8))
        let finding = try #require(report.findings.first { $0.id == "LD002" }, "\(check.stdout)")
        #expect(finding.library == setup.needed)
        // A dangling link met as /lib/… and /usr/lib/… (one directory in a merged /usr) is one finding.
        #expect(report.findings.filter { $0.id == "LD006" }.count == (setup.extra.contains("ln -s") ? 1 : 0), "\(report.findings.map(\.id))")
        // So is a file of another machine met there.
        #expect(report.findings.filter { $0.id == "LD007" }.count == (setup.extra.contains("seek=18") ? 1 : 0), "\(report.findings.map(\.id))")

        guard let plan = setup.plan else {
            // The loader agrees that it is no copy: with its directory scanned by ldconfig, the
            // program still fails.
            #expect(check.status == 2 && !finding.fixable && report.plan.isEmpty, "\(check.stdout)")
            #expect(!finding.candidates.contains { $0.path == setup.file && $0.kind == "same-soname" && $0.usable }, "\(finding.candidates)")
            if setup.extra.hasPrefix("truncate") {
                #expect(finding.candidates.contains { $0.path == setup.file && $0.note?.hasPrefix("cut short: 3000 bytes") == true },
                        "\(finding.candidates)")
            }
            let directory = (setup.file as NSString).deletingLastPathComponent
            try (directory + "\n").write(toFile: root + "/etc/ld.so.conf.d/probe.conf", atomically: true, encoding: .utf8)
            #expect(ImageE2E.run("/usr/sbin/chroot", [root, "/sbin/ldconfig"]).status == 0)
            // (127: not found; a copy cut short kills the loader: 128 + SIGBUS)
            #expect([127, 128 + SIGBUS].contains(RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:]).status))
            return
        }
        #expect(check.status == 1 && report.status == "fixable" && finding.fixable, "\(check.stdout)")
        #expect(finding.candidates.contains { $0.path == setup.file && $0.soname == setup.needed && $0.kind == "same-soname" && $0.usable },
                "\(finding.candidates)")
        #expect(report.steps == plan, "\(report.steps)")

        let untouched = Self.tree(root)
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "/app/prog"])
        #expect(apply.status == 0, "\(apply.stdout) \(apply.stderr)")
        let after = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:])
        #expect(after.status == 0, "the program starts with the library: \(after)")
        #expect(Command.ofdoctor(["check", "--root", root, "/app/prog"]).status == 0)

        let undo = Command.ofdoctor(["undo", "--root", root])
        #expect(undo.status == 0, "\(undo.stdout) \(undo.stderr)")
        #expect(RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:]).status == 127)
        #expect(Self.tree(root).filter { !$0.hasPrefix("./var/lib/ofdoctor") } == untouched.filter { !$0.hasPrefix("./var/lib/ofdoctor") },
                "undo leaves the names and links as they were")
    }

    /// A good copy in a directory of its own, and an older copy cut short in a directory
    /// ldconfig scans, not yet linked or cached (an interrupted copy, never used), cut after
    /// its DT_SONAME and DT_STRTAB entries: ldconfig files it under the soname, ahead of the
    /// good copy (its directory comes first in ld.so.conf). Cut inside its last page, the
    /// loader reads zeros for the rest of its dynamic section and fails to bind `seven`; with
    /// data past that page and a `.bss` to zero-fill there, it dies of SIGBUS. The usual plan (the good copy's directory in
    /// ld.so.conf.d, then ldconfig) would lead the loader there; the plan puts that directory
    /// on LD_LIBRARY_PATH instead, which the loader searches before the cache.
    struct CutCopy: CustomTestStringConvertible, Sendable {
        var label: String
        /// C of the older copy (its soname is libfoo.so.1).
        var source: String
        /// What `check` says of the root the usual plan leaves, and the real loader's status there.
        var usualFindings: [String]
        var usualStatus: Int32
        var testDescription: String { label }
    }

    static let cutCopies = [
        CutCopy(label: "cut inside its last page", source: "int seven(void) { return 7; }",
                usualFindings: ["LD004  undefined symbol seven", "LD032  /opt/old/libfoo.so.1 is cut short: the loader reads zeros"],
                usualStatus: 127),
        CutCopy(label: "with data and a .bss past its last page", source: "int seven(void) { return 7; } int data[4000] = {1}; int scratch[512];",
                usualFindings: ["LD010  /opt/old/libfoo.so.1 is cut short: the loader dies of SIGBUS", "and run ldconfig"],
                usualStatus: 128 + SIGBUS),
    ]

    @Test("a copy cut short where ldconfig scans: the plan keeps ldconfig away from it, the real loader starts the program",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"), arguments: cutCopies)
    func cutCopyWhereLdconfigScans(_ cutCopy: CutCopy) throws {
        let setup = Setup(
            label: cutCopy.label, needed: "libfoo.so.1", file: "/opt/vendor/lib/libfoo.so.1", declared: "libfoo.so.1",
            extra: #"""
                mkdir -p "$R/opt/old"; echo /opt/old > "$R/etc/ld.so.conf.d/libc.conf"
                printf '%s\n' '\#(cutCopy.source)' > old.c
                gcc -shared -fPIC -nostdlib -o old.so -Wl,-soname,libfoo.so.1 old.c
                dyn=$(($(readelf -lW old.so | awk '$1=="DYNAMIC"{print $2}')))
                last=$(readelf -dW old.so | awk '/\((STRTAB|SONAME)\)/{n=NR} END{print n}')
                first=$(readelf -dW old.so | awk '/^ *0x/{print NR; exit}')
                head -c $((dyn + 16 * (last - first + 1) + 8)) old.so > "$R/opt/old/libfoo.so.1.0"
                """#)
        let work = try Self.makeRoot(setup)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        #expect(RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:]).status == 127)

        // What the usual plan would do, by the real tools on a copy, and what check says of it.
        let copy = work + "/usual"
        #expect(ImageE2E.run("/bin/cp", ["-a", root, copy]).status == 0)
        try "/opt/vendor/lib\n".write(toFile: copy + "/etc/ld.so.conf.d/ofdoctor.conf", atomically: true, encoding: .utf8)
        #expect(ImageE2E.run("/usr/sbin/chroot", [copy, "/sbin/ldconfig"]).status == 0)
        let usual = RealLoader.run(root: copy, program: "/app/prog", argv0: "prog", environment: [:])
        try #require(usual.status == cutCopy.usualStatus, "ldconfig's cache leads the loader to the cut copy: \(usual)")
        let usualCheck = Command.ofdoctor(["check", "--root", copy, "/app/prog"], environment: ["COLUMNS": "500"])
        for finding in cutCopy.usualFindings {
            #expect(usualCheck.stdout.contains(finding), "\(finding): \(usualCheck.stdout)")
        }
        if usual.status == 127 {
            #expect(usual.stderr.contains("undefined symbol: seven") && usualCheck.stdout.contains("undefined symbol: seven"), "\(usual)")
        }

        struct Corrected: Decodable { var correctedEnvironment: [String: String] }
        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "/app/prog"])
        let report = try JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8))
        #expect(check.status == 1 && report.status == "fixable", "\(check.stdout)")
        #expect(report.steps == ["env"], "\(report.steps)")
        let corrected = try JSONDecoder().decode(Corrected.self, from: Data(check.stdout.utf8)).correctedEnvironment
        #expect(corrected == ["LD_LIBRARY_PATH": "/opt/vendor/lib"])
        let finding = try #require(report.findings.first { $0.id == "LD002" })
        #expect(finding.candidates.contains { !$0.usable && $0.path == "/opt/old/libfoo.so.1" && $0.note?.contains("where ldconfig would put") == true },
                "\(finding.candidates)")

        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "/app/prog"])
        #expect(apply.status == 0, "\(apply.stdout) \(apply.stderr)")
        let after = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: corrected)
        #expect(after.status == 0, "the program starts with the plan's environment: \(after)")
        // An ldconfig run later (a package's trigger) changes nothing for it.
        #expect(ImageE2E.run("/usr/sbin/chroot", [root, "/sbin/ldconfig"]).status == 0)
        #expect(RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: corrected).status == 0)
        #expect(FileManager.default.fileExists(atPath: root + "/opt/old/libfoo.so.1.0"), "the cut copy is left alone")
    }

    /// A copy cut short in its plain data (LD032: the loader maps it without touching the
    /// missing part, ldd sees nothing wrong, and its constructor, reading that data, dies of
    /// SIGBUS) met first on LD_LIBRARY_PATH, a good copy in a later element: the plan drops
    /// the element that holds the cut copy, and the program starts.
    @Test("a copy cut in its data (LD032) first on LD_LIBRARY_PATH: the plan drops that element, the real loader starts the program",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"))
    func cutInDataDropped() throws {
        let setup = Setup(
            label: "cut in its data", needed: "libfoo.so.1", file: "/opt/good/libfoo.so.1", declared: "libfoo.so.1",
            extra: #"""
                printf '%s\n' 'static int base = 3; int *const p = &base; int plain[4096] = { [0 ... 4095] = 1 };' \
                    '__attribute__((constructor)) static void start(void) { long s = 0; for (int i = 0; i < 4096; i++) s += plain[i]; base += (int)(s - 4092); }' \
                    'int seven(void) { return *p; }' > data.c
                gcc -shared -fPIC -nostdlib -o data.so -Wl,-soname,libfoo.so.1 data.c
                cp data.so "$R$F"
                end=$(python3 -c "import struct; d = open('data.so', 'rb').read(); o, n = struct.unpack_from('<Q', d, 32)[0], struct.unpack_from('<H', d, 56)[0]; print(max(struct.unpack_from('<Q', d, o + 56 * k + 8)[0] + struct.unpack_from('<Q', d, o + 56 * k + 32)[0] for k in range(n) if struct.unpack_from('<I', d, o + 56 * k)[0] == 1))")
                mkdir -p "$R/opt/stale"; head -c $((end - 4096 - 100)) data.so > "$R/opt/stale/libfoo.so.1"   # inside plain[]
                """#)
        let work = try Self.makeRoot(setup)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        let environment = ["LD_LIBRARY_PATH": "/opt/stale:/opt/good"]
        let failing = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: environment)
        try #require(failing.status == 128 + SIGBUS && failing.stderr.isEmpty, "the constructor dies of SIGBUS, silently: \(failing)")
        let listed = RealLoader.list(root: root, program: "/app/prog", environment: environment)
        #expect(listed.status == 0 && listed.stdout.contains("/opt/stale/libfoo.so.1"), "ld.so --list sees nothing wrong: \(listed)")

        struct Corrected: Decodable { var correctedEnvironment: [String: String] }
        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "--env", "LD_LIBRARY_PATH=/opt/stale:/opt/good", "/app/prog"])
        let report = try JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8))
        #expect(report.findings.map(\.id) == ["LD032"], "\(check.stdout)")
        #expect(check.status == 1 && report.status == "fixable" && report.steps == ["env"], "\(check.stdout)")
        let corrected = try JSONDecoder().decode(Corrected.self, from: Data(check.stdout.utf8)).correctedEnvironment
        #expect(corrected == ["LD_LIBRARY_PATH": "/opt/good"])

        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "--env", "LD_LIBRARY_PATH=/opt/stale:/opt/good", "/app/prog"])
        #expect(apply.status == 0, "\(apply.stdout) \(apply.stderr)")
        let after = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: corrected)
        #expect(after.status == 0, "the program starts with the plan's environment: \(after)")
        #expect(FileManager.default.fileExists(atPath: root + "/opt/stale/libfoo.so.1"), "the cut copy is left alone")
    }
}

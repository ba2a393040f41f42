import Foundation
import LoaderModel
import RootFS
import Testing

/// Two libraries whose names are canonically equivalent text but different bytes —
/// `lib\u{e9}.so.1` (é precomposed) and `libe\u{301}.so.1` (e and a combining accent) — are
/// two files to the kernel, two names to the loader and two entries to ldconfig, while
/// Swift's `String` compares and hashes them as one. The real loader and ldconfig are the
/// judges: both missing, check names two failures with a candidate each and plans both;
/// applied, the program starts with each library, ldconfig's cache and the model's agree; undo
/// puts the root back.
@Suite("canonically equivalent names are two libraries, as to the loader and ldconfig", .serialized)
struct CanonicalNamesTests {
    static let composed = "lib\u{e9}.so.1", decomposed = "libe\u{301}.so.1"

    static var canBuild: Bool { RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }

    /// A root of this machine's loader, libc and ldconfig, with /app/prog needing both names
    /// (neither uses libc: one returns 1, the other 2, the program exits with their sum minus
    /// 3), which lie only in /opt/canon/lib, a directory nothing searches. With a
    /// `fileSuffix` the files are named soname + suffix, so ldconfig links each soname to its file.
    static func makeRoot(fileSuffix: String = "") throws -> String {
        let work = try ImageE2E.temporaryDirectory()
        let script = #"""
            set -e; W=$1; R=$W/root; A=$2; B=$3; S=$5
            """# + MinimalRoot.prelude + #"""
            mkdir -p "$R/opt/canon/lib"
            cd "$W"
            echo 'int one(void) { return 1; }' > one.c; echo 'int two(void) { return 2; }' > two.c
            gcc -shared -fPIC -nostdlib -o "$R/opt/canon/lib/$A$S" -Wl,-soname,"$A" one.c
            gcc -shared -fPIC -nostdlib -o "$R/opt/canon/lib/$B$S" -Wl,-soname,"$B" two.c
            printf '%s\n' "$6" > prog.c
            gcc -nostdlib -fno-stack-protector -o "$R/app/prog" prog.c "$R/opt/canon/lib/$A$S" "$R/opt/canon/lib/$B$S" \
                -Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2
            chroot "$R" /sbin/ldconfig
            gcc -static -O2 -o "$R/launch" "$4"
            """#
        let built = ImageE2E.run("/bin/bash", ["-c", script, "sh", work, composed, decomposed, FixtureRoot.scriptsDirectory + "/src/launch.c", fileSuffix,
                                                         MinimalRoot.program(calling: ["one", "two"], expected: 3)])
        try #require(built.status == 0, "\(built.stderr)")
        return work
    }

    struct Report: Decodable {
        struct Candidate: Decodable { var path: String; var usable: Bool }
        struct Finding: Decodable { var id: String; var library: String?; var fixable: Bool; var candidates: [Candidate] }
        struct Action: Decodable { var kind: String; var directories: [String]? }
        var status: String
        var findings: [Finding]
        var plan: [Action]
    }

    static func bytes(_ text: String?) -> [UInt8] { Array((text ?? "").utf8) }

    @Test("both missing: two LD002, each with its own copy; the plan applied starts the program; the model's cache is ldconfig's; undo restores",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"))
    func bothMissingThenPlanned() throws {
        let work = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        let before = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:])
        #expect(before.status == 127 && before.stderr.contains(Self.composed), "\(before)")

        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "/app/prog"])
        let report = try JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8))
        #expect(check.status == 1 && report.status == "fixable", "\(check.stdout)")
        let missing = report.findings.filter { $0.id == "LD002" }
        #expect(missing.map { Self.bytes($0.library) } == [Self.bytes(Self.composed), Self.bytes(Self.decomposed)])
        for finding in missing {
            #expect(finding.fixable && finding.candidates.map { Self.bytes($0.path) } == [Self.bytes("/opt/canon/lib/" + (finding.library ?? ""))],
                    "each its own copy: \(finding.candidates.map(\.path))")
        }
        #expect(report.plan.contains { $0.kind == "conf" && $0.directories == ["/opt/canon/lib"] }, "\(report.plan)")

        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "/app/prog"])
        #expect(apply.status == 0, "\(apply.stdout) \(apply.stderr)")
        let after = RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:])
        #expect(after.status == 0, "both found, each by its own name: \(after)")

        // ldconfig (run by the apply, as the root's own) cached both names; the model agrees.
        let real = try LdSoCache(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/etc/ld.so.cache"))))
        let model = LdconfigModel(root: RootView(try LocalRoot(directory: root)))
        let keys = { (cache: LdSoCache) in cache.entries.map { Self.bytes($0.key) + [0] + Self.bytes($0.value) } }
        #expect(keys(real).contains(Self.bytes(Self.composed) + [0] + Self.bytes("/opt/canon/lib/" + Self.composed)))
        #expect(keys(real).contains(Self.bytes(Self.decomposed) + [0] + Self.bytes("/opt/canon/lib/" + Self.decomposed)))
        #expect(keys(model.cache) == keys(real))

        let undo = Command.ofdoctor(["undo", "--root", root])
        #expect(undo.status == 0, "\(undo.stderr)")
        #expect(RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:]).status == 127)
    }

    /// The names in `directory`, each as its bytes, sorted.
    static func listing(_ directory: String) throws -> [[UInt8]] {
        try FileManager.default.contentsOfDirectory(atPath: directory).map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
    }

    @Test("ldconfig links both names to their files; undo removes both links (the journal keeps each name by its bytes)",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"))
    func undoRemovesBothLinks() throws {
        let work = try Self.makeRoot(fileSuffix: ".0")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root", directory = root + "/opt/canon/lib"
        let before = try Self.listing(directory)
        #expect(before == [Self.bytes(Self.composed + ".0"), Self.bytes(Self.decomposed + ".0")].sorted { $0.lexicographicallyPrecedes($1) })

        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "/app/prog"])
        #expect(apply.status == 0, "\(apply.stdout) \(apply.stderr)")
        #expect(RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:]).status == 0)
        let linked = try Self.listing(directory)
        for name in [Self.composed, Self.decomposed] {
            #expect(linked.contains(Self.bytes(name)), "ldconfig made the link \(name)")
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + name)
            #expect(Self.bytes(target) == Self.bytes(name + ".0"), "each link to its own file: \(Self.bytes(target))")
        }

        let undo = Command.ofdoctor(["undo", "--root", root])
        #expect(undo.status == 0, "\(undo.stdout) \(undo.stderr)")
        #expect(try Self.listing(directory) == before, "both links ldconfig made are gone")
        #expect(RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:]).status == 127)
    }
}

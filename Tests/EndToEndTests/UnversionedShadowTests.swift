import Foundation
import Testing

/// A directory on `LD_LIBRARY_PATH` supplies a build of libfoo.so.1 without `foo`, ahead of
/// the system's copy that defines it, and the references name no version: nothing in them
/// says which library should define `foo`. The check names the copy on `LD_LIBRARY_PATH`
/// and the one it hides, and the plan takes the directory off the path. The real loader
/// judges both environments: `undefined symbol: foo` with the user's, and the program starts
/// with the planned one.
@Suite("an unversioned symbol a library on LD_LIBRARY_PATH lacks: the copy it hides named, the directory taken off", .serialized)
struct UnversionedShadowTests {
    static var canBuild: Bool { RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }

    struct Report: Decodable {
        struct Finding: Decodable {
            var id: String
            var rule: String
            var explanation: String
            var resolvedTo: String?
        }
        struct Action: Decodable { var kind: String; var name: String?; var value: String?; var unset: Bool }
        var findings: [Finding]
        var plan: [Action]
    }

    static func build(sharedDirectory: Bool) throws -> ScratchBuild {
        try ScratchBuild("unversioned-shadow", "R=$PWD/root" + MinimalRoot.prelude + """
            mkdir -p "$R/opt/shadow" "$R/opt/app/lib"
            \(MinimalRoot.launcher)
            echo 'int foo(void) { return 7; }' > good.c
            echo 'int other(void) { return 1; }' > bad.c
            echo 'int bar(void) { return 0; }' > bar.c
            gcc -shared -fPIC -nostdlib -o "$L/libfoo.so.1" -Wl,-soname,libfoo.so.1 good.c
            gcc -shared -fPIC -nostdlib -o "$R/opt/shadow/libfoo.so.1" -Wl,-soname,libfoo.so.1 bad.c
            gcc -shared -fPIC -nostdlib -o "$R/opt/app/lib/libbar.so.1" -Wl,-soname,libbar.so.1 bar.c
            printf '%s\\n' '\(MinimalRoot.program(calling: ["foo", "bar"], expected: 7))' > main.c
            gcc -nostdlib -o "$R/app/prog" main.c "$L/libfoo.so.1" "$R/opt/app/lib/libbar.so.1"
            \(sharedDirectory ? "cp \"$R/opt/shadow/libfoo.so.1\" \"$R/opt/app/lib/libfoo.so.1\"" : ":")
            /usr/sbin/chroot "$R" /sbin/ldconfig
            """)
    }

    /// `check --format json` of /app/prog in `root` with that `LD_LIBRARY_PATH`.
    static func check(root: String, libraryPath: String) throws -> (Command.Result, Report) {
        let check = Command.ofdoctor(["check", "--root", root, "--env", "LD_LIBRARY_PATH=" + libraryPath, "--format", "json", "/app/prog"])
        return (check, try #require(try? JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8)), "\(check)"))
    }

    @Test("the user's LD_LIBRARY_PATH: LD004 names the copy and the one it hides; without the shadow's directory the loader starts the program",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"))
    func shadowNamedAndTakenOff() throws {
        let scratch = try Self.build(sharedDirectory: false)
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        let libraryPath = "/opt/shadow:/opt/app/lib"
        let before = RealLoader.run(root: root, program: "/app/prog", argv0: "/app/prog", environment: ["LD_LIBRARY_PATH": libraryPath])
        #expect(before.status == 127 && before.stderr.contains("undefined symbol: foo"), "\(before)")

        let (check, report) = try Self.check(root: root, libraryPath: libraryPath)
        #expect(check.status == 1, "the plan fixes it: \(check.stdout)")
        let finding = try #require(report.findings.first { $0.rule == "symbol-not-found" }, "\(check.stdout)")
        #expect(finding.resolvedTo == "/opt/shadow/libfoo.so.1", "\(finding)")
        #expect(finding.explanation.contains("it hides /lib/x86_64-linux-gnu/libfoo.so.1"), "\(finding.explanation)")

        let env = try #require(report.plan.first { $0.kind == "env" && $0.name == "LD_LIBRARY_PATH" }, "\(report.plan)")
        #expect(env.value == "/opt/app/lib", "only the shadow's directory goes: \(env)")
        let after = RealLoader.run(root: root, program: "/app/prog", argv0: "/app/prog", environment: env.value.map { ["LD_LIBRARY_PATH": $0] } ?? [:])
        #expect(after.status == 0, "the loader starts it with the planned environment: \(after)")
        // verify runs it so, and says it did: check of the same input fails.
        let verify = Command.ofdoctor(["verify", "--root", root, "--env", "LD_LIBRARY_PATH=" + libraryPath, "/app/prog"])
        #expect(verify.status == 0 && verify.stdout.contains("(run with the plan's environment, as `ofdoctor env` gives it: LD_LIBRARY_PATH=/opt/app/lib)"),
                "\(verify)")
        #expect(!verify.stdout.contains("/proc"), "no $ORIGIN here: no word of /proc")
    }

    @Test("the copy without foo beside a library only LD_LIBRARY_PATH finds: whatever the plan says, the real loader agrees once it is applied",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"))
    func planHoldsWhereTheDirectoryIsNeeded() throws {
        let scratch = try Self.build(sharedDirectory: true)
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        let libraryPath = "/opt/app/lib"
        let before = RealLoader.run(root: root, program: "/app/prog", argv0: "/app/prog", environment: ["LD_LIBRARY_PATH": libraryPath])
        #expect(before.status == 127 && before.stderr.contains("undefined symbol: foo"), "\(before)")
        let without = RealLoader.run(root: root, program: "/app/prog", argv0: "/app/prog", environment: [:])
        #expect(without.status == 127 && without.stderr.contains("libbar.so.1"), "\(without)")

        let (check, report) = try Self.check(root: root, libraryPath: libraryPath)
        let finding = try #require(report.findings.first { $0.rule == "symbol-not-found" }, "\(check.stdout)")
        #expect(finding.resolvedTo == "/opt/app/lib/libfoo.so.1", "\(finding)")
        #expect(check.status == 1 || check.status == 2, "\(check)")

        // The plan's claim, applied to the root and its environment, against the loader: all
        // fixed (exit 1) means it starts; a person's step left (exit 2) means it does not.
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "--env", "LD_LIBRARY_PATH=" + libraryPath, "/app/prog"])
        #expect(apply.status == (check.status == 1 ? 0 : 2), "\(apply)")
        var environment = ["LD_LIBRARY_PATH": libraryPath]
        if let env = report.plan.first(where: { $0.kind == "env" && $0.name == "LD_LIBRARY_PATH" }) {
            environment = env.value.map { ["LD_LIBRARY_PATH": $0] } ?? [:]
        }
        let after = RealLoader.run(root: root, program: "/app/prog", argv0: "/app/prog", environment: environment)
        #expect((after.status == 0) == (check.status == 1), "check said \(check.status); the loader: \(after)")
    }
}

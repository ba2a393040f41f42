import Foundation
import Testing

/// Two programs of one root, each broken by another directory of the same LD_LIBRARY_PATH:
/// `fix --apply` of the first writes the variable without one directory into the profile
/// script; the second, planned from the same starting value, would write it without the
/// other and break the first again. It is refused (exit 4, nothing changed), with the command
/// that plans from the value the earlier fix gives; that one serves both. The real loader
/// runs both programs with the environment the script gives a login shell.
@Suite("fix --apply over an earlier fix's variable: refused, then planned from it", .serialized)
struct ProfileConflictTests {
    static var canBuild: Bool { RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }

    /// The environment a login shell of `root` gets from the profile script over `base`.
    static func loginEnvironment(_ root: String, base: [String: String]) throws -> [String: String] {
        let shell = Command.run("/bin/sh", ["-c", #"unset LD_LIBRARY_PATH; [ -z "$1" ] || export LD_LIBRARY_PATH="$1"; . "$2"; printf %s "${LD_LIBRARY_PATH-<unset>}""#,
                                            "sh", base["LD_LIBRARY_PATH"] ?? "", root + "/etc/profile.d/ofdoctor.sh"])
        try #require(shell.status == 0, "\(shell)")
        return shell.stdout == "<unset>" ? [:] : ["LD_LIBRARY_PATH": shell.stdout]
    }

    @Test("the second program's plan over the first's variable is refused; the printed command fixes it, and both start",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"))
    func refusedThenBuiltOn() throws {
        let scratch = try ScratchBuild("profile-conflict", "R=$PWD/root" + MinimalRoot.prelude + MinimalRoot.launcher
            + "mkdir -p \"$R/opt/bad\" \"$R/opt/x2\"\n"
            + MinimalRoot.library("$L/libc7.so.1", function: "c", returning: 7)
            + MinimalRoot.library("$L/libe.so.1", function: "e", returning: 5)
            + MinimalRoot.library("$R/opt/bad/libc7.so.1", function: "other", returning: 1)
            + MinimalRoot.library("$R/opt/x2/libe.so.1", function: "other", returning: 1)
            + MinimalRoot.program("$R/app/main_c", calling: ["c"], expected: 7, linkedWith: ["$L/libc7.so.1"])
            + MinimalRoot.program("$R/app/main_e", calling: ["e"], expected: 5, linkedWith: ["$L/libe.so.1"])
            + "/usr/sbin/chroot \"$R\" /sbin/ldconfig\n")
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        let user = ["LD_LIBRARY_PATH": "/opt/bad:/opt/x2"]
        let env = ["--env", "LD_LIBRARY_PATH=/opt/bad:/opt/x2"]
        for program in ["/app/main_c", "/app/main_e"] {
            let before = RealLoader.run(root: root, program: program, argv0: program, environment: user)
            #expect(before.status == 127, "\(program): \(before)")
        }

        let first = Command.ofdoctor(["fix", "--apply", "--root", root] + env + ["/app/main_c"])
        #expect(first.status == 0, "\(first)")
        let afterFirst = try Self.loginEnvironment(root, base: user)
        #expect(RealLoader.run(root: root, program: "/app/main_c", argv0: "/app/main_c", environment: afterFirst).status == 0)

        let script = try String(contentsOfFile: root + "/etc/profile.d/ofdoctor.sh", encoding: .utf8)
        let second = Command.ofdoctor(["fix", "--apply", "--root", root] + env + ["/app/main_e"])
        #expect(second.status == 4 && second.stderr.contains("already sets LD_LIBRARY_PATH to '/opt/x2'"), "\(second)")
        #expect(try String(contentsOfFile: root + "/etc/profile.d/ofdoctor.sh", encoding: .utf8) == script, "nothing changed")
        #expect(RealLoader.run(root: root, program: "/app/main_c", argv0: "/app/main_c", environment: afterFirst).status == 0)

        let marker = "Plan from the environment the earlier fix gives: "
        let command = try #require(second.stderr.range(of: marker).map { String(second.stderr[$0.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines) },
                                   "\(second.stderr)")
        let pasted = Command.run("/bin/sh", ["-c", command], environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NO_COLOR": "1"])
        #expect(pasted.status == 0, "\(command): \(pasted)")
        let afterBoth = try Self.loginEnvironment(root, base: user)
        for program in ["/app/main_c", "/app/main_e"] {
            let started = RealLoader.run(root: root, program: program, argv0: program, environment: afterBoth)
            #expect(started.status == 0, "\(program) with \(afterBoth): \(started)")
        }
    }
}

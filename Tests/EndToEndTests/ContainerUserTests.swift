import Foundation
import Testing

/// An image whose `User` names a user or group its /etc/passwd or /etc/group lacks: Docker
/// refuses to start any container of it (exit 125) before the program or its loader runs.
/// A private Docker daemon is the judge: each User is imported into an image, run, saved,
/// and checked (`--image`, and `--env-from` with `docker inspect`'s JSON); LD031 exactly
/// when docker refused, with docker's own words.
@Suite("the image's User as Docker resolves it: LD031 exactly when docker refuses to start the container", .serialized)
struct ContainerUserTests {
    /// A root of this machine's loader and libc with `/app/prog` (no libc, exits 0), and
    /// /etc/passwd (root, alice) and /etc/group (root, alice, staff) unless `accounts` is false.
    static func makeRoot(accounts: Bool) throws -> String {
        let work = try ImageE2E.temporaryDirectory()
        let script = #"""
            set -e; W=$1; R=$W/root; L=$R/usr/lib/x86_64-linux-gnu
            mkdir -p "$L" "$R/usr/lib64" "$R/etc" "$R/app" "$R/proc" "$R/dev" "$R/sys"
            ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"
            cp -L /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$R/usr/lib64/ld-linux-x86-64.so.2"
            cp -L /lib/x86_64-linux-gnu/libc.so.6 "$L/libc.so.6"
            printf '%s\n' 'void _start(void) { __asm__ volatile ("syscall" :: "a"(60), "D"(0)); for (;;) {} }' > "$W/prog.c"
            gcc -nostdlib -fno-stack-protector -o "$R/app/prog" "$W/prog.c" -Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2
            if [ "$2" = yes ]; then
              printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n' > "$R/etc/passwd"
              printf 'root:x:0:\nalice:x:1000:\nstaff:x:50:\n' > "$R/etc/group"
            fi
            tar -C "$R" -cf "$W/root.tar" .
            """#
        let built = ImageE2E.run("/bin/bash", ["-c", script, "sh", work, accounts ? "yes" : "no"])
        try #require(built.status == 0, "\(built.stderr)")
        return work
    }

    static func ids(_ result: Command.Result) throws -> [[String: Any]] {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
        return report["findings"] as? [[String: Any]] ?? []
    }

    @Test("users and groups Docker finds or does not, with and without account files",
          .enabled(if: DockerDaemon.isInstalled && RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc"),
                   DockerDaemon.unavailable))
    func dockerDecides() throws {
        let daemon = try DockerDaemon()
        defer { daemon.stop() }
        let cases: [(accounts: Bool, users: [String])] = [
            (true, ["ghost", "1234", "alice", "alice:staff", "alice:ghostgrp", "1234:ghostgrp", "ghost:0", "1234:50"]),
            (false, ["ghost", "1234", "1234:50", "0:ghostgrp"]),
        ]
        var refusals = 0
        for (accounts, users) in cases {
            let work = try Self.makeRoot(accounts: accounts)
            defer { try? FileManager.default.removeItem(atPath: work) }
            for (n, user) in users.enumerated() {
                let tag = "ofdoctor-test/user:\(accounts ? "a" : "n")\(n)"
                try #require(daemon.docker(["import", "--change", "USER \(user)", work + "/root.tar", tag]).status == 0)
                let run = daemon.docker(["run", "--rm", "--network", "none", tag, "/app/prog"])
                let refused = run.status == 125
                #expect(refused || run.status == 0, "\(user): \(run)")
                let image = work + "/image-\(n).tar", inspect = work + "/inspect-\(n).json"
                try #require(daemon.docker(["save", "-o", image, tag]).status == 0)
                let inspected = daemon.docker(["inspect", tag])
                try #require(inspected.status == 0 && FileManager.default.createFile(atPath: inspect, contents: Data(inspected.stdout.utf8)))
                for arguments in [["--image", image], ["--root", work + "/root", "--env-from", inspect]] {
                    let check = Command.ofdoctor(["check", "--format", "json"] + arguments + ["/app/prog"])
                    let findings = try Self.ids(check)
                    let unknown = findings.filter { $0["id"] as? String == "LD031" }
                    #expect(unknown.isEmpty == !refused, "\(user) (\(arguments[0])): docker \(run.status), findings \(findings)")
                    #expect(check.status == (refused ? 2 : 0), "\(user): \(check.stderr)")
                    if refused, let message = unknown.first?["loaderMessage"] as? String {
                        #expect(run.stderr.contains(message), "\(user): docker said \(run.stderr.debugDescription), check \(message)")
                    }
                }
                if refused { refusals += 1 }
                // docker run --user overrides the image's; so does check's --user.
                let overridden = Command.ofdoctor(["check", "--image", image, "--user", "0:0", "/app/prog"])
                #expect(overridden.status == 0, "\(user): \(overridden.stdout)")
            }
        }
        #expect(refusals == 6, "the cases hold refusals of both kinds")
    }
}

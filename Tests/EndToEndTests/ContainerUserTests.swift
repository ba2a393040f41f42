import Foundation
import Testing

/// The image config as Docker reads it before anything runs. A `User` naming a user or group
/// the image's /etc/passwd or /etc/group lacks: Docker refuses to start any container of it
/// (exit 125) before the program or its loader runs. `WorkingDir`: where the program starts,
/// which relative search-path elements mean. A private Docker daemon is the judge: each
/// config is imported into an image, run, saved, and checked (`--image`, and `--env-from`
/// with `docker inspect`'s JSON); LD031 exactly when docker refused, with docker's words.
@Suite("the image config as Docker reads it: User (LD031 exactly when docker refuses) and WorkingDir", .serialized)
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
            # /app/needsfoo needs libfoo.so.1, which only /opt/app/lib holds (no RPATH).
            mkdir -p "$R/opt/app/lib"
            echo 'int foo(void) { return 0; }' > "$W/foo.c"
            gcc -shared -fPIC -nostdlib -o "$R/opt/app/lib/libfoo.so.1" -Wl,-soname,libfoo.so.1 "$W/foo.c"
            printf '%s\n' 'int foo(void);' 'void _start(void) { __asm__ volatile ("syscall" :: "a"(60), "D"(foo())); for (;;) {} }' > "$W/needs.c"
            gcc -nostdlib -fno-stack-protector -o "$R/app/needsfoo" "$W/needs.c" "$R/opt/app/lib/libfoo.so.1" \
                -Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2
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

    static var canRun: Bool {
        DockerDaemon.isInstalled && RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc")
    }

    /// `WORK/root.tar` imported with Dockerfile `changes` as `tag`, and `program` run in a
    /// container of it; the image saved (`WORK/NAME.tar`) and inspected (`WORK/NAME.json`).
    static func image(_ daemon: DockerDaemon, work: String, changes: [String], name: String,
                      program: String) throws -> (run: Command.Result, image: String, inspect: String) {
        let tag = "ofdoctor-test/config:\(name)"
        try #require(daemon.docker(["import"] + changes.flatMap { ["--change", $0] } + [work + "/root.tar", tag]).status == 0)
        let run = daemon.docker(["run", "--rm", "--network", "none", tag, program])
        let image = work + "/\(name).tar", inspect = work + "/\(name).json"
        try #require(daemon.docker(["save", "-o", image, tag]).status == 0)
        let inspected = daemon.docker(["inspect", tag])
        try #require(inspected.status == 0 && FileManager.default.createFile(atPath: inspect, contents: Data(inspected.stdout.utf8)))
        return (run, image, inspect)
    }

    static func ids(_ result: Command.Result) throws -> [[String: Any]] {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
        return report["findings"] as? [[String: Any]] ?? []
    }

    @Test("users and groups Docker finds or does not, with and without account files",
          .enabled(if: canRun, DockerDaemon.unavailable))
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
                let (run, image, inspect) = try Self.image(daemon, work: work, changes: ["USER \(user)"],
                                                            name: "user-\(accounts ? "a" : "n")\(n)", program: "/app/prog")
                let refused = run.status == 125
                #expect(refused || run.status == 0, "\(user): \(run)")
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
                // verify runs it (as root) and says that no container of the image starts.
                let verify = Command.ofdoctor(["verify", "--root", work + "/root", "--env-from", inspect, "/app/prog"])
                #expect(verify.status == (refused ? 2 : 0) && verify.stdout.contains("LD031") == refused, "\(user): \(verify)")
                // docker run --user overrides the image's; so does check's --user.
                let overridden = Command.ofdoctor(["check", "--image", image, "--user", "0:0", "/app/prog"])
                #expect(overridden.status == 0, "\(user): \(overridden.stdout)")
            }
        }
        #expect(refusals == 6, "the cases hold refusals of both kinds")
    }

    /// `LD_LIBRARY_PATH=lib` means WorkingDir's lib: the container starts in /opt/app, where
    /// lib/libfoo.so.1 is, and not in /. check reads WorkingDir as the start directory, and
    /// verify starts the program there.
    @Test("WorkingDir is where relative search-path elements start, for check and for verify, as for docker run",
          .enabled(if: canRun, DockerDaemon.unavailable))
    func workingDirectory() throws {
        let daemon = try DockerDaemon()
        defer { daemon.stop() }
        let work = try Self.makeRoot(accounts: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        for (n, directory) in ["/opt/app", "/"].enumerated() {
            let (run, image, inspect) = try Self.image(daemon, work: work, changes: ["WORKDIR \(directory)", "ENV LD_LIBRARY_PATH=lib"],
                                                        name: "workdir-\(n)", program: "/app/needsfoo")
            let starts = run.status == 0
            #expect(starts == (directory == "/opt/app"), "\(directory): \(run)")
            for arguments in [["--image", image], ["--root", work + "/root", "--env-from", inspect]] {
                let check = Command.ofdoctor(["check", "--format", "json"] + arguments + ["/app/needsfoo"])
                let ids = try Self.ids(check).compactMap { $0["id"] as? String }
                #expect((check.status == 0) == starts, "\(directory) \(arguments[0]): \(ids) \(check.stderr)")
            }
            // verify starts it where check judged it: healthy in /opt/app as it is; in /, once
            // the plan's fix (links in the root, which reach every process) is applied.
            let target = ["--root", work + "/root", "--env-from", inspect, "/app/needsfoo"]
            if !starts {
                let before = Command.ofdoctor(["verify"] + target)
                #expect(before.status == 1, "\(directory): \(before.stdout)")
                let apply = Command.ofdoctor(["fix", "--apply"] + target)
                #expect(apply.status == 0, "\(directory): \(apply.stdout) \(apply.stderr)")
            }
            let verify = Command.ofdoctor(["verify"] + target)
            #expect(verify.status == 0 && verify.stdout.contains("→ exit 0: started"), "\(directory): \(verify.stdout)")
            if !starts { #expect(Command.ofdoctor(["undo"] + target).status == 0) }
        }
        // --cwd, with nothing to plan: only a start in that directory finds lib/libfoo.so.1.
        let verify = Command.ofdoctor(["verify", "--root", work + "/root", "--cwd", "/opt/app", "--env", "LD_LIBRARY_PATH=lib", "/app/needsfoo"])
        #expect(verify.status == 0 && verify.stdout.contains("→ exit 0: started"), "\(verify.stdout)")
        let nowhere = Command.ofdoctor(["verify", "--root", work + "/root", "--cwd", "/no/such/dir", "/app/needsfoo"])
        #expect(nowhere.status == 3 && nowhere.stderr.contains("/no/such/dir"), "\(nowhere)")
    }

    /// The groups a container's process gets are the user's from the image's /etc/group: a
    /// library readable only by group staff (50), which lists alice, loads for alice, named
    /// or by number, and for no one else but root. Docker is the judge of who gets which
    /// groups; the kernel of what they may read.
    @Test("supplementary groups from the image's /etc/group decide who may read a library, as Docker gives them",
          .enabled(if: canRun, DockerDaemon.unavailable))
    func supplementaryGroups() throws {
        let daemon = try DockerDaemon()
        defer { daemon.stop() }
        let work = try Self.makeRoot(accounts: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let script = #"""
            set -e; R=$1/root; L=$R/usr/lib/x86_64-linux-gnu
            mv "$R/opt/app/lib/libfoo.so.1" "$L/libfoo.so.1"; chgrp 50 "$L/libfoo.so.1"; chmod 640 "$L/libfoo.so.1"
            printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n' > "$R/etc/passwd"
            printf 'root:x:0:\nalice:x:1000:\nbob:x:1001:\nstaff:x:50:alice\n' > "$R/etc/group"
            tar -C "$R" -cf "$1/root.tar" .
            """#
        let prepared = ImageE2E.run("/bin/bash", ["-c", script, "sh", work])
        try #require(prepared.status == 0, "\(prepared.stderr)")
        var starts: [String: Bool] = [:]
        for (n, user) in ["alice", "1000", "alice:1000", "1000:1000", "bob", "1001", "root", "2000"].enumerated() {
            let (run, image, inspect) = try Self.image(daemon, work: work, changes: ["USER \(user)"], name: "groups-\(n)", program: "/app/needsfoo")
            #expect(run.status == 0 || run.status == 127, "\(user): \(run)")
            starts[user] = run.status == 0
            for arguments in [["--image", image], ["--root", work + "/root", "--env-from", inspect]] {
                let check = Command.ofdoctor(["check", "--format", "json"] + arguments + ["/app/needsfoo"])
                let ids = try Self.ids(check).compactMap { $0["id"] as? String }
                #expect((check.status == 0) == (run.status == 0), "\(user) \(arguments[0]): docker \(run.status) \(run.stderr), check \(ids)")
            }
            // verify starts it as that user with those groups.
            let verify = Command.ofdoctor(["verify", "--root", work + "/root", "--env-from", inspect, "/app/needsfoo"])
            #expect((verify.status == 0) == (run.status == 0), "\(user): docker \(run.status), verify \(verify.stdout)")
        }
        #expect(starts["alice"] == true && starts["bob"] == false && starts["root"] == true, "the cases hold both outcomes: \(starts)")
    }

    /// `fix --format dockerfile` for an image whose User is not root: its steps change the root,
    /// which only root may, so they run under `USER root` and the image's User is put back
    /// after them, quoted as Docker's lexer reads it. Docker builds the lines onto the image and
    /// runs the program as that User: it starts, and the built image's User is the old one.
    @Test("the Dockerfile lines build on an image with a non-root User, run as root, and give the User back",
          .enabled(if: canRun, DockerDaemon.unavailable))
    func dockerfileKeepsTheUser() throws {
        let daemon = try DockerDaemon()
        defer { daemon.stop() }
        let work = try Self.makeRoot(accounts: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        // A root that can run the steps (/bin/sh, ldconfig), and a user whose name a shell or
        // the Dockerfile lexer would take apart.
        let script = #"""
            set -e; R=$1/root
            mkdir -p "$R/bin" "$R/sbin" "$R/etc/ld.so.conf.d"
            cp -L /bin/dash "$R/bin/sh"; cp -L /sbin/ldconfig "$R/sbin/ldconfig"
            echo 'include /etc/ld.so.conf.d/*.conf' > "$R/etc/ld.so.conf"
            printf '%s\n' "d\$x'y:x:1002:1002::/:/bin/sh" >> "$R/etc/passwd"
            chroot "$R" /sbin/ldconfig
            tar -C "$R" -cf "$1/root.tar" .
            """#
        let prepared = ImageE2E.run("/bin/bash", ["-c", script, "sh", work])
        try #require(prepared.status == 0, "\(prepared.stderr)")
        // (the import's own USER line quoted by hand, as Docker's lexer reads it)
        for (n, (user, change)) in [("alice", "USER alice"), ("1000:50", "USER 1000:50"), ("d$x'y", #"USER 'd$x'"'"'y'"#)].enumerated() {
            let (run, image, _) = try Self.image(daemon, work: work, changes: [change], name: "dockerfile-\(n)", program: "/app/needsfoo")
            let base = daemon.docker(["inspect", "--format", "{{.Config.User}}", "ofdoctor-test/config:dockerfile-\(n)"])
            try #require(base.stdout.trimmingCharacters(in: .newlines) == user, "the image's User: \(base.stdout)")
            #expect(run.status == 127, "\(user): needsfoo does not start before the fix: \(run)")
            let lines = Command.ofdoctor(["fix", "--format", "dockerfile", "--image", image, "/app/needsfoo"])
            #expect(lines.status == 1, "\(user): \(lines.stdout) \(lines.stderr)")
            #expect(lines.stdout.contains("USER root\n"), "\(user): \(lines.stdout)")
            let tag = "ofdoctor-test/config:dockerfile-\(n)"
            let context = work + "/context-\(n)"
            try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
            try ("FROM \(tag)\n" + lines.stdout).write(toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
            let built = daemon.docker(["build", "-q", "-t", tag + "-fixed", context])
            #expect(built.status == 0, "\(user): docker build: \(built.stderr)")
            let fixed = daemon.docker(["run", "--rm", "--network", "none", tag + "-fixed", "/app/needsfoo"])
            #expect(fixed.status == 0, "\(user): the fixed image starts it: \(fixed)")
            let inspected = daemon.docker(["inspect", "--format", "{{.Config.User}}", tag + "-fixed"])
            #expect(inspected.stdout.trimmingCharacters(in: .newlines) == user, "\(user): the built image's User: \(inspected.stdout)")
        }
    }
}

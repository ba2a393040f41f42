import Foundation
import Testing

/// A program started by a user other than root (an image's `User`, `docker exec -u`,
/// `--user`) meets the kernel's permission checks where root passes them all: execve wants
/// the execute bit of the user's class on the program and the interpreter, and the loader's
/// open(2) wants search permission on every directory of a library's path and read
/// permission on the file — a library it may not open is passed over as if absent (EACCES).
/// Each case is judged by the real loader started as that user (chroot --userspec, with its
/// supplementary groups): whether the program starts, its first line, its exit status.
@Suite("file permissions for a user other than root, as the kernel and the real loader apply them", .serialized)
struct FilePermissionTests {
    static var canBuild: Bool { RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// Shell lines after the library (`$LIB`, in `$L` unless moved) and /app/prog are in place.
        var setup: String
        /// `--user` for ofdoctor, and the kernel's credentials for the real run.
        var user = "1000"
        var uidgid = "1000:1000"
        var groups: [UInt32] = [1000]
        var environment: [String: String] = [:]
        /// Link /app/prog with these extra flags (`-Wl,-z,nodefaultlib`, a RUNPATH).
        var linkFlags = ""
        /// What the real loader must do, so that each case tests what it says.
        var starts: Bool
        /// The program is set-user-ID or set-group-ID: its root lies where the bits take effect.
        var setID = false
        /// A plan fixes it (else a person must act: the modes are not ofdoctor's to change).
        var fixable = false
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "library 0600 of root in the default directory: passed over, not found", setup: #"chmod 600 "$LIB""#, starts: false),
        Case(name: "the same started by root: found", setup: #"chmod 600 "$LIB""#, user: "0", uidgid: "0:0", groups: [0], starts: true),
        Case(name: "library 0640 of group 1000: the group's bits let the user read it",
             setup: #"chgrp 1000 "$LIB"; chmod 640 "$LIB""#, starts: true),
        Case(name: "library 0066 owned by the user: the owner's bits decide, though others may read",
             setup: #"chown 1000:1000 "$LIB"; chmod 066 "$LIB""#, starts: false),
        Case(name: "library 0640 of group 50, which /etc/group lists the user in: a supplementary group",
             setup: #"chgrp 50 "$LIB"; chmod 640 "$LIB""#, user: "u", groups: [1000, 50], starts: true),
        Case(name: "library 0640 of group 50, the user in no such group", setup: #"chgrp 50 "$LIB"; chmod 640 "$LIB""#,
             user: "v", uidgid: "1001:1001", groups: [1001], starts: false),
        Case(name: "LD_LIBRARY_PATH into /root, mode 0700: the directory may not be searched",
             setup: #"mkdir -p "$R/root/lib"; chmod 700 "$R/root"; mv "$LIB" "$R/root/lib/"; chroot "$R" /sbin/ldconfig"#,
             environment: ["LD_LIBRARY_PATH": "/root/lib"], starts: false),
        Case(name: "RUNPATH into a 0700 directory, -z nodefaultlib: the last open's EACCES is the message's",
             setup: #"mkdir -p "$R/opt/app/lib"; chmod 700 "$R/opt/app"; mv "$LIB" "$R/opt/app/lib/"; chroot "$R" /sbin/ldconfig"#,
             linkFlags: "-Wl,-z,nodefaultlib -Wl,--enable-new-dtags -Wl,-rpath,/opt/app/lib", starts: false),
        Case(name: "a directory that may be searched but not listed (0711): found",
             setup: #"mkdir -p "$R/opt/app/lib"; chmod 711 "$R/opt/app" "$R/opt/app/lib"; mv "$LIB" "$R/opt/app/lib/"; chroot "$R" /sbin/ldconfig"#,
             linkFlags: "-Wl,--enable-new-dtags -Wl,-rpath,/opt/app/lib", starts: true),
        Case(name: "ld.so.cache 0600, the library only in a directory the cache lists: no cache for the user",
             setup: #"mkdir -p "$R/usr/local/lib"; mv "$LIB" "$R/usr/local/lib/"; echo /usr/local/lib > "$R/etc/ld.so.conf.d/local.conf"; chroot "$R" /sbin/ldconfig; chmod 600 "$R/etc/ld.so.cache""#,
             starts: false, fixable: true),
        Case(name: "the program 0750 of root: the user may not execute it", setup: #"chmod 750 "$R/app/prog""#, starts: false),
        Case(name: "the program 0750 of group 1000: the group's execute bit", setup: #"chgrp 1000 "$R/app/prog"; chmod 750 "$R/app/prog""#, starts: true),
        Case(name: "the interpreter 0744: the user may not execute it", setup: #"chmod 744 "$R/usr/lib64/ld-linux-x86-64.so.2""#, starts: false),
        Case(name: "/app 0700: the program's own directory may not be searched", setup: #"chmod 700 "$R/app""#, starts: false),
    ]

    /// The loader opens with the credentials execve made: a set-ID program's owner or group.
    static let setIDCases: [Case] = [
        Case(name: "set-user-ID root, library 0600 of root: the loader opens as root",
             setup: #"chmod 600 "$LIB"; chown 0:0 "$R/app/prog"; chmod 4755 "$R/app/prog""#, starts: true, setID: true),
        Case(name: "set-group-ID 50, library 0640 of group 50, started by a user outside it: opened with group 50",
             setup: #"chgrp 50 "$LIB"; chmod 640 "$LIB"; chgrp 50 "$R/app/prog"; chmod 2755 "$R/app/prog""#,
             user: "v", uidgid: "1001:1001", groups: [1001], starts: true, setID: true),
        Case(name: "set-group-ID 50, library 0640 of group 60: the user's own groups do not help either",
             setup: #"chgrp 60 "$LIB"; chmod 640 "$LIB"; chgrp 50 "$R/app/prog"; chmod 2755 "$R/app/prog""#,
             user: "v", uidgid: "1001:1001", groups: [1001], starts: false, setID: true),
    ]

    /// The root: the prelude's loader and libc, users u (1000, also in group 50) and v (1001),
    /// /app/prog needing libseven.so.1 (whose `seven` returns 7; the program exits 0 when it
    /// ran it), which lies in the default directory as `$LIB`, then `setup`.
    static func makeRoot(_ test: Case) throws -> String {
        let work = try ImageE2E.temporaryDirectory(under: test.setID ? RealLoader.setIDScratch : nil)
        let script = #"""
            set -e; W=$1; R=$W/root
            """# + MinimalRoot.prelude + #"""
            printf '%s\n' 'root:x:0:0::/root:/bin/sh' 'u:x:1000:1000::/home/u:/bin/sh' 'v:x:1001:1001::/home/v:/bin/sh' > "$R/etc/passwd"
            printf '%s\n' 'root:x:0:' 'staff:x:50:u' 'u:x:1000:' 'v:x:1001:' > "$R/etc/group"
            cd "$W"
            echo 'int seven(void) { return 7; }' > seven.c
            gcc -shared -fPIC -nostdlib -o "$L/libseven.so.1" -Wl,-soname,libseven.so.1 seven.c
            printf '%s\n' "$2" > prog.c
            gcc -nostdlib -fno-stack-protector -o "$R/app/prog" prog.c "$L/libseven.so.1" $4 \
                -Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2
            gcc -static -O2 -o "$R/launch" "$3"
            chroot "$R" /sbin/ldconfig
            LIB=$L/libseven.so.1

            """# + test.setup + "\n"
        let built = ImageE2E.run("/bin/bash", ["-c", script, "sh", work, MinimalRoot.program(calling: ["seven"], expected: 7),
                                               FixtureRoot.scriptsDirectory + "/src/launch.c", test.linkFlags])
        try #require(built.status == 0, "\(built.stderr)")
        return work
    }

    struct Report: Decodable {
        struct Finding: Decodable { var id: String; var severity: String; var loaderMessage: String?; var remedy: String? }
        var status: String
        var findings: [Finding]
    }

    @Test("check --user agrees with the real loader started as that user", .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"),
          arguments: cases)
    func agreesWithTheKernel(_ test: Case) throws {
        try judge(test)
    }

    @Test("a set-ID program's library opens are checked with the owner or group it runs as",
          .enabled(if: canBuild && RealLoader.setIDTakesEffect, RealLoader.setIDUnavailableReason), arguments: setIDCases)
    func setIDCredentials(_ test: Case) throws {
        try judge(test)
    }

    func judge(_ test: Case) throws {
        let work = try Self.makeRoot(test)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        let real = RealLoader.run(root: root, program: "/app/prog", argv0: "/app/prog", environment: test.environment,
                                  user: test.uidgid, groups: test.groups)
        #expect((real.status == 0) == test.starts, "the set-up does what it says: \(real)")

        let check = Command.ofdoctor(["check", "--root", root, "--user", test.user, "--format", "json"]
                                         + test.environment.flatMap { ["--env", "\($0.key)=\($0.value)"] } + ["/app/prog"])
        let report = try JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8))
        let errors = report.findings.filter { $0.severity == "error" }
        if real.status == 0 {
            #expect(errors.isEmpty && check.status == 0, "\(check.stdout)")
            return
        }
        let first = try #require(errors.first, "the loader refuses it, check finds nothing: \(real) \(check.stdout)")
        // The loader's first line, or the kernel's refusal as /launch reports execve's errno
        // (`/app/prog: Permission denied`, what a shell prints for that argv[0]).
        #expect(real.status == 127 && check.status != 0)
        let line = real.stderr.split(separator: "\n").first.map(String.init)
        #expect(first.loaderMessage == line, "\(first.id): \(check.stdout)")
        // Every failure here is a permission: the remedy says so, never "(re)install".
        let remedy = (first.remedy ?? "").lowercased()
        #expect(!remedy.contains("reinstall") && !remedy.contains("install the package"), "\(first.id): \(first.remedy ?? "")")
        // A plan for that user (ldconfig writes the cache readable by everyone) makes it start
        // as that user; undo takes it back.
        #expect(check.status == (test.fixable ? 1 : 2), "\(check.stdout)")
        guard check.status == 1 else { return }
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "--user", test.user]
                                         + test.environment.flatMap { ["--env", "\($0.key)=\($0.value)"] } + ["/app/prog"])
        #expect(apply.status == 0, "\(apply.stdout) \(apply.stderr)")
        let after = RealLoader.run(root: root, program: "/app/prog", argv0: "/app/prog", environment: test.environment,
                                   user: test.uidgid, groups: test.groups)
        #expect(after.status == 0, "the plan made it start for \(test.user): \(after)")
        #expect(Command.ofdoctor(["undo", "--root", root]).status == 0)
        #expect(RealLoader.run(root: root, program: "/app/prog", argv0: "/app/prog", environment: test.environment,
                               user: test.uidgid, groups: test.groups).status == 127, "undo took the plan back")
    }

    /// A directory the user cannot reach (`/opt/hidden` under a 0700 `/opt/locked`) is met once
    /// by the loader: the open fails, so does its stat, and it marks the directory missing, so
    /// a later search passes it over without a word. libone.so.1 (RUNPATH: the hidden
    /// directory, then /opt/open) is found after it; libtwo.so.1, which libone needs with its
    /// own RUNPATH (/opt/open, then the hidden directory) and `-z nodefaultlib`, is nowhere,
    /// and its message's errno is /opt/open's ENOENT, not the hidden directory's EACCES.
    @Test("a directory the user cannot reach is tried once, as the loader marks it missing",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"))
    func unreachableDirectoryTriedOnce() throws {
        let work = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let script = #"""
            set -e; W=$1; R=$W/root
            """# + MinimalRoot.prelude + #"""
            printf '%s\n' 'root:x:0:0::/root:/bin/sh' 'u:x:1000:1000::/home/u:/bin/sh' > "$R/etc/passwd"
            printf '%s\n' 'root:x:0:' 'u:x:1000:' > "$R/etc/group"
            mkdir -p "$R/opt/locked/hidden" "$R/opt/open"
            cd "$W"
            echo 'int two(void) { return 2; }' > two.c
            gcc -shared -fPIC -nostdlib -o libtwo.so.1 -Wl,-soname,libtwo.so.1 two.c
            echo 'int two(void); int one(void) { return two() - 1; }' > one.c
            gcc -shared -fPIC -nostdlib -o "$R/opt/open/libone.so.1" -Wl,-soname,libone.so.1 one.c ./libtwo.so.1 \
                -Wl,-z,nodefaultlib -Wl,--enable-new-dtags -Wl,-rpath,/opt/open:/opt/locked/hidden
            printf '%s\n' "$2" > prog.c
            gcc -nostdlib -fno-stack-protector -o "$R/app/prog" prog.c "$R/opt/open/libone.so.1" -Wl,-rpath-link,. \
                -Wl,--enable-new-dtags -Wl,-rpath,/opt/locked/hidden:/opt/open -Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2
            gcc -static -O2 -o "$R/launch" "$3"
            chroot "$R" /sbin/ldconfig
            chmod 700 "$R/opt/locked"
            """#
        let built = ImageE2E.run("/bin/bash", ["-c", script, "sh", work, MinimalRoot.program(calling: ["one"], expected: 1),
                                               FixtureRoot.scriptsDirectory + "/src/launch.c"])
        try #require(built.status == 0, "\(built.stderr)")
        let root = work + "/root"
        let real = RealLoader.run(root: root, program: "/app/prog", argv0: "/app/prog", environment: [:], user: "1000:1000", groups: [1000])
        let line = real.stderr.split(separator: "\n").first.map(String.init)
        #expect(real.status == 127 && line?.hasSuffix("libtwo.so.1: cannot open shared object file: No such file or directory") == true, "\(real)")
        let check = Command.ofdoctor(["check", "--root", root, "--user", "1000", "--format", "json", "/app/prog"])
        let report = try JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8))
        #expect(report.findings.first { $0.severity == "error" }?.loaderMessage == line, "\(check.stdout)")
    }
}

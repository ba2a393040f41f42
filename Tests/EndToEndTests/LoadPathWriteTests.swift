import Foundation
import LoaderModel
import RootFS
import Testing

/// LD008 of the other kind: an entry on the way to what the loader reads that a user other
/// than root (and the program's own user) may change. The claim is the loader's: that user
/// makes the program run a library of theirs. So each test makes that user (from this
/// machine, with setpriv) do what the finding says they may — put a library in a directory
/// the loader looks in, replace a library it loads — and the root's real loader runs the
/// program: it runs their code. Made root's, the same entries give no finding, and the same
/// user's attempt fails.
@Suite("LD008: what the loader reads, other users may change", .serialized,
       .enabled(if: RealLoader.canRunRoots, RealLoader.unavailableReason))
struct LoadPathWriteTests {
    /// `/app/prog` prints `foo N` with `foo()` of `libfoo.so.1` (1), at `library` in a cache
    /// that lists its directory; `other.so` is a `libfoo.so.1` that returns 666; `/srv/drop`
    /// has mode 1777.
    static func build(library: String) throws -> ScratchBuild {
        let directory = (library as NSString).deletingLastPathComponent
        return try ScratchBuild("load-path-write", """
            bash -ec '. "$1/lib.sh"; mkroot root; launcher root; mkdir -p root/app root/srv/drop root\(directory)' sh '\(FixtureRoot.scriptsDirectory)'
            chmod 1777 root/srv/drop
            echo '\(directory)' > root/etc/ld.so.conf.d/vendor.conf
            printf 'int foo(void) { return 1; }\\n' > foo.c
            printf 'int foo(void) { return 666; }\\n' > other.c
            printf '#include <stdio.h>\\nint foo(void);\\nint main(void) { printf("foo %%d\\\\n", foo()); return 0; }\\n' > p.c
            gcc -shared -fPIC -o root\(library) -Wl,-soname,libfoo.so.1 foo.c
            gcc -shared -fPIC -o other.so -Wl,-soname,libfoo.so.1 other.c
            chmod 644 other.so
            gcc -o root/app/prog p.c root\(library)
            /sbin/ldconfig -r root
            """)
    }

    /// The LD008 findings of `check --format json` (each a JSON object).
    static func writeFindings(_ root: String, _ extra: [String] = [], status: Int32 = 0) throws -> [[String: Any]] {
        let check = Command.ofdoctor(["check", "--root", root, "--format", "json"] + extra + ["/app/prog"])
        #expect(check.status == status, "\(check.stdout)\(check.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        return findings.filter { $0["id"] as? String == "LD008" }
    }

    /// Runs `script` (sh, `$1` = `dir`) on this machine as `uid` and group `gid` (default:
    /// the uid's number), no supplementary groups.
    static func asUser(_ uid: Int, group gid: Int? = nil, _ script: String, in dir: String) -> Command.Result {
        Command.run("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(gid ?? uid)", "--clear-groups", "/bin/sh", "-c", script, "sh", dir],
                    environment: ["PATH": "/usr/bin:/bin"])
    }

    static func run(_ root: String, _ environment: [String: String] = [:]) -> RealLoader.Outcome {
        RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: environment)
    }

    /// Makes `/srv/plugins`, owned by uid 1000, lists `listing` (by default that directory) in
    /// `etc/ld.so.conf.d/CONF`, and runs ldconfig: it finds nothing there yet, so the cache
    /// answers as before.
    static func addPlugins(_ root: String, conf: String, listing: String = "/srv/plugins") throws {
        let setup = Command.run("/bin/sh", ["-ec", """
            mkdir -p "$1/srv/plugins" && chown 1000:1000 "$1/srv/plugins"
            echo "$3" > "$1/etc/ld.so.conf.d/$2"
            /sbin/ldconfig -r "$1"
            """, "sh", root, conf, listing])
        #expect(setup.status == 0, "\(setup.stderr)")
    }

    /// The next ldconfig, as installing a library package runs it.
    static func ldconfig(_ root: String) {
        #expect(Command.run("/sbin/ldconfig", ["-r", root]).status == 0)
    }

    @Test("a directory every user may add to, on LD_LIBRARY_PATH (itself, and one not made yet under it): the finding names it, and a library another user puts there is what the loader loads")
    func directoryOthersMayAddTo() throws {
        let build = try Self.build(library: "/usr/local/lib/libfoo.so.1")
        defer { build.remove() }
        let root = build.dir + "/root"
        let path = "/srv/drop/none/lib:/srv/drop"
        let found = try Self.writeFindings(root, ["--env", "LD_LIBRARY_PATH=" + path])
        #expect(found.count == 1, "\(found)")
        #expect(found.first?["library"] as? String == "/srv/drop", "\(found)")
        let searched = found.first?["searched"] as? [[String: Any]]
        #expect(searched?.first?["via"] as? String == "LD_LIBRARY_PATH"
                && searched?.first?["directories"] as? [String] == ["/srv/drop/none/lib", "/srv/drop"], "\(found)")
        #expect(Self.run(root, ["LD_LIBRARY_PATH": path]).stdout == "foo 1\n")
        // nobody (65534) does what the finding says anyone may: the loader takes their library.
        let planted = Self.asUser(65534, "mkdir -p \"$1/root/srv/drop/none/lib\" && cp \"$1/other.so\" \"$1/root/srv/drop/none/lib/libfoo.so.1\"", in: build.dir)
        #expect(planted.status == 0, "\(planted.stderr)")
        let after = Self.run(root, ["LD_LIBRARY_PATH": path])
        #expect(after.stdout == "foo 666\n", "\(after)")
        // Without the drop on the path: nothing to say, and the system's library loads.
        #expect(try Self.writeFindings(root).isEmpty)
        #expect(Self.run(root).stdout == "foo 1\n")
    }

    @Test("a library in a directory uid 1000 owns, found through the cache: the finding names the owner and the library; uid 1000 replaces it and the loader loads theirs; run as uid 1000, or made root's, no finding")
    func libraryAnotherUserMayReplace() throws {
        let build = try Self.build(library: "/opt/vendor/lib/libfoo.so.1")
        defer { build.remove() }
        let root = build.dir + "/root"
        _ = Command.run("/bin/chown", ["-R", "1000:1000", root + "/opt/vendor"])
        let found = try Self.writeFindings(root)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?["library"] as? String == "/opt/vendor", "\(found)")
        #expect((found.first?["summary"] as? String)?.contains("uid 1000 owns /opt/vendor") == true, "\(found)")
        #expect((found.first?["explanation"] as? String)?.contains("/opt/vendor/lib/libfoo.so.1") == true, "\(found)")
        #expect(try Self.writeFindings(root, ["--user", "1000:1000"]).isEmpty, "the program's own user changes only its own")
        // tree marks the library's node (a warning: `!`), and only it.
        let tree = Command.ofdoctor(["tree", "--root", root, "/app/prog"])
        // (and libc.so.6, which ld.so.cache takes from a directory ldconfig reads after /opt/vendor/lib)
        let marked = tree.stdout.split(separator: "\n").filter { $0.contains("LD008") && $0.contains("=>") }
        #expect(marked.count == 2 && marked.first?.contains("libfoo.so.1 => /opt/vendor/lib/libfoo.so.1") == true
                && marked.last?.contains("libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6") == true, "\(tree.stdout)")
        #expect(Self.run(root).stdout == "foo 1\n")
        let replaced = Self.asUser(1000, "cp \"$1/other.so\" \"$1/root/opt/vendor/lib/new\" && mv -f \"$1/root/opt/vendor/lib/new\" \"$1/root/opt/vendor/lib/libfoo.so.1\"", in: build.dir)
        #expect(replaced.status == 0, "\(replaced.stderr)")
        let after = Self.run(root)
        #expect(after.stdout == "foo 666\n", "\(after)")
        // The remedy: root's, writable by root alone. No finding, and uid 1000 can no longer.
        _ = Command.run("/bin/chown", ["-R", "0:0", root + "/opt/vendor"])
        _ = Command.run("/bin/chmod", ["-R", "go-w", root + "/opt/vendor"])
        #expect(try Self.writeFindings(root).isEmpty)
        let again = Self.asUser(1000, "cp \"$1/other.so\" \"$1/root/opt/vendor/lib/new\"", in: build.dir)
        #expect(again.status != 0, "uid 1000 still writes there")
    }

    @Test("a glibc-hwcaps subdirectory every user may add to, in a directory only root may change: looked in first, so it is named, and a library put there is what the loader loads",
          .enabled(if: !HWCapsTunableTests.supportedLevels(root: "/", tunables: nil).isEmpty,
                   "this machine's loader searches no glibc-hwcaps subdirectory (a CPU below x86-64-v2)"))
    func hwcapsSubdirectoryOthersMayAddTo() throws {
        let build = try Self.build(library: "/opt/safe/libfoo.so.1")
        defer { build.remove() }
        let root = build.dir + "/root"
        // The lowest level the loader searches (its list runs from the best down).
        let level = try #require(HWCapsTunableTests.supportedLevels(root: root, tunables: nil).last)
        let subdirectory = "/opt/safe/glibc-hwcaps/" + level
        #expect(Command.run("/bin/sh", ["-c", "mkdir -p \"$1\" && chmod 1777 \"$1\"", "sh", root + subdirectory]).status == 0)
        let found = try Self.writeFindings(root, ["--env", "LD_LIBRARY_PATH=/opt/safe"])
        #expect(found.count == 1 && found.first?["library"] as? String == subdirectory, "\(found)")
        #expect(Self.run(root, ["LD_LIBRARY_PATH": "/opt/safe"]).stdout == "foo 1\n")
        let planted = Self.asUser(65534, "cp \"$1/other.so\" \"$1/root\(subdirectory)/libfoo.so.1\"", in: build.dir)
        #expect(planted.status == 0, "\(planted.stderr)")
        let after = Self.run(root, ["LD_LIBRARY_PATH": "/opt/safe"])
        #expect(after.stdout == "foo 666\n", "\(after)")
    }

    @Test("a directory of root's inside one every user may add to (sticky, as /tmp): no finding, and another user can neither put a library in it nor move it away")
    func rootsDirectoryInStickyOne() throws {
        let build = try Self.build(library: "/usr/local/lib/libfoo.so.1")
        defer { build.remove() }
        let root = build.dir + "/root"
        #expect(Command.run("/bin/mkdir", [root + "/srv/drop/mine"]).status == 0)
        #expect(try Self.writeFindings(root, ["--env", "LD_LIBRARY_PATH=/srv/drop/mine"]).isEmpty)
        let planted = Self.asUser(65534, "cp \"$1/other.so\" \"$1/root/srv/drop/mine/libfoo.so.1\"", in: build.dir)
        #expect(planted.status != 0, "nobody put a library in root's directory")
        let moved = Self.asUser(65534, "mv \"$1/root/srv/drop/mine\" \"$1/root/srv/drop/old\"", in: build.dir)
        #expect(moved.status != 0, "nobody moved root's directory out of the way")
        #expect(Self.run(root, ["LD_LIBRARY_PATH": "/srv/drop/mine"]).stdout == "foo 1\n")
        // Another user's directory there is theirs to change: named by its owner.
        _ = Command.run("/bin/chown", ["65534:65534", root + "/srv/drop/mine"])
        let found = try Self.writeFindings(root, ["--env", "LD_LIBRARY_PATH=/srv/drop/mine"])
        #expect(found.count == 1 && (found.first?["summary"] as? String)?.hasPrefix("uid 65534 owns /srv/drop/mine") == true, "\(found)")
    }

    @Test("a library under Debian's dist-packages (2775 root:staff): staff is Debian's group for /usr/local, no finding; in a root whose /etc/group has no staff, group 50 is named, and a member of it can replace the library")
    func staffGroup() throws {
        let build = try Self.build(library: "/usr/local/lib/python3.8/dist-packages/foo.libs/libfoo.so.1")
        defer { build.remove() }
        let root = build.dir + "/root"
        let packages = root + "/usr/local/lib/python3.8/dist-packages"
        #expect(Command.run("/bin/sh", ["-c", "chgrp -R 50 \"$1\" && chmod -R g+w \"$1\" && chmod g+s \"$1\"", "sh", packages]).status == 0)
        try "root:x:0:\nstaff:x:50:\n".write(toFile: root + "/etc/group", atomically: true, encoding: .utf8)
        #expect(try Self.writeFindings(root).isEmpty)
        try "root:x:0:\n".write(toFile: root + "/etc/group", atomically: true, encoding: .utf8)
        let found = try Self.writeFindings(root)
        #expect(found.count == 1 && (found.first?["summary"] as? String)?.hasPrefix("group 50 may write /usr/local/lib/python3.8/dist-packages") == true, "\(found)")
        let replaced = Self.asUser(65534, group: 50, "cp \"$1/other.so\" \"$1/root/usr/local/lib/python3.8/dist-packages/foo.libs/libfoo.so.1\"",
                                   in: build.dir)
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(Self.run(root).stdout == "foo 666\n")
    }

    @Test("a library reached through a link in a directory uid 1000 owns, between two of root's: the finding names the middle one, and uid 1000 relinks it to their library, which the loader loads")
    func linkThroughAnotherUsersDirectory() throws {
        let build = try Self.build(library: "/opt/real/libfoo.so.1")
        defer { build.remove() }
        let root = build.dir + "/root"
        let setup = Command.run("/bin/sh", ["-ec", """
            rm "$1/etc/ld.so.conf.d/vendor.conf"
            mkdir -p "$1/srv/hop"
            ln -s /opt/real/libfoo.so.1 "$1/srv/hop/libfoo.so.1"
            ln -s /srv/hop/libfoo.so.1 "$1/usr/local/lib/libfoo.so.1"
            chown -R 1000:1000 "$1/srv/hop"
            /sbin/ldconfig -r "$1"
            """, "sh", root])
        #expect(setup.status == 0, "\(setup.stderr)")
        #expect(Self.run(root).stdout == "foo 1\n")
        let found = try Self.writeFindings(root)
        #expect(found.count == 1 && found.first?["library"] as? String == "/srv/hop", "\(found)")
        #expect((found.first?["explanation"] as? String)?.contains("/usr/local/lib/libfoo.so.1") == true, "\(found)")
        let relinked = Self.asUser(1000, "cp \"$1/other.so\" \"$1/root/srv/hop/mine.so\" && ln -sfn /srv/hop/mine.so \"$1/root/srv/hop/libfoo.so.1\"", in: build.dir)
        #expect(relinked.status == 0, "\(relinked.stderr)")
        let after = Self.run(root)
        #expect(after.stdout == "foo 666\n", "\(after)")
    }

    @Test("a library file every user may write (mode 0666) in root's directory: the finding names the file, and another user's bytes written into it are what the loader loads")
    func libraryFileOthersMayWrite() throws {
        let build = try Self.build(library: "/usr/local/lib/libfoo.so.1")
        defer { build.remove() }
        let root = build.dir + "/root"
        #expect(Command.run("/bin/chmod", ["0666", root + "/usr/local/lib/libfoo.so.1"]).status == 0)
        let found = try Self.writeFindings(root)
        #expect(found.count == 1 && found.first?["summary"] as? String
                == "every user may write /usr/local/lib/libfoo.so.1 (mode 0666): the program loads it", "\(found)")
        let overwritten = Self.asUser(65534, "cat \"$1/other.so\" > \"$1/root/usr/local/lib/libfoo.so.1\"", in: build.dir)
        #expect(overwritten.status == 0, "\(overwritten.stderr)")
        #expect(Self.run(root).stdout == "foo 666\n")
    }

    @Test("a directory ldconfig reads before the library's, owned by uid 1000, from which nothing loads: named with the name the program asks the cache for; uid 1000 puts a library there, and after the next ldconfig the loader loads it; root's, no finding")
    func configuredDirectoryBeforeTheLibrarys() throws {
        let build = try Self.build(library: "/opt/vendor/lib/libfoo.so.1")
        defer { build.remove() }
        let root = build.dir + "/root"
        try Self.addPlugins(root, conf: "00-plugins.conf")
        let found = try Self.writeFindings(root)
        #expect(found.count == 1 && found.first?["library"] as? String == "/srv/plugins", "\(found)")
        #expect(found.first?["summary"] as? String == "uid 1000 owns /srv/plugins (mode 0755): ldconfig reads /srv/plugins, and ld.so.cache answers the program's libfoo.so.1 and 1 more with what it finds there", "\(found)")
        #expect((found.first?["explanation"] as? String)?.contains("/srv/plugins (/etc/ld.so.conf.d/00-plugins.conf line 1)") == true
                && (found.first?["explanation"] as? String)?.contains("— libfoo.so.1, libc.so.6 —") == true, "\(found)")
        let searched = found.first?["searched"] as? [[String: Any]]
        #expect(searched?.count == 1 && searched?.first?["via"] as? String == "ldconfig"
                && searched?.first?["directories"] as? [String] == ["/srv/plugins"], "\(found)")
        // tree marks the library the cache would answer with theirs.
        let tree = Command.ofdoctor(["tree", "--root", root, "/app/prog"])
        #expect(tree.stdout.split(separator: "\n").contains { $0.contains("LD008") && $0.contains("libfoo.so.1 => /opt/vendor/lib/libfoo.so.1") }, "\(tree.stdout)")
        #expect(Self.run(root).stdout == "foo 1\n")
        let planted = Self.asUser(1000, "cp \"$1/other.so\" \"$1/root/srv/plugins/libfoo.so.1\"", in: build.dir)
        #expect(planted.status == 0, "\(planted.stderr)")
        #expect(Self.run(root).stdout == "foo 1\n", "the cache is as it was until ldconfig runs")
        Self.ldconfig(root)
        let after = Self.run(root)
        #expect(after.stdout == "foo 666\n", "\(after)")
        // Made root's: the library the loader now takes from there is root's, and nothing is said.
        _ = Command.run("/bin/chown", ["-R", "0:0", root + "/srv/plugins"])
        #expect(try Self.writeFindings(root).isEmpty)
    }

    @Test("a directory ldconfig reads after the library's, owned by uid 1000: a plain copy there loses to the earlier directory after ldconfig, one in its glibc-hwcaps subdirectory wins, so it is named",
          .enabled(if: !HWCapsTunableTests.supportedLevels(root: "/", tunables: nil).isEmpty,
                   "this machine's loader uses no glibc-hwcaps entry of the cache (a CPU below x86-64-v2)"))
    func configuredDirectoryAfterTheLibrarys() throws {
        let build = try Self.build(library: "/opt/vendor/lib/libfoo.so.1")
        defer { build.remove() }
        let root = build.dir + "/root"
        try Self.addPlugins(root, conf: "zz-plugins.conf")
        let found = try Self.writeFindings(root)
        #expect(found.count == 1 && found.first?["library"] as? String == "/srv/plugins", "\(found)")
        #expect((found.first?["explanation"] as? String)?.contains("libfoo.so.1") == true, "\(found)")
        let plain = Self.asUser(1000, "cp \"$1/other.so\" \"$1/root/srv/plugins/libfoo.so.1\"", in: build.dir)
        #expect(plain.status == 0, "\(plain.stderr)")
        Self.ldconfig(root)
        #expect(Self.run(root).stdout == "foo 1\n", "a plain entry of a later directory comes after the library's")
        let level = try #require(HWCapsTunableTests.supportedLevels(root: root, tunables: nil).last)
        let hwcaps = Self.asUser(1000, "mkdir -p \"$1/root/srv/plugins/glibc-hwcaps/\(level)\" && cp \"$1/other.so\" \"$1/root/srv/plugins/glibc-hwcaps/\(level)/libfoo.so.1\"", in: build.dir)
        #expect(hwcaps.status == 0, "\(hwcaps.stderr)")
        Self.ldconfig(root)
        let after = Self.run(root)
        #expect(after.stdout == "foo 666\n", "\(after)")
        // Up to glibc 2.36 the cache's legacy entries outrank plain ones too: DIR/tls.
        let glibc = try #require(GlibcVersion.read(root: RootView(try LocalRoot(directory: root)))?.version)
        guard LoaderPlatform.hasLegacyHWCaps(glibc) else { return }
        _ = Command.run("/bin/rm", ["-rf", root + "/srv/plugins/glibc-hwcaps", root + "/srv/plugins/libfoo.so.1"])
        Self.ldconfig(root)
        #expect(Self.run(root).stdout == "foo 1\n")
        let tls = Self.asUser(1000, "mkdir \"$1/root/srv/plugins/tls\" && cp \"$1/other.so\" \"$1/root/srv/plugins/tls/libfoo.so.1\"", in: build.dir)
        #expect(tls.status == 0, "\(tls.stderr)")
        Self.ldconfig(root)
        let legacy = Self.run(root)
        #expect(legacy.stdout == "foo 666\n", "\(legacy)")
    }

    @Test("glibc 2.31 (the OpenFace image's): a directory ldconfig reads after the library's, owned by uid 1000, is named, since a copy in its tls subdirectory outranks the library's entry; under the root's own ldconfig and loader a plain copy there loses and one in tls/ wins",
          .enabled(if: Glibc231HWCapsTests.isAvailable, "needs root, gcc and the bullseye root (bash scripts/debian-root.sh bullseye)"))
    func configuredDirectoryOnGlibc231() throws {
        // `/app/prog` exits with foo() - 7: 0 with the vendor's libfoo.so.1, 2 with theirs.
        let work = try Glibc231HWCapsTests.makeRoot(libraryDirectory: "/opt/vendor/lib")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        let setup = Command.run("/bin/sh", ["-ec", """
            echo /opt/vendor/lib > "$1/root/etc/ld.so.conf.d/vendor.conf"
            echo /srv/plugins > "$1/root/etc/ld.so.conf.d/zz-plugins.conf"
            mkdir -p "$1/root/srv/plugins" && chown 1000:1000 "$1/root/srv/plugins"
            echo 'int foo(void) { return 9; }' > "$1/other.c"
            gcc -shared -fPIC -nostdlib -o "$1/other.so" -Wl,-soname,libfoo.so.1 "$1/other.c" && chmod 644 "$1/other.so"
            chmod 755 "$1"
            chroot "$1/root" /sbin/ldconfig
            """, "sh", work])
        #expect(setup.status == 0, "\(setup.stderr)")
        func run() -> Int32 { RealLoader.run(root: root, program: "/app/prog", argv0: "prog", environment: [:]).status }
        func ldconfig() { #expect(Command.run("/usr/sbin/chroot", [root, "/sbin/ldconfig"]).status == 0) }
        #expect(run() == 0)
        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "/app/prog"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        let found = (json["findings"] as? [[String: Any]] ?? []).filter { $0["id"] as? String == "LD008" }
        #expect(found.count == 1 && found.first?["library"] as? String == "/srv/plugins"
                && (found.first?["explanation"] as? String)?.contains("libfoo.so.1") == true, "\(check.stdout)")
        let plain = Self.asUser(1000, "cp \"$1/other.so\" \"$1/root/srv/plugins/libfoo.so.1\"", in: work)
        #expect(plain.status == 0, "\(plain.stderr)")
        ldconfig()
        #expect(run() == 0, "a plain entry of a later directory comes after the library's")
        _ = Command.run("/bin/rm", [root + "/srv/plugins/libfoo.so.1"])
        let tls = Self.asUser(1000, "mkdir \"$1/root/srv/plugins/tls\" && cp \"$1/other.so\" \"$1/root/srv/plugins/tls/libfoo.so.1\"", in: work)
        #expect(tls.status == 0, "\(tls.stderr)")
        ldconfig()
        #expect(run() == 2, "the root's loader took their tls/libfoo.so.1")
    }

    @Test("a library the program does not find, and a directory ldconfig reads that uid 1000 owns: named with the missing name; uid 1000 puts one there, and after the next ldconfig the program starts with theirs")
    func configuredDirectoryForAMissingLibrary() throws {
        let build = try Self.build(library: "/opt/vendor/lib/libfoo.so.1")
        defer { build.remove() }
        let root = build.dir + "/root"
        #expect(Command.run("/bin/rm", [root + "/opt/vendor/lib/libfoo.so.1"]).status == 0)
        try Self.addPlugins(root, conf: "zz-plugins.conf")
        #expect(Self.run(root).status == 127)
        let found = try Self.writeFindings(root, status: 2)
        #expect(found.count == 1 && (found.first?["summary"] as? String)?.contains("answers the program's libfoo.so.1") == true, "\(found)")
        let planted = Self.asUser(1000, "cp \"$1/other.so\" \"$1/root/srv/plugins/libfoo.so.1\"", in: build.dir)
        #expect(planted.status == 0, "\(planted.stderr)")
        Self.ldconfig(root)
        let after = Self.run(root)
        #expect(after.stdout == "foo 666\n", "\(after)")
    }

    @Test("a directory ld.so.conf names that is not made yet, in one uid 1000 owns: named as ldconfig's once made; uid 1000 makes it and puts a library there, and after the next ldconfig the loader loads it")
    func configuredDirectoryNotMadeYet() throws {
        let build = try Self.build(library: "/opt/vendor/lib/libfoo.so.1")
        defer { build.remove() }
        let root = build.dir + "/root"
        try Self.addPlugins(root, conf: "00-plugins.conf", listing: "/srv/plugins/lib")
        let found = try Self.writeFindings(root)
        #expect(found.count == 1 && found.first?["library"] as? String == "/srv/plugins", "\(found)")
        #expect((found.first?["summary"] as? String)?.hasPrefix("uid 1000 owns /srv/plugins (mode 0755): ldconfig reads /srv/plugins/lib once it is made") == true, "\(found)")
        #expect((found.first?["explanation"] as? String)?.contains("— libfoo.so.1, libc.so.6 —") == true, "\(found)")
        let planted = Self.asUser(1000, "mkdir \"$1/root/srv/plugins/lib\" && cp \"$1/other.so\" \"$1/root/srv/plugins/lib/libfoo.so.1\"", in: build.dir)
        #expect(planted.status == 0, "\(planted.stderr)")
        #expect(Self.run(root).stdout == "foo 1\n")
        Self.ldconfig(root)
        let after = Self.run(root)
        #expect(after.stdout == "foo 666\n", "\(after)")
        // A name ld.so.conf gives under root's own directory, not made: nothing to say.
        _ = Command.run("/bin/rm", ["-rf", root + "/srv/plugins/lib"])
        _ = Command.run("/bin/chown", ["0:0", root + "/srv/plugins"])
        Self.ldconfig(root)
        #expect(try Self.writeFindings(root).isEmpty)
    }

    @Test("19,990 directories ld.so.conf names, not made, under one every user may add to: the text names a few and counts the rest, the JSON lists them all")
    func thousandsOfConfiguredDirectories() throws {
        let build = try Self.build(library: "/opt/vendor/lib/libfoo.so.1")
        defer { build.remove() }
        let root = build.dir + "/root"
        // (within what is read of a configuration: LdSoConf.maxEntries across its files)
        let listed = (0..<(LdSoConf.maxEntries - 10)).map { "/srv/drop/d\($0)" }
        try Data((listed.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: root + "/etc/ld.so.conf.d/00-many.conf"))
        let found = try Self.writeFindings(root)
        #expect(found.count == 1 && found.first?["library"] as? String == "/srv/drop", "\(found.map { $0["summary"] ?? "" })")
        let searched = found.first?["searched"] as? [[String: Any]] ?? []
        let fromLdconfig = searched.filter { $0["via"] as? String == "ldconfig" }.flatMap { $0["directories"] as? [String] ?? [] }
        #expect(fromLdconfig.count == listed.count, "ldconfig's directories in searched: \(fromLdconfig.count)")
        let text = Command.ofdoctor(["check", "--root", root, "/app/prog"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.utf8.count < 8_000 && text.stdout.contains("/srv/drop/d0") && text.stdout.contains("more"),
                "\(text.stdout.utf8.count) bytes: \(text.stdout.prefix(3_000))")
        #expect(!text.stdout.contains("/srv/drop/d19989"))
    }
}

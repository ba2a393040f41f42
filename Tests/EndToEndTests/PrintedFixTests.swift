import Foundation
import Testing

/// What `fix` prints for a person to paste or a script to run on this machine, on roots
/// laid out to mislead a shell (found by an adversarial review, session 28): a library
/// directory that is an absolute link (the host's shell follows it as the host's own), a
/// directory name with a backslash or a tab, ofdoctor's file names already taken, a
/// `ROOT` variable in the environment, a FIFO where ldconfig reads its configuration,
/// names that are not UTF-8 on the command line. The real loader judges the outcome.
@Suite("Printed fixes: scripts and pasted steps stay in the root and do what the plan says", .serialized)
struct PrintedFixTests {
    static let program = DoctorEndToEndTests.program
    static let libraryDirectory = "/usr/lib/x86_64-linux-gnu"

    /// A copy of the `all` fixture (the seed's four failures): the scratch directory
    /// holding `root`, and the fixture.
    static func scene() throws -> (dir: String, root: String, fixture: FixtureRoot) {
        let fixture = try #require(FixtureRoot.named("all"))
        let dir = try ScriptOutputTests.scratchCopy(fixture)
        return (dir, dir + "/root", fixture)
    }

    /// Makes the root's library directory an absolute link to `target`, a path the host
    /// has too (empty there): the directory itself moves to `target` inside the root.
    static func linkLibraryDirectory(root: String, to target: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try fm.moveItem(atPath: root + libraryDirectory, toPath: root + target)
        try fm.createSymbolicLink(atPath: root + libraryDirectory, withDestinationPath: target)
    }

    @Test("fix --format sh, the root's library directory an absolute link: the script writes where the link leads inside the root, nothing on the host, and the loader starts the program; a link made after the script was written stops it",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason), arguments: [false, true])
    func shellScriptStaysInRoot(linkedLater: Bool) throws {
        let (dir, root, fixture) = try Self.scene()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let host = dir + "/host/x86_64-linux-gnu"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        if !linkedLater { try Self.linkLibraryDirectory(root: root, to: host) }
        let script = Command.ofdoctor(["fix", "--format", "sh", "--root", root] + DoctorEndToEndTests.envArguments(fixture) + ["FeatureExtraction"])
        #expect(script.status == 1, "\(script.stderr)")
        if linkedLater { try Self.linkLibraryDirectory(root: root, to: host) }
        let ran = try OutputReaders.runScript(Array(script.stdout.utf8), shell: "/usr/bin/dash", in: dir)
        #expect(try FileManager.default.contentsOfDirectory(atPath: host).isEmpty, "the script wrote on the host: \(script.stdout)")
        if linkedLater {
            #expect(ran.status != 0 && ran.stderr.contains("not a directory of the root"), "exit \(ran.status): \(ran.stderr)")
        } else {
            #expect(ran.status == 0, "\(ran.stderr)")
            // (the plan unsets conda's LD_LIBRARY_PATH)
            let loader = RealLoader.list(root: root, program: Self.program, environment: [:])
            #expect(loader.status == 0, "the loader still refuses the program after the script: \(loader.stderr)")
        }
    }

    @Test("fix --format sh stops where ofdoctor's conf file or profile script is someone else's (as fix --apply refuses it), and leaves it as it was",
          .enabled(if: FixtureRoot.isBuilt, "fixture roots not built: run `make fixtures`"),
          arguments: ["/etc/ld.so.conf.d/ofdoctor.conf", "/etc/profile.d/ofdoctor.sh"])
    func shellScriptRefusesOthersFiles(path: String) throws {
        let (dir, root, fixture) = try Self.scene()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: root + (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let theirs = Data("/mine\n".utf8)
        try theirs.write(to: URL(fileURLWithPath: root + path))
        let script = Command.ofdoctor(["fix", "--format", "sh", "--root", root] + DoctorEndToEndTests.envArguments(fixture) + ["FeatureExtraction"])
        let ran = try OutputReaders.runScript(Array(script.stdout.utf8), shell: "/usr/bin/dash", in: dir)
        #expect(ran.status != 0 && ran.stderr.contains("not ofdoctor's"), "exit \(ran.status): \(ran.stderr)")
        #expect(FileManager.default.contents(atPath: root + path) == theirs)
    }

    @Test("fix --format sh acts on its own root whatever ROOT the caller exported; OFDOCTOR_ROOT, which the script names, points it at a copy",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason))
    func shellScriptRootVariable() throws {
        let (dir, root, fixture) = try Self.scene()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let other = dir + "/other"
        #expect(Command.run("/bin/cp", ["-a", root, other]).status == 0)
        let before = try TreeSnapshot(root: other)
        let script = Command.ofdoctor(["fix", "--format", "sh", "--root", root] + DoctorEndToEndTests.envArguments(fixture) + ["FeatureExtraction"])
        #expect(script.stdout.contains("OFDOCTOR_ROOT=/path/to/copy"), "\(script.stdout)")
        let ran = try OutputReaders.runScript(Array(script.stdout.utf8), shell: "/usr/bin/dash", in: dir, environment: ["ROOT": other])
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(try TreeSnapshot(root: other) == before, "the script followed the caller's ROOT")
        #expect(RealLoader.list(root: root, program: Self.program, environment: [:]).status == 0)
        let copy = try OutputReaders.runScript(Array(script.stdout.utf8), shell: "/usr/bin/dash", in: dir, environment: ["OFDOCTOR_ROOT": other])
        #expect(copy.status == 0, "\(copy.stderr)")
        #expect(RealLoader.list(root: other, program: Self.program, environment: [:]).status == 0)
    }

    @Test("the files fix --format sh writes say the script keeps no journal (not that ofdoctor undo removes them, which knows nothing of them), stay ofdoctor's for a later fix --apply, and the program starts",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason))
    func shellScriptFilesSayHowToUndo() throws {
        let (dir, root, fixture) = try Self.scene()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = Command.ofdoctor(["fix", "--format", "sh", "--root", root] + DoctorEndToEndTests.envArguments(fixture) + ["FeatureExtraction"])
        let ran = try OutputReaders.runScript(Array(script.stdout.utf8), shell: "/usr/bin/dash", in: dir)
        #expect(ran.status == 0, "\(ran.stderr)")
        for path in ["/etc/ld.so.conf.d/ofdoctor.conf", "/etc/profile.d/ofdoctor.sh"] {
            let first = String(decoding: OutputReaders.bytes(root, path) ?? [], as: UTF8.self).split(separator: "\n").first.map(String.init)
            #expect(first == "# Written by ofdoctor's fix script (fix --format sh), which keeps no journal: delete this file to undo it.",
                    "\(path): \(first ?? "not written")")
        }
        let started = DoctorEndToEndTests.runThroughProfile(root: root, environment: fixture.environment)
        #expect(started.status == 0 && started.stdout.contains("BLAS ok"), "after the script: \(started)")
        let undo = Command.ofdoctor(["undo", "--root", root])
        #expect(undo.status == 0 && undo.stdout.contains("nothing to undo"), "\(undo.stdout) \(undo.stderr)")
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root] + DoctorEndToEndTests.envArguments(fixture) + ["FeatureExtraction"])
        #expect(apply.status == 0, "a later fix --apply takes the script's files as ofdoctor's: \(apply.stdout) \(apply.stderr)")
    }

    @Test("the text plan's steps, pasted into a shell one after another, make the program start: OpenFace's libraries under a name with a backslash (dash's echo reads it) or a tab (shown as $'…', which bash reads)",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason),
          arguments: [("o\\new", "/usr/bin/dash"), ("o\\new", "/usr/bin/bash"), ("t\tab", "/usr/bin/bash")])
    func pastedStepsStart(name: String, shell: String) throws {
        let (dir, root, fixture) = try Self.scene()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let moved = "/opt/" + name + "/lib"
        try FileManager.default.createDirectory(atPath: root + "/opt/" + name, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: root + "/opt/OpenFace/build/lib", toPath: root + moved)
        let plan = Command.ofdoctor(["fix", "--root", root] + DoctorEndToEndTests.envArguments(fixture) + ["FeatureExtraction"],
                                    environment: ["COLUMNS": "1000", "NO_COLOR": "1"])
        #expect(plan.status == 1, "\(plan.stderr)")
        // "  3.  ln -s … …   # fixes OF001": each numbered step, as a person would paste it.
        let steps = plan.stdout.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ", maxSplits: 1)
            guard words.count == 2, words[0].hasSuffix("."), Int(words[0].dropLast()) != nil,
                  let comment = words[1].range(of: "   # fixes ") else { return nil }
            return String(words[1][..<comment.lowerBound]).trimmingCharacters(in: .whitespaces)
        }
        #expect(steps.count >= 3, "\(plan.stdout)")
        for step in steps {
            let pasted = try OutputReaders.runScript(Array((step + "\n").utf8), shell: shell, in: dir)
            #expect(pasted.status == 0, "\(shell): \(step): \(pasted.stderr)")
        }
        let conf = FileManager.default.contents(atPath: root + "/etc/ld.so.conf.d/ofdoctor.conf").map { Array($0) } ?? []
        #expect(conf == Array((moved + "\n").utf8), "ofdoctor.conf: \(String(decoding: conf, as: UTF8.self).debugDescription)")
        let loader = RealLoader.list(root: root, program: Self.program, environment: [:])
        #expect(loader.status == 0, "the loader still refuses the program after the pasted steps: \(loader.stderr)")
    }

    @Test("fix --apply with a FIFO for /etc/ld.so.conf (ldconfig would wait on it): a plan without ldconfig, the FIFO left alone, the real loader starts the program; undo restores the root",
          .enabled(if: FixtureRoot.isBuilt && RealLoader.canRunRoots, RealLoader.unavailableReason))
    func fifoConfiguration() throws {
        let (dir, root, fixture) = try Self.scene()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.removeItem(atPath: root + "/etc/ld.so.conf")
        #expect(mkfifo(root + "/etc/ld.so.conf", 0o644) == 0)
        let before = try TreeSnapshot(root: root)
        let applied = Command.ofdoctor(["fix", "--apply", "--root", root] + DoctorEndToEndTests.envArguments(fixture) + ["FeatureExtraction"])
        #expect(applied.status == 0, "exit \(applied.status): \(applied.stdout) \(applied.stderr)")
        #expect(!applied.stdout.contains("ran ldconfig") && applied.stdout.contains("/etc/ld.so.conf is not a regular file"), "\(applied.stdout)")
        var st = stat()
        #expect(lstat(root + "/etc/ld.so.conf", &st) == 0 && st.st_mode & S_IFMT == S_IFIFO)
        let started = DoctorEndToEndTests.runThroughProfile(root: root, environment: fixture.environment)
        #expect(started.status == 0 && started.stdout.contains("BLAS ok"), "after fix: \(started)")
        #expect(Command.ofdoctor(["undo", "--root", root]).status == 0)
        #expect(try TreeSnapshot(root: root) == before)
    }

    /// ldconfig writes `NAME~` and renames it over NAME: a FIFO there would be replaced by a
    /// file (shown with the real ldconfig) that undo could not turn back into a FIFO, and a
    /// FIFO at `NAME~` blocks ldconfig's open for writing.
    @Test("fix --apply with a FIFO or directory among ldconfig's cache files: refused before any change, exit 4, one line naming it",
          .enabled(if: FixtureRoot.isBuilt && geteuid() == 0, "needs root and `make fixtures`"),
          arguments: ["/etc/ld.so.cache", "/etc/ld.so.cache~", "/var/cache/ldconfig/aux-cache"])
    func fifoCache(path: String) throws {
        let (dir, root, fixture) = try Self.scene()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        try? fm.removeItem(atPath: root + path)
        try fm.createDirectory(atPath: root + (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let directory = path.hasSuffix("aux-cache")
        if directory { try fm.createDirectory(atPath: root + path, withIntermediateDirectories: false) } else { #expect(mkfifo(root + path, 0o644) == 0) }
        let before = try TreeSnapshot(root: root)
        let applied = Command.ofdoctor(["fix", "--apply", "--root", root] + DoctorEndToEndTests.envArguments(fixture) + ["FeatureExtraction"])
        #expect(applied.status == 4, "exit \(applied.status): \(applied.stdout) \(applied.stderr)")
        let what = directory ? "a directory, not a file" : "a FIFO, socket or device, not a file"
        #expect(applied.stderr.split(separator: "\n").count == 1 && applied.stderr.contains("\(path): \(what)"), "\(applied.stderr)")
        #expect(try TreeSnapshot(root: root) == before)
        #expect(try fm.attributesOfItem(atPath: root + path)[.type] as? FileAttributeType == (directory ? .typeDirectory : .typeUnknown),
                "\(path) is no longer what it was")
        if path == "/etc/ld.so.cache" {
            // what the refusal spares it: the real ldconfig replaces the FIFO with its cache
            let ldconfig = Command.run("/sbin/ldconfig", ["-r", root])
            #expect(ldconfig.status == 0, "\(ldconfig.stderr)")
            #expect(try fm.attributesOfItem(atPath: root + path)[.type] as? FileAttributeType == .typeRegular)
        }
    }

    @Test("arguments that are not UTF-8 keep their bytes: --root in Latin-1 names its directory; LD_LIBRARY_PATH in Latin-1 finds what the real loader finds there",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason))
    func argumentBytes() throws {
        let (dir, root, _) = try Self.scene()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // (bash's $'…' gives the byte 0xE9 itself; Swift's strings here would send U+00E9's two)
        let latin = "$'lat\\xe9'"
        func bash(_ script: String) -> Command.Result { Command.run("/usr/bin/bash", ["-c", script]) }
        #expect(bash("mkdir \(dir)/\(latin) && mv \(root) \(dir)/\(latin)/root").status == 0)
        let renamed = "\(dir)/\(latin)/root"
        let ofdoctor = Command.ofdoctorPath
        let check = bash("\(ofdoctor) check --format json --root \(renamed) --env LD_LIBRARY_PATH=/opt/conda/lib FeatureExtraction")
        #expect(check.status == 2 || check.status == 1, "exit \(check.status): \(check.stderr)")
        #expect(check.stdout.contains("\"OF003\""), "\(check.stdout)")
        // OpenFace's libraries in /opt/lat\xe9, named by LD_LIBRARY_PATH: found, as the loader finds them.
        #expect(bash("mkdir \(renamed)/opt/\(latin) && mv \(renamed)/opt/OpenFace/build/lib/* \(renamed)/opt/\(latin)/").status == 0)
        let named = bash("\(ofdoctor) check --format json --root \(renamed) --env LD_LIBRARY_PATH=/opt/\(latin) FeatureExtraction")
        #expect(!named.stdout.contains("\"OF003\"") && named.stdout.contains("\"OF002\""), "\(named.stdout) \(named.stderr)")
        let inherited = bash("LD_LIBRARY_PATH=/opt/\(latin) \(ofdoctor) check --format json --root \(renamed) FeatureExtraction")
        #expect(!inherited.stdout.contains("\"OF003\""), "from this process's environment: \(inherited.stdout)")
        let loader = bash("unshare -m chroot \(renamed) /usr/bin/env -i LD_LIBRARY_PATH=/opt/\(latin) /lib64/ld-linux-x86-64.so.2 --list \(Self.program)")
        #expect(loader.status == 127 && loader.stderr.contains("libmkl_rt.so.2") && !loader.stderr.contains("libLandmarkDetector"),
                "the loader: exit \(loader.status) \(loader.stderr)")
    }

    @Test("fix --apply says which links its ldconfig removed (a dangling soname link in a directory the plan never named); undo puts it back",
          .enabled(if: FixtureRoot.isBuilt && geteuid() == 0, "needs root and `make fixtures`"))
    func ldconfigRemovalsNamed() throws {
        let (dir, root, fixture) = try Self.scene()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let link = root + "/usr/local/lib/libgone.so.1"
        try FileManager.default.createDirectory(atPath: root + "/usr/local/lib", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "libgone.so.1.0")
        let applied = Command.ofdoctor(["fix", "--apply", "--root", root] + DoctorEndToEndTests.envArguments(fixture) + ["FeatureExtraction"])
        #expect(applied.status == 0, "\(applied.stdout) \(applied.stderr)")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == nil, "ldconfig kept the dangling link?")
        #expect(applied.stdout.contains("ldconfig removed /usr/local/lib/libgone.so.1 -> libgone.so.1.0"), "\(applied.stdout)")
        #expect(Command.ofdoctor(["undo", "--root", root]).status == 0)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == "libgone.so.1.0")
    }

    @Test("--root '' (an unset variable) is a usage error, not this machine's /")
    func emptyRoot() {
        for command in [["check", "--root", "", "/bin/true"], ["undo", "--root", ""], ["fix", "--apply", "--root", ""]] {
            let result = Command.ofdoctor(command)
            #expect(result.status == 64, "\(command): exit \(result.status) \(result.stdout) \(result.stderr)")
            #expect(result.stderr.contains("--root takes a directory"), "\(result.stderr)")
        }
    }
}

import Foundation
import Testing

/// ofdoctor run as a user other than root on a root whose programs run as root (`--root`, a
/// root unpacked by root): the kernel refuses ofdoctor reads it grants the loader. A library
/// behind a directory only root may enter was "not found" (install the package) while the
/// program starts in the container; now the run stops with one line naming the file and
/// what to do (exit 3), and the candidate search says where it could not look.
@Suite("ofdoctor refused a read the loader's user is allowed", .serialized)
struct ReaderDenialTests {
    static var available: Bool { HostSecureExecutionTests.available && RealLoader.isAvailable }

    static let libraryDirectory = "/opt/OpenFace/build/lib"

    /// ofdoctor `arguments` as uid 1000.
    static func asUser(_ arguments: [String]) -> Command.Result { HostSecureExecutionTests.ofdoctorAsUser(arguments) }

    /// A copy of the fixture root `name` where uid 1000 can reach it; removed by the caller
    /// (`remove`).
    static func copy(of name: String) throws -> (root: String, fixture: FixtureRoot) {
        let fixture = try #require(FixtureRoot.named(name))
        return (try DoctorEndToEndTests.scratchCopy(fixture, under: HostSecureExecutionTests.scratch), fixture)
    }

    /// A copy of the healthy fixture root with `path` given `mode` (`copy(of:)`).
    static func root(withMode mode: Int, at path: String) throws -> (root: String, fixture: FixtureRoot) {
        let (root, fixture) = try copy(of: "healthy")
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: root + path)
        return (root, fixture)
    }

    static func remove(_ root: String) { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }

    @Test("a library directory only root may enter: the real loader starts the program as root; check and tree by uid 1000 exit 3 naming the file",
          .enabled(if: available, "\(RealLoader.unavailableReason); \(RealLoader.setIDUnavailableReason), gcc, setpriv, and a directory uid 1000 can reach"))
    func libraryBehindRootOnlyDirectory() throws {
        let (root, fixture) = try Self.root(withMode: 0o700, at: Self.libraryDirectory)
        defer { Self.remove(root) }
        let program = DoctorEndToEndTests.program
        let started = RealLoader.run(root: root, program: program, argv0: "FeatureExtraction", arguments: ["-f", "face.jpg"],
                                     environment: fixture.environment)
        #expect(started.status == 0, "the container's root starts it: \(started)")

        let target = ["--root", root] + DoctorEndToEndTests.envArguments(fixture) + [program]
        for command in [["check"], ["tree"], ["check", "--format", "json"]] {
            let result = Self.asUser(command + target)
            let lines = result.stderr.split(separator: "\n")
            #expect(result.status == 3 && result.stdout.isEmpty && lines.count == 1, "\(command): \(result)")
            #expect(lines.first.map { $0.hasPrefix("ofdoctor: \(Self.libraryDirectory)/") && $0.contains("Permission denied")
                && $0.contains("runs as uid 1000") && $0.contains("root, who starts the program") && $0.contains("run it as root") } == true, "\(command): \(result.stderr)")
        }
        // As root: what the loader does.
        let asRoot = Command.ofdoctor(["check"] + target)
        #expect(asRoot.status == 0, "\(asRoot)")
        // Without LD_LIBRARY_PATH the libraries are missing for the loader too (OF003); the
        // search says where it could not look, and why.
        let bare = ["--root", root, "--env", "PATH=/opt/OpenFace/build/bin:/usr/bin:/bin", program]
        let text = Self.asUser(["check"] + bare)
        #expect(text.status == 2 && text.stdout.contains("could not read \(Self.libraryDirectory) (EACCES)")
                && text.stdout.contains("as root it would search them too"), "\(text)")
        let json = Self.asUser(["check", "--format", "json"] + bare)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json)")
        let unreadable = (report["candidateSearch"] as? [String: Any])?["unreadable"] as? [[String: Any]] ?? []
        #expect(unreadable.compactMap { $0["path"] as? String } == [Self.libraryDirectory], "\(unreadable)")
        let rootCheck = Command.ofdoctor(["check", "--format", "json"] + bare)
        #expect(rootCheck.status == 1, "as root the search finds the copies and plans: \(rootCheck)")
    }

    @Test("a program behind a directory only root may enter: uid 1000 checking it for root exits 3 and says why",
          .enabled(if: available, "\(RealLoader.unavailableReason); \(RealLoader.setIDUnavailableReason), gcc, setpriv, and a directory uid 1000 can reach"))
    func programBehindRootOnlyDirectory() throws {
        let (root, fixture) = try Self.root(withMode: 0o700, at: "/opt/OpenFace/build/bin")
        defer { Self.remove(root) }
        let target = ["--root", root] + DoctorEndToEndTests.envArguments(fixture) + [DoctorEndToEndTests.program]
        let result = Self.asUser(["check"] + target)
        #expect(result.status == 3 && result.stderr.contains("Permission denied") && result.stderr.contains("root, who starts the program")
                && result.stderr.split(separator: "\n").count == 1, "\(result)")
        #expect(Command.ofdoctor(["check"] + target).status == 0)
    }

    @Test("an /etc/ld.so.preload only root may read: uid 1000 checking the program root starts exits 3; root's check lists the preload the real loader loads",
          .enabled(if: available, "\(RealLoader.unavailableReason); \(RealLoader.setIDUnavailableReason), gcc, setpriv, and a directory uid 1000 can reach"))
    func preloadFileOnlyRootMayRead() throws {
        let preloaded = "/lib/x86_64-linux-gnu/libffi.so.7"
        let (root, fixture) = try Self.copy(of: "healthy")
        defer { Self.remove(root) }
        try Data((preloaded + "\n").utf8).write(to: URL(fileURLWithPath: root + "/etc/ld.so.preload"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: root + "/etc/ld.so.preload")
        let target = ["--root", root] + DoctorEndToEndTests.envArguments(fixture) + [DoctorEndToEndTests.program]
        let result = Self.asUser(["check"] + target)
        #expect(result.status == 3 && result.stderr.hasPrefix("ofdoctor: /etc/ld.so.preload: ") && result.stderr.contains("run it as root"),
                "\(result)")
        let listed = RealLoader.run(root: root, program: RealLoader.interpreter, argv0: RealLoader.interpreter,
                                    arguments: ["--list", DoctorEndToEndTests.program], environment: fixture.environment)
        #expect(listed.stdout.contains(preloaded), "the real loader preloads it: \(listed)")
        let asRoot = Command.ofdoctor(["check", "--format", "json"] + target)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(asRoot.stdout.utf8)) as? [String: Any], "\(asRoot)")
        let paths = (report["objects"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(asRoot.status == 0 && paths.contains(preloaded), "\(asRoot.status): \(paths)")
    }

    @Test("fix --apply by uid 1000 on a root only root may change: refused before any change, with every reason and what to do instead",
          .enabled(if: available, "\(RealLoader.unavailableReason); \(RealLoader.setIDUnavailableReason), gcc, setpriv, and a directory uid 1000 can reach"))
    func applyAsUserOnRootsRoot() throws {
        let (root, fixture) = try Self.copy(of: "of002")
        defer { Self.remove(root) }
        let state = (root as NSString).deletingLastPathComponent + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        _ = Command.run("/bin/chown", ["1000:1000", state])
        let listing = { Command.run("/usr/bin/find", [root, "-printf", "%p %y %m %s %l\\n"]).stdout }
        let before = listing()
        let target = ["--root", root] + DoctorEndToEndTests.envArguments(fixture) + [DoctorEndToEndTests.program]
        let result = HostSecureExecutionTests.ofdoctorAsUser(["fix", "--apply"] + target, variables: ["XDG_STATE_HOME=" + state])
        #expect(result.status == 4 && result.stderr.contains("nothing was changed") && result.stderr.contains("/etc: this user cannot create")
                && result.stderr.contains("run fix --apply as root, or write the plan out for root to run: ")
                && result.stderr.contains(" fix --format sh --root "), "\(result)")
        #expect(listing() == before, "the root is as it was")
        // As root the same plan is carried out, and the real loader starts the program.
        let applied = Command.ofdoctor(["fix", "--apply"] + target)
        #expect(applied.status == 0, "\(applied)")
        let started = DoctorEndToEndTests.runThroughProfile(root: root, environment: fixture.environment)
        #expect(started.status == 0 && started.stdout.contains("BLAS ok"), "after fix: \(started)")
    }

    @Test("an ld.so.cache only root may read: uid 1000 checking a root whose program runs as root exits 3; as --user 1000 the loader skips the cache, as the real one does",
          .enabled(if: available, "\(RealLoader.unavailableReason); \(RealLoader.setIDUnavailableReason), gcc, setpriv, and a directory uid 1000 can reach"))
    func cacheOnlyRootMayRead() throws {
        let (root, fixture) = try Self.root(withMode: 0o600, at: "/etc/ld.so.cache")
        defer { Self.remove(root) }
        let program = DoctorEndToEndTests.program
        let target = ["--root", root] + DoctorEndToEndTests.envArguments(fixture) + [program]
        let result = Self.asUser(["check"] + target)
        #expect(result.status == 3 && result.stderr.hasPrefix("ofdoctor: /etc/ld.so.cache: ") && result.stderr.contains("run it as root"),
                "\(result)")
        // The program run as uid 1000: its loader cannot read the cache either, and the check
        // (made by uid 1000 or by root) judges it so.
        let started = RealLoader.run(root: root, program: program, argv0: "FeatureExtraction", arguments: ["-f", "face.jpg"],
                                     environment: fixture.environment, user: "1000:1000")
        for check in [Self.asUser(["check", "--user", "1000:1000"] + target), Command.ofdoctor(["check", "--user", "1000:1000"] + target)] {
            #expect((check.status == 0) == (started.status == 0) && check.status != 3, "the program run as 1000 exits \(started.status): \(check)")
        }
    }

    /// Finding ids and summaries of a `check --format json` run.
    static func findings(_ result: Command.Result) throws -> [String] {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        return (report["findings"] as? [[String: Any]] ?? []).map { "\($0["id"] ?? "") \($0["summary"] ?? "")" }
    }

    /// ldconfig reads ld.so.conf.d as root; uid 1000 may not list it here. The plan used to be
    /// "proven" with ldconfig's model short of that directory's files: it lost what they list,
    /// reported those libraries missing once the plan ran, and planned for them too. Now no
    /// step runs ldconfig (links in the default directory stand in) and the plan says why.
    @Test("an ld.so.conf.d only root may list: uid 1000 finds what root finds, plans without ldconfig and says why; root running that plan starts the program",
          .enabled(if: available, "\(RealLoader.unavailableReason); \(RealLoader.setIDUnavailableReason), gcc, setpriv, and a directory uid 1000 can reach"))
    func confDirectoryOnlyRootMayList() throws {
        let (root, _) = try Self.copy(of: "of002")
        defer { Self.remove(root) }
        // OpenFace's libraries through ld.so.conf.d and the cache, not LD_LIBRARY_PATH
        let listed = Command.run("/bin/sh", ["-c", #"echo /opt/OpenFace/build/lib > "$1/etc/ld.so.conf.d/openface.conf" && ldconfig -r "$1" && chmod 700 "$1/etc/ld.so.conf.d""#,
                                             "sh", root])
        try #require(listed.status == 0, "\(listed)")
        let environment = ["PATH": "/opt/OpenFace/build/bin:/usr/bin:/bin"]
        let target = ["--root", root, "--env", "PATH=" + environment["PATH"]!, DoctorEndToEndTests.program]
        let before = RealLoader.run(root: root, program: DoctorEndToEndTests.program, argv0: "FeatureExtraction", arguments: ["-f", "face.jpg"],
                                    environment: environment)
        #expect(before.status == 127 && before.stderr.contains("libmkl_rt.so.2"), "the loader misses MKL alone: \(before)")

        let asRoot = try Self.findings(Command.ofdoctor(["check", "--format", "json"] + target))
        #expect(asRoot.contains { $0.hasPrefix("OF002 ") }, "\(asRoot)")
        #expect(try Self.findings(Self.asUser(["check", "--format", "json"] + target)) == asRoot)
        let text = Self.asUser(["fix"] + target)
        #expect(text.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                    .contains("ofdoctor may not read /etc/ld.so.conf.d, which ldconfig, run as root, reads"), "\(text)")
        let script = Self.asUser(["fix", "--format", "sh"] + target)
        #expect(script.status == 1 && script.stdout.contains("ln -s"), "\(script)")
        #expect(!script.stdout.split(separator: "\n").contains { !$0.hasPrefix("#") && $0.contains("ldconfig") }, "no step runs ldconfig: \(script.stdout)")
        let scriptFile = (root as NSString).deletingLastPathComponent + "/plan.sh"
        try script.stdout.write(toFile: scriptFile, atomically: true, encoding: .utf8)
        let ran = Command.run("/bin/sh", [scriptFile])
        #expect(ran.status == 0, "\(ran)")
        let after = RealLoader.run(root: root, program: DoctorEndToEndTests.program, argv0: "FeatureExtraction", arguments: ["-f", "face.jpg"],
                                   environment: environment)
        #expect(after.status == 0 && after.stdout.contains("BLAS ok"), "after root ran uid 1000's plan: \(after)")
    }
}

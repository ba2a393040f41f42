import Foundation
import Testing

/// A program not on `PATH` nor in the default places: the error names where the root does
/// hold an executable file of that name (`find` is the judge), and the check of that one,
/// which pasted runs.
@Suite("A program not found where it is looked for, and where the root has it")
struct ProgramSearchTests {
    static func file(_ path: String, mode: Int, in root: String) throws {
        let full = root + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/usr/bin/true", toPath: full)
        chmod(full, mode_t(mode))
    }

    /// What `find` says: executable regular files named `name` under `top` of the root.
    static func found(_ name: String, under top: String, in root: String) -> Set<String> {
        let run = Command.run("/usr/bin/find", [root + top, "-name", name, "-type", "f", "-perm", "/111"])
        return Set(run.stdout.split(separator: "\n").map { String($0.dropFirst(root.count)) })
    }

    @Test("the default program built elsewhere: named, with its check to paste; the likely trees are read before the rest")
    func builtElsewhere() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-progsearch-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try Self.file("/workspace/OpenFace/build/bin/FeatureExtraction", mode: 0o755, in: root)
        try Self.file("/data/FeatureExtraction", mode: 0o755, in: root)           // outside the likely trees
        try Self.file("/opt/notes/FeatureExtraction", mode: 0o644, in: root)      // not executable
        try FileManager.default.createDirectory(atPath: root + "/srv/FeatureExtraction", withIntermediateDirectories: true)
        try Self.file("/etc/cron.daily/FeatureExtraction", mode: 0o755, in: root)  // configuration: never named
        #expect(Self.found("FeatureExtraction", under: "/workspace", in: root) == ["/workspace/OpenFace/build/bin/FeatureExtraction"])
        #expect(Self.found("FeatureExtraction", under: "/opt", in: root).isEmpty)

        let check = Command.ofdoctor(["check", "--root", root])
        #expect(check.status == 3)
        let line = check.stderr.trimmingCharacters(in: .newlines)
        #expect(line.hasPrefix("ofdoctor: FeatureExtraction: no such program in ")
                && line.contains("; the root has one at /workspace/OpenFace/build/bin/FeatureExtraction; check it: "), "\(line)")
        #expect(!line.contains("/data/") && !line.contains("/opt/notes") && !line.contains("/srv/") && !line.contains("/etc/"), "\(line)")
        let command = try #require(line.components(separatedBy: "; check it: ").last)
        let pasted = Command.run("/bin/sh", ["-c", command], environment: ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"])
        #expect((0...2).contains(pasted.status) && pasted.stdout.contains("/workspace/OpenFace/build/bin/FeatureExtraction"), "\(command)\n\(pasted)")

        // With none in the likely trees, the rest of the root is read.
        try FileManager.default.removeItem(atPath: root + "/workspace")
        let rest = Command.ofdoctor(["check", "--root", root])
        #expect(rest.stderr.contains("; the root has one at /data/FeatureExtraction; check it: "), "\(rest.stderr)")
        // And with none at all, the line is as it was.
        try FileManager.default.removeItem(atPath: root + "/data")
        let none = Command.ofdoctor(["check", "--root", root, "nosuchprogram"])
        #expect(none.status == 3 && none.stderr.hasSuffix("; give its path\n"), "\(none.stderr)")
    }

    @Test("a path the root lacks: the same path given with the root's directory in front, or the name on PATH, with its check to paste")
    func pathElsewhere() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-progpath-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try Self.file("/usr/bin/tool", mode: 0o755, in: root)
        for (given, expected) in [(root + "/usr/bin/tool", "/usr/bin/tool"), ("/usr/local/bin/tool", "/usr/bin/tool")] {
            let check = Command.ofdoctor(["check", "--root", root, given])
            let line = check.stderr.trimmingCharacters(in: .newlines)
            #expect(check.status == 3 && line.hasPrefix("ofdoctor: \(given): no such program in \(root); it has \(expected), check it: "), "\(line)")
            let command = try #require(line.components(separatedBy: "check it: ").last)
            let pasted = Command.run("/bin/sh", ["-c", command], environment: ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"])
            #expect((0...2).contains(pasted.status) && pasted.stdout.contains(expected), "\(command)\n\(pasted)")
        }
        let none = Command.ofdoctor(["check", "--root", root, "/usr/bin/absent"])
        #expect(none.status == 3 && none.stderr.hasSuffix("; give its path inside the root\n"), "\(none.stderr)")
    }

    @Test("a name a slip away from a program's (swapped, missing or changed byte, letter case): did you mean it, with its check to paste")
    func similarName() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-progslip-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try Self.file("/usr/bin/gdb", mode: 0o755, in: root)
        try Self.file("/usr/bin/gbx", mode: 0o644, in: root)                       // not executable: never proposed
        try Self.file("/opt/OpenFace/build/bin/FeatureExtraction", mode: 0o755, in: root)
        for (typed, expected) in [("gbd", "/usr/bin/gdb"), ("featureextraction", "/opt/OpenFace/build/bin/FeatureExtraction"),
                                  ("FeatureExtractoin", "/opt/OpenFace/build/bin/FeatureExtraction"),
                                  ("/opt/OpenFace/build/bin/FeatureExtracton", "/opt/OpenFace/build/bin/FeatureExtraction"),
                                  ("/usr/bin/gdbb", "/usr/bin/gdb")] {
            #expect(Self.found((expected as NSString).lastPathComponent, under: (expected as NSString).deletingLastPathComponent, in: root) == [expected])
            let check = Command.ofdoctor(["check", "--root", root, typed])
            let line = check.stderr.trimmingCharacters(in: .newlines)
            #expect(check.status == 3 && line.hasPrefix("ofdoctor: \(typed): no such program in ") && line.contains("; did you mean \(expected)? Check it: "),
                    "\(typed): \(line)")
            let command = try #require(line.components(separatedBy: "Check it: ").last)
            let pasted = Command.run("/bin/sh", ["-c", command], environment: ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"])
            #expect((0...2).contains(pasted.status) && pasted.stdout.contains(expected), "\(command)\n\(pasted)")
        }
        // (a path names its directory: /usr/local/bin/gdbb is no slip of /usr/bin/gdb)
        for typed in ["gbz", "zzzq", "/usr/bin/gbz", "/usr/local/bin/gdbb"] {
            let check = Command.ofdoctor(["check", "--root", root, typed])
            #expect(check.status == 3 && !check.stderr.contains("did you mean") && check.stderr.contains("; give its path"), "\(typed): \(check.stderr)")
        }
    }

    /// A shell runs `./gbd` from the working directory and nothing else; a program of PATH a
    /// slip away was once offered (`./apq`: "did you mean /usr/bin/apt?").
    @Test("a path with a slash: did you mean only a program of that path's own directory, never one on PATH")
    func similarNameOnlyBesideThePath() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-progslipdir-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try Self.file("/usr/bin/gdb", mode: 0o755, in: root)
        try Self.file("/work/tool", mode: 0o755, in: root)
        for typed in ["./gbd", "/work/gbd", "/srv/gbd"] {
            let check = Command.ofdoctor(["check", "--root", root, "--cwd", "/work", typed])
            #expect(check.status == 3 && !check.stderr.contains("did you mean") && !check.stderr.contains("/usr/bin/gdb"), "\(typed): \(check.stderr)")
        }
        let beside = Command.ofdoctor(["check", "--root", root, "--cwd", "/work", "./tol"])
        #expect(beside.status == 3 && beside.stderr.contains("; did you mean /work/tool? Check it: "), "\(beside.stderr)")
    }

    /// ldd and libtree take `app` for ./app; a shell, and so ofdoctor, looks a name without a
    /// slash up on PATH. The file in the working directory is named, with the check of ./app.
    @Test("a bare name of a file in the working directory and not on PATH: named, with the check of ./NAME to paste; ldd takes it, sh does not")
    func bareNameInWorkingDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-cwdapp-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/here", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/usr/bin/true", toPath: directory + "/here/app")
        let environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NO_COLOR": "1"]
        let shell = Command.run("/bin/sh", ["-c", "cd \"$0\" && app", directory + "/here"], environment: environment)
        #expect(shell.status == 127, "sh looks app up on PATH alone: \(shell)")
        let ldd = Command.run("/bin/sh", ["-c", "cd \"$0\" && ldd app", directory + "/here"], environment: environment)
        #expect(ldd.status == 0 && ldd.stdout.contains("libc.so.6"), "ldd takes app for ./app: \(ldd)")

        // On this machine's root, from the directory itself; in another root, from --cwd.
        let inside = directory + "/root"
        try Self.file("/work/app", mode: 0o755, in: inside)
        try FileManager.default.createDirectory(atPath: inside + "/etc", withIntermediateDirectories: true)
        let host = Command.run("/bin/sh", ["-c", "cd \"$0\" && exec \"$1\" check app", directory + "/here", Command.ofdoctorPath],
                               environment: environment)
        let rooted = Command.ofdoctor(["check", "--root", inside, "--cwd", "/work", "app"])
        for (check, place) in [(host, directory + "/here"), (rooted, inside + "/work")] {
            let line = check.stderr.trimmingCharacters(in: .newlines)
            #expect(check.status == 3 && line.hasPrefix("ofdoctor: app: no such program in ") && line.contains(", as a shell does; check ./app: "),
                    "\(line)")
            let command = try #require(line.components(separatedBy: "check ./app: ").last)
            #expect(command.hasSuffix(" ./app"), "\(command)")
            // Pasted anywhere, it checks the file in that directory.
            let pasted = Command.run("/bin/sh", ["-c", "cd / && " + command], environment: environment)
            #expect((0...2).contains(pasted.status) && pasted.stdout.contains("/app"), "\(place): \(command)\n\(pasted)")
        }
    }
}

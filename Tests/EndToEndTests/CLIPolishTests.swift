import Foundation
import Testing

/// What a user meets before any diagnosis: --version, --help with examples, completions,
/// the man page and `make install`, and the Graphviz drawing of the load graph.
@Suite("ofdoctor's command line: help, completions, man page, install, dot")
struct CLIPolishTests {
    static let subcommands = ["check", "fix", "undo", "tree", "env", "verify", "resources"]

    @Test("--version prints the version; every subcommand's --help has an example")
    func versionAndHelp() {
        let version = Command.ofdoctor(["--version"])
        #expect(version.status == 0 && version.stdout == "0.1.0\n" && version.stderr.isEmpty)
        // The plain form is answered before ArgumentParser; a subcommand's goes through it.
        let parsed = Command.ofdoctor(["check", "--version"])
        #expect(parsed.status == 0 && parsed.stdout == version.stdout, "ArgumentParser says \(parsed.stdout)")
        for subcommand in Self.subcommands {
            let help = Command.ofdoctor([subcommand, "--help"])
            #expect(help.status == 0, "\(subcommand)")
            #expect(help.stdout.contains("ofdoctor"), "\(subcommand) --help: \(help.stdout)")
            #expect(help.stdout.contains("Example"), "\(subcommand) --help has no example")
        }
    }

    @Test("env's lines survive sh: a value with quotes (one before a combining mark) comes back unchanged and runs nothing")
    func envQuoting() throws {
        let value = "/x'\u{301}; echo INJECTED; 'y'z"
        let env = Command.ofdoctor(["env", "--env", "LD_LIBRARY_PATH=\(value)", "/bin/true"])
        #expect(env.status == 0, "\(env.stderr)")
        let script = env.stdout + "\nprintf '%s' \"$LD_LIBRARY_PATH\"\n"
        let shell = Command.run("/bin/sh", ["-c", script])
        #expect(shell.status == 0, "\(shell.stderr)")
        #expect(!shell.stdout.contains("INJECTED\n"), "sh ran part of the value: \(shell.stdout)")
        #expect(shell.stdout.hasSuffix(value), "sh read back \(shell.stdout)")
    }

    @Test("commands printed for a root and a binary given relative to the working directory name them without `.` components; pasted elsewhere, they run",
          .enabled(if: FixtureRoot.named("of001") != nil, "fixture roots not built: run `make fixtures`"))
    func printedPathsClean() throws {
        let fixture = try #require(FixtureRoot.named("of001"))
        let parent = (fixture.rootPath as NSString).deletingLastPathComponent
        let binary = (Command.ofdoctorPath as NSString).lastPathComponent
        let binaryDirectory = (Command.ofdoctorPath as NSString).deletingLastPathComponent
        // From the binary's directory as ./ofdoctor, the root as ./NAME/. from its parent: one shell.
        let script = #"d=$1 b=$2 n=$3 r=$4; shift 4; cd "$d" && "$b/./$n" check --root "./$r/." "$@" FeatureExtraction"#
        let result = Command.run("/bin/sh", ["-c", script, "sh", parent, binaryDirectory, binary, (fixture.rootPath as NSString).lastPathComponent]
                                     + fixture.environmentArguments,
                                 environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NO_COLOR": "1", "COLUMNS": "500"])
        let steps = result.stdout.split(separator: "\n").filter { $0.contains("see the plan:") || $0.contains("make it:") }
        #expect(!steps.isEmpty, "\(result.stdout)")
        for step in steps {
            #expect(!step.contains("/./") && !step.contains("/. "), "\(step)")
            #expect(step.contains(" --root \(fixture.rootPath) "), "\(step)")
        }
        // The first, pasted in another directory, is a command that runs.
        let line = try #require(steps.first.map { String($0.drop { $0 == " " }.dropFirst("see the plan:".count)) })
        let pasted = Command.run("/bin/sh", ["-c", "cd / && " + line], environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NO_COLOR": "1"])
        #expect(pasted.status == 1 && pasted.stdout.contains("Plan for"), "\(line): \(pasted.stdout) \(pasted.stderr)")
    }

    @Test("env for a program whose fix is in the root: nothing for eval on stdout, and on stderr the fix that serves",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc"), "needs gcc"))
    func envWithoutChange() throws {
        let root = try LinkPlanRoot.make("env-none")
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let result = Command.ofdoctor(["env", "--root", root, LinkPlanRoot.program])
        #expect(result.status == 0 && result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(result)")
        #expect(result.stderr.contains("no environment change fixes /app/prog; its plan changes the root:")
                && result.stderr.contains(" fix --root \(root) /app/prog"), "\(result.stderr)")
    }

    @Test("completion scripts for bash, zsh and fish name every subcommand", arguments: ["bash", "zsh", "fish"])
    func completions(_ shell: String) {
        let script = Command.ofdoctor(["--generate-completion-script", shell])
        #expect(script.status == 0)
        for subcommand in Self.subcommands { #expect(script.stdout.contains(subcommand), "\(shell): \(subcommand)") }
        if shell == "bash" {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-completion-\(UUID().uuidString).bash").path
            #expect(FileManager.default.createFile(atPath: path, contents: Data(script.stdout.utf8)))
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(Command.run("/bin/bash", ["-n", path]).status == 0, "bash cannot parse the completion script")
        }
    }

    @Test("make install puts binary, man page and completions under PREFIX; the man page documents every command")
    func install() throws {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-prefix-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        let make = Command.run("/usr/bin/make", ["-C", Command.packageRoot, "install", "PREFIX=\(prefix)", "BIN=\(Command.ofdoctorPath)"],
                               environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        #expect(make.status == 0, "\(make.stdout)\(make.stderr)")
        for file in ["bin/ofdoctor", "share/man/man1/ofdoctor.1", "share/bash-completion/completions/ofdoctor",
                     "share/zsh/site-functions/_ofdoctor", "share/fish/vendor_completions.d/ofdoctor.fish"] {
            #expect(FileManager.default.fileExists(atPath: prefix + "/" + file), "\(file) not installed")
        }
        let page = try String(contentsOfFile: prefix + "/share/man/man1/ofdoctor.1", encoding: .utf8)
        #expect(page.hasPrefix(".TH OFDOCTOR 1"))
        for subcommand in Self.subcommands { #expect(page.contains(".B \(subcommand)") || page.contains("ofdoctor \(subcommand)"), "\(subcommand)") }
        let installed = Command.run(prefix + "/bin/ofdoctor", ["--version"])
        #expect(installed.status == 0)
    }

    @Test("tree --format dot renders with Graphviz: a node per object, missing libraries in red, exit as check",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/dot") && FixtureRoot.named("of001") != nil,
                   "needs Graphviz's dot and the fixture roots (make fixtures)"))
    func dotRenders() throws {
        let fixture = try #require(FixtureRoot.named("of001"))
        let dot = Command.ofdoctor(["tree", "--format", "dot", "--root", fixture.rootPath, "/opt/OpenFace/build/bin/FeatureExtraction",
                                    "--env", "LD_LIBRARY_PATH=/opt/OpenFace/build/lib"])
        #expect(dot.status == 1, "of001 is fixable: \(dot.stderr)")
        let json = Command.ofdoctor(["tree", "--format", "json", "--root", fixture.rootPath, "/opt/OpenFace/build/bin/FeatureExtraction",
                                     "--env", "LD_LIBRARY_PATH=/opt/OpenFace/build/lib"])
        struct Tree: Decodable {
            struct Object: Decodable { var path: String }
            var objects: [Object]
        }
        let tree = try JSONDecoder().decode(Tree.self, from: Data(json.stdout.utf8))
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-\(UUID().uuidString).dot").path
        try #require(FileManager.default.createFile(atPath: input, contents: Data(dot.stdout.utf8)))
        defer { try? FileManager.default.removeItem(atPath: input) }
        let svg = Command.run("/usr/bin/dot", ["-Tsvg", input])
        #expect(svg.status == 0, "\(svg.stderr)")
        let nodes = svg.stdout.components(separatedBy: "class=\"node\"").count - 1
        #expect(nodes == tree.objects.count + 1, "one node per loaded object plus libwebp.so.7")
        #expect(svg.stdout.contains("libwebp.so.7"))
        #expect(svg.stdout.contains("stroke=\"red\""))
    }
}

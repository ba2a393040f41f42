import Foundation
import Testing

/// The way from `check` to a running program as a user drives it (issue 17): partial plans,
/// fixes that reach processes which read no profile, and next-step commands that work when
/// pasted. The real loader judges every "it starts" and "only this is left".
@Suite("From check to a running program", .serialized)
struct FixJourneyTests {
    static let program = DoctorEndToEndTests.program

    struct PlanJSON: Decodable {
        struct FindingJSON: Decodable {
            var id: String
            var severity: String
            var fixable: Bool
        }
        struct StepJSON: Decodable {
            var finding: String
            var summary: String
            var remedy: String?
        }
        var status: String
        var findings: [FindingJSON]
        var plan: [DoctorEndToEndTests.CheckJSON.ActionJSON]
        var personSteps: [StepJSON]
    }

    /// The real loader's trace of the program in the root (ldd's way: LD_TRACE_LOADED_OBJECTS,
    /// which goes on past a missing library) after sourcing the profile script when there is
    /// one: the names it cannot find, one per "=> not found" line.
    static func notFound(root: String, environment: [String: String]) -> [String] {
        let listed = RealLoader.run(root: root, program: "/bin/sh", argv0: "sh", arguments: [
            "-c", "[ -f /etc/profile.d/ofdoctor.sh ] && . /etc/profile.d/ofdoctor.sh; LD_TRACE_LOADED_OBJECTS=1 exec /lib64/ld-linux-x86-64.so.2 \(program)",
        ], environment: environment)
        return listed.stdout.split(separator: "\n").compactMap { line in
            let text = line.trimmingCharacters(in: .whitespaces)
            guard let arrow = text.range(of: " => not found") else { return nil }
            return String(text[..<arrow.lowerBound])
        }
    }

    @Test("one finding for a person does not throw away the others' fixes: apply fixes three, the real loader misses only libwebp.so.7",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason))
    func partialPlan() throws {
        let fixture = try #require(FixtureRoot.named("all"))
        let root = try Self.allWithoutWebp()
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let before = try TreeSnapshot(root: root)
        let env = DoctorEndToEndTests.envArguments(fixture)
        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "FeatureExtraction"] + env)
        #expect(check.status == 2, "\(check.stderr)")
        let report = try JSONDecoder().decode(PlanJSON.self, from: Data(check.stdout.utf8))
        #expect(report.status == "unfixable")
        let errors = report.findings.filter { $0.severity == "error" }
        #expect(Set(errors.filter(\.fixable).map(\.id)) == ["OF002", "OF003", "OF004"], "\(errors)")
        #expect(errors.filter { !$0.fixable }.map(\.id) == ["OF001"], "\(errors)")
        #expect(report.personSteps.map(\.finding) == ["OF001"], "\(report.personSteps)")
        #expect(report.personSteps.first?.remedy?.contains("libwebp.so.7") == true)
        #expect(!report.plan.isEmpty && report.plan.allSatisfy { !$0.fixes.contains("OF001") })

        let text = Command.ofdoctor(["fix", "--root", root, "FeatureExtraction"] + env)
        #expect(text.status == 2)
        #expect(text.stdout.contains("A person must:") && text.stdout.contains("OF001"), "\(text.stdout)")

        #expect(Set(Self.notFound(root: root, environment: fixture.environment)) == ["libLandmarkDetector.so", "libFaceAnalyser.so", "libGazeAnalyser.so", "libUtilities.so", "libwebp.so.7"])
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "FeatureExtraction"] + env)
        #expect(apply.status == 2, "fix --apply: \(apply.stdout) \(apply.stderr)")
        #expect(apply.stdout.contains("A person must still:"), "\(apply.stdout)")
        #expect(Self.notFound(root: root, environment: fixture.environment) == ["libwebp.so.7"])
        let real = DoctorEndToEndTests.runThroughProfile(root: root, environment: fixture.environment)
        #expect(real.stderr.hasPrefix("FeatureExtraction: error while loading shared libraries: libwebp.so.7:"), "\(real)")

        #expect(Command.ofdoctor(["undo", "--root", root]).status == 0)
        #expect(try TreeSnapshot(root: root) == before)

        // The same partial plan as a script and as Dockerfile lines: the person's step is a
        // comment, and the script, run by sh on another copy, leaves only libwebp.so.7 missing.
        let dockerfile = Command.ofdoctor(["fix", "--root", root, "--format", "dockerfile", "FeatureExtraction"] + env)
        #expect(dockerfile.status == 2 && dockerfile.stdout.contains("# Not done by this plan; a person must:\n#   OF001:"), "\(dockerfile.stdout)")
        let script = Command.ofdoctor(["fix", "--root", root, "--format", "sh", "FeatureExtraction"] + env)
        #expect(script.status == 2 && script.stdout.contains("#   OF001:"), "\(script.stdout)")
        let copy = try DoctorEndToEndTests.scratchCopy(FixtureRoot(name: "partial", rootPath: root, environment: fixture.environment))
        defer { try? FileManager.default.removeItem(atPath: (copy as NSString).deletingLastPathComponent) }
        let ran = Command.run("/bin/sh", ["-c", script.stdout], environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "OFDOCTOR_ROOT": copy])
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(Self.notFound(root: copy, environment: fixture.environment) == ["libwebp.so.7"])
    }

    @Test("a fix that lives in the root reaches a process that sources no profile (docker exec, cron)",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason),
          arguments: ["of001", "of002", "of003", "of001-conda-webp", "of002-seed-fix"])
    func rootOnlyFix(_ variant: String) throws {
        let fixture = try #require(FixtureRoot.named(variant))
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        #expect(Self.launch(root, fixture).stdout.contains("BLAS ok") == false)
        Self.expectFixInRootAlone(root, fixture, printing: "BLAS ok")
    }

    /// FeatureExtraction started in `root` through `/launch`, with the container's own
    /// environment (no profile sourced: docker exec, cron).
    static func launch(_ root: String, _ fixture: FixtureRoot) -> RealLoader.Outcome {
        RealLoader.run(root: root, program: "/launch", argv0: "launch",
                       arguments: [program, "FeatureExtraction", "-f", "face.jpg"], environment: fixture.environment)
    }

    /// `fix --apply` on `root` changes no environment (no profile written), the program then
    /// prints `expected` without one, and `undo` puts the root back.
    static func expectFixInRootAlone(_ root: String, _ fixture: FixtureRoot, printing expected: String) {
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "FeatureExtraction"] + DoctorEndToEndTests.envArguments(fixture))
        #expect(apply.status == 0, "fix --apply: \(apply.stdout) \(apply.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/etc/profile.d/ofdoctor.sh"), "no environment change was needed")
        let started = launch(root, fixture)
        #expect(started.status == 0 && started.stdout.contains(expected), "the container's own environment, no profile: \(started)")
        #expect(Command.ofdoctor(["undo", "--root", root]).status == 0)
    }

    /// A root whose ld.so.conf includes no ld.so.conf.d: OpenFace's directory cannot be
    /// listed there, and links (not LD_LIBRARY_PATH, which no `docker exec` or cron job
    /// sees) still fix it in the root.
    @Test("with no include line in ld.so.conf, OpenFace's libraries are linked, not put on LD_LIBRARY_PATH: the fix reaches a process that sources no profile",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason))
    func rootOnlyFixWithoutConfInclude() throws {
        let fixture = try #require(FixtureRoot.named("of003"))
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        try "/usr/local/lib\n".write(toFile: root + "/etc/ld.so.conf", atomically: false, encoding: .utf8)
        let plan = Command.ofdoctor(["fix", "--format", "json", "--root", root, "FeatureExtraction"] + DoctorEndToEndTests.envArguments(fixture))
        #expect(plan.status == 1, "\(plan.stdout) \(plan.stderr)")
        #expect(!plan.stdout.contains("\"env\""), "an environment step: \(plan.stdout)")
        Self.expectFixInRootAlone(root, fixture, printing: "FeatureExtraction: started")
    }

    /// A scratch copy of the `all` root with no libwebp at all: OF001 has no candidate (a
    /// person's step), OF002–OF004 still have theirs. The caller removes its parent directory.
    static func allWithoutWebp() throws -> String {
        let root = try DoctorEndToEndTests.scratchCopy(try #require(FixtureRoot.named("all")))
        for name in try FileManager.default.contentsOfDirectory(atPath: root + "/usr/lib/x86_64-linux-gnu") where name.hasPrefix("libwebp.so") {
            try FileManager.default.removeItem(atPath: root + "/usr/lib/x86_64-linux-gnu/" + name)
        }
        return root
    }

    /// The commands a text output offers to paste: from ofdoctor's path to the end of its line,
    /// continued over the lines a `\` ends (as a shell reads them); `eval "$(…)"` unwrapped.
    static func suggestedCommands(_ text: String) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var result: [String] = []
        var i = 0
        while i < lines.count {
            defer { i += 1 }
            guard let start = lines[i].range(of: Command.ofdoctorPath + " ") else { continue }
            var command = String(lines[i][start.lowerBound...])
            while command.hasSuffix("\\"), i + 1 < lines.count {
                i += 1
                command += "\n" + lines[i]
            }
            if command.hasSuffix(")\"") { command.removeLast(2) }
            result.append(command)
        }
        return result
    }

    /// A suggested command as one line: its continuations joined.
    static func oneLine(_ command: String) -> String {
        command.components(separatedBy: "\\\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    @Test("every command check and fix print works when pasted into a shell, options and program included",
          .enabled(if: FixtureRoot.isBuilt, "fixture roots not built: run `make fixtures`"))
    func pastedCommandsWork() throws {
        let fixture = try #require(FixtureRoot.named("all"))
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        // A relative --root and a program named by its path: the pasted command must not depend on either.
        let parent = (root as NSString).deletingLastPathComponent
        let args = ["--root", "root", "--env", "LD_LIBRARY_PATH=/opt/conda/lib", "--env", "PATH=/usr/bin:/bin", Self.program]
        let check = Command.run("/bin/sh", ["-c", "cd \"$0\" && exec \"$@\"", parent, Command.ofdoctorPath, "check"] + args,
                                environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NO_COLOR": "1"])
        #expect(check.status == 1, "\(check.stdout) \(check.stderr)")
        let fromCheck = Self.suggestedCommands(check.stdout)
        #expect(fromCheck.count == 2, "\(check.stdout)")
        let fix = Command.ofdoctor(["fix"] + args.map { $0 == "root" ? root : $0 })
        let fromFix = Self.suggestedCommands(fix.stdout)
        #expect(fromFix.count >= 3, "\(fix.stdout)")
        var ran: [String] = []
        for command in fromCheck + fromFix where !ran.contains(command) {
            ran.append(command)
            // Pasted in another directory: nothing may depend on where ofdoctor first ran.
            let result = Command.run("/bin/sh", ["-c", "cd / && " + command], environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NO_COLOR": "1"])
            #expect(result.status == 0 || result.status == 1 || result.status == 2, "`\(command)`: exit \(result.status) \(result.stdout.suffix(300)) \(result.stderr)")
            #expect(!result.stderr.contains("no such program") && !result.stderr.contains("ofdoctor:"), "`\(command)`: \(result.stderr)")
        }
        #expect(ran.map(Self.oneLine).contains { $0.contains(" fix --apply ") } && ran.map(Self.oneLine).contains { $0.contains(" undo ") }, "\(ran)")
    }
}

extension FixJourneyTests {
    /// A plan's numbered steps in `fix`'s text, each continued over the lines a `\` ends,
    /// without its number: the commands a person pastes one after another.
    static func planSteps(_ text: String) -> [String] {
        var steps: [String] = []
        var open = false
        for line in text.split(separator: "\n").map(String.init) {
            if open, var last = steps.popLast() {
                last += "\n" + line
                steps.append(last)
            } else if let number = line.range(of: #"^  [0-9]+\. +"#, options: .regularExpression) {
                steps.append(String(line[number.upperBound...]))
            } else {
                continue
            }
            open = line.hasSuffix("\\")
        }
        return steps
    }

    /// `commands` pasted into sh (from `/`) whose environment is `environment`: the run, and
    /// the environment a program started from that shell then gets (its LD_ variables as the
    /// shell has them after the commands).
    static func pasted(_ commands: String, environment: [String: String]) -> (Command.Result, [String: String]) {
        let ran = Command.run("/bin/sh", ["-ec", "cd /\n" + commands + "\nenv"],
                              environment: environment.merging(["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]) { $1 })
        var after = environment.filter { !$0.key.hasPrefix("LD_") }
        for line in ran.stdout.split(separator: "\n") where line.hasPrefix("LD_") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            after[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return (ran, after)
    }

    /// The command a text offers after `label`, continued over the lines a `\` ends.
    static func command(after label: String, in text: String) -> String {
        var command = ""
        var open = false
        for line in text.split(separator: "\n").map(String.init) {
            if let start = line.range(of: label) {
                command = line[start.upperBound...].trimmingCharacters(in: .whitespaces)
            } else if open {
                command += "\n" + line
            } else {
                continue
            }
            open = line.hasSuffix("\\")
        }
        return command
    }

    /// A command as a shell reads it: continuations joined, runs of blanks one space.
    static func flat(_ command: String) -> String {
        command.replacingOccurrences(of: "\\\n", with: " ").split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
    }

    /// The commands under `fix:` labels in check's text (each at the label's column, continued
    /// over deeper lines after a `\`), flattened.
    static func fixCommands(_ text: String) -> [String] {
        let column = String(repeating: " ", count: 15)
        var commands: [String] = []
        var inFix = false, continued = false
        for line in text.split(separator: "\n").map(String.init) {
            if line.hasPrefix("    fix:") {
                commands.append(String(line.dropFirst(15)))
                inFix = true
            } else if inFix && continued, let last = commands.popLast() {
                commands.append(last + "\n" + line)
            } else if inFix && line.hasPrefix(column) && !line.hasPrefix(column + " ") {
                commands.append(String(line.dropFirst(15)))
            } else {
                inFix = false
            }
            continued = inFix && line.hasSuffix("\\")
        }
        return Array(Set(commands.map(flat))).sorted()
    }

    @Test("fix's steps and check's fix: lines, pasted into sh in order, repair another root and touch nothing outside it; the real loader starts the program",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason))
    func pastedPlanStepsRepairTheRoot() throws {
        let fixture = try #require(FixtureRoot.named("all"))
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let env = DoctorEndToEndTests.envArguments(fixture)
        let fix = Command.ofdoctor(["fix", "--root", root, "FeatureExtraction"] + env, environment: ["COLUMNS": "72"])
        #expect(fix.status == 1, "\(fix.stdout) \(fix.stderr)")
        let steps = Self.planSteps(fix.stdout)
        #expect(steps.count >= 3, "\(fix.stdout)")
        // Every step writes inside the root it names, or only sets the shell's environment.
        for step in steps.map(Self.oneLine) {
            #expect(step.contains(" " + root + "/") || step.hasSuffix(" " + root) || step.contains(" -r " + root)
                    || step.hasPrefix("export ") || step.hasPrefix("unset "), "`\(step)` leaves the root")
        }
        // check's fix: lines are the same commands (each finding's share of them).
        let check = Command.ofdoctor(["check", "--root", root, "FeatureExtraction"] + env, environment: ["COLUMNS": "72"])
        let steps1 = Set(steps.map { Self.flat($0.components(separatedBy: "# fixes").first ?? "") })
        let fixLines = Self.fixCommands(check.stdout)
        #expect(Set(fixLines) == steps1, "check: \(fixLines)\nfix: \(steps1)")
        let before = Self.notFound(root: root, environment: fixture.environment)
        #expect(!before.isEmpty)
        // Pasted into the shell the program then runs from: its environment is what the
        // shell has after the steps.
        let (ran, environment) = Self.pasted(steps.joined(separator: "\n"), environment: fixture.environment)
        #expect(ran.status == 0, "\(steps) \(ran.stderr)")
        #expect(Self.notFound(root: root, environment: environment).isEmpty, "\(steps)")
        let started = RealLoader.run(root: root, program: "/launch", argv0: "launch",
                                     arguments: [Self.program, "FeatureExtraction", "-f", "face.jpg"], environment: environment)
        #expect(started.status == 0 && started.stdout.contains("BLAS ok"), "\(started)")
    }
}

extension FixJourneyTests {
    /// A broken copy of libLandmarkDetector.so met first: where it lies (the element itself,
    /// or its glibc-hwcaps subdirectory: x86-64-v2, the first level past the baseline, which
    /// every x86-64 CPU glibc-hwcaps knows of has) and how it is broken.
    struct BadCopy: CustomTestStringConvertible, Sendable {
        var directory: String
        /// Cut to its first 200 bytes (the loader refuses it: `file too short`-like), or to
        /// half, past its headers (it maps it and dies of SIGBUS, printing nothing).
        var half: Bool
        var testDescription: String { "\(directory), \(half ? "cut to half" : "cut to 200 bytes")" }
    }

    static let badCopies = [BadCopy(directory: "/opt/stale", half: false),
                            BadCopy(directory: "/opt/stale/glibc-hwcaps/x86-64-v2", half: false),
                            BadCopy(directory: "/opt/stale", half: true)]

    @Test("a broken libLandmarkDetector.so met first on LD_LIBRARY_PATH /opt/stale, in it or in its glibc-hwcaps subdirectory (LD010): the plan drops that element, and the real loader starts the program",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason), arguments: badCopies)
    func badCandidateDirectoryDropped(copy: BadCopy) throws {
        let fixture = try #require(FixtureRoot.named("healthy"))
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let good = try Data(contentsOf: URL(fileURLWithPath: root + "/opt/OpenFace/build/lib/libLandmarkDetector.so"))
        try FileManager.default.createDirectory(atPath: root + copy.directory, withIntermediateDirectories: true)
        try good.prefix(copy.half ? good.count / 2 : 200).write(to: URL(fileURLWithPath: root + copy.directory + "/libLandmarkDetector.so"))
        let environment = ["LD_LIBRARY_PATH": "/opt/stale:/opt/OpenFace/build/lib"]
        let env = ["--env", "LD_LIBRARY_PATH=/opt/stale:/opt/OpenFace/build/lib", "--env", "PATH=/opt/OpenFace/build/bin:/usr/bin:/bin"]
        let failing = DoctorEndToEndTests.runThroughProfile(root: root, environment: environment)
        if copy.half {
            try #require(failing.status == 128 + SIGBUS && failing.stderr.isEmpty, "the loader dies of SIGBUS, silently: \(failing)")
        } else {
            try #require(failing.stderr.contains(copy.directory + "/libLandmarkDetector.so"), "the loader meets the broken copy: \(failing)")
        }

        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "FeatureExtraction"] + env)
        #expect(check.status == 1, "\(check.stdout.prefix(600)) \(check.stderr)")
        let report = try JSONDecoder().decode(PlanJSON.self, from: Data(check.stdout.utf8))
        #expect(report.findings.filter { $0.severity == "error" }.map(\.id) == ["LD010"])
        if copy.half {
            let text = Command.ofdoctor(["check", "--root", root, "FeatureExtraction"] + env, environment: ["COLUMNS": "500"])
            #expect(text.stdout.contains("is cut short: the loader dies of SIGBUS loading it") && !text.stdout.contains("loader:"), "\(text.stdout)")
        }
        #expect(report.plan.map(DoctorEndToEndTests.describe) == ["env LD_LIBRARY_PATH=/opt/OpenFace/build/lib"])
        // tree draws the file the loader met, not a library it missed.
        let tree = Command.ofdoctor(["tree", "--root", root, "FeatureExtraction"] + env, environment: ["COLUMNS": "500"])
        #expect(tree.stdout.contains("libLandmarkDetector.so => \(copy.directory)/libLandmarkDetector.so stops the loader ("
                                     + (copy.half ? "killed by SIGBUS" : "")), "\(tree.stdout)")

        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "FeatureExtraction"] + env)
        #expect(apply.status == 0, "\(apply.stdout) \(apply.stderr)")
        let started = DoctorEndToEndTests.runThroughProfile(root: root, environment: environment)
        #expect(started.status == 0 && started.stdout.contains("BLAS ok"), "\(started)")
        #expect(FileManager.default.fileExists(atPath: root + copy.directory + "/libLandmarkDetector.so"), "the broken file is left alone")
        #expect(Command.ofdoctor(["undo", "--root", root]).status == 0)
    }
}

extension FixJourneyTests {
    struct EnvironmentStateJSON: Decodable {
        var status: String
        var onlyEnvironmentLeft: Bool
    }

    @Test("after fix --apply, an environment-only fix is told apart: the root is fixed, this environment is not",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason))
    func environmentOnlyLeft() throws {
        let fixture = try #require(FixtureRoot.named("of004"))
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let env = DoctorEndToEndTests.envArguments(fixture)
        func state() throws -> (Command.Result, EnvironmentStateJSON) {
            let result = Command.ofdoctor(["check", "--root", root, "--format", "json", "FeatureExtraction"] + env)
            return (result, try JSONDecoder().decode(EnvironmentStateJSON.self, from: Data(result.stdout.utf8)))
        }
        let (_, before) = try state()
        #expect(before.status == "fixable" && !before.onlyEnvironmentLeft)
        let wide = ["COLUMNS": "500"]   // sentences are looked for whole, not wrapped
        let check = Command.ofdoctor(["check", "--root", root, "FeatureExtraction"] + env, environment: wide)
        #expect(check.stdout.contains("all fixable") && !check.stdout.contains("the root is fixed"), "\(check.stdout)")

        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "FeatureExtraction"] + env)
        #expect(apply.status == 0, "\(apply.stdout) \(apply.stderr)")
        #expect(apply.stdout.contains("docker exec"), "who sees the change is said: \(apply.stdout)")
        // The container's own environment (no profile): still the shadowing LD_LIBRARY_PATH.
        let direct = RealLoader.run(root: root, program: "/launch", argv0: "launch",
                                    arguments: [Self.program, "FeatureExtraction"], environment: fixture.environment)
        #expect(direct.status != 0, "\(direct)")
        let (result, after) = try state()
        #expect(result.status == 1 && after.onlyEnvironmentLeft, "\(result.stdout.prefix(400))")
        let text = Command.ofdoctor(["check", "--root", root, "FeatureExtraction"] + env, environment: wide)
        #expect(text.stdout.contains("the root is fixed, the environment is not") && text.stdout.contains("eval"), "\(text.stdout)")
        // `this shell:`'s eval line, pasted into a shell with the container's environment,
        // gives the environment in which the real loader starts the program.
        let narrow = Command.ofdoctor(["check", "--root", root, "FeatureExtraction"] + env, environment: ["COLUMNS": "60"])
        let evalLine = Self.command(after: "this shell:", in: narrow.stdout)
        #expect(Self.flat(evalLine).hasPrefix("eval \"$("), "\(narrow.stdout)")
        let (shell, evaluated) = Self.pasted(evalLine, environment: fixture.environment)
        #expect(shell.status == 0, "`\(evalLine)`: \(shell.stderr)")
        let viaEval = RealLoader.run(root: root, program: "/launch", argv0: "launch",
                                     arguments: [Self.program, "FeatureExtraction", "-f", "face.jpg"], environment: evaluated)
        #expect(viaEval.status == 0 && viaEval.stdout.contains("BLAS ok"), "after `\(evalLine)`: \(evaluated) \(viaEval)")
        // With the corrected environment the same check is healthy, and so is the real loader.
        let corrected = Command.ofdoctor(["check", "--root", root, "FeatureExtraction"] + env + ["--env", "LD_LIBRARY_PATH=/opt/OpenFace/build/lib"])
        #expect(corrected.status == 0, "\(corrected.stdout)")
        let started = DoctorEndToEndTests.runThroughProfile(root: root, environment: fixture.environment)
        #expect(started.status == 0 && started.stdout.contains("BLAS ok"), "\(started)")
        #expect(Command.ofdoctor(["undo", "--root", root]).status == 0)
    }
}

extension FixJourneyTests {
    @Test("after check --image, the next steps are fix --image … --output (a repaired copy) and --format dockerfile, and both work when pasted",
          .enabled(if: FixtureRoot.isBuilt, "fixture roots not built: run `make fixtures`"))
    func imageNextStep() throws {
        let fixture = try #require(FixtureRoot.named("of001"))
        let directory = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let image = directory + "/image.tar"
        let made = ImageE2E.run("/usr/bin/env", ["python3", ImageE2E.packageRoot + "/Tests/Fixtures/make-image.py", image,
                                                 "--root", fixture.rootPath])
        try #require(made.status == 0, "make-image.py: \(made.stderr)")
        let check = Command.run("/bin/sh", ["-c", "cd \"$0\" && exec \"$@\"", directory, Command.ofdoctorPath, "check", "--image", "image.tar"],
                                environment: ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"])
        #expect(check.status == 1, "\(check.stdout) \(check.stderr)")
        let commands = Self.suggestedCommands(check.stdout)
        let fixed = directory + "/image-fixed.tar"
        #expect(commands.map(Self.oneLine) == ["\(Command.ofdoctorPath) fix --output \(fixed) --image \(image)",
                                              "\(Command.ofdoctorPath) fix --format dockerfile --image \(image)"], "\(check.stdout)")
        #expect(!check.stdout.contains("--apply"), "an image is read-only: \(check.stdout)")
        for command in commands {
            let result = Command.run("/bin/sh", ["-c", "cd / && " + command], environment: ["PATH": "/usr/bin:/bin"])
            #expect(result.status == 1 && (result.stdout.contains("RUN ") || result.stdout.contains("wrote \(fixed)")),
                    "`\(command)`: \(result.stdout) \(result.stderr)")
        }
        #expect(Command.ofdoctor(["check", "--image", fixed]).status == 0)
    }
}

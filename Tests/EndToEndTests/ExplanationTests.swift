import Foundation
import Testing

/// Explanations agree with their own data, and name what they see (issue 18 item 5).
@Suite("Explanations agree with their data", .serialized)
struct ExplanationTests {
    struct Report: Decodable {
        struct Searched: Decodable {
            var via: String
            var directories: [String]
        }
        struct Finding: Decodable {
            var id: String
            var summary: String
            var explanation: String
            var neededBy: [String]
            var searched: [Searched]
        }
        var findings: [Finding]
    }

    static func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-explain-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("OF001 names the libraries that need libwebp.so.7 — the four OpenFace libraries, as on the real image — not OpenCV",
          .enabled(if: FixtureRoot.named("of001") != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/patchelf"),
                   "needs the fixture roots and patchelf"))
    func of001FromItsData() throws {
        let fixture = try #require(FixtureRoot.named("of001"))
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let imgcodecs = root + "/usr/lib/x86_64-linux-gnu/libopencv_imgcodecs.so.406"
        #expect(Command.run("/usr/bin/patchelf", ["--remove-needed", "libwebp.so.7", imgcodecs]).status == 0)
        for library in ["LandmarkDetector", "FaceAnalyser", "GazeAnalyser", "Utilities"] {
            #expect(Command.run("/usr/bin/patchelf", ["--add-needed", "libwebp.so.7", root + "/opt/OpenFace/build/lib/lib\(library).so"]).status == 0)
        }
        let result = Command.ofdoctor(["check", "--root", root, "--format", "json", "FeatureExtraction"] + DoctorEndToEndTests.envArguments(fixture))
        let of001 = try #require(try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8)).findings.first { $0.id == "OF001" })
        #expect(of001.neededBy.count == 4 && of001.neededBy.allSatisfy { $0.hasPrefix("/opt/OpenFace/build/lib/") }, "\(of001.neededBy)")
        #expect(!of001.explanation.contains("imgcodecs") && !of001.explanation.contains("OpenCV"), "\(of001.explanation)")
        let first = (of001.neededBy[0] as NSString).lastPathComponent
        #expect(of001.explanation.contains("\(first) and 3 more were linked against libwebp.so.7"), "\(of001.explanation)")
        // The root's own libwebp.so.6, found where the cache says.
        #expect(of001.explanation.contains("only libwebp.so.6 (/lib/x86_64-linux-gnu/libwebp.so.6)"), "\(of001.explanation)")
    }

    @Test("an object file, a static archive and a linker script given as the program are named for what they are (exit 3)",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") && FileManager.default.isExecutableFile(atPath: "/usr/bin/ar"),
                   "needs gcc and ar"))
    func nonPrograms() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "int f(void) { return 1; }\n".write(toFile: dir + "/f.c", atomically: true, encoding: .utf8)
        #expect(Command.run("/usr/bin/gcc", ["-c", "-o", dir + "/f.o", dir + "/f.c"], environment: ["PATH": "/usr/bin:/bin"]).status == 0)
        #expect(Command.run("/usr/bin/ar", ["rcs", dir + "/libf.a", dir + "/f.o"]).status == 0)
        try "/* GNU ld script */\nOUTPUT_FORMAT(elf64-x86-64)\nGROUP ( /lib/x86_64-linux-gnu/libf.so.1 )\n".write(toFile: dir + "/libf.so", atomically: true, encoding: .utf8)
        for (file, what) in [("f.o", "is a relocatable object"), ("libf.a", "is a static archive"), ("libf.so", "is a linker script")] {
            for command in ["check", "tree"] {
                let result = Command.ofdoctor([command, "--root", dir, "/" + file])
                #expect(result.status == 3, "\(file): \(result.stdout) \(result.stderr)")
                #expect(result.stderr.hasPrefix("ofdoctor: /\(file) \(what)") && result.stderr.contains("not a program or a shared library"),
                        "\(file): \(result.stderr)")
                #expect(!result.stderr.contains("damaged") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            }
        }
    }

    @Test("machines are named: the AArch64 copy is EM_AARCH64, never e_machine 183",
          .enabled(if: FixtureRoot.rule("wrong-machine") != nil, "run build-rule-roots.sh"))
    func machineNames() throws {
        let fixture = try #require(FixtureRoot.rule("wrong-machine"))
        let arguments = ["--root", fixture.rootPath, "--env", "LD_LIBRARY_PATH=/app/arm:/app/lib", try #require(fixture.program)]
        let check = Command.ofdoctor(["check", "--format", "json"] + arguments)
        let finding = try #require(try JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8)).findings.first { $0.id == "LD007" })
        #expect(finding.summary.contains("EM_AARCH64 (AArch64)") && finding.explanation.contains("EM_X86_64"), "\(finding)")
        let tree = Command.ofdoctor(["tree", "--all"] + arguments, environment: ["COLUMNS": "500"])
        #expect(tree.stdout.contains("libleaf.so.1 => /app/lib/libleaf.so.1 [LD_LIBRARY_PATH] ! LD007"), "\(tree.stdout)")
        #expect(tree.stdout.contains("is for another machine (EM_AARCH64 (AArch64)), skipped"), "\(tree.stdout)")
        for output in [check.stdout, tree.stdout] { #expect(!output.contains("e_machine 183")) }
        // The program itself built for another machine: exit 3, named.
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: fixture.rootPath + (try #require(fixture.program))))
        bytes[18] = 183
        bytes[19] = 0
        try bytes.write(to: URL(fileURLWithPath: dir + "/arm"))
        let program = Command.ofdoctor(["check", "--root", dir, "/arm"])
        #expect(program.status == 3 && program.stderr.contains("a program for EM_AARCH64 (AArch64)"), "\(program.stderr)")
    }

    @Test("only a copy for another machine where the loader looks: LD002 says it skipped that file, not that the directories hold none; the real loader misses it",
          .enabled(if: FixtureRoot.rule("wrong-machine") != nil && RealLoader.canRunRoots, "run build-rule-roots.sh; needs root"))
    func skippedCopyNamed() throws {
        let fixture = try #require(FixtureRoot.rule("wrong-machine"))
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(Command.run("/bin/cp", ["-a", fixture.rootPath, dir + "/root"]).status == 0)
        try FileManager.default.removeItem(atPath: dir + "/root/app/lib/libleaf.so.1")
        let program = try #require(fixture.program)
        let environment = ["LD_LIBRARY_PATH": "/app/arm:/app/lib"]
        let real = RealLoader.run(root: dir + "/root", program: program, argv0: program, environment: environment)
        #expect(real.status == 127 && real.stderr.contains("libleaf.so.1: cannot open shared object file"), "\(real)")
        let check = Command.ofdoctor(["check", "--format", "json", "--root", dir + "/root", "--env", "LD_LIBRARY_PATH=/app/arm:/app/lib", program])
        let finding = try #require(try JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8)).findings.first { $0.id == "LD002" }, "\(check.stdout)")
        #expect(finding.explanation.contains("has no usable copy in the directories the loader searched: it skipped /app/arm/libleaf.so.1 (EM_AARCH64 (AArch64))"),
                "\(finding.explanation)")
        #expect(!finding.explanation.contains("is in none of the directories"), "\(finding.explanation)")
    }

    @Test("counts agree with their noun: a static program has 1 object",
          .enabled(if: FixtureRoot.named("healthy") != nil, "fixture roots not built: run `make fixtures`"))
    func plural() throws {
        let fixture = try #require(FixtureRoot.named("healthy"))
        let check = Command.ofdoctor(["check", "--root", fixture.rootPath, "/launch"], environment: ["COLUMNS": "500"])
        #expect(check.status == 0)
        #expect(check.stdout.contains("· 1 object") && !check.stdout.contains("1 objects"), "\(check.stdout)")
        #expect(check.stdout.contains("(1 note)"), "\(check.stdout)")
    }

    @Test("a directory two rules search is listed once: in searched, the text, and tree's tried lines",
          .enabled(if: FixtureRoot.named("of001") != nil, "fixture roots not built: run `make fixtures`"))
    func noRepeatedDirectories() throws {
        let fixture = try #require(FixtureRoot.named("of001"))
        let arguments = ["--root", fixture.rootPath, "FeatureExtraction",
                         "--env", "LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu:/opt/OpenFace/build/lib:/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu"]
        let check = Command.ofdoctor(["check", "--format", "json"] + arguments)
        let of001 = try #require(try JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8)).findings.first { $0.id == "OF001" })
        let directories = of001.searched.flatMap(\.directories)
        #expect(directories.count == Set(directories).count, "\(of001.searched)")
        #expect(directories.contains("/usr/lib/x86_64-linux-gnu") && directories.contains("/lib/x86_64-linux-gnu"))
        let text = Command.ofdoctor(["check", "--verbose"] + arguments, environment: ["COLUMNS": "1000"])
        let searched = try #require(text.stdout.split(separator: "\n").first { $0.contains("searched:") })
        #expect(searched.components(separatedBy: "/usr/lib/x86_64-linux-gnu,").count + searched.components(separatedBy: "/usr/lib/x86_64-linux-gnu;").count - 2 == 1,
                "\(searched)")
        let tree = Command.ofdoctor(["tree", "--all"] + arguments, environment: ["COLUMNS": "1000"])
        let tried = tree.stdout.split(separator: "\n").compactMap { line in line.range(of: "tried ").map { String(line[$0.upperBound...].prefix { $0 != ":" }) } }
        #expect(!tried.isEmpty && tried.count == Set(tried).count, "\(tried.count) tried, \(Set(tried).count) distinct")
    }
}

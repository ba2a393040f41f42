import Foundation
import Quoting
import Testing

/// `tree` tells the truth about the tree (issue 18 item 3): the findings and exit code of
/// `check`, every problem node marked with its finding's id in text, JSON and dot, the object
/// named as the loader looked for it, and `LD_PRELOAD` objects in the text tree.
@Suite("tree: check's findings on the nodes they are about", .serialized)
struct TreeTruthTests {
    struct TreeJSON: Decodable {
        struct Object: Decodable {
            var path: String
            var findings: [String]
        }
        struct Finding: Decodable {
            var id: String
            var summary: String
        }
        var status: String
        var objects: [Object]
        var findings: [Finding]
    }
    struct CheckJSON: Decodable {
        struct Finding: Decodable {
            var id: String
            var summary: String
        }
        var status: String
        var findings: [Finding]
    }

    /// Every fixture root with its program and environment arguments.
    static var targets: [(name: String, arguments: [String])] { TextWidthTests.targets }

    @Test("on every fixture root: tree's exit code, status and findings are check's",
          .enabled(if: FixtureRoot.isBuilt, "fixture roots not built: run `make fixtures`"))
    func sameAsCheck() throws {
        var compared = 0, failing = 0
        for target in Self.targets {
            let check = Command.ofdoctor(["check", "--format", "json"] + target.arguments)
            let checked = try JSONDecoder().decode(CheckJSON.self, from: Data(check.stdout.utf8))
            for format in ["text", "json", "dot"] {
                let tree = Command.ofdoctor(["tree", "--format", format] + target.arguments)
                #expect(tree.status == check.status, "\(target.name) tree --format \(format): exit \(tree.status), check \(check.status)")
            }
            let tree = try JSONDecoder().decode(TreeJSON.self, from: Data(Command.ofdoctor(["tree", "--format", "json"] + target.arguments).stdout.utf8))
            #expect(tree.status == checked.status, "\(target.name)")
            #expect(tree.findings.map(\.id) == checked.findings.map(\.id) && tree.findings.map(\.summary) == checked.findings.map(\.summary),
                    "\(target.name): tree \(tree.findings.map(\.id)) check \(checked.findings.map(\.id))")
            let text = Command.ofdoctor(["tree"] + target.arguments, environment: ["COLUMNS": "500"])
            for finding in checked.findings {
                #expect(text.stdout.contains(finding.id + "  " + TerminalEscape.visible(finding.summary)), "\(target.name): \(finding.id) not listed under the tree")
            }
            // Every object JSON puts a finding on is marked with its id in the text tree: the
            // program on the first line, a library on the line that shows it first.
            let lines = text.stdout.split(separator: "\n").map(String.init)
            for (position, object) in tree.objects.enumerated() where !object.findings.isEmpty {
                let path = TerminalEscape.visible(object.path)
                let line = position == 0 ? lines.first : lines.first { $0.contains("=> \(path) [") || $0.contains("── \(path) [") }
                for id in object.findings {
                    #expect(line?.contains(" " + id) == true, "\(target.name): \(object.path)'s \(id) not on its line \(line ?? "(none)")")
                }
            }
            compared += 1
            if check.status != 0 { failing += 1 }
        }
        print("tree vs check: \(compared) roots compared, \(failing) with problems")
        #expect(failing >= 10 && compared >= 20)
    }

    @Test("a shadowing library: tree is not clean; its node carries the id in text, JSON and dot, in red",
          .enabled(if: FixtureRoot.rule("shadowing") != nil, "run build-rule-roots.sh"))
    func shadowingMarked() throws {
        let fixture = try #require(FixtureRoot.rule("shadowing"))
        let arguments = ["--root", fixture.rootPath, "--env", "LD_LIBRARY_PATH=/app/old", try #require(fixture.program)]
        let text = Command.ofdoctor(["tree"] + arguments, environment: ["COLUMNS": "500"])
        #expect(text.status == 1)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        for library in ["libshade.so.1", "libtint.so.1"] {
            #expect(lines.contains { $0.contains("\(library) => /app/old/\(library) [LD_LIBRARY_PATH] ✗ LD003") }, "\(text.stdout)")
        }
        // The unversioned miss is on the copy LD_LIBRARY_PATH supplied to the object whose
        // references fail, where the copy it hides defines them.
        #expect(lines.contains { $0.contains("libplain.so.1 => /app/old/libplain.so.1 [LD_LIBRARY_PATH] ✗ LD004") }, "\(text.stdout)")
        let json = try JSONDecoder().decode(TreeJSON.self, from: Data(Command.ofdoctor(["tree", "--format", "json"] + arguments).stdout.utf8))
        #expect(json.objects.first { $0.path == "/app/old/libshade.so.1" }?.findings == ["LD003"])
        #expect(json.objects.filter { $0.path.hasSuffix("/libc.so.6") }.allSatisfy { $0.findings.isEmpty })
        let dot = Command.ofdoctor(["tree", "--format", "dot"] + arguments).stdout
        let node = try #require(dot.split(separator: "\n").first { $0.contains("tooltip=\"/app/old/libshade.so.1\"") })
        #expect(node.contains("LD003") && node.contains("color=red"), "\(node)")
    }

    @Test("conda's libffi in dot: labelled libffi.so.7 (the name looked up), red, with OF004",
          .enabled(if: FixtureRoot.named("of004") != nil, "fixture roots not built: run `make fixtures`"))
    func condaLibffiDot() throws {
        let fixture = try #require(FixtureRoot.named("of004"))
        let dot = Command.ofdoctor(["tree", "--format", "dot", "--root", fixture.rootPath, "FeatureExtraction"] + DoctorEndToEndTests.envArguments(fixture))
        #expect(dot.status == 1)
        let node = try #require(dot.stdout.split(separator: "\n").first { $0.contains("tooltip=\"/opt/conda/lib/libffi.so.7\"") })
        #expect(node.contains("label=\"libffi.so.7\\n") && node.contains("OF004") && node.contains("color=red"), "\(node)")
    }

    @Test("a missing library: exit non-zero, its line marked, as libtree exits non-zero",
          .enabled(if: FixtureRoot.named("of001") != nil, "fixture roots not built: run `make fixtures`"))
    func missingLibrary() throws {
        let fixture = try #require(FixtureRoot.named("of001"))
        let text = Command.ofdoctor(["tree", "--root", fixture.rootPath, "FeatureExtraction"] + DoctorEndToEndTests.envArguments(fixture),
                                    environment: ["COLUMNS": "500"])
        #expect(text.status == 1)
        #expect(text.stdout.contains("libwebp.so.7 not found (cannot open shared object file: No such file or directory) ✗ OF001"), "\(text.stdout)")
    }

    @Test("LD_PRELOAD objects are in the text tree, a failed one marked LD013",
          .enabled(if: FixtureRoot.rule("preload") != nil, "run build-rule-roots.sh"))
    func preloadsShown() throws {
        let fixture = try #require(FixtureRoot.rule("preload"))
        let text = Command.ofdoctor(["tree", "--root", fixture.rootPath, "--env", "LD_PRELOAD=/app/lib/libpreload.so /missing.so",
                                     try #require(fixture.program)], environment: ["COLUMNS": "500"])
        #expect(text.status == 0, "an ignored preload is a warning: \(text.stdout)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count > 1 && lines[1].contains("/app/lib/libpreload.so [LD_PRELOAD]"), "\(text.stdout)")
        #expect(lines.contains { $0.contains("/missing.so cannot be preloaded") && $0.hasSuffix("! LD013") }, "\(text.stdout)")
    }
}

import Foundation
import Doctor
import Testing

/// Every command's JSON held to docs/json.md (issue 18): each documented field present,
/// `null` when empty, of its documented type, and no field the page does not describe.
@Suite("JSON output against docs/json.md")
struct JSONContractTests {
    /// One command line whose output is checked, with the command's name in the page's
    /// table of documents.
    struct Run: CustomStringConvertible {
        var document: String
        var arguments: [String]
        /// Run as uid 1000 (`setpriv`), for what only a user other than root meets.
        var asUser = false
        var description: String { (asUser ? "(uid 1000) " : "") + arguments.joined(separator: " ") }
    }

    static let program = DoctorEndToEndTests.program

    /// check, fix, tree and env on every OpenFace fixture (healthy, fixable, needing a
    /// person); check and tree on every single-rule root; resources on an empty and a
    /// damaged folder; check and tree of a host program.
    static func runs(resources: [String]) -> [Run] {
        var runs: [Run] = []
        for fixture in FixtureRoot.all {
            let target = ["--root", fixture.rootPath] + DoctorEndToEndTests.envArguments(fixture) + ["FeatureExtraction"]
            for command in ["check", "fix", "tree", "env"] {
                runs.append(Run(document: "\(command) --format json", arguments: [command, "--format", "json"] + target))
            }
        }
        for fixture in FixtureRoot.allRules {
            guard let program = fixture.program else { continue }
            let target = ["--root", fixture.rootPath] + DoctorEndToEndTests.envArguments(fixture) + [program]
            for command in ["check", "tree"] {
                runs.append(Run(document: "\(command) --format json", arguments: [command, "--format", "json"] + target))
            }
        }
        for command in ["check", "tree", "env"] {
            runs.append(Run(document: "\(command) --format json", arguments: [command, "--format", "json", "/bin/sh"]))
        }
        for directory in resources {
            runs.append(Run(document: "resources --format json", arguments: ["resources", "--format", "json", directory]))
        }
        return runs
    }

    /// A docker_resources folder with a few damaged items: an HTML page in place of the
    /// zip, a Git LFS pointer for a weight file.
    static func damagedResources() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-json-res-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/pretrained_weights", withIntermediateDirectories: true)
        try Data("<!DOCTYPE html><html><body>Not Found</body></html>".utf8).write(to: URL(fileURLWithPath: dir + "/deepspeech-0_1_0-b90017e8.pb.zip"))
        try Data("version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 12\n".utf8)
            .write(to: URL(fileURLWithPath: dir + "/pretrained_weights/resnet18-5c106cde.pth"))
        return dir
    }

    @Test("docs/json.md parses: every command's document and every object it refers to has a table")
    func contractReads() throws {
        let contract = try JSONContract.load()
        #expect(Set(contract.documents.keys) == ["check --format json", "fix --format json", "tree --format json",
                                                 "env --format json", "resources --format json"])
        for (command, document) in contract.documents {
            #expect(contract.objects[document] != nil, "\(command): no table \(document)")
        }
        for (table, fields) in contract.objects {
            for field in fields {
                for name in JSONContract.referencedObjects(field.type) {
                    #expect(contract.objects[name] != nil, "\(table).\(field.name) refers to \(name), which has no table")
                }
            }
        }
    }

    @Test("the rule names docs/json.md lists are the doctor's rules, all of them")
    func ruleNames() throws {
        let contract = try JSONContract.load()
        let rule = try #require(contract.objects["Finding"]?.first { $0.name == "rule" })
        #expect(rule.type == .oneOf(Rule.allCases.map(\.rawValue)))
    }

    /// The findings documents are where a finding's id leads a user: every rule is in one,
    /// a general one in a section heading of docs/findings.md, a model-file one in
    /// docs/findings-openface.md's sections.
    @Test("docs/findings.md and docs/findings-openface.md describe every rule the doctor reports")
    func findingsDocumented() throws {
        let general = try String(contentsOfFile: Command.packageRoot + "/docs/findings.md", encoding: .utf8)
        let openFace = try String(contentsOfFile: Command.packageRoot + "/docs/findings-openface.md", encoding: .utf8)
        let headings = general.split(separator: "\n").filter { $0.hasPrefix("## ") }
        for rule in Rule.allCases {
            let named = "`\(rule.rawValue)`"
            #expect(headings.contains { $0.contains(named) } || openFace.contains("Rule " + named), "no section describes \(rule.rawValue)")
        }
    }

    @Test("every command's JSON on healthy and broken roots: each field present, of its documented type, none undocumented",
          .enabled(if: FixtureRoot.isBuilt, "fixture roots not built: run `make fixtures`"), .timeLimit(.minutes(10)))
    func outputsMatchContract() throws {
        let contract = try JSONContract.load()
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-json-empty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let damaged = try Self.damagedResources()
        defer {
            try? FileManager.default.removeItem(atPath: empty)
            try? FileManager.default.removeItem(atPath: damaged)
        }
        var visited: Set<String> = []
        var statuses: [String: Set<String>] = [:]
        var runs = Self.runs(resources: [empty, damaged])
        #expect(runs.count > 60, "fixture roots missing: \(runs.count) runs")
        // A directory the candidate search may not list (UnreadableDirectory) only a user
        // other than root meets: its library directory 0700 of root.
        var unlisted: String?
        if HostSecureExecutionTests.available {
            let work = try HostSecureExecutionTests.makeDirectory(setup: "chmod 700 lib")
            unlisted = work
            runs.append(Run(document: "check --format json",
                            arguments: ["check", "--format", "json", "--env", "LD_LIBRARY_PATH=\(work)/lib", work + "/prog"], asUser: true))
        }
        defer { if let unlisted { try? FileManager.default.removeItem(atPath: unlisted) } }
        for run in runs {
            let result = run.asUser ? HostSecureExecutionTests.ofdoctorAsUser(run.arguments) : Command.ofdoctor(run.arguments)
            #expect([0, 1, 2].contains(result.status), "\(run): exit \(result.status) \(result.stderr)")
            let document = try #require(contract.documents[run.document], "\(run.document) is not in docs/json.md")
            // Foundation's pretty printer wrote `{`, a blank line, `}` for an empty object.
            #expect(!result.stdout.contains("{\n\n") && !result.stdout.contains("[\n\n"), "\(run): an empty container over lines")
            let value = try JSONValue.parse(result.stdout)
            let found = contract.violations(value, as: .object(document), at: document, visited: &visited)
            #expect(found.isEmpty, "\(run):\n\(found.prefix(20).joined(separator: "\n"))")
            if case .object(let members) = value, case .string(let status)? = members["status"] {
                statuses[run.document, default: []].insert(status)
            }
        }
        // The runs reach every object the page describes, and every verdict.
        let reachable = unlisted == nil ? Set(contract.objects.keys).subtracting(["UnreadableDirectory"]) : Set(contract.objects.keys)
        #expect(visited.isSuperset(of: reachable) && visited.isSubset(of: contract.objects.keys),
                "never seen: \(reachable.subtracting(visited).sorted())")
        #expect(statuses["check --format json"] == ["healthy", "fixable", "unfixable"], "\(statuses)")
        #expect(statuses["resources --format json"] == ["problems"], "\(statuses)")
    }

    @Test("empty objects and arrays print as {} and []; a value that looks like one keeps its spaces")
    func emptyContainers() throws {
        let result = Command.ofdoctor(["env", "--format", "json", "--env", "LD_X={   }", "--env", "LD_Y=[ ]", "/bin/true"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"unset\" : []"), "\(result.stdout)")
        let value = try JSONValue.parse(result.stdout)
        #expect(value == .object(["schema": .integer(1), "unset": .array([]),
                                  "environment": .object(["LD_X": .string("{   }"), "LD_Y": .string("[ ]")])]), "\(result.stdout)")
    }

    @Test("the check holds: a field dropped, a field added, a null where a list belongs and a value outside its set are each reported",
          .enabled(if: FixtureRoot.isBuilt, "fixture roots not built: run `make fixtures`"))
    func violationsAreFound() throws {
        let contract = try JSONContract.load()
        let fixture = try #require(FixtureRoot.named("of001"))
        let result = Command.ofdoctor(["check", "--format", "json", "--root", fixture.rootPath] + DoctorEndToEndTests.envArguments(fixture) + ["FeatureExtraction"])
        guard case .object(var report) = try JSONValue.parse(result.stdout), case .array(var findings)? = report["findings"],
              case .object(var finding)? = findings.first else {
            Issue.record("no finding in \(result.stdout.prefix(300))")
            return
        }
        var visited: Set<String> = []
        #expect(contract.violations(.object(report), as: .object("Report"), at: "Report", visited: &visited).isEmpty)

        finding["remedy"] = nil
        finding["undocumentedField"] = .array([])
        finding["candidates"] = .null
        finding["severity"] = .string("fatal")
        findings[0] = .object(finding)
        report["findings"] = .array(findings)
        report["schema"] = .string("1")
        let found = contract.violations(.object(report), as: .object("Report"), at: "Report", visited: &visited)
        #expect(found.contains { $0.contains("remedy") && $0.contains("missing") }, "\(found)")
        #expect(found.contains { $0.contains("undocumentedField") && $0.contains("not documented") }, "\(found)")
        #expect(found.contains { $0.contains("candidates") && $0.contains("null") }, "\(found)")
        #expect(found.contains { $0.contains("\"fatal\"") }, "\(found)")
        #expect(found.contains { $0.contains("Report.schema") }, "\(found)")
        #expect(found.count == 5, "\(found)")
    }
}

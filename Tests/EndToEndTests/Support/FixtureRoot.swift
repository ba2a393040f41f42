import Foundation

/// A container-like root filesystem built from real ELF files by
/// `Tests/Fixtures/build-roots.sh` (`<directory>/<name>/{root,env}`) or
/// `Tests/Fixtures/build-rule-roots.sh` (`<directory>/rules/<name>/{root,env,program}`) or
/// `Tests/Fixtures/build-generated-roots.py` (`<directory>/generated/<NNN>/{root,env,program}`).
struct FixtureRoot: Sendable, Hashable, CustomStringConvertible {
    /// The variant's name: `healthy`, `of001`, … or a rule name such as `rpath-inherited`.
    var name: String
    /// Absolute host path of the root filesystem (the directory to chroot into).
    var rootPath: String
    /// The container's environment, from the variant's `env` file.
    var environment: [String: String]
    /// The program the root exercises, as a path inside the root (the `program` file;
    /// `nil` when the variant has none).
    var program: String?

    var description: String { name }

    /// `--env NAME=VALUE` for each variable of the environment, sorted: how the CLI is told
    /// the target's environment.
    var environmentArguments: [String] {
        environment.sorted { $0.key < $1.key }.flatMap { ["--env", "\($0.key)=\($0.value)"] }
    }

    /// `<package root>/Tests/Fixtures`: the build scripts and `run-in-root.sh`.
    static var scriptsDirectory: String {
        packageRoot.appendingPathComponent("Tests/Fixtures").path
    }

    /// `<package root>/.build/fixtures`, where `build-roots.sh` is asked to put the roots;
    /// `OFDOCTOR_FIXTURES` names another (a sweep's roots of other seeds, beside them).
    static var directory: String {
        ProcessInfo.processInfo.environment["OFDOCTOR_FIXTURES"] ?? packageRoot.appendingPathComponent(".build/fixtures").path
    }

    /// The OpenFace fixture roots have been built (`build-roots.sh .build/fixtures`).
    static var isBuilt: Bool {
        FileManager.default.isExecutableFile(atPath: directory + "/healthy/root/launch")
    }

    /// The OpenFace variant `name` (`healthy`, `of001`, `all`, …), or nil if not built.
    static func named(_ name: String) -> FixtureRoot? {
        load(name: name, from: directory + "/" + name)
    }

    /// Every OpenFace variant that has been built, sorted by name.
    static var all: [FixtureRoot] {
        variants(in: directory)
    }

    /// The single-rule root `name` (`<directory>/rules/<name>`), or nil if not built.
    static func rule(_ name: String) -> FixtureRoot? {
        load(name: name, from: directory + "/rules/" + name)
    }

    /// Every single-rule root that has been built, sorted by name.
    static var allRules: [FixtureRoot] {
        variants(in: directory + "/rules")
    }

    /// The rule roots with glibc 2.41's loader and libraries (`retarget-rule-roots.sh`),
    /// named `trixie-<rule>`.
    static var allRulesTrixie: [FixtureRoot] {
        variants(in: directory + "/rules-trixie").map { var root = $0; root.name = "trixie-" + root.name; return root }
    }

    /// Every root `build-generated-roots.py` made: `<directory>/generated/<NNN>` (this
    /// machine's glibc), then `<directory>/generated-bullseye/<NNN>` (glibc 2.31, named
    /// `bullseye-NNN`) and `<directory>/generated-trixie/<NNN>` (glibc 2.41, `trixie-NNN`),
    /// each sorted.
    static var allGenerated: [FixtureRoot] {
        variants(in: directory + "/generated")
            + variants(in: directory + "/generated-bullseye").map { var root = $0; root.name = "bullseye-" + root.name; return root }
            + variants(in: directory + "/generated-trixie").map { var root = $0; root.name = "trixie-" + root.name; return root }
            // (made by hand only: docs/reliability.md, "glibc 2.43")
            + variants(in: directory + "/generated-forky").map { var root = $0; root.name = "forky-" + root.name; return root }
            // (`--split-usr`, glibc 2.31 in `make test`, the others by hand: docs/reliability.md,
            // "A root without merged /usr")
            + ["bullseye-split", "split", "trixie-split"].flatMap { kind in
                variants(in: directory + "/generated-" + kind).map { var root = $0; root.name = kind + "-" + root.name; return root }
            }
    }

    /// Reads a variant directory holding `root/`, `env` and optionally `program`.
    static func load(name: String, from variantDirectory: String) -> FixtureRoot? {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        let root = variantDirectory + "/root"
        guard fileManager.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue,
              let envText = try? String(contentsOfFile: variantDirectory + "/env", encoding: .utf8)
        else { return nil }
        let program = (try? String(contentsOfFile: variantDirectory + "/program", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return FixtureRoot(
            name: name, rootPath: root, environment: parseEnvironment(envText),
            program: program?.isEmpty == false ? program : nil)
    }

    /// Parses an `env` file: one `NAME=VALUE` a line; empty lines and `#` comments
    /// are skipped, as `run-in-root.sh` does. `NAME=` is a variable set but empty.
    static func parseEnvironment(_ text: String) -> [String: String] {
        var environment: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
            environment[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return environment
    }

    private static func variants(in parent: String) -> [FixtureRoot] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        return names.sorted().compactMap { load(name: $0, from: parent + "/" + $0) }
    }

    /// Four levels up from this file: Tests/EndToEndTests/Support/FixtureRoot.swift.
    private static var packageRoot: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
    }
}

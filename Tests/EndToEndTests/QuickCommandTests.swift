import Foundation
import Testing

/// `tree` and `check` in their plain forms are read without ArgumentParser (QuickCommand).
/// The same command line with `--` before the program goes through ArgumentParser: both must
/// print the same and exit the same, on the host and on a fixture root, broken or not.
@Suite("tree and check read without ArgumentParser mean what ArgumentParser reads")
struct QuickCommandTests {
    static var cases: [[String]] {
        var cases: [[String]] = [
            ["tree", "/bin/true"], ["tree", "-a", "/bin/true"], ["tree", "--all", "--format", "json", "/bin/true"],
            ["tree", "--format=dot", "/bin/true"], ["check", "/bin/true"], ["check", "--format", "json", "/bin/true"],
            ["check", "/no/such/program"], ["tree", "--root", "/", "/bin/true"],
            // Left to ArgumentParser (a repeated option): the last value wins there.
            ["tree", "--root", "/", "--root", "/", "/bin/true"],
        ]
        if let fixture = FixtureRoot.named("all") {
            cases += [
                ["check", "--root", fixture.rootPath, "/opt/OpenFace/build/bin/FeatureExtraction"],
                ["check", "--format=json", "--root=" + fixture.rootPath, "/opt/OpenFace/build/bin/FeatureExtraction"],
                ["tree", "--root", fixture.rootPath, "-a", "/opt/OpenFace/build/bin/FeatureExtraction"],
            ]
        }
        return cases
    }

    @Test("the plain form and the form with -- give the same output and exit code", arguments: cases)
    func sameAsArgumentParser(_ arguments: [String]) {
        let plain = Command.ofdoctor(arguments, environment: ["NO_COLOR": "1"])
        let parsed = Command.ofdoctor(arguments.dropLast() + ["--", arguments.last!], environment: ["NO_COLOR": "1"])
        #expect(plain.status == parsed.status)
        #expect(plain.stdout == parsed.stdout)
        #expect(plain.stderr == parsed.stderr)
        #expect(!plain.stdout.isEmpty || !plain.stderr.isEmpty)
    }

    @Test("forms it does not read are ArgumentParser's: usage errors stay one line and exit 64",
          arguments: [["tree", "a", "b"], ["tree", "--root"], ["check", "--all", "/bin/true"], ["tree", "--format", "yaml", "/bin/true"]])
    func otherFormsStayWithArgumentParser(_ arguments: [String]) {
        let result = Command.ofdoctor(arguments)
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.hasPrefix("ofdoctor: ") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }
}

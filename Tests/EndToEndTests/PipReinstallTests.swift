import Foundation
import Testing

/// A library a wheel brought (pyzmq's bundled `pyzmq.libs/libzmq-….so`), cut short: the
/// check names the distribution pip's RECORD says installed it, and the pip command in the
/// remedy, pasted, repairs it. Judges: `pip show` for the name and version, and the
/// interpreter importing the module (killed by the loader before, importing after).
@Suite("A damaged library from a wheel: the distribution named, its pip command pasted")
struct PipReinstallTests {
    /// A virtual environment with pyzmq from the package index, or nil where python3 has no
    /// venv or pip cannot fetch it.
    static let venv: String? = {
        let dir = NSTemporaryDirectory() + "ofdoctor-pip-" + UUID().uuidString
        let made = Command.run("/usr/bin/env", ["python3", "-m", "venv", dir], environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
        guard made.status == 0 else { return nil }
        let installed = Command.run(dir + "/bin/python", ["-m", "pip", "install", "-q", "--no-deps", "pyzmq"])
        guard installed.status == 0 else {
            try? FileManager.default.removeItem(atPath: dir)
            return nil
        }
        return dir
    }()

    /// The first file under `directory` whose name starts with `prefix` and ends with `suffix`.
    static func file(under directory: String, prefix: String, suffix: String = "") -> String? {
        let names = (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String]) ?? []
        return names.sorted().first { name in
            let last = (name as NSString).lastPathComponent
            return last.hasPrefix(prefix) && last.hasSuffix(suffix)
        }.map { directory + "/" + $0 }
    }

    @Test("LD010's remedy (cut short) and LD002's step (gone) name pyzmq at pip show's version, with its pip command; pasted, the module imports again",
          .enabled(if: venv != nil, "needs python3 with venv, and pip able to fetch pyzmq from the package index"))
    func reinstall() throws {
        let venv = try #require(Self.venv)
        defer { try? FileManager.default.removeItem(atPath: venv) }
        let python = venv + "/bin/python"
        let site = try #require(Self.file(under: venv + "/lib", prefix: "site-packages"))
        let module = try #require(Self.file(under: site + "/zmq/backend/cython", prefix: "_zmq.", suffix: ".so"))
        let library = try #require(Self.file(under: site + "/pyzmq.libs", prefix: "libzmq-"))
        let shown = Command.run(python, ["-m", "pip", "show", "pyzmq"]).stdout
        let version = try #require(shown.split(separator: "\n").first { $0.hasPrefix("Version: ") }.map { String($0.dropFirst(9)) })

        let size = try #require(try FileManager.default.attributesOfItem(atPath: library)[.size] as? Int)
        try #require(truncate(library, off_t(size / 2)) == 0)
        let broken = Command.run(python, ["-c", "import zmq"])
        #expect(broken.status != 0, "the loader dies on the cut library: \(broken)")

        let check = Command.ofdoctor(["check", "--format", "json", module])
        let json = try #require(try? JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check)")
        let findings = json["findings"] as? [[String: Any]] ?? []
        let remedy = try #require(findings.first { $0["id"] as? String == "LD010" }?["remedy"] as? String, "\(findings)")
        let head = "Reinstall the Python package pyzmq \(version) ("
        #expect(remedy.hasPrefix(head), "\(remedy)")
        let command = try #require(remedy.dropFirst(head.count).components(separatedBy: "), the package that installed ").first)
        #expect(command == "\(venv)/bin/python3.\(Self.minor(python)) -m pip install --force-reinstall --no-deps pyzmq==\(version)", "\(command)")

        let pasted = Command.run("/bin/sh", ["-c", command])
        #expect(pasted.status == 0, "\(command): \(pasted)")
        #expect(Command.run(python, ["-c", "import zmq"]).status == 0)
        let after = Command.ofdoctor(["check", "--format", "json", module])
        let afterJSON = try #require(try? JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any], "\(after)")
        #expect(!((afterJSON["findings"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == "LD010" })

        // Gone altogether: the person's step for the missing library names the same
        // distribution (its RECORD, beside the module that needs it), and pasted, repairs it.
        try FileManager.default.removeItem(atPath: library)
        #expect(Command.run(python, ["-c", "import zmq"]).status != 0)
        let gone = Command.ofdoctor(["check", "--format", "json", module])
        let goneJSON = try #require(try? JSONSerialization.jsonObject(with: Data(gone.stdout.utf8)) as? [String: Any], "\(gone)")
        let steps = goneJSON["personSteps"] as? [[String: Any]] ?? []
        let step = try #require(steps.compactMap { $0["remedy"] as? String }.first { $0.hasPrefix("reinstall the Python package pyzmq \(version) (") },
                                "\(steps)")
        #expect(step.hasSuffix("): its RECORD lists \(library), and it is gone"), "\(step)")
        let again = try #require(step.dropFirst("reinstall the Python package pyzmq \(version) (".count).components(separatedBy: "): its RECORD").first)
        #expect(again == command)
        #expect(Command.run("/bin/sh", ["-c", again]).status == 0)
        #expect(Command.run(python, ["-c", "import zmq"]).status == 0)
    }

    /// The interpreter's minor version (the `X` of `python3.X`).
    static func minor(_ python: String) -> String {
        Command.run(python, ["-c", "import sys; print(sys.version_info[1])"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

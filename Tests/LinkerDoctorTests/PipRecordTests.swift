@testable import Doctor
import Foundation
import RootFS
import Testing

/// Which Python distribution installed a file, read from the RECORDs pip writes: rows as
/// CSV quotes them, paths that climb out of `site-packages` (MKL's `../../../lib/…`), and
/// the command only where pip can fetch that version again.
@Suite("PipRecord: the Python distribution that installed a file")
struct PipRecordTests {
    /// A prefix `/opt/conda` with an interpreter and two distributions in its site-packages.
    static func makeRoot(installer: String, version: String) throws -> String {
        let root = NSTemporaryDirectory() + "ofdoctor-piprecord-" + UUID().uuidString
        let site = root + "/opt/conda/lib/python3.8/site-packages"
        let manager = FileManager.default
        for directory in [site + "/mkl-2023.1.0.dist-info", site + "/odd.dist-info", site + "/torch/lib", root + "/opt/conda/bin"] {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try manager.copyItem(atPath: "/usr/bin/true", toPath: root + "/opt/conda/bin/python3.8")
        try "Metadata-Version: 2.1\nName: mkl\nVersion: \(version)\nSummary: x\n\nName: not-this\n"
            .write(toFile: site + "/mkl-2023.1.0.dist-info/METADATA", atomically: true, encoding: .utf8)
        try "\(installer)\n".write(toFile: site + "/mkl-2023.1.0.dist-info/INSTALLER", atomically: true, encoding: .utf8)
        try """
            ../../../lib/libmkl_rt.so.2,sha256=abc,100
            "../../../lib/libmkl_core,odd.so.2",sha256=abc,100
            "../../../lib/with ""quote"".so",,
            mkl-2023.1.0.dist-info/RECORD,,

            """.write(toFile: site + "/mkl-2023.1.0.dist-info/RECORD", atomically: true, encoding: .utf8)
        // A distribution whose name would not be one word to a shell: never named.
        try "Name: rm -rf\nVersion: 1\n".write(toFile: site + "/odd.dist-info/METADATA", atomically: true, encoding: .utf8)
        try "torch/lib/libodd.so,,\n".write(toFile: site + "/odd.dist-info/RECORD", atomically: true, encoding: .utf8)
        return root
    }

    @Test("rows, quoted fields and climbing paths; the interpreter of the prefix; the command for pip's own")
    func owners() throws {
        let dir = try Self.makeRoot(installer: "pip", version: "2023.1.0")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let record = PipRecord(root: RootView(try LocalRoot(directory: dir)))
        let found = record.owners(of: ["/opt/conda/lib/libmkl_rt.so.2", "/opt/conda/lib/libmkl_core,odd.so.2",
                                       "/opt/conda/lib/with \"quote\".so", "/opt/conda/lib/libother.so",
                                       "/opt/conda/lib/python3.8/site-packages/torch/lib/libodd.so"])
        #expect(Set(found.keys) == ["/opt/conda/lib/libmkl_rt.so.2", "/opt/conda/lib/libmkl_core,odd.so.2", "/opt/conda/lib/with \"quote\".so"])
        let owner = try #require(found["/opt/conda/lib/libmkl_rt.so.2"])
        #expect(owner == PipRecord.Owner(name: "mkl", version: "2023.1.0", installer: "pip", interpreter: RootPath("/opt/conda/bin/python3.8")))
        #expect(owner.reinstallWords == ["/opt/conda/bin/python3.8", "-m", "pip", "install", "--force-reinstall", "--no-deps", "mkl==2023.1.0"])
        #expect(PipRecord.reinstallText(owner, fromOutside: true)
                == "Reinstall the Python package mkl 2023.1.0 (/opt/conda/bin/python3.8 -m pip install --force-reinstall --no-deps mkl==2023.1.0, run inside the root or its container)")
    }

    @Test("another installer, or a local version from another index: named, with no command", arguments: [("conda", "2023.1.0"), ("pip", "2.0.1+cu117")])
    func noCommand(installer: String, version: String) throws {
        let dir = try Self.makeRoot(installer: installer, version: version)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let record = PipRecord(root: RootView(try LocalRoot(directory: dir)))
        let owner = try #require(record.owners(of: ["/opt/conda/lib/libmkl_rt.so.2"])["/opt/conda/lib/libmkl_rt.so.2"])
        #expect(owner.reinstallWords == nil)
        #expect(PipRecord.reinstallText(owner, fromOutside: false) == "Reinstall the Python package mkl \(version) (installed by \(installer))")
    }
}

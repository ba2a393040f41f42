import Testing
@testable import Archive
@testable import Doctor
@testable import Preflight

@Suite("docker_resources preflight")
struct ResourcesCheckTests {
    private func check(_ dir: ResourcesTempDir, _ list: ResourceChecklist) throws -> ResourceReport {
        try ResourceCheck(path: dir.path, checklist: list).run()
    }

    @Test("a complete folder of sound stand-ins has no findings and exits 0")
    func soundFolderIsClean() throws {
        let dir = try ResourcesTempDir()
        let list = try TestResources.make(in: dir)
        let report = try check(dir, list)
        #expect(report.findings == [])
        #expect(report.exitCode == 0)
    }

    @Test("a DIR that does not exist is an error (exit 3), not a finding")
    func missingDirectoryThrows() {
        #expect(throws: ResourceReadError.notADirectory(path: "/nonexistent/docker_resources")) {
            _ = try ResourceCheck(path: "/nonexistent/docker_resources")
        }
    }

    @Test("progress runs from 0 to the total of the checklist's file sizes, never backwards")
    func progressIsMonotonic() throws {
        let dir = try ResourcesTempDir()
        let list = try TestResources.make(in: dir)
        var calls: [(UInt64, UInt64)] = []
        _ = try ResourceCheck(path: dir.path, checklist: list).run { calls.append(($0, $1)) }
        let files = [list.pytorchArchive, list.deepspeechArchive, "pretrained_weights/" + list.morphableModel,
                     "pretrained_weights/" + list.faceParsingCheckpoint] + list.hashNamedCheckpoints.map { "pretrained_weights/" + $0 }
        let total = files.reduce(0) { $0 + UInt64(dir.read($1).count) }
        #expect(calls.first.map { $0.0 } == 0)
        #expect(calls.last.map { $0.0 } == total)
        #expect(calls.allSatisfy { $0.1 == total })
        #expect(zip(calls, calls.dropFirst()).allSatisfy { $0.0 <= $1.0 })
    }

    /// One damaged item each; the id is the documented one (docs/findings-resources.md).
    static let damage: [(String, String, Severity)] = [
        ("tar missing", "RS001", .error),
        ("tar is HTML", "RS004", .error),
        ("tar is LFS pointer", "RS005", .error),
        ("tar empty", "RS003", .error),
        ("tar is a folder", "RS002", .error),
        ("tar truncated", "RS011", .error),
        ("tar without manifest", "RS012", .error),
        ("tar manifest not JSON", "RS013", .error),
        ("tar of another image", "RS014", .error),
        ("tar untagged", "RS014", .warning),
        ("tar missing a layer", "RS015", .error),
        ("tar much smaller than 6.4 GB", "RS016", .warning),
        ("zip byte flipped", "RS021", .error),
        ("zip cut short", "RS020", .error),
        ("zip without .pb", "RS022", .error),
        ("mat is not a MAT-file", "RS030", .error),
        ("mat truncated", "RS031", .error),
        ("pth is not a checkpoint", "RS032", .error),
        ("hash does not match name", "RS034", .error),
        ("OpenFace tree renamed", "RS040", .error),
        ("OpenFace tree incomplete", "RS041", .error),
        ("CEN patch experts absent", "RS042", .info),
        ("CEN patch expert is HTML", "RS043", .error),
    ]

    @Test("each kind of damage is named with its id", arguments: damage)
    func damageIsNamed(_ damage: (String, String, Severity)) throws {
        let (what, id, severity) = damage
        let dir = try ResourcesTempDir()
        var list = try TestResources.make(in: dir)
        let tree = list.openFaceFolder + "/" + list.openFaceTree
        let cen = tree + "/lib/local/LandmarkDetector/model/patch_experts/cen_patches_0.50_of.dat"
        switch what {
        case "tar missing": dir.remove(list.pytorchArchive)
        case "tar is HTML": try dir.write(list.pytorchArchive, TestResources.html)
        case "tar is LFS pointer": try dir.write(list.pytorchArchive, TestResources.lfs)
        case "tar empty": try dir.write(list.pytorchArchive, [])
        case "tar is a folder":
            dir.remove(list.pytorchArchive)
            try dir.mkdirs(list.pytorchArchive)
        case "tar truncated":
            let full = dir.read(list.pytorchArchive)
            try dir.write(list.pytorchArchive, Array(full.prefix(1024 + 100)))
        case "tar without manifest":
            try dir.write(list.pytorchArchive, TestTarWriter.archive([("0123abcd.json", Array("{}".utf8))]))
        case "tar manifest not JSON":
            try dir.write(list.pytorchArchive, TestTarWriter.archive([("manifest.json", Array("[{\"Config\":".utf8))]))
        case "tar of another image":
            try dir.write(list.pytorchArchive, TestTarWriter.dockerSave(tags: ["pytorch/pytorch:1.13.1-cuda11.6-cudnn8-runtime"]))
        case "tar untagged": try dir.write(list.pytorchArchive, TestTarWriter.dockerSave(tags: []))
        case "tar missing a layer":
            try dir.write(list.pytorchArchive, TestTarWriter.dockerSave(tags: [list.pytorchTag], dropLayer: true))
        case "tar much smaller than 6.4 GB": list.pytorchExpectedSize = 6_400_000_000
        case "zip byte flipped":
            var bytes = dir.read(list.deepspeechArchive)
            bytes[30 + "output_graph.pb".utf8.count + 2] ^= 0x01   // inside the stored data
            try dir.write(list.deepspeechArchive, bytes)
        case "zip cut short":
            try dir.write(list.deepspeechArchive, Array(dir.read(list.deepspeechArchive).dropLast(30)))
        case "zip without .pb":
            try dir.write(list.deepspeechArchive, TestZipWriter.stored([("README", Array("no graph".utf8))]))
        case "mat is not a MAT-file":
            try dir.write("pretrained_weights/" + list.morphableModel, Array("%%MatrixMarket matrix".utf8) + [UInt8](repeating: 0, count: 200))
        case "mat truncated":
            try dir.write("pretrained_weights/" + list.morphableModel, TestWeights.mat5(elementBytes: 16, claimed: 4096))
        case "pth is not a checkpoint":
            try dir.write("pretrained_weights/" + list.faceParsingCheckpoint, Array("PK?? not really".utf8))
        case "hash does not match name":
            try dir.write("pretrained_weights/" + list.hashNamedCheckpoints[1], TestWeights.legacyCheckpoint() + [1, 2, 3])
        case "OpenFace tree renamed":
            ResourcesShell.run("mv '\(dir.url(tree))' '\(dir.url(list.openFaceFolder + "/OpenFace-master"))'")
        case "OpenFace tree incomplete": dir.remove(tree + "/download_models.sh")
        case "CEN patch experts absent": dir.remove(cen)
        case "CEN patch expert is HTML": try dir.write(cen, TestResources.html)
        default: Issue.record("unknown damage \(what)")
        }
        let report = try check(dir, list)
        #expect(report.findings.contains { $0.id.rawValue == id && $0.severity == severity }, "\(what): \(report.findings.map(\.id))")
        #expect(report.findings.allSatisfy { !$0.summary.isEmpty && !$0.remedy.isEmpty })
        #expect(report.exitCode == (severity == .info ? 0 : 2))
    }

    @Test("a missing item names the half-finished download beside it")
    func missingNamesPartialDownload() throws {
        let dir = try ResourcesTempDir()
        let list = try TestResources.make(in: dir)
        ResourcesShell.run("mv '\(dir.url(list.deepspeechArchive))' '\(dir.url(list.deepspeechArchive + ".crdownload"))'")
        let finding = try check(dir, list).findings.first { $0.id == "RS001" }
        #expect(finding?.path == list.deepspeechArchive)
        #expect(finding?.explanation.contains(list.deepspeechArchive + ".crdownload") == true)
    }

    @Test("the OpenFace tree extracted one level too high is told to move down")
    func openFaceTreeTooHigh() throws {
        let dir = try ResourcesTempDir()
        let list = try TestResources.make(in: dir)
        let top = list.openFaceFolder
        ResourcesShell.run("cd '\(dir.url(top))' && mv \(list.openFaceTree)/* . && rmdir \(list.openFaceTree)")
        let findings = try check(dir, list).findings
        #expect(findings.map(\.id) == ["RS040"])
        #expect(findings.first?.summary.contains("one level too high") == true)
    }

    @Test("the seed's hash-named files carry a SHA-256 prefix")
    func hashPrefixFromName() {
        #expect(ResourceCheck.hashPrefix(of: "alexnet-owt-7be5be79.pth") == "7be5be79")
        #expect(ResourceCheck.hashPrefix(of: "resnet18-5c106cde.pth") == "5c106cde")
        #expect(ResourceCheck.hashPrefix(of: "vgg16-397923af.pth") == "397923af")
        #expect(ResourceCheck.hashPrefix(of: "79999_iter.pth") == nil)
    }

    @Test("a checkpoint in torch.save's ZIP layout is accepted; a ZIP of another layout is not")
    func zipCheckpointLayout() throws {
        let dir = try ResourcesTempDir()
        let list = try TestResources.make(in: dir)
        let path = "pretrained_weights/" + list.faceParsingCheckpoint
        try dir.write(path, TestWeights.zipCheckpoint())
        #expect(try check(dir, list).findings == [])
        try dir.write(path, TestZipWriter.stored([("data.pkl", [0x80, 0x02, 0x2E])]))
        #expect(try check(dir, list).findings.map(\.id) == ["RS032"])
    }

    @Test("a MAT v7.3 file (HDF5 with a 512-byte user block) is accepted")
    func matVersion73() throws {
        let dir = try ResourcesTempDir()
        let list = try TestResources.make(in: dir)
        var bytes = Array("MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2009 HDF5 schema 1.00 .".utf8)
        bytes += [UInt8](repeating: 0, count: 512 - bytes.count)
        bytes += [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 0, count: 64)
        try dir.write("pretrained_weights/" + list.morphableModel, bytes)
        #expect(try check(dir, list).findings == [])
    }
}

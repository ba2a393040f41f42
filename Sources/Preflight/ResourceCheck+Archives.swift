import Doctor
import Archive
import Support

extension ResourceCheck {
    /// `deepspeech-0_1_0-b90017e8.pb.zip`: a sound ZIP holding a `.pb` graph.
    func checkDeepSpeech(_ meter: ProgressMeter) throws(ResourceReadError) -> [ResourceFinding] {
        let path = checklist.deepspeechArchive
        let remedy = "Download \(path) again (about 434 MB) and compare its size before copying it into \(directory.path)."
        var findings: [ResourceFinding] = []
        guard let file = try openChecked(path, remedy: remedy, into: &findings, meter: meter) else { return findings }
        let entries: [ZipEntry]
        switch try ZipArchive.entries(of: file) {
        case .failure(let problem):
            meter.advance(file.size)
            findings.append(zipDamaged(path, problem, id: .zipIncomplete, remedy: remedy))
            return findings
        case .success(let list):
            entries = list
        }
        findings += try verifyEntries(entries, of: file, path: path, remedy: remedy, meter: meter)
        if !entries.contains(where: { $0.name.lowercased().hasSuffix(".pb") }) {
            findings.append(ResourceFinding(
                id: .zipWithoutModel, severity: .error, path: path, summary: "\(path) holds no .pb file",
                explanation: "Its entries are \(entries.prefix(5).map(\.name).joined(separator: ", ")); the build unpacks it for the DeepSpeech graph (`*.pb`).",
                remedy: remedy))
        }
        return findings
    }

    /// CRC-32 of every entry; one finding per damaged entry (at most five, then a count).
    func verifyEntries(_ entries: [ZipEntry], of file: HostFile, path: String, remedy: String,
                       meter: ProgressMeter) throws(ResourceReadError) -> [ResourceFinding] {
        var findings: [ResourceFinding] = []
        var unchecked: [String] = []
        var covered: UInt64 = 0
        for entry in entries {
            let problem = try ZipArchive.verify(entry, in: file) { bytes in
                covered &+= bytes
                meter.advance(bytes)
            }
            switch problem {
            case nil: break
            case .unsupportedMethod(let name, let method)?: unchecked.append("\(name) (method \(method))")
            case .encrypted(let name)?: unchecked.append("\(name) (encrypted)")
            case let other?: findings.append(zipDamaged(path, other, id: .zipEntryDamaged, remedy: remedy))
            }
        }
        if file.size > covered { meter.advance(file.size - covered) }
        if !unchecked.isEmpty {
            findings.append(ResourceFinding(
                id: .zipEntryUnverified, severity: .info, path: path, summary: "\(unchecked.count) entr\(unchecked.count == 1 ? "y" : "ies") of \(path) not verified",
                explanation: "Only stored and deflated entries are decoded here: \(unchecked.prefix(5).joined(separator: ", ")).",
                remedy: "Run `unzip -t \(path)` to test them."))
        }
        if findings.count > 5 {
            let n = findings.count
            findings = Array(findings.prefix(5))
            findings[4].summary += " (and \(n - 5) more damaged entries)"
        }
        return findings
    }

    func zipDamaged(_ path: String, _ problem: ZipProblem, id: FindingID, remedy: String) -> ResourceFinding {
        let (summary, explanation): (String, String)
        switch problem {
        case .noEndRecord:
            (summary, explanation) = ("\(path) is not a complete ZIP", "No end-of-central-directory record in its last 64 KiB: the download stopped early, or it is not a ZIP at all.")
        case .badCentralDirectory(let reason):
            (summary, explanation) = ("\(path) has a damaged central directory", reason)
        case .badLocalHeader(let entry):
            (summary, explanation) = ("\(path): entry \(entry) is cut off", "Its local header is missing or its data runs past the end of the file.")
        case .crcMismatch(let entry, let recorded, let computed):
            (summary, explanation) = ("\(path): entry \(entry) fails its CRC-32",
                                      "Recorded 0x\(String(recorded, radix: 16)), computed 0x\(String(computed, radix: 16)) over its bytes: the file was damaged in transfer.")
        case .sizeMismatch(let entry, let recorded, let actual):
            (summary, explanation) = ("\(path): entry \(entry) has the wrong length", "Recorded \(recorded) bytes, decoded \(actual).")
        case .corruptData(let entry, let reason):
            (summary, explanation) = ("\(path): entry \(entry) does not decompress", "The deflate stream is damaged (\(reason)).")
        case .unsupportedMethod(let entry, let method):
            (summary, explanation) = ("\(path): entry \(entry) not verified", "Compression method \(method) is not decoded here.")
        case .encrypted(let entry):
            (summary, explanation) = ("\(path): entry \(entry) is encrypted", "Encrypted entries cannot be verified.")
        }
        return ResourceFinding(id: id, severity: .error, path: path, summary: summary, explanation: explanation, remedy: remedy)
    }

    /// `pretrained_weights/`: the MAT-file, the face-parsing checkpoint and the hash-named torchvision weights.
    func checkWeights(_ meter: ProgressMeter) throws(ResourceReadError) -> [ResourceFinding] {
        let folder = checklist.weightsFolder
        guard let item = directory.item(folder), item.kind == .directory else {
            return [missing(folder, remedy: "Create \(folder)/ in \(directory.path) and put the five weight files in it.")]
        }
        var findings: [ResourceFinding] = []
        findings += try checkMorphableModel(meter)
        findings += try checkFaceParsing(meter)
        for name in checklist.hashNamedCheckpoints { findings += try checkHashNamed(name, meter) }
        return findings
    }

    private func checkMorphableModel(_ meter: ProgressMeter) throws(ResourceReadError) -> [ResourceFinding] {
        let path = checklist.weightsFolder + "/" + checklist.morphableModel
        let remedy = "Download the Basel Face Model 2009 (01_MorphableModel.mat, about 230 MB) from https://faces.dmi.unibas.ch/bfm/ (registration required) and copy it to \(path)."
        var findings: [ResourceFinding] = []
        guard let file = try openChecked(path, remedy: remedy, into: &findings, meter: meter) else { return findings }
        defer { meter.advance(file.size) }
        switch try MatFile.check(file) {
        case .success: break
        case .failure(.notMatFile):
            findings.append(ResourceFinding(
                id: .matNotAMatFile, severity: .error, path: path, summary: "\(path) is not a MATLAB MAT-file",
                explanation: "A MAT-file starts with the text `MATLAB 5.0 MAT-file` (level 5) or carries an HDF5 signature at byte 512 (v7.3); this one has neither, so scipy.io.loadmat fails on it.",
                remedy: remedy))
        case .failure(.truncated(let offset, let needed)):
            findings.append(ResourceFinding(
                id: .matTruncated, severity: .error, path: path, summary: "\(path) is truncated",
                explanation: "The data element at byte \(offset) needs the file to reach byte \(needed); it has \(file.size).",
                remedy: remedy))
        }
        return findings
    }

    private func checkFaceParsing(_ meter: ProgressMeter) throws(ResourceReadError) -> [ResourceFinding] {
        let path = checklist.weightsFolder + "/" + checklist.faceParsingCheckpoint
        let remedy = "Download 79999_iter.pth (the face-parsing BiSeNet checkpoint, about 50 MB) again and copy it to \(path)."
        var findings: [ResourceFinding] = []
        guard let file = try openChecked(path, remedy: remedy, into: &findings, meter: meter) else { return findings }
        findings += try checkCheckpoint(file, path: path, remedy: remedy, meter: meter)
        return findings
    }

    /// A `torch.load`-able file: legacy pickle magic, or a sound ZIP in torch.save's layout.
    private func checkCheckpoint(_ file: HostFile, path: String, remedy: String, meter: ProgressMeter) throws(ResourceReadError) -> [ResourceFinding] {
        let head = try file.read(at: 0, count: 16)
        if TorchCheckpoint.sniffLegacy(head: head) { meter.advance(file.size); return [] }
        let notCheckpoint = ResourceFinding(
            id: .checkpointUnrecognised, severity: .error, path: path, summary: "\(path) is not a PyTorch checkpoint",
            explanation: "torch.save writes a ZIP with `<name>/data.pkl` (PyTorch ≥ 1.6) or a pickle starting with protocol 2 and torch's magic number; this file is neither, so torch.load fails on it.",
            remedy: remedy)
        guard TorchCheckpoint.looksLikeZip(head: head) else { meter.advance(file.size); return [notCheckpoint] }
        switch try ZipArchive.entries(of: file) {
        case .failure(let problem):
            meter.advance(file.size)
            return [zipDamaged(path, problem, id: .checkpointDamaged, remedy: remedy)]
        case .success(let entries):
            var findings = try verifyEntries(entries, of: file, path: path, remedy: remedy, meter: meter)
            for i in findings.indices where findings[i].id == .zipEntryDamaged { findings[i].id = .checkpointDamaged }
            if TorchCheckpoint.archiveName(of: entries) == nil { findings.append(notCheckpoint) }
            return findings
        }
    }

    /// torchvision's `<model>-<sha256 prefix>.pth`: the name carries the first hex digits of the
    /// file's SHA-256, which torch.hub checks (hub.py, check_hash); verified here in 1 MiB chunks.
    private func checkHashNamed(_ name: String, _ meter: ProgressMeter) throws(ResourceReadError) -> [ResourceFinding] {
        let path = checklist.weightsFolder + "/" + name
        let remedy = "Download it again: `curl -fLo \(path) https://download.pytorch.org/models/\(name)`."
        var findings: [ResourceFinding] = []
        guard let file = try openChecked(path, remedy: remedy, into: &findings, meter: meter) else { return findings }
        guard let expected = Self.hashPrefix(of: name) else { meter.advance(file.size); return findings }
        var hasher = SHA256Digest()
        try file.stream(from: 0, length: file.size) { chunk in
            hasher.update(chunk)
            meter.advance(UInt64(chunk.count))
        }
        let digest = hasher.hexDigest()
        if !digest.hasPrefix(expected) {
            findings.append(ResourceFinding(
                id: .hashNameMismatch, severity: .error, path: path, summary: "\(path) does not match the SHA-256 in its name",
                explanation: "Its SHA-256 is \(digest); the name promises one starting with \(expected). torch.hub's check_hash rejects it, and the weights are not the ones the code was trained with.",
                remedy: remedy))
            return findings
        }
        let head = try file.read(at: 0, count: 16)
        if !TorchCheckpoint.sniffLegacy(head: head) && !TorchCheckpoint.looksLikeZip(head: head) {
            findings.append(ResourceFinding(
                id: .checkpointUnrecognised, severity: .warning, path: path, summary: "\(path) matches its hash but does not look like a checkpoint",
                explanation: "Neither torch.save's ZIP nor its legacy pickle header.", remedy: remedy))
        }
        return findings
    }

    /// The hex digits after the last `-` of the stem (`resnet18-5c106cde.pth` → `5c106cde`).
    static func hashPrefix(of name: String) -> String? {
        let stem = name.split(separator: ".").first ?? ""
        guard let dash = stem.lastIndex(of: "-") else { return nil }
        let hex = stem[stem.index(after: dash)...]
        guard hex.count >= 6, hex.allSatisfy(\.isHexDigit) else { return nil }
        return hex.lowercased()
    }
}

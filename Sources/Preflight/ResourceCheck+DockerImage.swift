#if canImport(FoundationEssentials)
import Doctor
import FoundationEssentials
#else
import Foundation
#endif
import Archive
import Support

/// One entry of a `docker save` archive's `manifest.json` (moby image/tarexport).
struct DockerSaveManifestEntry: Decodable {
    var Config: String
    var RepoTags: [String]?
    var Layers: [String]
}

extension ResourceCheck {
    /// `pytorch-2.0.1-cuda11.7.tar`: a `docker save` archive of the base image.
    func checkDockerImage(_ meter: ProgressMeter) throws(ResourceReadError) -> [ResourceFinding] {
        let path = checklist.pytorchArchive
        let tag = checklist.pytorchTag
        let remedy = "On a machine with network: `docker pull \(tag) && docker save -o \(path) \(tag)`, then copy the file into \(directory.path) and check its size (about 6.4 GB)."
        var findings: [ResourceFinding] = []
        guard let file = try openChecked(path, remedy: remedy, into: &findings, meter: meter) else { return findings }
        defer { meter.advance(file.size) }

        let (members, problem) = try TarArchive.members(of: file)
        switch problem {
        case .badHeader(let offset)? where members.isEmpty:
            findings.append(ResourceFinding(
                id: .imageNotATar, severity: .error, path: path, summary: "\(path) is not a tar archive",
                explanation: "The header at byte \(offset) fails the ustar checksum; `docker load -i` will refuse it (a compressed `docker save | gzip` output also looks like this).",
                remedy: remedy))
            return findings
        case .badHeader(let offset)?:
            findings.append(ResourceFinding(
                id: .imageTarDamaged, severity: .error, path: path, summary: "\(path) is damaged after \(members.count) members",
                explanation: "The tar header at byte \(offset) fails its checksum; `docker load` stops there.", remedy: remedy))
        case .truncated(let member, let needed, let size)?:
            findings.append(ResourceFinding(
                id: .imageTarDamaged, severity: .error, path: path, summary: "\(path) is truncated",
                explanation: "Member \(member) needs the file to reach byte \(needed), but it has \(size) bytes: the download or copy stopped early.",
                remedy: remedy))
        case .missingEnd(let offset)?:
            findings.append(ResourceFinding(
                id: .imageTarDamaged, severity: .error, path: path, summary: "\(path) is truncated",
                explanation: "The archive ends at byte \(offset) without the two zero blocks that close a tar: the download or copy stopped early.",
                remedy: remedy))
        case nil:
            break
        }

        if let finding = try manifestFinding(file, members: members, remedy: remedy) { findings.append(finding) }

        let plausible = checklist.pytorchExpectedSize / 2
        if file.size < plausible {
            findings.append(ResourceFinding(
                id: .imageUndersized, severity: .warning, path: path,
                summary: "\(path) is \(file.size) bytes, the real one is about \(checklist.pytorchExpectedSize / 1_000_000) MB: truncated or wrong image?",
                explanation: "The seed gives about 6.4 GB for this archive; a much smaller one is usually another image (a runtime instead of the devel tag) or a cut-short download.",
                remedy: remedy))
        }
        return findings
    }

    private func manifestFinding(_ file: HostFile, members: [TarMember], remedy: String) throws(ResourceReadError) -> ResourceFinding? {
        let path = checklist.pytorchArchive
        guard let manifest = members.first(where: { $0.name == "manifest.json" }) else {
            let oci = members.contains { $0.name == "index.json" }
            return ResourceFinding(
                id: .imageWithoutManifest, severity: .error, path: path, summary: "\(path) has no manifest.json",
                explanation: oci ? "It is an OCI image layout without Docker's manifest.json; `docker load` before Docker 25 cannot read it."
                    : "A `docker save` archive lists its images in manifest.json; without it `docker load` fails with `open /var/lib/docker/tmp/.../manifest.json: no such file or directory`.",
                remedy: remedy)
        }
        guard manifest.size <= 16 << 20 else {
            return ResourceFinding(id: .imageManifestUnreadable, severity: .error, path: path, summary: "manifest.json in \(path) is implausibly large",
                                   explanation: "It has \(manifest.size) bytes; a real one has a few KB.", remedy: remedy)
        }
        let bytes = try file.read(at: manifest.offset, count: Int(clamping: manifest.size))
        let entries: [DockerSaveManifestEntry]
        do {
            entries = try JSONDecoder().decode([DockerSaveManifestEntry].self, from: Data(bytes))
        } catch {
            return ResourceFinding(id: .imageManifestUnreadable, severity: .error, path: path, summary: "manifest.json in \(path) does not parse",
                                   explanation: "It is not the JSON list `[{\"Config\":…,\"RepoTags\":…,\"Layers\":[…]}]` that `docker save` writes: \(error).",
                                   remedy: remedy)
        }
        let names = Set(members.map(\.name))
        var absent: [String] = []
        for entry in entries {
            for ref in [entry.Config] + entry.Layers where !names.contains(ref) { absent.append(ref) }
        }
        if !absent.isEmpty {
            return ResourceFinding(
                id: .imageMemberAbsent, severity: .error, path: path, summary: "\(path) lacks \(absent.count) file(s) its manifest references",
                explanation: "manifest.json names \(absent.prefix(5).joined(separator: ", "))\(absent.count > 5 ? ", …" : ""), absent from the archive: `docker load` fails on them.",
                remedy: remedy)
        }
        let tags = entries.flatMap { $0.RepoTags ?? [] }
        if tags.contains(where: isWantedTag) { return nil }
        if tags.isEmpty {
            return ResourceFinding(
                id: .imageNotTheExpectedTag, severity: .warning, path: path, summary: "\(path) holds an untagged image",
                explanation: "It was saved by image id, so `docker load` gives it no name and `FROM \(checklist.pytorchTag)` in Dockerfile.final will try to pull it.",
                remedy: "After loading: `docker tag <image id> \(checklist.pytorchTag)`; or save it again by tag: " + remedy)
        }
        return ResourceFinding(
            id: .imageNotTheExpectedTag, severity: .error, path: path, summary: "\(path) is not the pytorch 2.0.1 CUDA 11.7 image",
            explanation: "Its tags are \(tags.joined(separator: ", ")); Dockerfile.final builds `FROM \(checklist.pytorchTag)`.",
            remedy: remedy)
    }

    /// A tag of pytorch 2.0.1 built for CUDA 11.7 (`…:2.0.1-cuda11.7-cudnn8-devel` and kin).
    func isWantedTag(_ tag: String) -> Bool {
        let t = tag.lowercased()
        return t.contains("pytorch") && t.contains("2.0.1") && t.contains("cuda11.7")
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
@testable import Doctor
@testable import OpenFace
@testable import Preflight

/// A temporary folder removed when the value dies.
final class ResourcesTempDir {
    let path: String

    init() throws {
        var template = Array("/tmp/ofdoctor-resources-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw ResourcesFixtureError.io("mkdtemp")
        }
        path = String(cString: made)
    }

    deinit { _ = ResourcesShell.run("rm -rf '\(path)'") }

    func url(_ relative: String) -> String { path + "/" + relative }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        try mkdirs(parentOf: relative)
        guard let f = fopen(url(relative), "wb") else { throw ResourcesFixtureError.io("fopen \(relative)") }
        defer { fclose(f) }
        if !bytes.isEmpty {
            guard fwrite(bytes, 1, bytes.count, f) == bytes.count else { throw ResourcesFixtureError.io("fwrite \(relative)") }
        }
    }

    func write(_ relative: String, text: String) throws { try write(relative, Array(text.utf8)) }

    /// A sparse file of `size` zero bytes (stands in for a large model file).
    func sparse(_ relative: String, size: Int) throws {
        try write(relative, [1, 2, 3, 4])
        guard truncate(url(relative), off_t(size)) == 0 else { throw ResourcesFixtureError.io("truncate \(relative)") }
    }

    func mkdirs(_ relative: String) throws {
        var current = path
        for part in relative.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0 && errno != EEXIST { throw ResourcesFixtureError.io("mkdir \(current)") }
        }
    }

    func mkdirs(parentOf relative: String) throws {
        let parent = relative.split(separator: "/").dropLast().joined(separator: "/")
        if !parent.isEmpty { try mkdirs(parent) }
    }

    func read(_ relative: String) -> [UInt8] {
        guard let f = fopen(url(relative), "rb") else { return [] }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }

    func remove(_ relative: String) { unlink(url(relative)) }

    func symlink(_ relative: String, to target: String) throws {
        try mkdirs(parentOf: relative)
        guard Glibc.symlink(target, url(relative)) == 0 else { throw ResourcesFixtureError.io("symlink \(relative)") }
    }
}

enum ResourcesFixtureError: Error { case io(String) }

/// Runs a shell command (an independent oracle: python3's zipfile/zlib, sha256sum, tar, unzip).
enum ResourcesShell {
    @discardableResult
    static func run(_ command: String) -> (status: Int32, output: String) {
        guard let pipe = popen(command + " 2>&1", "r") else { return (-1, "") }
        var output = ""
        var buf = [CChar](repeating: 0, count: 4096)
        while fgets(&buf, Int32(buf.count), pipe) != nil {
            output += String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let status = pclose(pipe)
        return ((status >> 8) & 0xFF, output)
    }

    static func has(_ tool: String) -> Bool { run("command -v \(tool)").status == 0 }
}

/// Writes ustar archives the way `docker save` lays them out.
enum TestTarWriter {
    static func octal(_ value: Int, width: Int) -> [UInt8] {
        let digits = Array(String(value, radix: 8).utf8)
        return [UInt8](repeating: UInt8(ascii: "0"), count: width - 1 - digits.count) + digits + [0]
    }

    static func header(name: String, size: Int, type: UInt8 = UInt8(ascii: "0")) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        let n = Array(name.utf8.prefix(100))
        h.replaceSubrange(0..<n.count, with: n)
        h.replaceSubrange(100..<108, with: octal(0o644, width: 8))
        h.replaceSubrange(108..<116, with: octal(0, width: 8))
        h.replaceSubrange(116..<124, with: octal(0, width: 8))
        h.replaceSubrange(124..<136, with: octal(size, width: 12))
        h.replaceSubrange(136..<148, with: octal(0, width: 12))
        h[156] = type
        h.replaceSubrange(257..<263, with: Array("ustar\0".utf8))
        h.replaceSubrange(263..<265, with: Array("00".utf8))
        h.replaceSubrange(148..<156, with: [UInt8](repeating: 32, count: 8))
        let sum = h.reduce(0) { $0 + Int($1) }
        h.replaceSubrange(148..<156, with: Array(String(sum, radix: 8).utf8).leftPad(6) + [0, 32])
        return h
    }

    static func archive(_ members: [(String, [UInt8])], end: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        for (name, body) in members {
            out += header(name: name, size: body.count)
            out += body
            out += [UInt8](repeating: 0, count: (512 - body.count % 512) % 512)
        }
        if end { out += [UInt8](repeating: 0, count: 1024) }
        return out
    }

    /// A small `docker save` archive of one image with the given tags.
    static func dockerSave(tags: [String], dropLayer: Bool = false) -> [UInt8] {
        let config = "0123abcd.json"
        let layer = "5f1e2d3c/layer.tar"
        let tagJSON = tags.map { "\"\($0)\"" }.joined(separator: ",")
        let manifest = "[{\"Config\":\"\(config)\",\"RepoTags\":[\(tagJSON)],\"Layers\":[\"\(layer)\"]}]"
        var members: [(String, [UInt8])] = [
            (config, Array("{\"architecture\":\"amd64\",\"config\":{\"Env\":[\"PATH=/opt/conda/bin\"]}}".utf8)),
            ("5f1e2d3c/VERSION", Array("1.0".utf8)),
            ("manifest.json", Array(manifest.utf8)),
            ("repositories", Array("{}".utf8)),
        ]
        if !dropLayer { members.insert((layer, archive([("etc/hostname", Array("x\n".utf8))])), at: 1) }
        return archive(members)
    }
}

/// Writes ZIP files with stored entries (CRC-32 computed bit by bit, independently of `CRC32`).
enum TestZipWriter {
    static func crc(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c >> 1) ^ (0xEDB8_8320 & (0 &- (c & 1))) }
        }
        return ~c
    }

    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }

    static func stored(_ entries: [(String, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for (name, body) in entries {
            let n = Array(name.utf8)
            let c = crc(body)
            let offset = UInt32(out.count)
            out += le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0)
            out += le32(c) + le32(UInt32(body.count)) + le32(UInt32(body.count)) + le16(n.count) + le16(0) + n + body
            central += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0)
            central += le32(c) + le32(UInt32(body.count)) + le32(UInt32(body.count)) + le16(n.count) + le16(0) + le16(0)
            central += le16(0) + le16(0) + le32(0) + le32(offset) + n
        }
        let cdOffset = UInt32(out.count)
        out += central
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(entries.count) + le16(entries.count)
        out += le32(UInt32(central.count)) + le32(cdOffset) + le16(0)
        return out
    }
}

/// MAT-file and checkpoint headers as their writers lay them out.
enum TestWeights {
    /// Level-5 MAT: 116 bytes of text, 8 of subsystem offset, version 0x0100, "IM", then one miMATRIX element.
    static func mat5(elementBytes: Int = 16, claimed: Int? = nil) -> [UInt8] {
        var text = Array("MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2009".utf8)
        text += [UInt8](repeating: 32, count: 116 - text.count)
        var out = text + [UInt8](repeating: 0, count: 8) + [0x00, 0x01, UInt8(ascii: "I"), UInt8(ascii: "M")]
        out += TestZipWriter.le32(14) + TestZipWriter.le32(UInt32(claimed ?? elementBytes))
        out += [UInt8](repeating: 7, count: elementBytes)
        return out
    }

    /// torch.save's legacy header: PROTO 2, LONG1 10-byte magic 0x1950a86a20f9469cfc6c, then a pickle.
    static func legacyCheckpoint() -> [UInt8] {
        [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
            + Array("rest of the pickle".utf8)
    }

    /// torch.save ≥ 1.6: a ZIP of stored entries under one folder.
    static func zipCheckpoint() -> [UInt8] {
        TestZipWriter.stored([
            ("archive/data.pkl", [0x80, 0x02, 0x7D, 0x71, 0x00, 0x2E]),
            ("archive/version", Array("3\n".utf8)),
            ("archive/data/0", [UInt8](repeating: 0x3F, count: 64)),
        ])
    }
}

extension Array where Element == UInt8 {
    func leftPad(_ width: Int) -> [UInt8] {
        count >= width ? self : [UInt8](repeating: UInt8(ascii: "0"), count: width - count) + self
    }
}

/// A complete, sound docker_resources folder made of small stand-ins.
enum TestResources {
    static let html = Array("<!DOCTYPE html>\n<html><head><title>Google Drive - Virus scan warning</title></head></html>\n".utf8)
    static let lfs = Array("version https://git-lfs.github.com/spec/v1\noid sha256:4d7a2146\nsize 6400000000\n".utf8)

    /// The checklist for stand-ins: small expected size, hash-named files named after their real hash.
    static func make(in dir: ResourcesTempDir) throws -> ResourceChecklist {
        var list = ResourceChecklist.seed
        list.pytorchExpectedSize = 4096
        try dir.write(list.pytorchArchive, TestTarWriter.dockerSave(tags: [list.pytorchTag]))
        try dir.write(list.deepspeechArchive, TestZipWriter.stored([("output_graph.pb", Array("graph bytes".utf8))]))
        let w = list.weightsFolder
        try dir.write(w + "/" + list.morphableModel, TestWeights.mat5())
        try dir.write(w + "/" + list.faceParsingCheckpoint, TestWeights.legacyCheckpoint())
        var hashed: [String] = []
        for (i, model) in ["alexnet-owt", "resnet18", "vgg16"].enumerated() {
            let body = TestWeights.legacyCheckpoint() + Array("weights \(i)".utf8)
            try dir.write("tmp.bin", body)
            let digest = ResourcesShell.run("sha256sum '\(dir.url("tmp.bin"))'").output.prefix(8)
            dir.remove("tmp.bin")
            let name = "\(model)-\(digest).pth"
            try dir.write(w + "/" + name, body)
            hashed.append(name)
        }
        list.hashNamedCheckpoints = hashed
        let tree = list.openFaceFolder + "/" + list.openFaceTree
        for required in ResourceCheck.openFaceRequired {
            if required.folder { try dir.mkdirs(tree + "/" + required.path) } else { try dir.write(tree + "/" + required.path, text: "x\n") }
        }
        for scale in OpenFaceModelCatalog.cenScales {
            try dir.sparse(tree + "/lib/local/LandmarkDetector/model/patch_experts/cen_patches_\(scale)_of.dat", size: 2 << 20)
        }
        return list
    }
}

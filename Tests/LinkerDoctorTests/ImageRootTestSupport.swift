import Foundation
@testable import Archive

/// One tar member to write: the type is the ustar typeflag character.
struct ImageTestMember {
    var name: String
    var type: Character = "0"
    var mode: UInt32 = 0o644
    var data: [UInt8] = []
    var link: String = ""
    /// Replaces the octal size field (hostile archives).
    var sizeField: [UInt8]?
    /// pax records written in an `x` header before the member (values are bytes: an
    /// extended attribute's value is binary).
    var pax: [(key: String, value: [UInt8])] = []

    static func file(_ name: String, _ text: String, mode: UInt32 = 0o644) -> ImageTestMember {
        ImageTestMember(name: name, mode: mode, data: Array(text.utf8))
    }
    static func directory(_ name: String, mode: UInt32 = 0o755) -> ImageTestMember {
        ImageTestMember(name: name, type: "5", mode: mode)
    }
    static func symlink(_ name: String, to target: String) -> ImageTestMember {
        ImageTestMember(name: name, type: "2", mode: 0o777, link: target)
    }
    static func hardLink(_ name: String, to target: String) -> ImageTestMember {
        ImageTestMember(name: name, type: "1", link: target)
    }
    static func whiteout(_ name: String) -> ImageTestMember {
        // split at the last `/` byte (a name may start with a combining mark, which joins the
        // slash before it into one character)
        guard let slash = name.utf8.lastIndex(of: UInt8(ascii: "/")) else { return .file(".wh." + name, "") }
        let after = name.utf8.index(after: slash)
        return .file(String(name[..<after]) + ".wh." + String(name[after...]), "")
    }
}

/// A minimal tar writer (ustar headers; names over 100 bytes get a pax `path` record),
/// so tests can state every layer member by member, hostile ones included.
enum ImageTestTar {
    static func archive(_ members: [ImageTestMember], end: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        for member in members {
            if member.name.utf8.count > 100 || member.link.utf8.count > 100 || !member.pax.isEmpty {
                var records: [UInt8] = []
                if member.name.utf8.count > 100 { records += record("path", Array(member.name.utf8)) }
                if member.link.utf8.count > 100 { records += record("linkpath", Array(member.link.utf8)) }
                for (key, value) in member.pax { records += record(key, value) }
                out += header(name: "PaxHeader", type: "x", mode: 0o644, size: records.count, link: "", sizeField: nil)
                out += padded(records)
            }
            out += header(name: String(member.name.utf8.prefix(100)) ?? "", type: member.type, mode: member.mode,
                          size: member.data.count, link: String(member.link.utf8.prefix(100)) ?? "",
                          sizeField: member.sizeField)
            out += padded(member.data)
        }
        if end { out += [UInt8](repeating: 0, count: 1024) }
        return out
    }

    static func header(name: String, type: Character, mode: UInt32, size: Int, link: String,
                       sizeField: [UInt8]?) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        put(Array(name.utf8), at: 0, in: &h)
        put(octal(Int(mode), width: 8), at: 100, in: &h)
        put(octal(0, width: 8), at: 108, in: &h)
        put(octal(0, width: 8), at: 116, in: &h)
        put(sizeField ?? octal(size, width: 12), at: 124, in: &h)
        put(octal(0, width: 12), at: 136, in: &h)
        h[156] = type.asciiValue ?? 48
        put(Array(link.utf8), at: 157, in: &h)
        put(Array("ustar\u{0}00".utf8), at: 257, in: &h)
        for i in 148..<156 { h[i] = 32 }
        let sum = h.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 7) , at: 148, in: &h)
        return h
    }

    static func padded(_ data: [UInt8]) -> [UInt8] {
        data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    private static func record(_ key: String, _ value: [UInt8]) -> [UInt8] {
        let body = Array(" \(key)=".utf8) + value + [10]
        var length = body.count + 1
        while "\(length)".utf8.count + body.count != length { length += 1 }
        return Array("\(length)".utf8) + body
    }

    private static func octal(_ value: Int, width: Int) -> [UInt8] {
        let digits = String(value, radix: 8)
        return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
    }

    private static func put(_ bytes: [UInt8], at offset: Int, in header: inout [UInt8]) {
        for (i, byte) in bytes.enumerated() where offset + i < header.count { header[offset + i] = byte }
    }
}

/// A temporary directory, removed when the value dies.
final class ImageTestDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "ofdoctor-image-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }
}

/// Writes images in the two formats from layers given as tar bytes.
enum ImageTestImage {
    static let config = #"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin:/bin","LD_LIBRARY_PATH=/opt/lib"]}}"#

    /// A `docker save` archive: `<n>/layer.tar` per layer, a config, `manifest.json`.
    static func docker(_ layers: [[UInt8]], config: String = config, in directory: ImageTestDirectory,
                       name: String = "image.tar") throws -> String {
        var members: [ImageTestMember] = []
        var names: [String] = []
        for (index, layer) in layers.enumerated() {
            members.append(ImageTestMember(name: "layer\(index)/layer.tar", data: layer))
            names.append("layer\(index)/layer.tar")
        }
        members.append(.file("config.json", config))
        let quoted = names.map { "\"\($0)\"" }.joined(separator: ",")
        members.append(.file("manifest.json", #"[{"Config":"config.json","RepoTags":["t:1"],"Layers":[\#(quoted)]}]"#))
        return try directory.write(name, ImageTestTar.archive(members))
    }

    /// An OCI image layout, as a directory (`tar: false`) or packed in a tar.
    /// `entries` gives index.json's descriptors for the manifest's digest (default: that
    /// manifest for linux/amd64).
    static func oci(_ layers: [[UInt8]], config: String = config, in directory: ImageTestDirectory,
                    tar: Bool, entries: ((String) -> [String])? = nil) throws -> String {
        var blobs: [(String, [UInt8])] = []
        func blob(_ bytes: [UInt8]) -> String {
            // The real SHA-256 (SHA256Digest is checked against FIPS vectors in ResourcesSHA256Tests).
            var hasher = SHA256Digest()
            hasher.update(bytes)
            let digest = hasher.hexDigest()
            if !blobs.contains(where: { $0.0 == digest }) { blobs.append((digest, bytes)) }
            return "sha256:" + digest
        }
        let layerDigests = layers.map { blob($0) }
        let configDigest = blob(Array(config.utf8))
        let layerList = layerDigests.map { #"{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\#($0)","size":1}"# }
        let manifest = #"{"schemaVersion":2,"config":{"digest":"\#(configDigest)","size":1},"layers":[\#(layerList.joined(separator: ","))]}"#
        let manifestDigest = blob(Array(manifest.utf8))
        let descriptors = entries?(manifestDigest)
            ?? [#"{"digest":"\#(manifestDigest)","size":1,"platform":{"architecture":"amd64","os":"linux"}}"#]
        let index = #"{"schemaVersion":2,"manifests":[\#(descriptors.joined(separator: ","))]}"#
        var files: [(String, [UInt8])] = [("oci-layout", Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)),
                                          ("index.json", Array(index.utf8))]
        files += blobs.map { ("blobs/sha256/" + $0.0, $0.1) }
        if tar {
            return try directory.write("oci.tar", ImageTestTar.archive(files.map { ImageTestMember(name: $0.0, data: $0.1) }))
        }
        for (name, bytes) in files { _ = try directory.write("oci/" + name, bytes) }
        return directory.path + "/oci"
    }

    /// `gzip -n` of `bytes`, by the host's gzip (the writer, not the code under test).
    static func gzip(_ bytes: [UInt8], in directory: ImageTestDirectory) throws -> [UInt8] {
        let file = try directory.write("gzip-input-\(UUID().uuidString)", bytes)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-n", "-c", file]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(data)
    }
}

import Foundation
import RootFS
import Testing

/// Docker is the oracle for how layers apply: the cases of `Tests/Fixtures/make-layer-cases.py`
/// (members below a file, a link loop or a dangling link, markers there, names that climb
/// above the root, hard links to nothing, an unknown tar type) are loaded into a real
/// daemon. Where `docker load` fails, `--image` must refuse the image saying so; where it
/// loads, the files a container gets (`docker export`) must be the files `--image` reads.
@Suite("--image against docker load", .enabled(if: DockerDaemon.isInstalled && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"),
                                               DockerDaemon.unavailable))
struct ImageDockerOracleTests {
    static let script = Command.packageRoot + "/Tests/Fixtures/make-layer-cases.py"

    /// Whether a listing line (`KIND PATH …`) names a path the daemon adds to every
    /// container it exports, or `/`.
    static func isDockers(line: String) -> Bool {
        let path = line.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        return ["/", "/.dockerenv", "/etc", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/etc/mtab", "/dev", "/proc", "/sys"].contains(path)
            || ["/dev/", "/proc/", "/sys/"].contains { path.hasPrefix($0) }
    }

    /// The image's files as `make-layer-cases.py list` prints an export's (without `/`).
    static func listing(_ image: ImageRoot) throws -> [String] {
        var lines: [String] = []
        var pending = [RootPath.root]
        while let path = pending.popLast() {
            for name in try image.names(in: path) {
                let child = path.appending(name)
                switch try image.entry(at: child)?.kind {
                case .directory?:
                    lines.append("d \(child.string)")
                    pending.append(child)
                case .symlink?:
                    lines.append("l \(child.string) -> \(try image.linkTarget(at: child))")
                case .file?:
                    lines.append("f \(child.string) \(String(decoding: try image.contents(of: child).bytes, as: UTF8.self))")
                default:
                    lines.append("o \(child.string)")
                }
            }
        }
        return lines.sorted()
    }

    @Test("every case: docker load fails exactly where --image refuses, saying docker load would; where it loads, the container's files are the image's as --image reads them")
    func sameAsDocker() throws {
        let directory = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let made = Command.run("/usr/bin/python3", [Self.script, "make", directory])
        try #require(made.status == 0, "\(made.stderr)")
        let cases = made.stdout.split(separator: "\n").map(String.init)
        try #require(cases.count >= 19)
        let daemon = try DockerDaemon()
        defer { daemon.stop() }
        var loaded = 0
        for name in cases {
            let image = directory + "/\(name).tar"
            let load = daemon.docker(["load", "-i", image])
            let read = Result<ImageRoot, ImageRootError> { () throws(ImageRootError) in try ImageRoot(path: image) }
            guard load.status == 0 else {
                if case .failure(let error) = read {
                    #expect(error.description.contains("docker load"), "\(name): \(error)")
                } else {
                    Issue.record("\(name): docker load failed (\(load.stderr.trimmingCharacters(in: .whitespacesAndNewlines))), --image read the image")
                }
                continue
            }
            loaded += 1
            let root: ImageRoot
            switch read {
            case .success(let image): root = image
            case .failure(let error):
                Issue.record("\(name): docker loads it, --image refused: \(error)")
                continue
            }
            let created = daemon.docker(["create", "ofdoctor-case/\(name):1", "/x"])
            try #require(created.status == 0, "\(name): \(created.stderr)")
            let container = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let export = directory + "/\(name).export"
            try #require(daemon.docker(["export", "-o", export, container]).status == 0)
            let listed = Command.run("/usr/bin/python3", [Self.script, "list", export])
            try #require(listed.status == 0, "\(listed.stderr)")
            let docker = listed.stdout.split(separator: "\n").map(String.init).filter { !Self.isDockers(line: $0) }
            let ours = try Self.listing(root).filter { !Self.isDockers(line: $0) }
            #expect(ours == docker, "\(name)")
        }
        #expect(loaded >= 3, "the cases that load: markers-right-under, climbing, through-links")
    }
}

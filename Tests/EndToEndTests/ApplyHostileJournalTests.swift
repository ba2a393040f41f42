import Foundation
import Testing
@testable import Apply

/// Issue 15, item 1: `undo` (and `fix --apply`, which reads the journal too) on a root
/// whose journal leads out of it — shipped in the root with `/../` paths, or made by a
/// real apply and then a parent turned into an absolute link to a host directory. A
/// sentinel directory beside the root proves nothing outside is created, overwritten or
/// deleted; the journal is refused whole (exit 3, one line) and kept.
///
/// Each case is written in two journal formats: version 1 (no checksums: what
/// ofdoctor before the fix read, and followed out of the root) and the current version
/// (valid checksums, sealed with the key of the user running the tests, written in the
/// directory it lies in, as `fix --apply` would: refused for its paths alone). Run against the old binary (`OFDOCTOR_BIN=…`), the
/// version-1 cases fail.
@Suite("undo and fix --apply never follow a journal out of the root", .serialized)
struct ApplyHostileJournalTests {
    /// A root and a sentinel beside it: `victim` (a file), `links/libz.so.1` (a link),
    /// `emptydir`.
    struct Scene {
        let base: String
        var root: String { base + "/root" }
        var sentinel: String { base + "/sentinel" }

        init() throws {
            base = NSTemporaryDirectory() + "ofd-hostile-journal-\(UUID().uuidString)"
            let fm = FileManager.default
            for dir in [root + "/var/lib/ofdoctor", root + "/etc", root + "/usr/lib", sentinel + "/links", sentinel + "/emptydir"] {
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            }
            try Data("original\n".utf8).write(to: URL(fileURLWithPath: sentinel + "/victim"))
            try fm.createSymbolicLink(atPath: sentinel + "/links/libz.so.1", withDestinationPath: "libz.so.1.2.13")
        }

        func remove() { try? FileManager.default.removeItem(atPath: base) }

        /// Every entry under the sentinel with its kind, mode, link target and bytes.
        func sentinelState() -> [String] {
            var result: [String] = []
            let fm = FileManager.default
            for name in (fm.subpaths(atPath: sentinel) ?? []).sorted() {
                let path = sentinel + "/" + name
                let attributes = (try? fm.attributesOfItem(atPath: path)) ?? [:]
                let kind = (attributes[.type] as? FileAttributeType)?.rawValue ?? "?"
                let link = (try? fm.destinationOfSymbolicLink(atPath: path)) ?? ""
                let bytes = kind == FileAttributeType.typeRegular.rawValue ? String(decoding: fm.contents(atPath: path) ?? Data(), as: UTF8.self) : ""
                result.append("\(name) \(kind) \(attributes[.posixPermissions] ?? 0) \(link) \(bytes)")
            }
            return result
        }

        /// Writes the journal from these records (JSON), in `version`'s format, sealed with
        /// `secret` (default: the key `ofdoctor` run by these tests uses).
        func writeJournal(_ records: [[UInt8]], version: Int, secret: [UInt8]? = nil) throws -> [UInt8] {
            let header = Journal.line(Journal.Header(format: Journal.format, version: version, createdDirectories: [],
                                                     directoryInode: try Self.inode(root + "/var/lib/ofdoctor")))
            let bytes = version == 1
                ? Array(([header] + records).map { $0 + [UInt8(ascii: "\n")] }.joined())
                : JournalFile.encode([header] + records, secret: try secret ?? ApplyHostileJournalTests.userSecret())
            try Data(bytes).write(to: URL(fileURLWithPath: root + "/var/lib/ofdoctor/journal"))
            return bytes
        }

        static func inode(_ path: String) throws -> UInt64 {
            try (FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
        }

        var journalBytes: [UInt8] { Array(FileManager.default.contents(atPath: root + "/var/lib/ofdoctor/journal") ?? Data()) }
    }

    /// A journal shipped in the root: an ldconfig snapshot whose "files" create and
    /// overwrite files outside, whose "links" directory is outside (undo used to delete
    /// every link in it), whose absent directory is outside (undo used to remove it).
    static func shippedRecords() -> [[UInt8]] {
        let out = "/../sentinel"
        let snapshot = LdconfigSnapshot(
            files: [.init(path: out + "/created", base64: Data("#!/bin/sh\necho pwned\n".utf8).base64EncodedString(), mode: 0o755),
                    .init(path: out + "/victim", base64: Data("overwritten\n".utf8).base64EncodedString(), mode: 0o644)],
            absentDirectories: [out + "/emptydir"],
            links: [out + "/links": [:]])
        return [Journal.recordLine(seq: 1, phase: .intent, change: .ldconfig(snapshot: snapshot)),
                Journal.recordLine(seq: 1, phase: .done)]
    }

    @Test("a journal shipped in the root with /../ paths: undo refuses it whole, exit 3, the sentinel untouched, the journal kept",
          arguments: [1, Journal.version])
    func shippedJournal(version: Int) throws {
        let scene = try Scene()
        defer { scene.remove() }
        let written = try scene.writeJournal(Self.shippedRecords(), version: version)
        let sentinel = scene.sentinelState()
        let result = Command.ofdoctor(["undo", "--root", scene.root])
        #expect(scene.sentinelState() == sentinel, "undo changed what is outside the root: \(result.stdout) \(result.stderr)")
        #expect(scene.journalBytes == written, "the refused journal must be kept as it was")
        #expect(result.status == 3, "undo: exit \(result.status): \(result.stdout) \(result.stderr)")
        #expect(result.stderr.hasPrefix("ofdoctor: ") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("journal"), "\(result.stderr)")
        if version == Journal.version { #expect(result.stderr.contains("/../sentinel"), "\(result.stderr)") }
    }

    @Test("after apply, a parent made an absolute link to a host directory: undo refuses the journal and the host's link stays",
          arguments: [1, Journal.version])
    func parentBecomesAbsoluteLink(version: Int) throws {
        let scene = try Scene()
        defer { scene.remove() }
        // What apply journaled: it linked /usr/lib/x86_64-linux-gnu/libz.so.1 in a real directory.
        let records = [Journal.recordLine(seq: 1, phase: .intent,
                                          change: .link(path: "/usr/lib/x86_64-linux-gnu/libz.so.1", target: "libz.so.1.2.13",
                                                        previousTarget: nil, temporary: nil)),
                       Journal.recordLine(seq: 1, phase: .done)]
        let written = try scene.writeJournal(records, version: version)
        // Since then the directory became an absolute link to the host's (the sentinel's) directory.
        try FileManager.default.createSymbolicLink(atPath: scene.root + "/usr/lib/x86_64-linux-gnu", withDestinationPath: scene.sentinel + "/links")
        let sentinel = scene.sentinelState()
        let result = Command.ofdoctor(["undo", "--root", scene.root])
        #expect(scene.sentinelState() == sentinel, "undo deleted the host's link: \(result.stdout) \(result.stderr)")
        #expect(result.status == 3, "exit \(result.status): \(result.stdout) \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        if version == Journal.version { #expect(result.stderr.contains("symbolic link"), "\(result.stderr)") }
        #expect(scene.journalBytes == written)
    }

    @Test("undo keeps a link someone repointed since apply, lists it, and exits 2")
    func keptChangesExitTwo() throws {
        let scene = try Scene()
        defer { scene.remove() }
        let dir = scene.root + "/usr/lib/x86_64-linux-gnu"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let records = [Journal.recordLine(seq: 1, phase: .intent,
                                          change: .link(path: "/usr/lib/x86_64-linux-gnu/libmine.so.1", target: "libmine.so.1.0",
                                                        previousTarget: nil, temporary: nil)),
                       Journal.recordLine(seq: 1, phase: .done)]
        _ = try scene.writeJournal(records, version: Journal.version)
        try FileManager.default.createSymbolicLink(atPath: dir + "/libmine.so.1", withDestinationPath: "libmine.so.1.1")
        let result = Command.ofdoctor(["undo", "--root", scene.root])
        #expect(result.status == 2, "exit \(result.status): \(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("libmine.so.1: changed since fix --apply"), "\(result.stdout)")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/libmine.so.1")) == "libmine.so.1.1")
    }

    @Test("a journal copied into another root, or a copy of the whole root: undo and fix --apply refuse it (exit 3), change nothing and keep it; the root moved: undo reverts it",
          .enabled(if: FixtureRoot.named("all") != nil, "fixture roots not built: run `make fixtures`"))
    func journalInAnotherRoot() throws {
        let fixture = try #require(FixtureRoot.named("all"))
        let applied = try DoctorEndToEndTests.scratchCopy(fixture)
        let base = (applied as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: base) }
        let pristine = try TreeSnapshot(root: applied)
        let env = DoctorEndToEndTests.envArguments(fixture)
        let apply = Command.ofdoctor(["fix", "--apply", "--root", applied, "FeatureExtraction"] + env)
        #expect(apply.status == 0, "\(apply.stdout) \(apply.stderr)")
        // Another root holding what the plan made there (links with the same targets, the
        // same files), made by someone else: a copy of the applied root whose journal
        // directory is new, with the journal copied in; and a copy of the whole root.
        let other = base + "/other", copy = base + "/copy"
        for (path, journalCopied) in [(other, true), (copy, false)] {
            #expect(Command.run("/bin/cp", ["-a", applied, path]).status == 0)
            if journalCopied {
                try FileManager.default.removeItem(atPath: path + "/var/lib/ofdoctor")
                try FileManager.default.createDirectory(atPath: path + "/var/lib/ofdoctor", withIntermediateDirectories: false)
                try FileManager.default.copyItem(atPath: applied + "/var/lib/ofdoctor/journal", toPath: path + "/var/lib/ofdoctor/journal")
            }
            let before = try TreeSnapshot(root: path)
            for command in [["undo", "--root", path], ["fix", "--apply", "--root", path, "FeatureExtraction"] + env] {
                let refused = Command.ofdoctor(command)
                #expect(refused.status == 3, "\(command[0]) exit \(refused.status): \(refused.stdout) \(refused.stderr)")
                #expect(refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains("written in another root"), "\(refused.stderr)")
                #expect(try TreeSnapshot(root: path) == before, "\(command[0]) changed a root whose journal was written elsewhere")
            }
        }
        // Moved (rename keeps the inodes): still the root fix --apply changed.
        let moved = base + "/moved"
        try FileManager.default.moveItem(atPath: applied, toPath: moved)
        let undo = Command.ofdoctor(["undo", "--root", moved])
        #expect(undo.status == 0, "\(undo.stdout) \(undo.stderr)")
        #expect(try TreeSnapshot(root: moved) == pristine, "undo of a moved root did not restore it")
    }

    @Test("undo on a root whose /var is a link to nothing: no journal there, nothing to undo (exit 0, the root unchanged), not 'run undo again'")
    func danglingJournalParent() throws {
        let scene = try Scene()
        defer { scene.remove() }
        try FileManager.default.removeItem(atPath: scene.root + "/var")
        try FileManager.default.createSymbolicLink(atPath: scene.root + "/var", withDestinationPath: "/nonexistent-var")
        let result = Command.ofdoctor(["undo", "--root", scene.root])
        #expect(result.status == 0, "exit \(result.status): \(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("nothing to undo"), "\(result.stdout)")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: scene.root + "/var")) == "/nonexistent-var")
    }

    /// The secret of the journal key `ofdoctor` uses when these tests run it (`Command`
    /// passes neither HOME nor XDG_STATE_HOME: the user's home from the password database),
    /// made as `fix --apply` would when there is none yet.
    static func userSecret() throws -> [UInt8] {
        try JournalKey.loadOrCreate(environment: [:]).secret ?? []
    }

    @Test("a journal key that cannot be made or used: fix --apply changes nothing and exits 4, undo refuses the journal and exits 3",
          .enabled(if: FixtureRoot.named("all") != nil, "fixture roots not built: run `make fixtures`"))
    func unusableKey() throws {
        let fixture = try #require(FixtureRoot.named("all"))
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let state = (root as NSString).deletingLastPathComponent + "/state"
        let target = ["--root", root, "FeatureExtraction"] + DoctorEndToEndTests.envArguments(fixture)
        let before = try TreeSnapshot(root: root)
        // A file where the key's directory must go.
        try Data().write(to: URL(fileURLWithPath: state))
        let refused = Command.ofdoctor(["fix", "--apply"] + target, environment: ["XDG_STATE_HOME": state])
        #expect(refused.status == 4, "exit \(refused.status): \(refused.stdout) \(refused.stderr)")
        #expect(refused.stderr.contains("journal-key") && refused.stderr.contains("XDG_STATE_HOME"), "\(refused.stderr)")
        #expect(try TreeSnapshot(root: root) == before, "fix --apply changed the root without a key to seal its journal")
        // Applied with a good key; then the key readable by others: undo will not trust it.
        try FileManager.default.removeItem(atPath: state)
        let applied = Command.ofdoctor(["fix", "--apply"] + target, environment: ["XDG_STATE_HOME": state])
        #expect(applied.status == 0, "\(applied.stdout) \(applied.stderr)")
        chmod(state + "/ofdoctor/journal-key", 0o644)
        let undo = Command.ofdoctor(["undo", "--root", root], environment: ["XDG_STATE_HOME": state])
        #expect(undo.status == 3, "exit \(undo.status): \(undo.stdout) \(undo.stderr)")
        #expect(undo.stderr.contains("must be 0600"), "\(undo.stderr)")
        chmod(state + "/ofdoctor/journal-key", 0o600)
        #expect(Command.ofdoctor(["undo", "--root", root], environment: ["XDG_STATE_HOME": state]).status == 0)
        #expect(try TreeSnapshot(root: root) == before)
    }

    /// A root's own link and the journal that claims ofdoctor made it (and an ldconfig run
    /// that would put the directory back to no links at all), with valid checksums.
    static func forgedRecords() -> [[UInt8]] {
        let snapshot = LdconfigSnapshot(files: [], absentDirectories: [], links: ["/usr/lib/x86_64-linux-gnu": [:]])
        return [Journal.recordLine(seq: 1, phase: .intent,
                                   change: .link(path: "/usr/lib/x86_64-linux-gnu/libz.so.1", target: "libz.so.1.2.13",
                                                 previousTarget: nil, temporary: nil)),
                Journal.recordLine(seq: 1, phase: .done),
                Journal.recordLine(seq: 2, phase: .intent, change: .ldconfig(snapshot: snapshot))]
    }

    @Test("a journal forged inside the root (valid checksums, sealed with another key) cannot make undo touch the root's own links; sealed with the user's key, the same journal would",
          arguments: [false, true])
    func forgedInsideTheRoot(sealedByUser: Bool) throws {
        let scene = try Scene()
        defer { scene.remove() }
        let dir = scene.root + "/usr/lib/x86_64-linux-gnu"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data("not really a library\n".utf8).write(to: URL(fileURLWithPath: dir + "/libz.so.1.2.13"))
        for name in ["libz.so.1", "libz.so"] {
            try FileManager.default.createSymbolicLink(atPath: dir + "/" + name, withDestinationPath: "libz.so.1.2.13")
        }
        var generator = SystemRandomNumberGenerator()
        let otherSecret = (0..<JournalKey.length).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let written = try scene.writeJournal(Self.forgedRecords(), version: Journal.version, secret: sealedByUser ? nil : otherSecret)
        let result = Command.ofdoctor(["undo", "--root", scene.root])
        let links = ["libz.so.1", "libz.so"].filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/" + $0)) != nil }
        if sealedByUser {
            // The control: the seal is all that stands between such a journal and the root.
            #expect(links.isEmpty, "undo of a journal sealed with the user's key reverts what it records: \(result.stdout) \(result.stderr)")
        } else {
            #expect(result.status == 3, "exit \(result.status): \(result.stdout) \(result.stderr)")
            #expect(result.stderr.hasPrefix("ofdoctor: ") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.contains("seal"), "\(result.stderr)")
            #expect(links == ["libz.so.1", "libz.so"], "undo removed the root's own links: \(result.stdout) \(result.stderr)")
            #expect(scene.journalBytes == written, "the refused journal must be kept as it was")
        }
    }

    @Test("a journal of an ofdoctor before journals were sealed (version 2) is refused whole: exit 3, kept, and the message says why")
    func unsealedVersion() throws {
        let scene = try Scene()
        defer { scene.remove() }
        let header = Journal.line(Journal.Header(format: Journal.format, version: 2, createdDirectories: [], directoryInode: 0))
        var bytes: [UInt8] = []
        var previous = ""
        for json in [header] + Self.forgedRecords() + [Array("{\"end\":4}".utf8)] {
            previous = JournalFile.sum(previous: previous, json: json)
            bytes += Array(previous.utf8) + [UInt8(ascii: " ")] + json + [UInt8(ascii: "\n")]
        }
        try Data(bytes).write(to: URL(fileURLWithPath: scene.root + "/var/lib/ofdoctor/journal"))
        let result = Command.ofdoctor(["undo", "--root", scene.root])
        #expect(result.status == 3, "exit \(result.status): \(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("before journals were sealed"), "\(result.stderr)")
        #expect(scene.journalBytes == bytes)
    }
}

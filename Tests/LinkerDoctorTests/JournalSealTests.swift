import Foundation
import Synchronization
import Testing
@testable import Apply
@testable import Archive

/// The seal of `fix --apply`'s journal: HMAC-SHA256 under a key kept outside the root.
@Suite("journal seal and key")
struct JournalSealTests {
    @Test("HMAC-SHA256 gives RFC 4231's tags (test cases 1 and 2)")
    func rfc4231() {
        #expect(HMACSHA256.hexTag(key: Array(repeating: 0x0b, count: 20), message: Array("Hi There".utf8))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(HMACSHA256.hexTag(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("hex text both ways; odd lengths and other letters are refused")
    func hexText() {
        let bytes: [UInt8] = [0, 1, 0x7f, 0x80, 0xab, 0xff]
        #expect(HexText.lowercase(bytes) == "00017f80abff")
        #expect(HexText.bytes("00017f80abff") == bytes)
        #expect(HexText.bytes("00017F80ABFF") == bytes)
        #expect(HexText.bytes("abc") == nil)
        #expect(HexText.bytes("zz") == nil)
    }

    private func withStateHome(_ body: (String, [String: String]) throws -> Void) throws {
        let dir = NSTemporaryDirectory() + "ofd-key-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(dir, ["XDG_STATE_HOME": dir, "HOME": "/nonexistent"])
    }

    @Test("the key is made once, 64 hex digits, mode 0600 in a 0700 directory under XDG_STATE_HOME, and read back the same")
    func keyMadeOnce() throws {
        try withStateHome { dir, environment in
            #expect(JournalKey.path(environment: environment) == dir + "/ofdoctor/journal-key")
            #expect(try JournalKey.load(environment: environment).secret == nil)
            let made = try JournalKey.loadOrCreate(environment: environment)
            #expect(made.secret?.count == JournalKey.length)
            #expect(made.location == dir + "/ofdoctor/journal-key")
            let again = try JournalKey.loadOrCreate(environment: environment)
            #expect(again == made)
            #expect(try JournalKey.load(environment: environment) == made)
            let attributes = try FileManager.default.attributesOfItem(atPath: made.location)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            let dirAttributes = try FileManager.default.attributesOfItem(atPath: dir + "/ofdoctor")
            #expect((dirAttributes[.posixPermissions] as? Int) == 0o700)
            let text = try String(contentsOfFile: made.location, encoding: .utf8)
            #expect(text.count == 65 && text.hasSuffix("\n"))
            // Without XDG_STATE_HOME, HOME's ~/.local/state.
            #expect(JournalKey.path(environment: ["HOME": "/home/u"]) == "/home/u/.local/state/ofdoctor/journal-key")
            #expect(JournalKey.path(environment: ["XDG_STATE_HOME": "relative", "HOME": "/home/u"])
                    == "/home/u/.local/state/ofdoctor/journal-key")
        }
    }

    @Test("sixteen makers at once (threads of one process) all get the one key that was kept, and leave no temporary")
    func concurrentMakers() throws {
        try withStateHome { (dir: String, environment: [String: String]) throws in
            let results = Mutex<[Result<JournalKey, ApplyError>]>([])
            DispatchQueue.concurrentPerform(iterations: 16) { _ in
                let result: Result<JournalKey, ApplyError>
                do throws(ApplyError) { result = .success(try JournalKey.loadOrCreate(environment: environment)) } catch { result = .failure(error) }
                results.withLock { $0.append(result) }
            }
            let keys = results.withLock { $0 }.compactMap { try? $0.get() }
            #expect(keys.count == 16, "\(results.withLock { $0 })")
            #expect(Set(keys.compactMap(\.secret)).count == 1)
            #expect(try JournalKey.load(environment: environment) == keys.first)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/ofdoctor") == ["journal-key"])
        }
    }

    @Test("a key file that is a link, readable by others or not 64 hex digits is refused, not used")
    func hostileKeyFiles() throws {
        try withStateHome { dir, environment in
            let path = dir + "/ofdoctor/journal-key"
            try FileManager.default.createDirectory(atPath: dir + "/ofdoctor", withIntermediateDirectories: true)
            let valid = String(repeating: "ab", count: JournalKey.length) + "\n"
            let cases: [(String, () throws -> Void)] = [
                ("symbolic link", {
                    try valid.write(toFile: dir + "/elsewhere", atomically: false, encoding: .utf8)
                    chmod(dir + "/elsewhere", 0o600)
                    try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: dir + "/elsewhere")
                }),
                ("0600", {
                    try valid.write(toFile: path, atomically: false, encoding: .utf8)
                    chmod(path, 0o644)
                }),
                ("hex digits", {
                    try "not a key\n".write(toFile: path, atomically: false, encoding: .utf8)
                    chmod(path, 0o600)
                }),
            ]
            for (expected, make) in cases {
                try? FileManager.default.removeItem(atPath: path)
                try make()
                var caught: ApplyError?
                do throws(ApplyError) { _ = try JournalKey.loadOrCreate(environment: environment) } catch { caught = error }
                guard case .journalKey(let p, let reason)? = caught else {
                    Issue.record("\(expected): expected a key error, got \(String(describing: caught))")
                    continue
                }
                #expect(p == path)
                #expect(reason.contains(expected), "\(reason)")
            }
        }
    }

    private static let records = [Journal.headerLine(createdDirectories: [], directoryInode: 1),
                                  Journal.recordLine(seq: 1, phase: .intent,
                                                     change: .link(path: "/usr/lib/libz.so.1", target: "libz.so.1.2.13",
                                                                   previousTarget: nil, temporary: nil)),
                                  Journal.recordLine(seq: 1, phase: .done)]

    private func refusal(_ bytes: [UInt8], key: JournalKey) -> String? {
        do {
            _ = try JournalFile.verify(bytes, path: "/var/lib/ofdoctor/journal", key: key)
            return nil
        } catch {
            guard case .journalCorrupt(_, _, let reason, _) = error else { return "\(error)" }
            return reason
        }
    }

    @Test("a journal verifies under the key that sealed it, and is refused under another, under none, or re-summed after an edit")
    func sealChecked() throws {
        let mine = JournalKey(location: "/k/mine", secret: Array(repeating: 1, count: 32))
        let other = JournalKey(location: "/k/other", secret: Array(repeating: 2, count: 32))
        let bytes = JournalFile.encode(Self.records, secret: mine.secret ?? [])
        #expect(refusal(bytes, key: mine) == nil)
        #expect(try JournalFile.verify(bytes, path: "j", key: mine) == Self.records)
        #expect(refusal(bytes, key: other)?.contains("seal does not match the key at /k/other") == true)
        #expect(refusal(bytes, key: JournalKey(location: "/k/none", secret: nil))?.contains("none at /k/none") == true)

        // An edit with every checksum made again, and the old seal kept: refused for the seal.
        var edited = Self.records
        edited[1] = Journal.recordLine(seq: 1, phase: .intent,
                                       change: .link(path: "/usr/lib/libc.so.6", target: "libc-2.31.so", previousTarget: nil, temporary: nil))
        var forged: [UInt8] = []
        var previous = ""
        let oldClosing = Array(bytes.split(separator: UInt8(ascii: "\n")).last!.dropFirst(JournalFile.sumLength + 1))
        for json in edited + [oldClosing] {
            previous = JournalFile.sum(previous: previous, json: json)
            forged += Array(previous.utf8) + [UInt8(ascii: " ")] + json + [UInt8(ascii: "\n")]
        }
        #expect(refusal(forged, key: mine)?.contains("seal does not match") == true)
        // Damage is still told apart from a foreign seal: a changed byte breaks the checksums.
        var damaged = bytes
        damaged[JournalFile.sumLength + 10] ^= 0x20
        #expect(refusal(damaged, key: mine)?.contains("checksum") == true)
    }
}

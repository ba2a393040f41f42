#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Archive

/// The journal's bytes on disk. Each record is one line, `SUM JSON`, where SUM is the
/// SHA-256 (hex) of the previous line's SUM followed by this JSON, so a changed, removed
/// or reordered line breaks the chain from there on; the file ends with a closing line
/// `SUM {"end":N,"seal":TAG}` counting the records before it, TAG being the HMAC-SHA256
/// (hex) of every byte before that line under the user's `JournalKey`. The file is
/// replaced whole (written under a temporary name, renamed over) for every record, so a
/// kill leaves the old or the new file, each closed: a file without its closing line was
/// cut short.
///
/// The sums find damage and say where; the seal finds a journal this user's ofdoctor did
/// not write, or one edited since: whoever can write the root can compute sums, but not
/// the seal without the key, which lives outside the root. `Journal.checkPaths` and
/// `ConfinedRoot` keep even a sealed journal from reaching outside the root.
enum JournalFile {
    static let sumLength = 64

    static func sum(previous: String, json: [UInt8]) -> String {
        var digest = SHA256Digest()
        digest.update(Array(previous.utf8))
        digest.update(json)
        return digest.hexDigest()
    }

    /// The file holding `records` (the header's JSON first), sealed with `secret`.
    static func encode(_ records: [[UInt8]], secret: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        var previous = ""
        func append(_ json: [UInt8]) {
            previous = sum(previous: previous, json: json)
            bytes += Array(previous.utf8) + [UInt8(ascii: " ")] + json + [UInt8(ascii: "\n")]
        }
        for json in records { append(json) }
        append(closing(count: records.count, seal: HMACSHA256.hexTag(key: secret, message: bytes)))
        return bytes
    }

    /// The closing line's JSON.
    static func closing(count: Int, seal: String) -> [UInt8] {
        Array("{\"end\":\(count),\"seal\":\"\(seal)\"}".utf8)
    }

    /// The records' JSON, once every sum, the closing line and its seal under `key` hold;
    /// `path` names the journal in errors, which also list what it holds.
    static func verify(_ bytes: [UInt8], path: String, key: JournalKey) throws(ApplyError) -> [[UInt8]] {
        let fail = { (line: Int, reason: String) -> ApplyError in
            .journalCorrupt(path: path, line: line, reason: reason, holds: holdings(bytes))
        }
        guard bytes.last == UInt8(ascii: "\n") else {
            throw fail(bytes.split(separator: UInt8(ascii: "\n")).count, "it is cut short (its last line is incomplete)")
        }
        var records: [[UInt8]] = []
        var previous = ""
        var sealed = 0   // the bytes before the current line
        let lines = bytes.dropLast().split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            let (claimed, json) = split(line)
            guard let claimed, claimed == sum(previous: previous, json: json) else {
                throw fail(index + 1, "its checksum does not match (the journal was changed or damaged from here on)")
            }
            previous = claimed
            if index == lines.count - 1 {
                let prefix = Array("{\"end\":\(records.count),\"seal\":\"".utf8)
                guard json.starts(with: prefix), json.count == prefix.count + sumLength + 2, json.suffix(2) == [UInt8(ascii: "\""), UInt8(ascii: "}")] else {
                    throw fail(index + 1, "it has no closing line (the journal was cut short, or written by an ofdoctor before journals were sealed)")
                }
                guard let secret = key.secret else {
                    throw fail(index + 1, "it is sealed with a key this user does not have (none at \(key.location)): fix --apply ran as another user, on another machine or inside a container, or the journal was forged; run undo where fix --apply ran")
                }
                guard json == closing(count: records.count, seal: HMACSHA256.hexTag(key: secret, message: Array(bytes[..<sealed]))) else {
                    throw fail(index + 1, "its seal does not match the key at \(key.location): fix --apply ran as another user, on another machine or inside a container, or the journal was forged or edited; run undo where fix --apply ran")
                }
                return records
            }
            records.append(json)
            sealed += line.count + 1
        }
        throw fail(1, "it is empty")
    }

    /// A line's claimed sum (nil when malformed) and its JSON.
    private static func split(_ line: ArraySlice<UInt8>) -> (String?, [UInt8]) {
        let hex = line.prefix(sumLength)
        guard line.count > sumLength + 1, line[line.startIndex + sumLength] == UInt8(ascii: " "),
              hex.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) })
        else { return (nil, Array(line)) }
        return (String(decoding: hex, as: UTF8.self), Array(line.dropFirst(sumLength + 1)))
    }

    /// What a journal that failed its checks says it changed (unverified), for the
    /// person who must now revert by hand.
    static func holdings(_ bytes: [UInt8]) -> [String] {
        var result: [String] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let (_, json) = split(line)
            if let record = try? JSONDecoder().decode(Journal.Record.self, from: Data(json)), record.phase == .intent,
               let change = record.change {
                result.append("#\(record.seq) \(change.summary)")
            }
        }
        return result
    }
}

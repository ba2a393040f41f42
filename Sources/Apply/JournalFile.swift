#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Archive

/// The journal's bytes on disk. Each record is one line, `SUM JSON`, where SUM is the
/// SHA-256 (hex) of the previous line's SUM followed by this JSON, so a changed, removed
/// or reordered line breaks the chain from there on; the file ends with a closing line
/// `SUM {"end":N}` counting the records before it. The file is replaced whole (written
/// under a temporary name, renamed over) for every record, so a kill leaves the old or
/// the new file, each closed: a file without its closing line was cut short.
///
/// The sums catch damage, not malice: whoever can write the root can compute them. What
/// keeps a hostile journal from writing outside the root is `Journal.checkPaths` and
/// `ConfinedRoot`.
enum JournalFile {
    static let sumLength = 64

    static func sum(previous: String, json: [UInt8]) -> String {
        var digest = SHA256Digest()
        digest.update(Array(previous.utf8))
        digest.update(json)
        return digest.hexDigest()
    }

    /// The file holding `records` (the header's JSON first).
    static func encode(_ records: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        var previous = ""
        for json in records + [Array("{\"end\":\(records.count)}".utf8)] {
            previous = sum(previous: previous, json: json)
            bytes += Array(previous.utf8) + [UInt8(ascii: " ")] + json + [UInt8(ascii: "\n")]
        }
        return bytes
    }

    /// The records' JSON, once every sum and the closing line hold; `path` names the
    /// journal in errors, which also list what it holds.
    static func verify(_ bytes: [UInt8], path: String) throws(ApplyError) -> [[UInt8]] {
        let fail = { (line: Int, reason: String) -> ApplyError in
            .journalCorrupt(path: path, line: line, reason: reason, holds: holdings(bytes))
        }
        guard bytes.last == UInt8(ascii: "\n") else {
            throw fail(bytes.split(separator: UInt8(ascii: "\n")).count, "it is cut short (its last line is incomplete)")
        }
        var records: [[UInt8]] = []
        var previous = ""
        let lines = bytes.dropLast().split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            let (claimed, json) = split(line)
            guard let claimed, claimed == sum(previous: previous, json: json) else {
                throw fail(index + 1, "its checksum does not match (the journal was changed or damaged from here on)")
            }
            previous = claimed
            if index == lines.count - 1 {
                guard json == Array("{\"end\":\(records.count)}".utf8) else {
                    throw fail(index + 1, "it has no closing line (the journal was cut short)")
                }
                return records
            }
            records.append(json)
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

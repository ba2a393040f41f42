#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RootFS

/// The record of what `fix --apply` changed in a root, kept in the root at
/// `/var/lib/ofdoctor/journal` (format: `JournalFile`), one record a line:
///
///     {"createdDirectories":["/var/lib/ofdoctor"],"directoryInode":1234,"format":"ofdoctor-journal","version":4}
///     {"change":{…},"phase":"intent","seq":1}     before the change is made
///     {"phase":"done","seq":1}                    after it (ldconfig: with its "effect")
///     {"error":"…","phase":"failed","seq":1}      it failed (`ldconfig` also: "ldconfig":{…})
///     {"phase":"undone","seq":1}                  `undo` reverted it
///
/// A change with an intent and no done may or may not have happened: `undo` and the
/// next `apply` look at the root to tell. A journal that fails its checksums, is cut
/// short, is not sealed with this user's `JournalKey` (written elsewhere, or forged) or
/// names a path that is not a plain real path inside the root is refused whole, before
/// anything is changed, and kept. So is one found in another directory than the one it was
/// written in (`directoryInode`): a journal copied into another root, or a copy of the
/// root, would otherwise make `undo` delete look-alikes of ofdoctor's links and files
/// that someone else made there.
public struct Journal: Equatable, Sendable {
    public static let path = RootPath("/var/lib/ofdoctor/journal")
    public static let format = "ofdoctor-journal"

    public enum Phase: String, Codable, Sendable { case intent, done, failed, undone }

    public struct Entry: Equatable, Sendable {
        public var seq: Int
        public var change: JournalChange
        public var phase: Phase
        public var ldconfig: LdconfigResult?
        /// What an `ldconfig` run changed, measured after it (nil: not known).
        public var effect: LdconfigEffect? = nil
        public var error: String?
        public var undone: Bool
    }

    /// The journal's own directories, created with it (removed when `undo` removes it).
    public var createdDirectories: [String]
    /// The inode number of the directory the journal was written in (`/var/lib/ofdoctor`,
    /// its real path), nil for a journal not yet written. Not the device: an overlay
    /// root's device number changes when the container restarts, its inodes do not.
    public var directoryInode: UInt64?
    /// Changes in the order they were made.
    public var entries: [Entry]

    public init(createdDirectories: [String], directoryInode: UInt64? = nil, entries: [Entry] = []) {
        self.createdDirectories = createdDirectories
        self.directoryInode = directoryInode
        self.entries = entries
    }

    public var nextSeq: Int { (entries.map(\.seq).max() ?? 0) + 1 }

    /// Entries not yet reverted.
    public var live: [Entry] { entries.filter { !$0.undone } }

    /// True when an `undo` started and did not finish.
    public var undoStarted: Bool { entries.contains { $0.undone } }

    /// True when a live change put exactly this symlink at `path` (so it is ofdoctor's).
    public func madeLink(_ path: String, target: String) -> Bool {
        // (by bytes: a path or target canonically equivalent to ours is not ours)
        live.contains {
            if case .link(let made, let to, _, _) = $0.change { return made.hasSameBytes(as: path) && to.hasSameBytes(as: target) }
            return false
        }
    }

    /// True when a live change wrote exactly these bytes at `path`.
    public func madeFile(_ path: String, contents: String) -> Bool {
        live.contains {
            if case .file(let made, let wrote, _, _, _, _) = $0.change { return made.hasSameBytes(as: path) && wrote.hasSameBytes(as: contents) }
            return false
        }
    }

    /// The environment the live changes wrote to `path`, latest last.
    public func environment(at path: String) -> [EnvironmentSetting] {
        var result: [EnvironmentSetting] = []
        for entry in live {
            if case .file(path, _, _, _, _, let settings?) = entry.change { result = settings }
        }
        return result
    }

    /// True when `ldconfig` must run again: it never succeeded, or a link or conf file
    /// changed since (directories and the profile script do not matter to it).
    public var ldconfigIsStale: Bool {
        var stale = true
        for entry in live {
            switch entry.change {
            case .ldconfig:
                if entry.phase == .done, entry.ldconfig?.succeeded == true { stale = false }
            case .link, .file(_, _, _, _, _, nil):
                stale = true
            case .directory, .file:
                break
            }
        }
        return stale
    }

    /// True when a live link or conf file was made (or an ldconfig run started or failed)
    /// after the last ldconfig that succeeded: a run killed before its ldconfig finished.
    public var ldconfigOwed: Bool {
        var owed = false
        for entry in live {
            switch entry.change {
            case .ldconfig: owed = !(entry.phase == .done && entry.ldconfig?.succeeded == true)
            case .link, .file(_, _, _, _, _, nil): owed = true
            case .directory, .file: break
            }
        }
        return owed
    }

    // MARK: Encoding

    struct Header: Codable {
        var format: String
        var version: Int
        var createdDirectories: [String]
        var directoryInode: UInt64
    }

    struct Record: Codable {
        var seq: Int
        var phase: Phase
        var change: JournalChange?
        var ldconfig: LdconfigResult?
        var effect: LdconfigEffect?
        var error: String?
    }

    /// 3: the closing line carries the seal (`JournalFile`); 4: the header names the
    /// directory it was written in (`directoryInode`).
    static let version = 4

    /// One record's JSON (no newline).
    static func line<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every value here is a plain struct of strings and numbers: encoding cannot fail.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Array(data)
    }

    static func headerLine(createdDirectories: [String], directoryInode: UInt64) -> [UInt8] {
        line(Header(format: format, version: version, createdDirectories: createdDirectories, directoryInode: directoryInode))
    }

    static func recordLine(seq: Int, phase: Phase, change: JournalChange? = nil, ldconfig: LdconfigResult? = nil,
                           effect: LdconfigEffect? = nil, error: String? = nil) -> [UInt8] {
        line(Record(seq: seq, phase: phase, change: change, ldconfig: ldconfig, effect: effect, error: error))
    }

    // MARK: Entries, as the records change them

    /// A change about to be made: the `intent` record.
    mutating func addIntent(seq: Int, change: JournalChange) {
        entries.append(Entry(seq: seq, change: change, phase: .intent, undone: false))
    }

    /// How the change at `at` ended: the one place a phase changes, for the journal being
    /// written (`ApplySession`) and for one read back (`decode`).
    mutating func end(entryAt at: Int, phase: Phase, ldconfig: LdconfigResult?, effect: LdconfigEffect?, error: String?) {
        if phase == .undone {
            entries[at].undone = true
            return
        }
        entries[at].phase = phase
        entries[at].ldconfig = ldconfig ?? entries[at].ldconfig
        entries[at].effect = effect ?? entries[at].effect
        entries[at].error = error ?? entries[at].error
    }

    /// Reads a journal file; `path` names it in errors. The checksums, the closing line and
    /// its seal under `key` are checked first (`JournalFile`), then every record, then
    /// every path in it.
    public static func decode(_ bytes: [UInt8], path: String, key: JournalKey) throws(ApplyError) -> Journal {
        try decode(records: JournalFile.verify(bytes, path: path, key: key), of: bytes, path: path)
    }

    /// The journal the records `JournalFile.verify` returned for `bytes` make.
    static func decode(records lines: [[UInt8]], of bytes: [UInt8], path: String) throws(ApplyError) -> Journal {
        let holds = { JournalFile.holdings(bytes) }
        let decoder = JSONDecoder()
        guard let first = lines.first else { return Journal(createdDirectories: []) }
        // (the version first: an older header lacks fields this one needs)
        struct Version: Decodable { var format: String; var version: Int }
        guard let stated = try? decoder.decode(Version.self, from: Data(first)), stated.format == format else {
            throw .journalCorrupt(path: path, line: 1, reason: "not an ofdoctor journal header", holds: holds())
        }
        guard stated.version == version else {
            throw .journalCorrupt(path: path, line: 1, reason: "it is version \(stated.version); this ofdoctor reads version \(version) only",
                                  holds: holds())
        }
        guard let header = try? decoder.decode(Header.self, from: Data(first)) else {
            throw .journalCorrupt(path: path, line: 1, reason: "not an ofdoctor journal header", holds: holds())
        }
        var journal = Journal(createdDirectories: header.createdDirectories, directoryInode: header.directoryInode)
        var index: [Int: Int] = [:]
        for (offset, text) in lines.dropFirst().enumerated() {
            let lineNumber = offset + 2
            let record: Record
            do { record = try decoder.decode(Record.self, from: Data(text)) } catch {
                throw .journalCorrupt(path: path, line: lineNumber, reason: "not a journal record", holds: holds())
            }
            if record.phase == .intent {
                guard let change = record.change, index[record.seq] == nil else {
                    throw .journalCorrupt(path: path, line: lineNumber, reason: "intent \(record.seq) without a change or repeated",
                                          holds: holds())
                }
                index[record.seq] = journal.entries.count
                journal.addIntent(seq: record.seq, change: change)
                continue
            }
            guard let at = index[record.seq] else {
                throw .journalCorrupt(path: path, line: lineNumber, reason: "\(record.phase.rawValue) for unknown change \(record.seq)",
                                      holds: holds())
            }
            journal.end(entryAt: at, phase: record.phase, ldconfig: record.ldconfig, effect: record.effect, error: record.error)
        }
        try journal.checkPaths(journal: path)
        return journal
    }
}

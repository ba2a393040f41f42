#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Archive
import RootFS
import Support

/// `undo` of an ldconfig run: the snapshot (`ApplySession+LdconfigSnapshot`) put back, except what
/// others changed since, which is kept and listed.
extension ApplySession {
    /// Removes the `~` files a failed ldconfig left where the snapshot had none: its
    /// half-written cache (glibc writes `ld.so.cache~` and renames it only on success).
    func removeLeftovers(of snapshot: LdconfigSnapshot) throws(ApplyError) {
        for file in snapshot.files where file.path.hasSuffix("~") && file.base64 == nil && file.linkTarget == nil {
            let path = RootPath(file.path)
            if try entry(path)?.kind == .file { try unlink(path) }
        }
    }

    /// Puts back what ldconfig changed. With its measured `effect`, only what is still as
    /// ldconfig left it is reverted; anything changed since is kept and listed. Without
    /// one (killed while ldconfig ran), the snapshot is compared with the root as it is.
    func restore(_ snapshot: LdconfigSnapshot, effect: LdconfigEffect?) throws(ApplyError) -> [String] {
        var leftAlone: [String] = []
        let leftBy = Dictionary((effect?.files ?? []).map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a })
        for file in snapshot.files {
            let path = RootPath(file.path)
            let now = try fileDigest(path)
            if let effect, effect.files.contains(where: { $0.path == file.path }), leftBy[file.path] ?? nil != now {
                if try !isAsBefore(file, now: now) {
                    leftAlone.append("\(file.path): changed since fix --apply (ldconfig run again?); kept")
                }
                continue
            }
            leftAlone += try restoreFile(file, now: now)
        }
        if let effect {
            leftAlone += try revertLinks(effect)
        } else {
            leftAlone += try restoreLinks(snapshot)
        }
        for directory in snapshot.absentDirectories.reversed() {
            let path = RootPath(directory)
            if try entry(path)?.kind == .directory, try !removeDirectory(path) {
                leftAlone.append("\(directory): not empty; left in place")
            }
        }
        return leftAlone
    }

    private func savedBytes(_ file: LdconfigSnapshot.SavedFile) throws(ApplyError) -> [UInt8]? {
        guard let encoded = file.base64 else { return nil }
        guard let saved = Data(base64Encoded: encoded) else {
            throw .journalCorrupt(path: journalPath?.string ?? Journal.path.string, line: 0,
                                  reason: "the saved bytes of \(file.path) are not base64", holds: [])
        }
        return Array(saved)
    }

    private func isAsBefore(_ file: LdconfigSnapshot.SavedFile, now: String?) throws(ApplyError) -> Bool {
        let path = RootPath(file.path)
        if let target = file.linkTarget { return Self.sameLink(try currentLink(path), .some(target)) }
        guard let saved = try savedBytes(file) else { return now == nil }
        var digest = SHA256Digest()
        digest.update(saved)
        guard now == digest.hexDigest() else { return false }
        return try entry(path)?.mode == (file.mode ?? 0o644)
    }

    /// Puts one saved file (or link, or absence) back over what ldconfig left.
    private func restoreFile(_ file: LdconfigSnapshot.SavedFile, now: String?) throws(ApplyError) -> [String] {
        let path = RootPath(file.path)
        if try isAsBefore(file, now: now) { return [] }
        if now == "" { return ["\(file.path): no longer a regular file; not restored"] }
        if let target = file.linkTarget {
            try replaceLink(path, target: target, temporary: temporary(for: path), ours: true)
            return []
        }
        guard let saved = try savedBytes(file) else {
            if now != nil { try unlink(path) }
            return []
        }
        try replaceFile(path, contents: saved, mode: file.mode ?? 0o644, temporary: temporary(for: path), ours: true)
        return []
    }

    /// Reverts each link ldconfig changed, while it is still as ldconfig left it.
    private func revertLinks(_ effect: LdconfigEffect) throws(ApplyError) -> [String] {
        var leftAlone: [String] = []
        for directory in effect.links.directories {
            let dir = RootPath(directory.path)
            guard try entry(dir)?.kind == .directory else { continue }
            for link in directory.links {
                let path = dir.appending(link.name), change = link.value
                let now = try currentLink(path)
                if Self.sameLink(now, .some(change.before)) { continue }
                guard Self.sameLink(now, .some(change.after)) else {
                    leftAlone.append("\(path.string): changed since fix --apply (\(Self.describe(now))); kept")
                    continue
                }
                switch (change.before, change.after) {
                case (nil, _): try unlink(path)
                case (let old?, nil): try createLink(path, target: old)
                case (let old?, _?): try replaceLink(path, target: old, temporary: temporary(for: path), ours: true)
                }
            }
        }
        return leftAlone
    }

    /// Two link states (`currentLink`'s: nil not a link, .some(nil) absent) alike, targets by
    /// their bytes: a target canonically equivalent to another is another file.
    static func sameLink(_ a: String??, _ b: String??) -> Bool {
        switch (a, b) {
        case (.none, .none): return true
        case (.some(let x), .some(let y)): return x.hasSameBytes(as: y)
        default: return false
        }
    }

    private static func describe(_ link: String??) -> String {
        switch link {
        case .none: return "now not a link"
        case .some(.none): return "now absent"
        case .some(.some(let target)): return "now -> \(target)"
        }
    }

    /// The snapshot put back over the directories' links as they are (no effect known).
    private func restoreLinks(_ snapshot: LdconfigSnapshot) throws(ApplyError) -> [String] {
        var leftAlone: [String] = []
        for directory in snapshot.links.directories {
            let dir = RootPath(directory.path)
            guard try entry(dir)?.kind == .directory else { continue }
            let before = directory.byName
            for name in try names(dir) {
                let path = dir.appending(name)
                guard try entry(path)?.kind == .symlink else { continue }
                let target = try linkTarget(path)
                if let old = before[TextKey(name)] {
                    if !old.hasSameBytes(as: target) { try replaceLink(path, target: old, temporary: temporary(for: path), ours: true) }
                } else {
                    try unlink(path)
                }
            }
            for link in directory.links {
                let path = dir.appending(link.name), target = link.value
                if try entry(path) == nil {
                    try createLink(path, target: target)
                } else if try entry(path)?.kind != .symlink {
                    leftAlone.append("\(path.string): was a symlink to \(target), is now something else; not restored")
                }
            }
        }
        return leftAlone
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ApplySession {
    /// The files ldconfig rewrites: the cache and its aux cache (glibc elf/ldconfig.c,
    /// `save_cache` and `save_aux_cache`; the latter also makes `/var/cache/ldconfig`).
    static let ldconfigFiles = [RootPath("/etc/ld.so.cache"), RootPath("/var/cache/ldconfig/aux-cache")]

    /// ldconfig scans its trusted directories besides ld.so.conf's (elf/ldconfig.c, `SYSTEM_DIRS`).
    static let trustedDirectories = ["/lib", "/usr/lib", "/lib64", "/usr/lib64",
                                     "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"].map { RootPath($0) }

    /// What ldconfig may change, as it is now.
    func captureSnapshot(scanned: [RootPath]) throws(ApplyError) -> LdconfigSnapshot {
        var links: [String: [String: String]] = [:]
        for directory in scanned + Self.trustedDirectories {
            guard let real = try resolve(directory), real.entry.kind == .directory, links[real.path.string] == nil else { continue }
            var targets: [String: String] = [:]
            for name in try names(real.path) {
                let path = real.path.appending(name)
                if try entry(path)?.kind == .symlink { targets[name] = try linkTarget(path) }
            }
            links[real.path.string] = targets
        }
        var files: [LdconfigSnapshot.SavedFile] = []
        var absent: [String] = []
        for file in Self.ldconfigFiles {
            if let parent = try resolve(file.parent), parent.entry.kind == .directory {
                let real = parent.path.appending(file.lastComponent)
                guard let found = try entry(real) else {
                    files.append(.init(path: real.string, base64: nil, mode: nil))
                    continue
                }
                // Anything but a regular file is not ldconfig's to replace, nor ours to restore.
                guard found.kind == .file else { continue }
                files.append(.init(path: real.string, base64: Data(try bytes(real)).base64EncodedString(), mode: found.mode))
            } else if let grandparent = try resolve(file.parent.parent), grandparent.entry.kind == .directory {
                let directory = grandparent.path.appending(file.parent.lastComponent)
                guard try entry(directory) == nil else { continue }
                absent.append(directory.string)
                files.append(.init(path: directory.appending(file.lastComponent).string, base64: nil, mode: nil))
            }
        }
        return LdconfigSnapshot(files: files, absentDirectories: absent, links: links)
    }

    /// Puts back what ldconfig changed: the cache files' bytes and modes, the directory
    /// it made, and the soname links (recreated, repointed, or removed). Returns what
    /// was left alone.
    func restore(_ snapshot: LdconfigSnapshot) throws(ApplyError) -> [String] {
        var leftAlone: [String] = []
        for file in snapshot.files {
            let path = RootPath(file.path)
            let current = try entry(path)
            guard let encoded = file.base64 else {
                if current?.kind == .file { try unlink(path) }
                continue
            }
            guard let saved = Data(base64Encoded: encoded) else {
                throw .journalCorrupt(path: journalPath?.string ?? Journal.path.string, line: 0, reason: "bad base64 for \(file.path)")
            }
            let mode = file.mode ?? 0o644
            if let current {
                guard current.kind == .file else {
                    leftAlone.append("\(file.path): no longer a regular file; not restored")
                    continue
                }
                if current.mode == mode, try bytes(path) == Array(saved) { continue }
            }
            try replaceFile(path, contents: Array(saved), mode: mode, temporary: temporary(for: path), ours: true)
        }
        for (directory, before) in snapshot.links.sorted(by: { $0.key < $1.key }) {
            let dir = RootPath(directory)
            guard try entry(dir)?.kind == .directory else { continue }
            for name in try names(dir) {
                let path = dir.appending(name)
                guard try entry(path)?.kind == .symlink else { continue }
                let target = try linkTarget(path)
                if let old = before[name] {
                    if old != target { try replaceLink(path, target: old, temporary: temporary(for: path), ours: true) }
                } else {
                    try unlink(path)
                }
            }
            for (name, target) in before.sorted(by: { $0.key < $1.key }) {
                let path = dir.appending(name)
                if try entry(path) == nil {
                    try createLink(path, target: target)
                } else if try entry(path)?.kind != .symlink {
                    leftAlone.append("\(path.string): was a symlink to \(target), is now something else; not restored")
                }
            }
        }
        for directory in snapshot.absentDirectories.reversed() {
            let path = RootPath(directory)
            if try entry(path)?.kind == .directory, try !removeDirectory(path) {
                leftAlone.append("\(directory): not empty; left in place")
            }
        }
        return leftAlone
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Archive
import LoaderModel
import RootFS
import Support

extension ApplySession {
    /// The files ldconfig rewrites: the cache and its aux cache (glibc elf/ldconfig.c,
    /// `save_cache` and `save_aux_cache`; the latter also makes `/var/cache/ldconfig`),
    /// and the `~` names each is written under before its `rename(2)`, which a failed run
    /// (ENOSPC) leaves behind.
    static let ldconfigFiles = [RootPath("/etc/ld.so.cache"), RootPath("/etc/ld.so.cache~"),
                                RootPath("/var/cache/ldconfig/aux-cache"), RootPath("/var/cache/ldconfig/aux-cache~")]

    /// ldconfig scans its trusted directories besides ld.so.conf's (elf/ldconfig.c, `SYSTEM_DIRS`):
    /// those of either layout, since the root may be either.
    static let trustedDirectories = LoaderPlatform.anyLayoutDefaultDirectories.map { RootPath($0) }

    /// What ldconfig may change, as it is now.
    func captureSnapshot(scanned: [RootPath]) throws(ApplyError) -> LdconfigSnapshot {
        var links = LinkTable<String>()
        for directory in scanned + Self.trustedDirectories {
            guard let real = try resolve(directory), real.entry.kind == .directory, !links.contains(directory: real.path.string) else { continue }
            links.add(.init(path: real.path.string, links: try linksIn(real.path)))
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
                switch found.kind {
                case .file:
                    files.append(.init(path: real.string, base64: Data(try bytes(real)).base64EncodedString(), mode: found.mode))
                case .symlink:
                    // ldconfig's rename replaces the link itself with a file: the link is what comes back.
                    files.append(.init(path: real.string, base64: nil, mode: nil, linkTarget: try linkTarget(real)))
                case .directory, .other:
                    continue   // not ldconfig's to replace, nor ours to restore
                }
            } else if let grandparent = try resolve(file.parent.parent), grandparent.entry.kind == .directory {
                let directory = grandparent.path.appending(file.parent.lastComponent)
                guard try entry(directory) == nil else { continue }
                if !absent.contains(directory.string) { absent.append(directory.string) }
                files.append(.init(path: directory.appending(file.lastComponent).string, base64: nil, mode: nil))
            }
        }
        return LdconfigSnapshot(files: files, absentDirectories: absent, links: links)
    }

    /// ldconfig's files that are neither a regular file nor a link, each with why: ldconfig
    /// renames its new cache over a FIFO, socket or device (which undo could not give back),
    /// blocks opening such a `~` file for writing, and fails on a directory. Refused before
    /// any change.
    func ldconfigFilesNotFiles() throws(ApplyError) -> [String] {
        var reasons: [String] = []
        for file in Self.ldconfigFiles {
            guard let parent = try resolve(file.parent), parent.entry.kind == .directory else { continue }
            let real = parent.path.appending(file.lastComponent)
            let found: RootEntry?
            do {
                found = try entry(real)
            } catch .root(.io(_, _, let code)) where Errno.isPermission(code) {
                // (/var/cache/ldconfig is root's alone: a user other than root meets this first)
                reasons.append("\(real.string): this user may not look at it (\(Errno.describe(code))); ldconfig replaces it")
                continue
            }
            guard let found, found.kind == .directory || found.kind == .other else { continue }
            let what = found.kind == .directory ? "a directory" : "a FIFO, socket or device"
            reasons.append("\(real.string): \(what), not a file; ldconfig would replace it (or wait on it) and undo could not give it back: remove it first")
        }
        return reasons
    }

    /// Name and target of every symbolic link in the real directory `directory`.
    private func linksIn(_ directory: RootPath) throws(ApplyError) -> [LinkTable<String>.Link] {
        var links: [LinkTable<String>.Link] = []
        for name in try names(directory) {
            let path = directory.appending(name)
            if try entry(path)?.kind == .symlink { links.append(.init(name: name, value: try linkTarget(path))) }
        }
        return links
    }

    /// A link's target, or nil when `path` is absent or not a link.
    func currentLink(_ path: RootPath) throws(ApplyError) -> String?? {
        guard let found = try entry(path) else { return .some(nil) }
        return found.kind == .symlink ? .some(try linkTarget(path)) : nil
    }

    /// The SHA-256 of a regular file's bytes; nil when absent; "" for anything else.
    func fileDigest(_ path: RootPath) throws(ApplyError) -> String? {
        guard let found = try entry(path) else { return nil }
        guard found.kind == .file else { return "" }
        var digest = SHA256Digest()
        digest.update(try bytes(path))
        return digest.hexDigest()
    }

    /// What ldconfig changed, comparing the root now with `snapshot`.
    func measureEffect(since snapshot: LdconfigSnapshot) throws(ApplyError) -> LdconfigEffect {
        var links = LinkTable<LdconfigEffect.LinkChange>()
        for directory in snapshot.links.directories {
            let path = RootPath(directory.path)
            let now = try entry(path)?.kind == .directory ? try linksIn(path) : []
            let before = directory.byName, after = LinkTable.Directory(path: directory.path, links: now).byName
            var changes: [LinkTable<LdconfigEffect.LinkChange>.Link] = []
            var seen = Set<TextKey>()
            for name in (directory.links + now).map(\.name) where seen.insert(TextKey(name)).inserted {
                let key = TextKey(name)
                if !before[key].hasSameBytes(as: after[key]) { changes.append(.init(name: name, value: .init(before: before[key], after: after[key]))) }
            }
            if !changes.isEmpty { links.add(.init(path: directory.path, links: changes)) }
        }
        var files: [LdconfigEffect.FileState] = []
        for file in snapshot.files { files.append(.init(path: file.path, sha256: try fileDigest(RootPath(file.path)))) }
        return LdconfigEffect(links: links, files: files)
    }
}

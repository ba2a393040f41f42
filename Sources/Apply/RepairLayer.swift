import Archive
import Doctor
import ELFInspect
import LoaderModel
import RootFS

/// The layer that carries a plan into an image: exactly the paths `PlanEffect` changes —
/// links, conf files, the directories they need, whiteouts (`.wh.NAME`, image-spec
/// layer.md) for the soname links ldconfig deletes — and `/etc/ld.so.cache` as the
/// image's own ldconfig would write it after them (`LdconfigModel` for the image's glibc,
/// in the new format its loader reads). A directory the image already has is repeated with
/// its own mode, owner and time, so laying the layer over the image changes nothing else.
/// New entries belong to root and carry time 0, so the same plan on the same image gives
/// the same bytes, and the same digest.
struct RepairLayer {
    /// The members in archive order, parents first.
    let entries: [TarWriterEntry]
    /// The tar.
    let bytes: [UInt8]
    /// Entries of the cache written, when the plan runs ldconfig.
    let cacheEntries: Int?

    init(effect: PlanEffect, image: ImageRoot, generator: String) throws(ImageRepairError) {
        var members: [RootPath: (entry: TarWriterEntry, body: [UInt8])] = [:]
        func name(_ path: RootPath) -> String { String(path.string.dropFirst()) }
        for path in effect.order {
            guard let change = effect.changes[path] else { continue }
            switch change {
            case .directory:
                members[path] = (TarWriterEntry(name: name(path), kind: .directory, mode: 0o755), [])
            case .symlink(let target):
                members[path] = (TarWriterEntry(name: name(path), kind: .symlink(target: target), mode: 0o777), [])
            case .file(let contents, let mode):
                members[path] = (TarWriterEntry(name: name(path), kind: .file, mode: mode), contents)
            case .removed:
                let whiteout = path.parent.appending(".wh." + path.lastComponent)
                members[whiteout] = (TarWriterEntry(name: name(whiteout), kind: .file, mode: 0o644), [])
            }
        }
        if let cache = effect.cache {
            // ldconfig writes ld.so.cache~ in /etc and renames it over ld.so.cache: a link there is replaced.
            guard let etc = (try? RootView(effect.root).resolve(RootPath("/etc"))) ?? nil, etc.entry.kind == .directory else {
                throw .noEtc
            }
            let path = etc.path.appending("ld.so.cache")
            members[path] = (TarWriterEntry(name: name(path), kind: .file, mode: 0o644), cache.encodedNewFormat(generator: generator))
            cacheEntries = cache.entries.count
        } else {
            cacheEntries = nil
        }
        // Every directory on the way, as the image has it (the layer is applied as a tar is
        // extracted: a directory absent from it would be made with whatever mode the tool picks).
        for path in Array(members.keys) {
            var parent = path.parent
            while !parent.isRoot, members[parent] == nil {
                guard let entry = (try? image.entry(at: parent)) ?? nil, entry.kind == .directory else {
                    throw .notADirectory(parent.string)
                }
                let owner = image.owner(at: parent) ?? LayerTarOwner()
                members[parent] = (TarWriterEntry(name: name(parent), kind: .directory, mode: entry.mode,
                                                  uid: owner.uid, gid: owner.gid, mtime: owner.mtime), [])
                parent = parent.parent
            }
        }
        let ordered = members.keys.sorted { $0.components.lexicographicallyPrecedes($1.components) }
        let sink = MemorySink()
        let tar = TarWriter(into: sink)
        do throws(ArchiveWriteError) {
            for path in ordered {
                guard let member = members[path] else { continue }
                try tar.append(member.entry, bytes: member.body)
            }
            try tar.finish()
        } catch {
            throw .layer(error)
        }
        entries = ordered.compactMap { members[$0]?.entry }
        bytes = sink.bytes
    }
}

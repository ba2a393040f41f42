/// `DT_VERNEED` and `DT_VERDEF` (.gnu.version_r, .gnu.version_d): vn_next/vna_next and
/// vd_next/vda_next are relative links, followed to the record whose link is 0 as the
/// loader follows them (elf/dl-version.c never reads DT_VERNEEDNUM or DT_VERDEFNUM: a
/// dynamic section cut before them, or a count that is wrong, changes nothing for it). The
/// links only move forward, so a walk ends within the file; the file's size bounds the count.
///
/// Vernaux and Verdaux entries are at least 8 bytes and never share bytes in a valid file,
/// so more of them than the file holds means links that creep through overlapping entries
/// (vna_next 1 with vn_cnt 0xffff): the walk stops there instead of taking millions of steps.
/// glibc (elf/dl-version.c) follows the links unchecked.
struct VersionTableReader {
    var needs: [VersionNeed] = []
    var definitions: [VersionDefinition] = []
    /// `vna_other` → (name, file), for the versions of undefined symbols.
    var neededNames: [VersionIndexMap<NeededVersionName>.Pair] = []
    /// `vd_ndx` → name, for the versions of defined symbols.
    var definedNames: [VersionIndexMap<String>.Pair] = []

    init(_ dynamic: DynamicTable) throws(ELFError) {
        let reader = dynamic.reader, path = dynamic.path
        var auxBudget = reader.count / 8
        func spendAux(_ what: String) throws(ELFError) {
            guard auxBudget > 0 else { throw .malformed(path: path, what: "\(what) has more entries than the file can hold (overlapping vna_next/vda_next links)") }
            auxBudget -= 1
        }
        if let address = dynamic.value(DynamicTag.verneed) {
            guard var entry = dynamic.offset(address) else {
                throw .malformed(path: path, what: "DT_VERNEED address is outside every PT_LOAD segment")
            }
            // Sized once for the usual file (the count its linker wrote): growing these
            // arrays entry by entry was most of a small library's parse.
            needs.reserveCapacity(min(Int(clamping: dynamic.value(DynamicTag.verneednum) ?? 1), reader.count / 16))
            for n in 0..<(reader.count / 16 + 1) {
                guard let version = reader.u16(entry), let cnt = reader.u16(entry + 2), let file = reader.u32(entry + 4),
                      let aux = reader.u32(entry + 8), let next = reader.u32(entry + 12)
                else { throw .truncated(path: path, what: "version needs (.gnu.version_r) entry \(n)") }
                // The loader checks the first record's vn_version before it reads anything
                // else, and stops there (`UnsupportedVersionRecord`): nothing more is read.
                if n == 0 && version != 1 {
                    needs.append(VersionNeed(file: "", version: version, entries: []))
                    break
                }
                let fileName = try dynamic.string(UInt64(file), "vn_file")
                var entries: [VersionNeed.Entry] = []
                entries.reserveCapacity(min(Int(cnt), auxBudget))
                var auxOffset = entry + Int(aux)
                for a in 0..<Int(cnt) {
                    try spendAux("version needs (.gnu.version_r)")
                    guard let hash = reader.u32(auxOffset), let flags = reader.u16(auxOffset + 4),
                          let other = reader.u16(auxOffset + 6), let name = reader.u32(auxOffset + 8),
                          let auxNext = reader.u32(auxOffset + 12)
                    else { throw .truncated(path: path, what: "version need auxiliary entry \(a) of \(fileName)") }
                    let versionName = try dynamic.string(UInt64(name), "vna_name")
                    entries.append(.init(name: versionName, hash: hash, flags: flags, index: other))
                    if auxNext == 0 { break }
                    auxOffset += Int(auxNext)
                }
                needs.append(VersionNeed(file: fileName, version: version, entries: entries))
                if next == 0 { break }
                entry += Int(next)
            }
            // Listed once the count is known (appending entry by entry regrew the array).
            neededNames.reserveCapacity(needs.reduce(0) { $0 + $1.entries.count })
            for need in needs {
                for entry in need.entries { neededNames.append(.init(index: entry.index & VersionSymbolBits.index, value: NeededVersionName(name: entry.name, file: need.file))) }
            }
        }
        if let address = dynamic.value(DynamicTag.verdef) {
            guard var entry = dynamic.offset(address) else {
                throw .malformed(path: path, what: "DT_VERDEF address is outside every PT_LOAD segment")
            }
            let expected = min(Int(clamping: dynamic.value(DynamicTag.verdefnum) ?? 1), reader.count / 20)
            definitions.reserveCapacity(expected)
            definedNames.reserveCapacity(expected)
            for n in 0..<(reader.count / 20 + 1) {
                guard let version = reader.u16(entry), let flags = reader.u16(entry + 2), let ndx = reader.u16(entry + 4),
                      let cnt = reader.u16(entry + 6), let hash = reader.u32(entry + 8), let aux = reader.u32(entry + 12),
                      let next = reader.u32(entry + 16)
                else { throw .truncated(path: path, what: "version definitions (.gnu.version_d) entry \(n)") }
                // The first name is the version's own, the others its parents (most have none:
                // no array is made for them).
                var first: String?
                var parents: [String] = []
                var auxOffset = entry + Int(aux)
                for a in 0..<Int(cnt) {
                    try spendAux("version definitions (.gnu.version_d)")
                    guard let name = reader.u32(auxOffset), let auxNext = reader.u32(auxOffset + 4) else {
                        throw .truncated(path: path, what: "version definition auxiliary entry \(a)")
                    }
                    let text = try dynamic.string(UInt64(name), "vda_name")
                    if first == nil { first = text } else { parents.append(text) }
                    if auxNext == 0 { break }
                    auxOffset += Int(auxNext)
                }
                guard let first else {
                    throw .malformed(path: path, what: "version definition \(n) has no name (vd_cnt 0)")
                }
                definitions.append(VersionDefinition(name: first, hash: hash, flags: flags, index: ndx, version: version,
                                                     parents: parents))
                definedNames.append(.init(index: ndx & VersionSymbolBits.index, value: first))
                if next == 0 { break }
                entry += Int(next)
            }
        }
    }
}

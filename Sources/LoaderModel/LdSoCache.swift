#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ELFInspect
import RootFS

/// `/etc/ld.so.cache` as glibc 2.36's loader reads it (sysdeps/generic/dl-cache.h,
/// elf/dl-cache.c): the new format, the old one, or the old one with the new hidden in its
/// string table (8-aligned). Parsing is bounds-checked; hostile bytes give an error.
public struct LdSoCache: Equatable, Sendable {
    public enum Format: Equatable, Sendable {
        /// `glibc-ld.so.cache1.1` only (what ldconfig writes since 2.32).
        case new
        /// `ld.so-1.7.0` only (libc5, glibc 2.0/2.1).
        case old
        /// `ld.so-1.7.0` followed by `glibc-ld.so.cache1.1` (ldconfig `-c compat`, Ubuntu 20.04).
        case oldWithNew
    }

    public var format: Format
    /// The table the loader searches (the new one when present), in file order: sorted by
    /// key descending per `LdSoCacheNameOrder`. Made on demand from a file read: a lookup
    /// binary-searches the file's own table, as the loader does, and a program needs a
    /// few of its thousand entries. An entry whose key or value lies past the file's end (a
    /// cache cut short) is left out: the loader can read neither (`lookup`).
    public var entries: [Entry] {
        get {
            switch table {
            case .built(let list): return list
            case .file(let file):
                return (0..<file.count).compactMap { file.isReadable($0) ? file.entry($0, names: glibcHWCapsNames) : nil }
            }
        }
        set { table = .built(newValue) }
    }
    private var table: Table
    /// The generator extension (`ldconfig (Debian GLIBC 2.36-9…) stable release version 2.36`).
    public var generator: String?
    /// The glibc-hwcaps extension: subdirectory names, indexed by a glibc-hwcaps entry.
    public var glibcHWCapsNames: [String]
    /// Set when the extension directory is malformed; the loader then uses no glibc-hwcaps entry.
    public var extensionProblem: String?

    public static let newMagic = Array("glibc-ld.so.cache1.1".utf8)
    public static let oldMagic = Array("ld.so-1.7.0".utf8)
    /// `cache_extension_magic`.
    public static let extensionMagic: UInt32 = 0xEAA4_2174

    /// A cache built in memory (by `LdconfigModel`), in the given order.
    public init(format: Format = .new, entries: [Entry], generator: String? = nil, glibcHWCapsNames: [String] = []) {
        self.format = format
        self.table = .built(entries)
        self.generator = generator
        self.glibcHWCapsNames = glibcHWCapsNames
        self.extensionProblem = nil
    }

    public init(bytes: [UInt8], path: String = "/etc/ld.so.cache") throws(LdSoCacheError) {
        let owned = FileBytes(bytes)
        try self.init(bytes: owned, path: path)
    }

    public init(bytes: FileBytes, path: String = "/etc/ld.so.cache") throws(LdSoCacheError) {
        let raw = CacheBytes(buffer: bytes.buffer, path: path)
        let size = raw.count
        if raw.hasMagic(Self.newMagic, at: 0) {
            // Same checks as _dl_load_cache_lookup: header, then nlibs against the room left.
            guard size > 48 else { throw .truncated(path: path, what: "the 48-byte header") }
            try self.init(newAt: 0, bytes: bytes, raw: raw, format: .new)
        } else if raw.hasMagic(Self.oldMagic, at: 0) {
            // struct cache_file: 11 magic bytes, 1 pad, u32 nlibs, then 12-byte entries.
            guard size > 16, let nlibs = raw.u32(12) else { throw .truncated(path: path, what: "the 16-byte old header") }
            let room = (size - 16) / 12
            guard Int(nlibs) <= room else { throw .tooManyEntries(path: path, count: nlibs, room: room) }
            let oldEnd = 16 + Int(nlibs) * 12
            let newStart = (oldEnd + 7) & ~7
            if size >= newStart + 48, raw.hasMagic(Self.newMagic, at: newStart) {
                try self.init(newAt: newStart, bytes: bytes, raw: raw, format: .oldWithNew)
            } else {
                // Old-format strings are offsets from the end of the entry array.
                let file = FileTable(bytes: bytes, start: 16, count: Int(nlibs), entrySize: 12, stringBase: oldEnd)
                self.init(format: .old, entries: [])
                table = .file(file)
            }
        } else {
            throw .notACache(path: path)
        }
    }

    /// Reads `struct cache_file_new` at `base` (0, or inside an old cache).
    private init(newAt base: Int, bytes: FileBytes, raw: CacheBytes, format: Format) throws(LdSoCacheError) {
        let path = raw.path
        guard let nlibs = raw.u32(base + 20), let flags = raw.u8(base + 28), let extensionOffset = raw.u32(base + 32) else {
            throw .truncated(path: path, what: "the 48-byte header")
        }
        // cache_file_new_matches_endian: 0 (unset) or little endian (2).
        guard flags == 0 || (flags & 3) == 2 else { throw .wrongEndianness(path: path, flags: flags) }
        let room = (raw.count - base - 48) / 24
        guard Int(nlibs) <= room else { throw .tooManyEntries(path: path, count: nlibs, room: room) }

        var problem: String?
        var names: [String] = []
        var generator: String?
        switch raw.extensions(offset: extensionOffset) {
        case .failure(let error): problem = error.message
        case .success(let sections):
            if let g = sections.generator { generator = String(decoding: g, as: UTF8.self) }
            if let table = sections.hwcaps {
                // Each u32 is a string offset from the start of the file (dl-cache.c glibc_hwcaps_compare).
                for k in 0..<(table.count / 4) {
                    guard let offset = raw.u32(table.lowerBound + k * 4),
                          let name = try? raw.string(base: 0, offset, entry: k, field: "hwcaps name")
                    else { problem = "glibc-hwcaps name \(k) is past the end of the file"; names = []; break }
                    names.append(ByteString.decode(name))
                }
            }
        }

        // New-format strings are offsets from the start of the new header.
        let file = FileTable(bytes: bytes, start: base + 48, count: Int(nlibs), entrySize: 24, stringBase: base)
        self.init(format: format, entries: [], generator: generator, glibcHWCapsNames: problem == nil ? names : [])
        self.table = .file(file)
        self.extensionProblem = problem
    }

    /// Reads `ROOT/etc/ld.so.cache`; nil when the root has none (the loader then skips step d).
    public static func read(from root: RootView, path: RootPath = RootPath("/etc/ld.so.cache")) throws -> LdSoCache? {
        guard let target = try root.resolve(path), target.entry.kind == .file else { return nil }
        return try LdSoCache(bytes: root.contents(of: path), path: path.string)
    }

    // MARK: - Lookup

    /// What `_dl_load_cache_lookup(name)` returns (elf/dl-cache.c `search_cache`): binary search
    /// by `_dl_cache_libcmp`, which ends with nothing found at an entry whose key offset is
    /// past the file's end (the loader checks each offset only as the search reaches it: a
    /// cache cut short still finds what lies before the cut); among equal keys, an entry
    /// whose value offset is past the end is passed over; among the others, the usable glibc-hwcaps entry whose subdirectory
    /// comes first in `glibcHWCaps` (the CPU's supported names, most preferred first, e.g.
    /// `["x86-64-v3", "x86-64-v2"]`; empty before glibc 2.33), else the first plain or usable
    /// legacy-hwcap entry with flags `0x0303`. Nil: not in the cache.
    public func lookup(_ name: String, glibcHWCaps: [String], legacy: LdSoCacheLegacyHWCap = .baseline) -> String? {
        let needle = ByteString.bytes(name)
        switch table {
        case .built(let list): return lookup(needle, in: BuiltRows(list: list), glibcHWCaps: glibcHWCaps, legacy: legacy)
        case .file(let file): return lookup(needle, in: file, glibcHWCaps: glibcHWCaps, legacy: legacy)
        }
    }

    private func lookup(_ needle: [UInt8], in rows: some CacheRows, glibcHWCaps: [String], legacy: LdSoCacheLegacyHWCap) -> String? {
        let hasHWCapField = format != .old
        var left = 0
        var right = rows.count - 1
        while left <= right {
            var middle = (left + right) / 2
            guard let cmp = rows.compare(needle, middle) else { return nil }
            if cmp == 0 {
                left = middle
                while middle > 0, rows.compare(needle, middle - 1) == 0 { middle -= 1 }
                var best: Int?
                var bestPriority = 0
                var index = middle
                while index <= right {
                    let i = index
                    index += 1
                    if i > left, rows.compare(needle, i) != 0 { break }
                    // _dl_cache_check_flags, _dl_cache_verify_ptr (value)
                    guard rows.flags(i) == Self.x86_64Flags, rows.hasValue(i) else { continue }
                    var named = false
                    if hasHWCapField {
                        let hwcap = rows.hwcap(i)
                        named = Entry.isGlibcHWCaps(hwcap)
                        if named && !Self.isaLevelSupported(Entry.isaLevel(hwcap), glibcHWCaps: glibcHWCaps) { continue }
                        // glibc-hwcaps entries sort first; a plain one ends the search once any matched.
                        if !named && best != nil { break }
                        if named ? !legacy.acceptsPlatform(of: hwcap) : !legacy.accepts(hwcap) { continue }
                        if named {
                            let priority = self.priority(ofIndex: Entry.glibcHWCapsIndex(hwcap), glibcHWCaps: glibcHWCaps)
                            if priority == 0 { continue }
                            if best == nil || priority < bestPriority { bestPriority = priority } else { continue }
                        }
                    }
                    best = i
                    if !named { break }   // flags are 0x0303 here: no better plain entry can follow
                }
                return best.map { rows.value($0) }
            }
            if cmp < 0 { left = middle + 1 } else { right = middle - 1 }
        }
        return nil
    }

    /// Every value stored under exactly `key`, in cache order (glibc-hwcaps and legacy entries included).
    public func paths(forKey key: String) -> [String] {
        entries(forKey: key).map(\.value)
    }

    /// Every entry stored under exactly `key` (its bytes), in cache order.
    public func entries(forKey key: String) -> [Entry] {
        let bytes = ByteString.bytes(key)
        return entries.filter { $0.keyBytes == bytes }
    }

    /// dl-cache.c `glibc_hwcaps_priority`: 1 for the most preferred name, 0 for unusable.
    private func priority(ofIndex raw: UInt32, glibcHWCaps: [String]) -> Int {
        let index = Int(raw)
        guard index < glibcHWCapsNames.count, let position = glibcHWCaps.firstIndex(of: glibcHWCapsNames[index]) else { return 0 }
        return position + 1
    }

    /// `dl_cache_hwcap_isa_level_compatible`: level L needs bit L of the CPU's `isa_1`
    /// (baseline always; v2, v3, v4 when the CPU supports `x86-64-vN`).
    static func isaLevelSupported(_ level: Int, glibcHWCaps: [String]) -> Bool {
        level == 0 || glibcHWCaps.contains("x86-64-v\(level + 1)")
    }
}

extension LdSoCache {
    /// Where the entries are: built in memory, or in the file read (checked as the parse
    /// did, then left there).
    private enum Table: Sendable {
        case built([Entry])
        case file(FileTable)
    }

    public static func == (lhs: LdSoCache, rhs: LdSoCache) -> Bool {
        lhs.format == rhs.format && lhs.generator == rhs.generator && lhs.glibcHWCapsNames == rhs.glibcHWCapsNames
            && lhs.extensionProblem == rhs.extensionProblem && lhs.entries == rhs.entries
    }
}

/// The entry fields a lookup reads, by position in the table.
private protocol CacheRows {
    var count: Int { get }
    /// `_dl_cache_libcmp(needle, key of entry i)`; nil when the key's offset is past the
    /// end (`_dl_cache_verify_ptr`).
    func compare(_ needle: [UInt8], _ i: Int) -> Int32?
    /// The value's offset is inside the file (`_dl_cache_verify_ptr`).
    func hasValue(_ i: Int) -> Bool
    func flags(_ i: Int) -> Int32
    func hwcap(_ i: Int) -> UInt64
    func value(_ i: Int) -> String
}

private struct BuiltRows: CacheRows {
    let list: [LdSoCache.Entry]
    var count: Int { list.count }
    func compare(_ needle: [UInt8], _ i: Int) -> Int32? { LdSoCacheNameOrder.compare(needle, list[i].keyBytes) }
    func hasValue(_ i: Int) -> Bool { true }
    func flags(_ i: Int) -> Int32 { list[i].flags }
    func hwcap(_ i: Int) -> UInt64 { list[i].hwcap }
    func value(_ i: Int) -> String { ByteString.decode(list[i].valueBytes) }
}

/// The entry table of a cache file, read in place: `file_entry_new` (24 bytes) or the old
/// `file_entry` (12, no hwcap). The parse checked that the table fits in the file; a string
/// is read only where its offset lies inside it, to its NUL or the file's end (the loader
/// maps the file whole, and the rest of its last page reads as zeros).
private struct FileTable: CacheRows, Sendable {
    let bytes: FileBytes
    /// Offset of entry 0.
    let start: Int
    let count: Int
    let entrySize: Int
    /// What string offsets count from.
    let stringBase: Int

    private func u32(_ offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes.buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    func flags(_ i: Int) -> Int32 { Int32(bitPattern: u32(start + i * entrySize)) }

    func hwcap(_ i: Int) -> UInt64 {
        entrySize == 24 ? UInt64(littleEndian: bytes.buffer.loadUnaligned(fromByteOffset: start + i * entrySize + 16, as: UInt64.self)) : 0
    }

    /// `_dl_cache_verify_ptr`: the string at `field`'s offset starts inside the file.
    private func isInside(_ field: Int) -> Bool { Int(u32(field)) < bytes.count - stringBase }

    private func string(at field: Int) -> UnsafeRawBufferPointer {
        let from = stringBase + Int(u32(field))
        let base = bytes.buffer.baseAddress! + from
        let room = bytes.count - from
        let end = memchr(base, 0, room).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? room
        return UnsafeRawBufferPointer(start: base, count: end)
    }

    func key(_ i: Int) -> UnsafeRawBufferPointer { string(at: start + i * entrySize + 4) }

    func value(_ i: Int) -> String { ByteString.decode(string(at: start + i * entrySize + 8)) }

    func hasValue(_ i: Int) -> Bool { isInside(start + i * entrySize + 8) }

    /// Both strings start inside the file.
    func isReadable(_ i: Int) -> Bool { isInside(start + i * entrySize + 4) && hasValue(i) }

    func compare(_ needle: [UInt8], _ i: Int) -> Int32? {
        isInside(start + i * entrySize + 4) ? LdSoCacheNameOrder.compare(needle, key(i)) : nil
    }

    /// The entry as the parse made it; a glibc-hwcaps entry named from `names`.
    func entry(_ i: Int, names: [String]) -> LdSoCache.Entry {
        var entry = LdSoCache.Entry(flags: flags(i), keyBytes: Array(key(i)), valueBytes: Array(string(at: start + i * entrySize + 8)),
                                    hwcap: hwcap(i), glibcHWCaps: nil)
        if entry.isGlibcHWCapsEntry, Int(entry.glibcHWCapsIndex) < names.count {
            entry.glibcHWCaps = names[Int(entry.glibcHWCapsIndex)]
        }
        return entry
    }
}

/// Bounds-checked little-endian reads of cache bytes; every miss is nil or a typed error.
private struct CacheBytes {
    let buffer: UnsafeRawBufferPointer
    let path: String
    var count: Int { buffer.count }

    func hasMagic(_ magic: [UInt8], at offset: Int) -> Bool {
        guard offset >= 0, offset <= count - magic.count else { return false }
        for (k, byte) in magic.enumerated() where buffer[offset + k] != byte { return false }
        return true
    }

    func u8(_ offset: Int) -> UInt8? {
        guard offset >= 0, offset < count else { return nil }
        return buffer[offset]
    }

    func u32(_ offset: Int) -> UInt32? {
        guard offset >= 0, offset <= count - 4 else { return nil }
        return UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    func u64(_ offset: Int) -> UInt64? {
        guard offset >= 0, offset <= count - 8 else { return nil }
        return UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The NUL-terminated bytes at `base + offset`.
    func string(base: Int, _ offset: UInt32, entry: Int, field: String) throws(LdSoCacheError) -> [UInt8] {
        let start = base + Int(offset)
        guard start >= base, start < count else { throw .badString(path: path, entry: entry, field: field, offset: offset) }
        guard let base = buffer.baseAddress, let nul = memchr(base + start, 0, count - start) else {
            throw .badString(path: path, entry: entry, field: field, offset: offset)
        }
        let length = UnsafeRawPointer(nul) - (base + start)
        return Array(UnsafeRawBufferPointer(start: base + start, count: length))
    }

    struct Sections {
        var generator: ArraySlice<UInt8>?
        var hwcaps: Range<Int>?
    }

    /// dl-cache.h `cache_extension_load` and `cache_extension_verify`.
    func extensions(offset: UInt32) -> ExtensionRead {
        var sections = Sections()
        if offset == 0 { return .success(sections) }
        guard offset % 4 == 0 else { return .failure(ExtensionError("extension offset \(offset) is not 4-aligned")) }
        let start = Int(offset)
        guard let magic = u32(start), let n = u32(start + 4), start <= count - 8 else {
            return .failure(ExtensionError("extension directory at \(offset) is past the end"))
        }
        guard magic == LdSoCache.extensionMagic else { return .failure(ExtensionError("extension magic is 0x\(String(magic, radix: 16))")) }
        guard Int(n) <= (count - start - 8) / 16 else { return .failure(ExtensionError("\(n) extension sections do not fit")) }
        for k in 0..<Int(n) {
            let at = start + 8 + k * 16
            guard let tag = u32(at), let off = u32(at + 8), let size = u32(at + 12) else {
                return .failure(ExtensionError("extension section \(k) is truncated"))
            }
            let begin = Int(off), end = Int(off) + Int(size)
            guard end <= count else { return .failure(ExtensionError("extension section \(k) is past the end")) }
            switch tag {
            case 0: sections.generator = ArraySlice(buffer[begin..<end])
            case 1: sections.hwcaps = (size > 0 && off % 4 == 0 && size % 4 == 0) ? begin..<end : nil
            default: break   // unknown tags are skipped, as the loader does
            }
        }
        return .success(sections)
    }

    /// The extension directory read, or why it cannot be. (Not `Result`: its `Failure: Error`
    /// requirement made the runtime scan every conformance record of the binary on each run.)
    enum ExtensionRead {
        case success(Sections)
        case failure(ExtensionError)
    }

    struct ExtensionError {
        let message: String
        init(_ message: String) { self.message = message }
    }
}

/// Why `/etc/ld.so.cache` bytes cannot be used. The loader itself ignores such a cache
/// silently (elf/dl-cache.c `_dl_load_cache_lookup`), so each message says to rebuild it.
public enum LdSoCacheError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Neither `glibc-ld.so.cache1.1` nor `ld.so-1.7.0` at the start.
    case notACache(path: String)
    /// The file ends inside `what`.
    case truncated(path: String, what: String)
    /// `nlibs` entries do not fit in the file (the loader's overflow-safe size check).
    case tooManyEntries(path: String, count: UInt32, room: Int)
    /// The header's endianness flag is not little endian (or unset): x86-64's loader ignores the cache.
    case wrongEndianness(path: String, flags: UInt8)
    /// An entry's key or value string offset is past the end, or its string has no NUL.
    case badString(path: String, entry: Int, field: String, offset: UInt32)

    public var description: String {
        let fix = "run `ldconfig` (or `ldconfig -r ROOT`) to rebuild it"
        switch self {
        case .notACache(let p):
            return "\(p): not an ld.so cache (no glibc-ld.so.cache1.1 or ld.so-1.7.0 magic); \(fix)"
        case .truncated(let p, let what):
            return "\(p): truncated in \(what); \(fix)"
        case .tooManyEntries(let p, let count, let room):
            return "\(p): header claims \(count) entries but the file has room for \(room); \(fix)"
        case .wrongEndianness(let p, let flags):
            return "\(p): endianness flag \(flags & 3) is not little endian, so the x86-64 loader ignores this cache; \(fix)"
        case .badString(let p, let entry, let field, let offset):
            return "\(p): entry \(entry) has a \(field) string at offset \(offset) past the end of the file or not NUL-terminated; \(fix)"
        }
    }
}

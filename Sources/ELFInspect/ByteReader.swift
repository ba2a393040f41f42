#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Bounds-checked reads of fixed-size integers and C strings from a file's bytes, in the
/// file's byte order. Every read past the end returns nil instead of trapping.
struct ByteReader {
    let buffer: UnsafeRawBufferPointer
    let bigEndian: Bool

    var count: Int { buffer.count }

    func u8(_ offset: Int) -> UInt8? {
        guard offset >= 0, offset < buffer.count else { return nil }
        return buffer[offset]
    }

    func u16(_ offset: Int) -> UInt16? {
        guard offset >= 0, offset <= buffer.count - 2 else { return nil }
        let v = buffer.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
        return bigEndian ? UInt16(bigEndian: v) : UInt16(littleEndian: v)
    }

    func u32(_ offset: Int) -> UInt32? {
        guard offset >= 0, offset <= buffer.count - 4 else { return nil }
        let v = buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        return bigEndian ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
    }

    func u64(_ offset: Int) -> UInt64? {
        guard offset >= 0, offset <= buffer.count - 8 else { return nil }
        let v = buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        return bigEndian ? UInt64(bigEndian: v) : UInt64(littleEndian: v)
    }

    /// A 32- or 64-bit word, as the file's class has it.
    func word(_ offset: Int, is64: Bool) -> UInt64? {
        is64 ? u64(offset) : u32(offset).map(UInt64.init)
    }

    /// The NUL-terminated string at `offset`, searched no further than `limit`.
    func cString(_ offset: Int, limit: Int) -> String? {
        guard offset >= 0, offset < limit, limit <= buffer.count, let base = buffer.baseAddress,
              let nul = memchr(base + offset, 0, limit - offset) else { return nil }
        let length = UnsafeRawPointer(nul) - (base + offset)
        return ByteString.decode(UnsafeRawBufferPointer(start: base + offset, count: length))
    }

    /// The bytes of the NUL-terminated string at `offset` (without the NUL), searched no
    /// further than `limit`.
    func cStringBytes(_ offset: Int, limit: Int) -> UnsafeRawBufferPointer? {
        guard offset >= 0, offset < limit, limit <= buffer.count, let base = buffer.baseAddress,
              let nul = memchr(base + offset, 0, limit - offset) else { return nil }
        return UnsafeRawBufferPointer(start: base + offset, count: UnsafeRawPointer(nul) - (base + offset))
    }

    /// True when the NUL-terminated bytes at `offset` equal `name` (no String made).
    func cStringEquals(_ offset: Int, limit: Int, _ name: UnsafeRawBufferPointer) -> Bool {
        guard offset >= 0, limit <= buffer.count, offset < limit, name.count < limit - offset else { return false }
        let end = offset + name.count
        if let base = buffer.baseAddress, let other = name.baseAddress, memcmp(base + offset, other, name.count) != 0 {
            return false
        }
        return buffer[end] == 0
    }
}

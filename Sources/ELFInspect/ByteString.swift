#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Names as the loader sees them: bytes, compared byte for byte. A soname, a directory entry
/// or a link target need not be UTF-8, and the loader finds `libé.so` spelled in Latin-1 as
/// readily as any other. Swift strings hold only Unicode, so a name is carried as a `String`
/// in which every byte that is not part of well-formed UTF-8 stands as one private-use scalar,
/// U+10FF00 plus the byte (the idea of Python's `surrogateescape`, which Swift strings cannot
/// hold). Well-formed text passes through unchanged; the mapping is one to one because a
/// name's own U+10FF00–U+10FFFF (UTF-8 `F4 8F BC..BF xx`) is escaped byte by byte too.
///
/// Every path that reaches a system call goes back through `bytes(_:)` / `withCString`.
public enum ByteString {
    /// First scalar of the escape block; the byte is added to it.
    static let escapeBase: UInt32 = 0x10_FF00

    /// The name these bytes spell.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> String {
        // A plain loop over the raw bytes: called for every ld.so.cache entry and directory
        // entry, where the generic `contains(where:)` through a protocol witness cost
        // thousands of instructions a name.
        var ascii = true
        for byte in bytes where byte >= 0x80 {
            ascii = false
            break
        }
        if ascii { return String(decoding: bytes, as: UTF8.self) }
        if let text = String(validating: bytes, as: UTF8.self),
           !text.unicodeScalars.contains(where: isEscape) {
            return text
        }
        return decodeEscaping(Array(bytes))
    }

    /// The name these bytes spell (any byte collection: copied when not contiguous).
    @inlinable
    public static func decode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        if let text = bytes.withContiguousStorageIfAvailable({ decode(UnsafeRawBufferPointer($0)) }) { return text }
        return Array(bytes).withUnsafeBytes { decode($0) }
    }

    /// The bytes `text` stands for: its UTF-8, with each escape scalar back to its byte.
    public static func bytes(_ text: String) -> [UInt8] {
        guard containsEscape(text) else { return Array(text.utf8) }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if isEscape(scalar) {
                out.append(UInt8(scalar.value - escapeBase))
            } else {
                out.append(contentsOf: String(scalar).utf8)
            }
        }
        return out
    }

    /// Calls `body` with `text`'s bytes as a NUL-terminated C string (for system calls).
    public static func withCString<R>(_ text: String, _ body: (UnsafePointer<CChar>) -> R) -> R {
        if !containsEscape(text) { return text.withCString(body) }
        return cString(text).withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// `text`'s bytes with a NUL, for C calls that take the name as an argument.
    public static func cString(_ text: String) -> [CChar] {
        bytes(text).map { CChar(bitPattern: $0) } + [0]
    }

    /// True when `text` holds a byte that is not UTF-8 (an escape scalar).
    public static func containsEscape(_ text: String) -> Bool {
        // Escape scalars are four UTF-8 bytes starting F4 8F; plain text rarely has an F4.
        // (memchr over the contiguous bytes: this runs before every system call on a path.)
        // (A small string has no contiguous `utf8`: it is read from a copy on the stack, where
        // iterating its `utf8` cost ~20 instructions a byte.)
        func hasF4(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool { bytes.baseAddress.map { memchr($0, 0xF4, bytes.count) != nil } ?? false }
        if let found = text.utf8.withContiguousStorageIfAvailable(hasF4) {
            guard found else { return false }
        } else {
            var small = text
            guard small.withUTF8(hasF4) else { return false }
        }
        return text.unicodeScalars.contains(where: isEscape)
    }

    /// The byte an escape scalar stands for, nil for any other scalar.
    public static func escapedByte(_ scalar: Unicode.Scalar) -> UInt8? {
        isEscape(scalar) ? UInt8(scalar.value - escapeBase) : nil
    }

    static func isEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= escapeBase && scalar.value <= escapeBase + 0xFF
    }

    /// Decodes well-formed UTF-8 sequences as themselves and every other byte (including
    /// each byte of an encoded escape scalar) as its escape.
    private static func decodeEscaping(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < bytes.count {
            if let (scalar, length) = utf8Scalar(bytes, at: i), !isEscape(scalar) {
                scalars.append(scalar)
                i += length
            } else {
                scalars.append(Unicode.Scalar(escapeBase + UInt32(bytes[i]))!)
                i += 1
            }
        }
        return String(scalars)
    }

    /// The well-formed UTF-8 sequence at `i` (shortest form, no surrogates), if there is one.
    private static func utf8Scalar(_ b: [UInt8], at i: Int) -> (Unicode.Scalar, Int)? {
        let lead = b[i]
        let length: Int
        let minimum: UInt32
        var value: UInt32
        switch lead {
        case 0x00...0x7F: return (Unicode.Scalar(lead), 1)
        case 0xC2...0xDF: length = 2; minimum = 0x80; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; minimum = 0x800; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; minimum = 0x10000; value = UInt32(lead & 0x07)
        default: return nil
        }
        guard i + length <= b.count else { return nil }
        for k in 1..<length {
            let c = b[i + k]
            guard c & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(c & 0x3F)
        }
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }
}

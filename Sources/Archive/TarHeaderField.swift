import ELFInspect

/// The fields of a 512-byte tar header (POSIX ustar, GNU extensions), shared by the
/// `--image` layer index and the `resources` archive check.
package enum TarHeaderField {
    /// ustar checksum: the header's bytes summed with the chksum field read as spaces.
    package static func checksumMatches(_ header: [UInt8]) -> Bool {
        guard let stored = number(header[148..<156]) else { return false }
        var sum: UInt64 = 0
        for (i, byte) in header.enumerated() { sum += (148..<156).contains(i) ? 32 : UInt64(byte) }
        return sum == stored
    }

    /// An octal field, or GNU base-256 when its top bit is set (sizes over 8 GiB).
    package static func number(_ field: ArraySlice<UInt8>) -> UInt64? {
        guard let first = field.first else { return nil }
        if first & 0x80 != 0 {
            var value = UInt64(first & 0x7F)
            for byte in field.dropFirst() {
                guard value >> 56 == 0 else { return nil }
                value = value << 8 | UInt64(byte)
            }
            return value
        }
        var value: UInt64 = 0
        var seen = false
        for byte in field {
            if byte == 0 || byte == 32 { if seen { break } else { continue } }
            guard (48...55).contains(byte), value >> 60 == 0 else { return nil }
            value = value * 8 + UInt64(byte - 48)
            seen = true
        }
        return value
    }

    /// `name`, with the ustar `prefix` in front when there is one.
    package static func fullName(_ header: [UInt8]) -> String {
        let name = cString(Array(header[0..<100]))
        let isUstar = header[257..<262].elementsEqual("ustar".utf8)
        let prefix = isUstar ? cString(Array(header[345..<500])) : ""
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    package static func cString(_ bytes: [UInt8]) -> String {
        ByteString.decode(bytes.prefix(while: { $0 != 0 }))
    }
}

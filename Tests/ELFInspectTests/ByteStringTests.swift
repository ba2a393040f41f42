import ELFInspect
import Testing

/// Names are bytes (issue 15, item 7): every byte string comes back byte for byte, and
/// well-formed text is left as it is.
@Suite("ByteString: names that are not UTF-8 survive as bytes")
struct ByteStringTests {
    static let samples: [[UInt8]] = [
        Array("libz.so.1".utf8),
        Array("libé.so".utf8),                           // well-formed UTF-8
        [0x6C, 0x69, 0x62, 0xE9, 0x2E, 0x73, 0x6F],      // Latin-1 "libé.so"
        [0xF4, 0x8F, 0xBC, 0x81],                        // UTF-8 of U+10FF01, the escape block
        [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],  // overlong, surrogate, > U+10FFFF
        [0xE2, 0x82], [0x80], [0xFF, 0xFE, 0x41],        // truncated, lone continuation, never UTF-8
    ]

    @Test("decode then bytes gives back every sample", arguments: samples)
    func roundTrip(_ bytes: [UInt8]) {
        #expect(ByteString.bytes(ByteString.decode(bytes)) == bytes)
        #expect(ByteString.cString(ByteString.decode(bytes)) == bytes.map { CChar(bitPattern: $0) } + [0])
    }

    @Test("every single byte and every pair round-trips")
    func exhaustivePairs() {
        for a in 1...255 {
            for b in 0...255 {
                let bytes = b == 0 ? [UInt8(a)] : [UInt8(a), UInt8(b)]
                #expect(ByteString.bytes(ByteString.decode(bytes)) == bytes, "\(bytes)")
            }
        }
    }

    @Test("well-formed text is unchanged and distinct byte strings stay distinct")
    func textUnchanged() {
        #expect(ByteString.decode(Array("libé.so".utf8)) == "libé.so")
        #expect(!ByteString.containsEscape("libé.so"))
        let latin1 = ByteString.decode([0x6C, 0x69, 0x62, 0xE9])
        #expect(latin1 != "libé")
        #expect(ByteString.containsEscape(latin1))
        // A name holding U+10FF01 itself is not the byte 0x01.
        #expect(ByteString.decode([0xF4, 0x8F, 0xBC, 0x81]) != ByteString.decode([0x01]))
    }
}

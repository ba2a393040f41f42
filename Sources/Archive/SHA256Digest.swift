import CNettle

/// SHA-256 (FIPS 180-4) over nettle's `sha256_ctx` (`<nettle/sha2.h>`): fed in pieces of
/// any size, read once as lowercase hex.
package struct SHA256Digest {
    private var context = sha256_ctx()

    package init() {
        nettle_sha256_init(&context)
    }

    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            nettle_sha256_update(&context, buffer.count, base)
        }
    }

    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        nettle_sha256_update(&context, bytes.count, base.assumingMemoryBound(to: UInt8.self))
    }

    /// The 64 lowercase hex digits of the digest of everything fed so far. nettle resets the
    /// context afterwards, so a second call describes the empty input.
    package mutating func hexDigest() -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_SIZE))
        digest.withUnsafeMutableBufferPointer { buffer in
            nettle_sha256_digest(&context, buffer.count, buffer.baseAddress)
        }
        return HexText.lowercase(digest)
    }
}

import CNettle

/// HMAC-SHA256 (RFC 2104 over FIPS 180-4) from nettle's `hmac_sha256_ctx`
/// (`<nettle/hmac.h>`): a message's tag under a secret key, as lowercase hex.
package enum HMACSHA256 {
    package static func hexTag(key: [UInt8], message: [UInt8]) -> String {
        var context = hmac_sha256_ctx()
        key.withUnsafeBufferPointer { nettle_hmac_sha256_set_key(&context, $0.count, $0.baseAddress) }
        message.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { nettle_hmac_sha256_update(&context, buffer.count, base) }
        }
        var tag = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_SIZE))
        tag.withUnsafeMutableBufferPointer { nettle_hmac_sha256_digest(&context, $0.count, $0.baseAddress) }
        return HexText.lowercase(tag)
    }
}

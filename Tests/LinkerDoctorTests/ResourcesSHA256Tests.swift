import Testing
@testable import Archive

/// The nettle-backed SHA-256 that verifies torchvision's hash-named weights (RS034).
@Suite("SHA-256 over nettle")
struct ResourcesSHA256Tests {
    private func digest(_ pieces: [[UInt8]]) -> String {
        var hasher = SHA256Digest()
        for piece in pieces { hasher.update(piece) }
        return hasher.hexDigest()
    }

    @Test("FIPS 180-2 vectors, whole and fed in odd-sized pieces")
    func vectors() {
        #expect(digest([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(digest([[]]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(digest([Array("abc".utf8)]) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let two = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(digest([two]) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(digest(stride(from: 0, to: two.count, by: 7).map { Array(two[$0..<min($0 + 7, two.count)]) })
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        let chunks = stride(from: 0, to: million.count, by: 65_537).map { Array(million[$0..<min($0 + 65_537, million.count)]) }
        #expect(digest(chunks) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

import Foundation
import Testing
@testable import Archive
@testable import RootFS

/// Archives built to trap, hang or exhaust `resources`: each ends quickly in a typed
/// problem (a finding), never a trap.
@Suite("resources: hostile archives")
struct ResourcesHostileTests {
    /// A ustar header whose size field is GNU base-256 `value` (top bit of the first byte set).
    static func base256Header(size value: UInt64) -> [UInt8] {
        var header = TestTarWriter.header(name: "huge", size: 0)
        header.replaceSubrange(124..<136, with: [0x80, 0, 0, 0] + (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) })
        header.replaceSubrange(148..<156, with: [UInt8](repeating: 32, count: 8))
        let sum = header.reduce(0) { $0 + Int($1) }
        header.replaceSubrange(148..<156, with: Array(String(sum, radix: 8).utf8).leftPad(6) + [0, 32])
        return header
    }

    @Test("a base-256 tar size near 2^64 is a truncated member, not an overflow trap",
          arguments: [UInt64.max, UInt64.max - 510, UInt64.max - 511, UInt64.max - 512, 1 << 63])
    func base256SizeNearLimit(_ size: UInt64) throws {
        let bytes = Self.base256Header(size: size) + [UInt8](repeating: 0, count: 1024)
        #expect(TarHeaderField.number(bytes[124..<136]) == size)
        let (members, problem) = try TarArchive.members(of: MemoryBytes(bytes))
        #expect(members.isEmpty)
        guard case .truncated(let member, _, let fileSize)? = problem else {
            Issue.record("expected truncated, got \(String(describing: problem))")
            return
        }
        #expect(member == "huge" && fileSize == 1536)
        // The image layer index reads the same field: damage, not a trap.
        #expect(throws: LayerTarProblem.self) {
            try bytes.withUnsafeBytes { try LayerTarIndex.entries(of: $0) }
        }
    }

    @Test("zip entries whose bytes overlap (the overlap bomb's trick) are refused before anything inflates")
    func overlappingEntries() throws {
        let zip = TestZipWriter.stored([("a", Array("first body".utf8)), ("b", Array("second".utf8))])
        #expect(try ZipArchive.entries(of: MemoryBytes(zip)).get().count == 2)
        // Point b's central record at a's local header: both now claim the same bytes.
        let central = zip.count - 22 - (46 + 1) * 2
        var shared = zip
        shared.replaceSubrange((central + 47 + 42)..<(central + 47 + 46), with: [0, 0, 0, 0])
        guard case .failure(.badCentralDirectory(let reason)) = try ZipArchive.entries(of: MemoryBytes(shared)) else {
            Issue.record("overlapping entries were accepted")
            return
        }
        #expect(reason.contains("overlaps"), "\(reason)")
        // a's data claimed to run over b's local header: refused the same way.
        var covering = zip
        covering.replaceSubrange((central + 20)..<(central + 24), with: TestZipWriter.le32(40))
        covering.replaceSubrange((central + 24)..<(central + 28), with: TestZipWriter.le32(40))
        #expect(throws: Never.self) { try ZipArchive.entries(of: MemoryBytes(covering)) }
        if case .success = try ZipArchive.entries(of: MemoryBytes(covering)) { Issue.record("covering entry accepted") }
    }
}

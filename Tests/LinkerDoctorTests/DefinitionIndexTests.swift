import ELFInspect
import Foundation
import Testing
@testable import LoaderModel

/// The definition index must never hide a definer: objects it cannot read (here a copy of
/// libz whose GNU hash table is broken) become candidates for every name, in scope order.
/// (That the index gives ld.so's answers is shown against `ldd -r` by the symbol
/// differential, which runs both lookup strategies.)
@Suite("Definition index")
struct DefinitionIndexTests {
    static let libz = "/usr/lib/x86_64-linux-gnu/libz.so.1"

    /// File offset of the `SHT_GNU_HASH` section of a little-endian ELF64 file.
    static func gnuHashOffset(_ bytes: [UInt8]) -> Int? {
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        let shoff = u64(0x28), shentsize = u16(0x3a), shnum = u16(0x3c)
        for k in 0..<shnum where u32(shoff + k * shentsize + 4) == 0x6fff_fff6 {
            return u64(shoff + k * shentsize + 0x18)
        }
        return nil
    }

    @Test("an object with a broken GNU hash table is a candidate for every name; the others only for theirs",
          .enabled(if: FileManager.default.fileExists(atPath: libz), "needs \(libz) (zlib1g)"))
    func brokenTableFallsBackToTheWalk() throws {
        let original = try #require(FileManager.default.contents(atPath: Self.libz)).map { $0 }
        let table = try #require(Self.gnuHashOffset(original), "libz has a .gnu.hash section")
        var broken = original
        for k in 0..<4 { broken[table + 4 + k] = 0xff }   // symoffset past every bucket: unwalkable
        let intact = try ELFFile(bytes: FileBytes(original), path: Self.libz)
        let damaged = try ELFFile(bytes: FileBytes(broken), path: Self.libz + " (broken)")
        #expect(intact.gnuHashes() != nil)
        #expect(damaged.gnuHashes() == nil)

        let index = DefinitionIndex(scope: [intact, damaged, intact])
        #expect(index.candidates(for: SymbolLookupKey("deflate").gnuHash) == [0, 1, 2])
        #expect(index.candidates(for: SymbolLookupKey("no_such_symbol_in_zlib").gnuHash) == [1])
        // So a lookup still reaches the damaged copy, which ELFInspect then searches through
        // its whole symbol table.
        #expect(!damaged.symbolIndices(for: SymbolLookupKey("deflate")).isEmpty)
    }
}

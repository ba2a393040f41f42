import ELFInspect
import Foundation
import LoaderModel
import RootFS
import Testing

/// The tables a resolver reads ahead on its second thread (`ELFFile.readTablesAhead`) are
/// the ones the symbol check would read itself; that the check then still gives `ldd -r`'s
/// answers is the symbol differential's (it resolves each library both ways).
@Suite("Tables read ahead")
struct TableReadAheadTests {
    static let files = ["/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
                        "/usr/lib/x86_64-linux-gnu/libz.so.1", "/usr/bin/gdb", "/usr/bin/ls"]
        .filter { FileManager.default.fileExists(atPath: $0) }

    struct Undefined: Equatable {
        var symbol: Int
        var name: [UInt8]
        var gnuHash: UInt32
        var atStartup: Bool
        var isCopy: Bool
        var onlyOutsidePLTClass: Bool
    }

    static func plain(_ references: [UndefinedReference]) -> [Undefined] {
        references.map { Undefined(symbol: $0.symbol, name: Array($0.name), gnuHash: $0.gnuHash, atStartup: $0.atStartup, isCopy: $0.isCopy,
                                  onlyOutsidePLTClass: $0.onlyOutsidePLTClass) }
    }

    @Test("read ahead or on demand, a file gives the same hash chains and undefined references",
          .enabled(if: !files.isEmpty, "needs libc, libstdc++, libz, gdb or ls on this machine"))
    func sameEitherWay() throws {
        for path in Self.files {
            let onDemand = try ELFFile(path: path)
            let ahead = try ELFFile(path: path)
            #expect(!ahead.hasTablesReadAhead)
            ahead.readTablesAhead()
            #expect(ahead.hasTablesReadAhead, "\(path)")
            #expect(ahead.gnuHashes() == onDemand.gnuHashes(), "\(path)")
            #expect(Self.plain(ahead.undefinedReferences()) == Self.plain(onDemand.undefinedReferences()), "\(path)")
        }
    }

    /// Worked out another way: every symbol a relocation names (`relocatedSymbols`), read
    /// whole (`symbol(at:)`), kept when undefined or copied, not weak and named.
    @Test("undefined references are the strong undefined or copied symbols the relocations name, in symbol order",
          .enabled(if: !files.isEmpty, "needs libc, libstdc++, libz, gdb or ls on this machine"))
    func strongUndefinedRelocatedSymbols() throws {
        var seen = 0, copies = 0
        for path in Self.files {
            let elf = try ELFFile(path: path)
            let (startup, lazy) = elf.relocatedSymbols()
            let copied = elf.copyRelocatedSymbols()
            let flags = elf.relocationFlags()   // bit 3: a PLT-class relocation (ReadelfDifferentialTests)
            let expected = startup.union(lazy).sorted().compactMap { index -> Undefined? in
                guard let symbol = elf.symbol(at: index), symbol.sectionIndex == 0 || copied.contains(index),
                      symbol.binding != 2, !symbol.name.isEmpty else { return nil }
                let name = Array(ByteString.bytes(symbol.name))
                return Undefined(symbol: index, name: name, gnuHash: SymbolLookupKey.gnuHash(of: name),
                                 atStartup: startup.contains(index), isCopy: copied.contains(index),
                                 onlyOutsidePLTClass: flags[index] & 8 == 0)
            }
            copies += copied.count
            #expect(Self.plain(elf.undefinedReferences()) == expected, "\(path)")
            seen += expected.count
        }
        #expect(seen > 100, "the files name too few undefined symbols to compare")
        #expect(copies > 0, "no file has a copy relocation (ls copies stdout, stderr and optarg from libc)")
    }

    @Test("a resolver reading ahead reads every file it parsed, and finds the same closure",
          .enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/gdb"), "needs gdb"))
    func resolverReadsEveryFile() throws {
        let system = try #require(MachineDifferentialTests.system)
        var resolver = system.resolver(environment: LoaderEnvironment())
        resolver.readsTablesAhead = .never
        let plain = try resolver.resolve(program: RootPath("/usr/bin/gdb"))
        #expect(plain.objects.allSatisfy { !$0.elf.hasTablesReadAhead })
        resolver.readsTablesAhead = .always
        let ahead = try resolver.resolve(program: RootPath("/usr/bin/gdb"))
        #expect(ahead.objects.allSatisfy { $0.elf.hasTablesReadAhead })
        #expect(ahead.objects.map(\.realPath) == plain.objects.map(\.realPath))
        let one = SymbolCheck(graph: plain), other = SymbolCheck(graph: ahead)
        #expect(one.symbolProblems == other.symbolProblems && one.versionProblems == other.versionProblems)
    }
}

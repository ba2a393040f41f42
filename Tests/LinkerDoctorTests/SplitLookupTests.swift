import Foundation
import ELFInspect
import RootFS
import Testing
@testable import LoaderModel

/// The symbol check's second CPU takes the names of one `LookupShare`; the findings of both
/// are merged back into reference order. A closure whose references fail in both shares, built
/// here with gcc: split or not, the same problems in the same order (`disagreements` compares
/// the two lists), and those `ldd -r` names.
@Suite("Lookups split by name")
struct SplitLookupTests {
    static let compiler = ["/usr/bin/gcc", "/usr/bin/cc"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static func compile(_ arguments: [String], in directory: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(compiler))
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(arguments.joined(separator: " "))")
    }

    /// libprov.so defines f0…f(n-1) and v0…v(n-1) when linked; two libraries and a program
    /// each call every function and read every variable; then libprov.so is rebuilt without
    /// every third of them.
    static func makeClosure(in directory: String, names: Int) throws -> String {
        let all = (0..<names)
        func source(_ defined: [Int]) -> String {
            defined.map { "int f\($0)(void) { return \($0); }\nint v\($0) = \($0);\n" }.joined()
        }
        let declarations = all.map { "int f\($0)(void);\nextern int v\($0);\n" }.joined()
        let body = all.map { "f\($0)() + v\($0)" }.joined(separator: " + ")
        try source(Array(all)).write(toFile: directory + "/prov.c", atomically: true, encoding: .utf8)
        for user in ["use1", "use2"] {
            try (declarations + "int \(user)(void) { return \(body); }\n")
                .write(toFile: directory + "/\(user).c", atomically: true, encoding: .utf8)
        }
        try (declarations + "int use1(void); int use2(void);\nint main(void) { return (\(body) + use1() + use2()) & 1; }\n")
            .write(toFile: directory + "/main.c", atomically: true, encoding: .utf8)
        try compile(["-shared", "-fPIC", "-o", "libprov.so", "prov.c"], in: directory)
        for user in ["use1", "use2"] {
            try compile(["-shared", "-fPIC", "-o", "lib\(user).so", "\(user).c", "-L.", "-lprov", "-Wl,-rpath,$ORIGIN"], in: directory)
        }
        try compile(["-o", "main", "main.c", "-L.", "-luse1", "-luse2", "-lprov", "-Wl,-rpath,$ORIGIN"], in: directory)
        try source(all.filter { $0 % 3 != 0 }).write(toFile: directory + "/prov.c", atomically: true, encoding: .utf8)
        try compile(["-shared", "-fPIC", "-o", "libprov.so", "prov.c"], in: directory)
        return directory + "/main"
    }

    @Test("failures in both shares: split or not, the same problems in reference order, as ldd -r names them",
          .enabled(if: compiler != nil && FileManager.default.isExecutableFile(atPath: MachineDifferentialTests.interpreter),
                   "needs gcc and this machine's x86-64 ld.so"))
    func bothSharesInOrder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-split-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let program = try Self.makeClosure(in: directory, names: 300)
        let system = try #require(MachineDifferentialTests.system)
        let truth = try #require(SymbolDifferentialTests.lddR(program))
        // 100 functions and 100 variables missing: the program's calls and copy relocations,
        // and each library's calls (their variables bind to the program's copies).
        #expect(truth.undefined.count == 400)
        #expect(try SymbolDifferentialTests.disagreements(program, truth: truth, system: system) == [])

        // Both shares found some of them.
        var resolver = system.resolver(environment: LoaderEnvironment(), originFromTypedPath: true)
        resolver.readsTablesAhead = .never
        let graph = try resolver.resolve(program: RootPath(program))
        let split = SymbolCheck(graph: graph, strategy: .index, concurrency: .always)
        #expect(split.symbolProblems.count == 400)
        let hashes = split.symbolProblems.map { SymbolLookupKey($0.symbol).gnuHash }
        #expect(hashes.contains { LookupShare.hashBitClear.takes($0) } && hashes.contains { LookupShare.hashBitSet.takes($0) })
    }

    @Test("every name falls to exactly one share, and to each about half the time")
    func sharesPartitionNames() {
        var clear = 0
        for index in 0..<20_000 {
            let hash = SymbolLookupKey("_ZN5swift\(index)symbolE").gnuHash
            let clearTakes = LookupShare.hashBitClear.takes(hash), setTakes = LookupShare.hashBitSet.takes(hash)
            #expect(clearTakes != setTakes)
            #expect(LookupShare.all.takes(hash))
            if clearTakes { clear += 1 }
        }
        #expect((9_000...11_000).contains(clear))
    }

    @Test("two lists ascending by position merge into one ascending list")
    func mergedInOrder() {
        typealias Item = ReferenceOrder.Item<String>
        let first = [Item(position: 0, element: "a"), Item(position: 3, element: "d"), Item(position: 4, element: "e")]
        let second = [Item(position: 1, element: "b"), Item(position: 2, element: "c"), Item(position: 9, element: "z")]
        #expect(ReferenceOrder.merged(first, second) == ["a", "b", "c", "d", "e", "z"])
        #expect(ReferenceOrder.merged(first, []) == ["a", "d", "e"])
        #expect(ReferenceOrder.merged([], second) == ["b", "c", "z"])
        #expect(ReferenceOrder.merged([Item](), []) == [])
    }
}

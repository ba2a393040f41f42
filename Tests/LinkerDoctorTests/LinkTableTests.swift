import Foundation
import Testing
@testable import Apply

/// The journal's record of ldconfig's links keeps each directory and name by its bytes, and
/// still reads the object form an earlier ofdoctor wrote.
@Suite("journal link table")
struct LinkTableTests {
    static let composed = "lib\u{e9}.so.1", decomposed = "libe\u{301}.so.1"

    static func bytes(_ table: LinkTable<String>) -> [[UInt8]] {
        table.directories.flatMap { directory in directory.links.map { Array(($0.name + "\u{0}" + $0.value).utf8) } }
    }

    @Test("two canonically equivalent link names survive writing and reading back, in order")
    func canonicallyEquivalentNamesKept() throws {
        let table = LinkTable<String>([.init(path: "/opt/lib", links: [.init(name: Self.composed, value: "a.so"),
                                                                        .init(name: Self.decomposed, value: "b.so")])])
        let snapshot = LdconfigSnapshot(files: [], absentDirectories: [], links: table)
        let read = try JSONDecoder().decode(LdconfigSnapshot.self, from: JSONEncoder().encode(snapshot))
        #expect(Self.bytes(read.links) == [Array((Self.composed + "\u{0}a.so").utf8), Array((Self.decomposed + "\u{0}b.so").utf8)])
        #expect(read.links.directories[0].byName.count == 2)
    }

    @Test("a directory is added once by its bytes; two canonically equivalent directories are two")
    func directoriesByBytes() {
        var table = LinkTable<String>()
        table.add(.init(path: "/opt/\u{e9}", links: []))
        table.add(.init(path: "/opt/\u{e9}", links: [.init(name: "x", value: "y")]))
        table.add(.init(path: "/opt/e\u{301}", links: []))
        #expect(table.directories.map { Array($0.path.utf8) } == [Array("/opt/\u{e9}".utf8), Array("/opt/e\u{301}".utf8)])
        #expect(table.directories[0].links.isEmpty)
    }

    @Test("an earlier journal's object form is read, directories and names in byte order")
    func objectFormRead() throws {
        let json = #"{"files":[],"absentDirectories":[],"links":{"/usr/lib":{"libb.so.1":"libb.so.1.0","liba.so.1":"liba.so.1.0"},"/opt":{}}}"#
        let read = try JSONDecoder().decode(LdconfigSnapshot.self, from: Data(json.utf8))
        #expect(read.links.directories.map(\.path) == ["/opt", "/usr/lib"])
        #expect(read.links.directories[1].links == [.init(name: "liba.so.1", value: "liba.so.1.0"), .init(name: "libb.so.1", value: "libb.so.1.0")])
        let effect = #"{"files":[],"links":{"/usr/lib":{"liba.so.1":{"before":null,"after":"liba.so.1.0"}}}}"#
        let change = try JSONDecoder().decode(LdconfigEffect.self, from: Data(effect.utf8))
        #expect(change.links.directories.first?.links.first?.value == .init(before: nil, after: "liba.so.1.0"))
    }

    @Test("neither form: the record is refused")
    func neitherFormRefused() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(LdconfigSnapshot.self, from: Data(#"{"files":[],"absentDirectories":[],"links":5}"#.utf8))
        }
    }
}

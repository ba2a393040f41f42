import ELFImageBuilder
import ELFInspect
import Foundation
import Testing

/// The test-side ELF builder against an outside oracle: GNU readelf must read back what
/// the builder was asked for, without a warning, so the unit tests built on it stand on
/// real ELF, not on bytes only ELFInspect accepts.
@Suite("ELFImage builder output read back by readelf")
struct ELFImageReadelfTests {
    /// A program and libraries covering every table the builder writes.
    static let images: [(name: String, image: ELFImage)] = {
        var program = ELFImage.program(needed: ["libfoo.so.1", "libc.so.6"])
        program.runpath = "$ORIGIN/../lib:/opt/x"
        program.flags1 = 0x800                                  // DF_1_NODEFLIB
        program.imports = [
            ELFImage.Import("foo", version: ("libfoo.so.1", "FOO_2.0")),
            ELFImage.Import("bar", version: ("libfoo.so.1", "FOO_1.0"), lazy: false),
            ELFImage.Import("puts", version: ("libc.so.6", "GLIBC_2.2.5")),
            ELFImage.Import("plain", lazy: false),
        ]
        program.extraVersionNeeds = [ELFImage.VersionNeedEntry(file: "libc.so.6", version: "GLIBC_2.99", weak: true)]

        var gnuLibrary = ELFImage.library("libfoo.so.1", needed: ["libc.so.6"])
        gnuLibrary.rpath = "/app/lib"
        gnuLibrary.definitions = [
            ELFImage.Definition("foo", version: "FOO_2.0"), ELFImage.Definition("foo", version: "FOO_1.0", hidden: true),
            ELFImage.Definition("bar", version: "FOO_1.0"), ELFImage.Definition("weakone", weak: true),
        ]
        gnuLibrary.imports = [ELFImage.Import("dlopen"), ELFImage.Import("dladdr")]
        gnuLibrary.strings = ["libcompanion.so.1"]

        var sysvLibrary = ELFImage.library("libsysv.so.2")
        sysvLibrary.hashStyle = .sysv
        sysvLibrary.definitions = (0..<9).map { ELFImage.Definition("s\($0)") }

        var both = ELFImage.library("libboth.so.3")
        both.hashStyle = .both
        both.bindNow = true
        both.flags = 0x8
        both.definitions = [ELFImage.Definition("x", version: "BOTH_3")]
        return [("program", program), ("libfoo.so.1", gnuLibrary), ("libsysv.so.2", sysvLibrary), ("libboth.so.3", both)]
    }()

    static func write(_ bytes: [UInt8], named name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("elfimage-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw CocoaError(.fileWriteUnknown) }
        return path
    }

    /// What readelf writes to stderr for the whole file: its warnings.
    static func warnings(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Readelf.path)
        process.arguments = ["-W", "-a", "--dyn-syms", "-D", "-s", path]
        process.environment = ["LC_ALL": "C"]
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("readelf prints the dynamic entries, versions, symbols and relocations asked for, and no warning",
          .enabled(if: Readelf.isAvailable, "needs binutils readelf"), arguments: 0..<4)
    func readelfReadsBackTheDescription(_ which: Int) throws {
        let (name, image) = Self.images[which]
        let path = try Self.write(image.bytes(), named: name)
        #expect(try Self.warnings(path) == "")
        let r = try Readelf.report(path)
        #expect(r.unparsed.isEmpty, "\(r.unparsed)")
        #expect(r.type == (image.type == .executable ? "EXEC" : "DYN"))
        #expect(r.machine == "Advanced Micro Devices X86-64")
        #expect(r.interpreter == image.interpreter)
        #expect(r.needed == image.needed)
        #expect(r.soname == image.soname)
        #expect(r.rpath == image.rpath)
        #expect(r.runpath == image.runpath)
        if image.flags1 == 0x800 { #expect(r.flags1 == ["NODEFLIB"]) }
        if image.flags == 0x8 { #expect(r.flags == ["BIND_NOW"]) }

        // Version needs: the imports' versions, then the extra ones, per file in first-use order.
        var needs: [(String, [String])] = []
        for (file, version) in image.imports.compactMap(\.version).map({ ($0.file, $0.name) })
            + image.extraVersionNeeds.map({ ($0.file, $0.version) }) {
            if let i = needs.firstIndex(where: { $0.0 == file }) {
                if !needs[i].1.contains(version) { needs[i].1.append(version) }
            } else {
                needs.append((file, [version]))
            }
        }
        #expect(r.needs.map(\.file) == needs.map(\.0))
        #expect(r.needs.map { $0.entries.map(\.name) } == needs.map(\.1))
        for extra in image.extraVersionNeeds where extra.weak {
            let entry = r.needs.first { $0.file == extra.file }?.entries.first { $0.name == extra.version }
            #expect(entry?.flags == "WEAK")
        }
        // Version definitions: the base (the soname), then each version once.
        var definitions: [String] = []
        for version in image.versionDefinitions + image.definitions.compactMap(\.version) where !definitions.contains(version) {
            definitions.append(version)
        }
        #expect(r.definitions.map(\.name) == (definitions.isEmpty ? [] : [image.soname ?? "a.out"] + definitions))
        #expect(r.definitions.first.map { $0.flags == "BASE" } ?? true)

        // Symbols: every import undefined with its version, every definition in .text with its own.
        let symbols = r.symbols.filter { $0.index > 0 }
        #expect(symbols.count == image.imports.count + image.definitions.count)
        for i in image.imports {
            let s = symbols.first { $0.name == i.name && $0.sectionIndex == "UND" }
            #expect(s != nil, "import \(i.name)")
            #expect(s?.version == i.version?.name)
        }
        for d in image.definitions {
            let s = symbols.first { $0.name == d.name && $0.sectionIndex != "UND" && $0.version == d.version }
            #expect(s != nil, "definition \(d.name)@\(d.version ?? "")")
            #expect(s?.binding == (d.weak ? "WEAK" : "GLOBAL"))
            if d.version != nil { #expect(s?.isDefaultVersion == !d.hidden) }
        }
        // Relocations: lazy imports in .rela.plt, the others in .rela.dyn.
        let relocated = try Readelf.relocations(path, is64: true)
        let names = Dictionary(symbols.map { ($0.index, $0.name) }, uniquingKeysWith: { a, _ in a })
        #expect(Set(relocated.lazy.compactMap { names[$0] }) == Set(image.imports.filter(\.lazy).map(\.name)))
        #expect(Set(relocated.startup.compactMap { names[$0] }) == Set(image.imports.filter { !$0.lazy }.map(\.name)))

        // And ELFInspect reads the same as readelf (the usual differential, on these files too).
        let problems = ReadelfComparison.mismatches(try ELFFile(path: path), r)
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test("a static program has no PT_INTERP and no dynamic section; the 32-bit header is ELFCLASS32 EM_386",
          .enabled(if: Readelf.isAvailable, "needs binutils readelf"))
    func staticAndThirtyTwoBit() throws {
        let staticPath = try Self.write(ELFImage.staticProgram().bytes(), named: "static")
        #expect(try Self.warnings(staticPath) == "")
        let s = try Readelf.report(staticPath)
        #expect(s.interpreter == nil && !s.hasDynamic && s.segments.map(\.type) == ["LOAD"])
        let path32 = try Self.write(ELFImage.elf32SharedObject(), named: "lib32.so")
        #expect(try Self.warnings(path32) == "")
        let r = try Readelf.report(path32)
        #expect(r.identBytes.prefix(5) == [0x7f, 0x45, 0x4c, 0x46, 1])
        #expect(r.machine == "Intel 80386" && r.type == "DYN")
    }
}

import ELFInspect
import Foundation
import Testing

/// ELFInspect against GNU readelf on real files of this machine and on gcc-built 32-bit and
/// big-endian files: every field it reads must equal what readelf prints.
@Suite("ELFInspect agrees with readelf")
struct ReadelfDifferentialTests {
    @Test("the sample holds at least 200 real ELF files")
    func sampleIsLargeEnough() {
        #expect(SampleFiles.files.count >= 200)
    }

    @Test("every field equals readelf's on real files of this machine",
          .enabled(if: Readelf.isAvailable, "needs binutils readelf"), arguments: SampleFiles.files)
    func realFileMatchesReadelf(_ path: String) throws {
        let report = try Readelf.report(path)
        // Mapped, and copied into memory: a copy keeps only the prefix later reads need,
        // and must read exactly the same.
        for elf in [try ELFFile(path: path), try ELFFile(bytes: FileBytes(try Self.contents(of: path)), path: path)] {
            let problems = ReadelfComparison.mismatches(elf, report)
            #expect(problems.isEmpty, "\(path):\n\(problems.prefix(20).joined(separator: "\n"))")
        }
    }

    @Test("the x86 ISA levels a file's property note needs are readelf -n's",
          .enabled(if: Readelf.isAvailable, "needs binutils readelf"))
    func isaNeededMatchesReadelf() throws {
        var compared = 0, marked = 0
        for path in SampleFiles.files {
            // (programs and libraries: the note is found through the program headers, which
            // a relocatable object has none of)
            guard let elf = try? ELFFile(path: path), [3, 62].contains(elf.header.machine), !elf.programHeaders.isEmpty,
                  let theirs = try Readelf.x86ISANeeded(path) else { continue }
            #expect(elf.x86ISANeeded == theirs, "\(path): \(elf.x86ISANeeded) vs readelf \(theirs)")
            compared += 1
            if theirs != 0 { marked += 1 }
        }
        // (Debian's toolchain marks what it builds x86-64-baseline: the sample must hold some.)
        #expect(compared > 100 && marked > 10, "compared \(compared), marked \(marked)")
    }

    /// The property glibc 2.35+ checks protected definitions by, on the sample and on a
    /// library built with -mno-direct-extern-access (the sample has none).
    @Test("GNU_PROPERTY_1_NEEDED_INDIRECT_EXTERN_ACCESS is read where readelf -n shows it",
          .enabled(if: Readelf.isAvailable && Fixtures.isAvailable, "needs binutils readelf and gcc"))
    func indirectExternAccessMatchesReadelf() throws {
        var compared = 0, marked = 0
        for path in try Fixtures.get().native + SampleFiles.files {
            guard let elf = try? ELFFile(path: path), elf.header.machine == 62, !elf.programHeaders.isEmpty,
                  let theirs = try Readelf.needsIndirectExternAccess(path) else { continue }
            #expect(elf.needsIndirectExternAccess == theirs, "\(path)")
            compared += 1
            if theirs { marked += 1 }
        }
        #expect(compared > 100 && marked >= 1, "compared \(compared), marked \(marked)")
    }

    static func contents(of path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CocoaError(.fileReadUnknown) }
        return [UInt8](data)
    }

    @Test("every field equals readelf's on 32-bit and big-endian fixtures",
          .enabled(if: Readelf.isAvailable && Fixtures.isAvailable, "needs readelf and gcc with -m32"))
    func fixturesMatchReadelf() throws {
        let fixtures = try Fixtures.get()
        for path in fixtures.all {
            let elf = try ELFFile(path: path)
            let problems = ReadelfComparison.mismatches(elf, try Readelf.report(path))
            #expect(problems.isEmpty, "\(path):\n\(problems.prefix(20).joined(separator: "\n"))")
        }
    }

    @Test("the fixtures cover what the comparison must see",
          .enabled(if: Fixtures.isAvailable, "needs gcc with -m32"))
    func fixturesCoverTheInterestingCases() throws {
        let fixtures = try Fixtures.get()
        let files = try fixtures.all.map { try ELFFile(path: $0) }
        #expect(files.contains { $0.header.fileClass == .elf32 && $0.header.byteOrder == .big && !$0.versionNeeds.isEmpty })
        #expect(files.contains { $0.header.fileClass == .elf64 && $0.header.byteOrder == .big && !$0.versionDefinitions.isEmpty })
        #expect(files.contains { $0.dynamic?.rpath != nil })
        #expect(files.contains { $0.dynamic?.runpath != nil })
        #expect(files.contains { $0.versionNeeds.contains { $0.entries.contains(where: \.isWeak) } })
        #expect(files.contains { $0.symbols.contains { $0.version?.isHidden == true } })
        #expect(files.contains { $0.interpreter == "/lib/ld-test.so.1" })
        #expect(files.contains { ($0.dynamic?.filtees ?? []).map(\.isAuxiliary) == [false, true] })
    }

    @Test("relocatedSymbols splits .rel[a].plt (lazy) from the other tables; copies and PLT-class relocations are found by type, like readelf -r",
          .enabled(if: Readelf.isAvailable, "needs binutils readelf"))
    func relocationsMatchReadelf() throws {
        var files = SampleFiles.files
        if let fixtures = try? Fixtures.get() { files += fixtures.all }
        var compared = 0, copies = 0
        for path in files {
            let elf = try ELFFile(path: path)
            guard elf.dynamic != nil, elf.header.type != 1 else { continue }
            let theirs = try Readelf.relocations(path, is64: elf.header.fileClass == .elf64)
            let copy = try ELFFile(bytes: FileBytes(try Self.contents(of: path)), path: path)
            for ours in [elf.relocatedSymbols(), copy.relocatedSymbols()] {
                #expect(ours.lazy == theirs.lazy, "\(path): lazy")
                #expect(ours.startup == theirs.startup, "\(path): startup")
            }
            #expect(elf.copyRelocatedSymbols() == theirs.copied, "\(path): copies")
            if elf.header.machine == 62 || elf.header.machine == 3 {
                let flags = elf.relocationFlags()
                #expect(Set(flags.indices.filter { flags[$0] & 8 != 0 }) == theirs.pltClass, "\(path): PLT class")
            }
            copies += theirs.copied.count
            compared += 1
        }
        #expect(compared >= 150)
        #expect(copies > 0, "no file of the sample has a copy relocation")
    }

    @Test("symbolIndices(named:) finds exactly the defined symbols of each name",
          .enabled(if: Readelf.isAvailable, "needs binutils readelf"))
    func hashLookupFindsEveryDefinedSymbol() throws {
        var files = SampleFiles.files.filter { $0.contains(".so") }.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
        if let fixtures = try? Fixtures.get() { files += fixtures.all }
        var looked = 0
        for path in files {
            let elf = try ELFFile(path: path)
            guard elf.symbolCount > 0 else { continue }
            let report = try Readelf.report(path)
            var expected: [String: Set<Int>] = [:]
            for s in report.symbols where s.sectionIndex != "UND" && s.binding != "LOCAL" {
                expected[s.name, default: []].insert(s.index)
            }
            for (name, indices) in expected {
                let found = elf.symbolIndices(named: name)
                let defined = Set(found.filter { elf.symbol(at: $0).map { $0.isDefined && $0.binding != 0 } ?? false })
                #expect(defined == indices, "\(path): \(name)")
                #expect(found.allSatisfy { elf.symbol(at: $0)?.name == name }, "\(path): \(name) found another name")
                looked += 1
            }
            #expect(elf.symbolIndices(named: "no such symbol \u{1}").isEmpty)
        }
        #expect(looked > 1000)
    }
}

/// The differential test must be able to fail, and the sample must cover the cases.
@Suite("The readelf comparison itself")
struct ReadelfComparisonSanityTests {
    @Test("a file compared with another file's report shows differences",
          .enabled(if: Readelf.isAvailable, "needs binutils readelf"))
    func comparisonNoticesDifferences() throws {
        let libc = "/usr/lib/x86_64-linux-gnu/libc.so.6", loader = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
        let problems = ReadelfComparison.mismatches(try ELFFile(path: libc), try Readelf.report(loader))
        #expect(problems.contains { $0.hasPrefix("DT_SONAME") })
        #expect(problems.contains { $0.hasPrefix("dynamic symbol count") })
        #expect(problems.contains { $0.hasPrefix("version definition count") })
    }

    @Test("readelf's report of libc is parsed in full", .enabled(if: Readelf.isAvailable, "needs binutils readelf"))
    func libcReportIsParsed() throws {
        let r = try Readelf.report("/usr/lib/x86_64-linux-gnu/libc.so.6")
        #expect(r.unparsed.isEmpty)
        #expect(r.symbols.count > 2000 && r.symbols.count == r.symbolTableCount)
        #expect(r.symbols.contains { $0.version != nil && $0.isDefaultVersion })
        #expect(r.symbols.contains { $0.version != nil && !$0.isDefaultVersion && $0.requiredIndex == nil })
        #expect(r.symbols.contains { $0.requiredIndex != nil })
        #expect(r.definitions.count > 30 && r.definitions.contains { !$0.parents.isEmpty })
        #expect(!r.needs.isEmpty && r.verneedBytes.count >= 16 && r.verdefBytes.count >= 20)
        #expect(r.soname == "libc.so.6" && r.needed == ["ld-linux-x86-64.so.2"])
    }

    @Test("the sample covers executables, libraries, objects, static and versioned files")
    func sampleCoversTheKinds() throws {
        let files = try SampleFiles.files.map { try ELFFile(path: $0) }
        #expect(files.filter { $0.interpreter != nil }.count >= 50)
        #expect(files.filter { $0.header.type == ELFHeader.sharedObject && $0.interpreter == nil }.count >= 50)
        #expect(files.contains { $0.header.type == 1 })
        #expect(files.contains { $0.dynamic == nil && $0.header.type != 1 } || files.contains { $0.interpreter == nil && $0.header.type == ELFHeader.sharedObject && ($0.dynamic?.needed.isEmpty ?? true) })
        #expect(files.filter { !$0.versionNeeds.isEmpty }.count >= 100)
        #expect(files.filter { !$0.versionDefinitions.isEmpty }.count >= 10)
        #expect(files.contains { $0.dynamic?.runpath != nil })
        #expect(files.contains { $0.dynamic?.flags1 != nil })
        #expect(files.reduce(0) { $0 + $1.symbolCount } >= 20_000)
    }
}

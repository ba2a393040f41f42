import Foundation

/// What GNU readelf (binutils 2.40) prints for one file, parsed from
/// `readelf -W -h -l -d -V --dyn-syms` (and `-r`): the oracle ELFInspect is compared with.
struct ReadelfReport: Sendable {
    struct Symbol: Sendable, Equatable {
        var index: Int
        var value: UInt64
        var size: UInt64
        var type: String
        var binding: String
        var visibility: String
        /// "UND", "ABS", "COM" or the section number.
        var sectionIndex: String
        var name: String
        /// Text after `@`/`@@`, nil when readelf printed no version.
        var version: String?
        /// `@@` (default) vs `@` (hidden or required).
        var isDefaultVersion: Bool
        /// `name@VERSION (n)`: a version required from another file, `n` its index.
        var requiredIndex: Int?
    }
    struct Need: Sendable, Equatable {
        var file: String
        var entries: [(name: String, flags: String, index: Int, offset: Int)]
        static func == (a: Need, b: Need) -> Bool {
            a.file == b.file && a.entries.map(\.name) == b.entries.map(\.name)
        }
    }
    struct Definition: Sendable, Equatable {
        var offset: Int
        var flags: String
        var index: Int
        var count: Int
        var name: String
        var parents: [String]
    }
    struct Segment: Sendable, Equatable {
        var type: String
        var offset: UInt64, virtualAddress: UInt64, fileSize: UInt64, memorySize: UInt64
    }

    var identBytes: [UInt8] = []
    var type: String = ""
    var machine: String = ""
    var version: String = ""
    var segments: [Segment] = []
    var interpreter: String?
    var hasDynamic = false
    var needed: [String] = []
    /// `FILTER` and `AUXILIARY` entries: name, auxiliary, `NEEDED` entries before it.
    var filtees: [(name: String, isAuxiliary: Bool, neededBefore: Int)] = []
    var soname: String?
    var rpath: String?
    var runpath: String?
    var flags: [String]?
    var flags1: [String]?
    var needs: [Need] = []
    var definitions: [Definition] = []
    /// Section-relative offset of `.gnu.version_r` / `.gnu.version_d` bytes (from `-x`).
    var verneedBytes: [UInt8] = []
    var verdefBytes: [UInt8] = []
    var symbols: [Symbol] = []
    var symbolTableCount: Int?
    /// Parse problems: a line the parser did not understand fails the comparison.
    var unparsed: [String] = []
}

enum Readelf {
    static let path = "/usr/bin/readelf"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// Runs readelf and returns its standard output (stderr is dropped: warnings are not data).
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ["LC_ALL": "C"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// The bits of `x86 ISA needed:` in `readelf -n` (1 baseline, 2 v2, 4 v3, 8 v4, and
    /// `<unknown: N>` as N), 0 when it prints none; nil when the file holds more than one
    /// property note (glibc then takes none, readelf shows each).
    static func x86ISANeeded(_ file: String) throws -> UInt32? {
        let text = try run(["-W", "-n", file])
        let notes = text.components(separatedBy: "NT_GNU_PROPERTY_TYPE_0").count - 1
        guard notes <= 1 else { return nil }
        guard let line = text.split(separator: "\n").first(where: { $0.contains("x86 ISA needed:") }) else { return 0 }
        var bits: UInt32 = 0
        for part in line.components(separatedBy: "x86 ISA needed:")[1].split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces)
            switch name {
            case "x86-64-baseline": bits |= 1
            case "x86-64-v2": bits |= 2
            case "x86-64-v3": bits |= 4
            case "x86-64-v4": bits |= 8
            default:
                if name.hasPrefix("<unknown: "), let value = UInt32(name.dropFirst(10).dropLast(), radix: 16) { bits |= value }
            }
        }
        return bits
    }

    /// Whether `readelf -n` shows `1_needed: indirect external access` in the file's one
    /// property note; nil when it holds more than one (glibc then takes none).
    static func needsIndirectExternAccess(_ file: String) throws -> Bool? {
        let text = try run(["-W", "-n", file])
        guard text.components(separatedBy: "NT_GNU_PROPERTY_TYPE_0").count - 1 <= 1 else { return nil }
        return text.split(separator: "\n").contains { $0.contains("1_needed:") && $0.contains("indirect external access") }
    }

    static func report(_ file: String) throws -> ReadelfReport {
        let text = try run(["-W", "-h", "-l", "-d", "-V", "--dyn-syms",
                            "-x", ".gnu.version_r", "-x", ".gnu.version_d", file])
        return parse(text)
    }

    /// (symbol index, lazy) for each relocation with a symbol, from `readelf -W -r`:
    /// `.rel[a].plt` is lazy, every other table start-up; `.relr.dyn` carries no symbols.
    /// The symbols `readelf -r` shows relocations for: in the lazy (`.rel[a].plt`) tables,
    /// in the others, named by a `R_*_COPY` relocation (its type name), and named by one
    /// of the loader's PLT class (x86: a jump slot or a thread-local type; every type of
    /// the lazy tables).
    static func relocations(_ file: String, is64: Bool) throws
        -> (startup: Set<Int>, lazy: Set<Int>, copied: Set<Int>, pltClass: Set<Int>) {
        let text = try run(["-W", "-r", file])
        var startup = Set<Int>(), lazy = Set<Int>(), copied = Set<Int>(), pltClass = Set<Int>()
        var current: (lazy: Bool, skip: Bool)?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("Relocation section '") {
                let name = line.dropFirst("Relocation section '".count).prefix { $0 != "'" }
                current = (name.hasSuffix(".plt"), name.hasPrefix(".relr"))
                continue
            }
            guard let section = current, !section.skip else { continue }
            let fields = line.split(separator: " ")
            guard fields.count >= 3, let info = UInt64(fields[1], radix: 16), UInt64(fields[0], radix: 16) != nil
            else { continue }
            let symbol = Int(is64 ? info >> 32 : info >> 8)
            if symbol != 0 {
                if section.lazy { lazy.insert(symbol) } else { startup.insert(symbol) }
                let type = fields[2]
                if type.hasSuffix("_COPY") { copied.insert(symbol) }
                // (readelf -W still cuts R_X86_64_JUMP_SLOT to R_X86_64_JUMP_SLO)
                if section.lazy || ["JUMP_SLO", "JMP_SLOT", "DTPMOD", "DTPOFF", "TPOFF", "TLSDESC", "TLS_DESC"]
                    .contains(where: { type.contains($0) }) {
                    pltClass.insert(symbol)
                }
            }
        }
        return (startup, lazy, copied, pltClass)
    }

    static func parse(_ text: String) -> ReadelfReport {
        var r = ReadelfReport()
        enum Part { case none, header, segments, dynamic, versym, verdef, verneed, symbols, hexNeed, hexDef, other }
        var part = Part.none
        for lineSub in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(lineSub)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            // Section starts.
            if line.hasPrefix("ELF Header:") { part = .header; continue }
            if line.hasPrefix("Program Headers:") { part = .segments; continue }
            if line.hasPrefix(" Section to Segment mapping:") { part = .other; continue }
            if line.hasPrefix("Dynamic section at offset") { part = .dynamic; r.hasDynamic = true; continue }
            if line.hasPrefix("Version symbols section") { part = .versym; continue }
            if line.hasPrefix("Version definition section") { part = .verdef; continue }
            if line.hasPrefix("Version needs section") { part = .verneed; continue }
            if line.hasPrefix("Symbol table '") {
                part = .symbols
                r.symbolTableCount = Int(line.components(separatedBy: " contains ").last?.split(separator: " ").first ?? "")
                continue
            }
            if line.hasPrefix("Hex dump of section '.gnu.version_r'") { part = .hexNeed; continue }
            if line.hasPrefix("Hex dump of section '.gnu.version_d'") { part = .hexDef; continue }
            if line.hasPrefix("Elf file type is") || line.hasPrefix("Entry point") || line.hasPrefix("There are ")
                || line.hasPrefix("There is no") || line.hasPrefix("No version information") { part = .other; continue }

            switch part {
            case .header:
                let (key, value) = splitKey(trimmed)
                switch key {
                case "Magic": r.identBytes = value.split(separator: " ").compactMap { UInt8($0, radix: 16) }
                case "Type": r.type = String(value.prefix { $0 != " " })
                case "Machine": r.machine = value
                case "Version" where value.hasPrefix("0x"): r.version = value
                default: break
                }
            case .segments:
                if trimmed.hasPrefix("[Requesting program interpreter: ") {
                    r.interpreter = String(trimmed.dropFirst("[Requesting program interpreter: ".count).dropLast())
                    continue
                }
                let f = trimmed.split(separator: " ")
                guard f.count >= 6, f[0] != "Type" else { continue }
                let nums = f[1...5].map { UInt64($0.dropFirst(2), radix: 16) }
                guard let o = nums[0], let v = nums[1], let fs = nums[3], let ms = nums[4] else {
                    r.unparsed.append(line); continue
                }
                r.segments.append(.init(type: String(f[0]), offset: o, virtualAddress: v, fileSize: fs, memorySize: ms))
            case .dynamic:
                guard trimmed.hasPrefix("0x"), let open = trimmed.firstIndex(of: "("), let close = trimmed.firstIndex(of: ")")
                else { continue }
                let tag = String(trimmed[trimmed.index(after: open)..<close])
                let value = trimmed[trimmed.index(after: close)...].trimmingCharacters(in: .whitespaces)
                func bracketed() -> String? {
                    guard let a = value.firstIndex(of: "["), value.hasSuffix("]") else { r.unparsed.append(line); return nil }
                    return String(value[value.index(after: a)..<value.index(before: value.endIndex)])
                }
                switch tag {
                case "NEEDED": if let v = bracketed() { r.needed.append(v) }
                case "FILTER", "AUXILIARY":
                    if let v = bracketed() { r.filtees.append((v, tag == "AUXILIARY", r.needed.count)) }
                case "SONAME": r.soname = bracketed()
                case "RPATH": r.rpath = bracketed()
                case "RUNPATH": r.runpath = bracketed()
                case "FLAGS": r.flags = value.split(separator: " ").map(String.init)
                case "FLAGS_1": r.flags1 = value.split(separator: " ").dropFirst().map(String.init)
                default: break
                }
            case .verneed:
                // "000000: Version: 1  File: libc.so.6  Cnt: 2" / "0x0010:   Name: GLIBC_2.2.5  Flags: none  Version: 3"
                if trimmed.contains(" File: ") {
                    let file = field(trimmed, "File:") ?? ""
                    r.needs.append(.init(file: file, entries: []))
                } else if trimmed.contains(" Name: "), let offset = Int(trimmed.prefix { $0 != ":" }.dropFirst(2), radix: 16),
                          let name = field(trimmed, "Name:"), let index = field(trimmed, "Version:").flatMap({ Int($0) }),
                          let flags = between(trimmed, "Flags: ", "  Version:"), !r.needs.isEmpty {
                    r.needs[r.needs.count - 1].entries.append((name, flags, index, offset))
                } else if !trimmed.hasPrefix("Addr:") {
                    r.unparsed.append(line)
                }
            case .verdef:
                // "000000: Rev: 1  Flags: BASE  Index: 1  Cnt: 1  Name: libc.so.6" / "0x0054: Parent 1: GLIBC_2.2.5"
                let offsetText = trimmed.prefix { $0 != ":" }
                let offset = Int(offsetText.hasPrefix("0x") ? offsetText.dropFirst(2) : offsetText, radix: 16)
                if trimmed.contains(" Rev: "), let offset, let flags = between(trimmed, "Flags: ", "  Index:"),
                   let index = field(trimmed, "Index:").flatMap({ Int($0) }), let count = field(trimmed, "Cnt:").flatMap({ Int($0) }),
                   let name = field(trimmed, "Name:") {
                    r.definitions.append(.init(offset: offset, flags: flags, index: index, count: count, name: name, parents: []))
                } else if trimmed.contains(" Parent "), let colon = trimmed.range(of: ": ", options: .backwards), !r.definitions.isEmpty {
                    r.definitions[r.definitions.count - 1].parents.append(String(trimmed[colon.upperBound...]))
                } else if !trimmed.hasPrefix("Addr:") {
                    r.unparsed.append(line)
                }
            case .hexNeed, .hexDef:
                // "  0x000244e8 01000400 01000000 10000000 00000000 ................"
                // The hex area has a fixed width (16 bytes, a space after each 4) before the ASCII column.
                guard trimmed.hasPrefix("0x"), let space = trimmed.firstIndex(of: " ") else { continue }
                let area = trimmed[trimmed.index(after: space)...].prefix(36).filter { $0 != " " }
                var i = area.startIndex
                while i < area.endIndex, let j = area.index(i, offsetBy: 2, limitedBy: area.endIndex),
                      let byte = UInt8(area[i..<j], radix: 16) {
                    if part == .hexNeed { r.verneedBytes.append(byte) } else { r.verdefBytes.append(byte) }
                    i = j
                }
            case .symbols:
                if let symbol = parseSymbol(trimmed) { r.symbols.append(symbol) } else if !trimmed.hasPrefix("Num:") {
                    r.unparsed.append(line)
                }
            case .none, .versym, .other:
                break
            }
        }
        return r
    }

    /// `   1: 0000000000000000     0 FUNC    GLOBAL DEFAULT  UND free@GLIBC_2.2.5 (2)`
    /// A binding readelf has no name for under the file's OS/ABI is two words,
    /// `<OS specific>: 10` (STB_GNU_UNIQUE in an ELFOSABI_SYSV file): kept as one, `OS:10`.
    static func parseSymbol(_ line: String) -> ReadelfReport.Symbol? {
        let line = line.replacingOccurrences(of: "<OS specific>: ", with: "OS:")
        let f = line.split(separator: " ", maxSplits: 7, omittingEmptySubsequences: true)
        guard f.count >= 7, f[0].hasSuffix(":"), let index = Int(f[0].dropLast()),
              let value = UInt64(f[1], radix: 16) else { return nil }
        let sizeText = f[2]
        guard let size = sizeText.hasPrefix("0x") ? UInt64(sizeText.dropFirst(2), radix: 16) : UInt64(sizeText) else { return nil }
        var full = f.count > 7 ? String(f[7]) : ""
        var requiredIndex: Int?
        if full.hasSuffix(")"), let open = full.range(of: " (", options: .backwards),
           let n = Int(full[open.upperBound..<full.index(before: full.endIndex)]) {
            requiredIndex = n
            full = String(full[..<open.lowerBound])
        }
        var name = full, version: String?, isDefault = false
        if let at = full.range(of: "@@") {
            name = String(full[..<at.lowerBound]); version = String(full[at.upperBound...]); isDefault = true
        } else if let at = full.range(of: "@", options: .backwards), at.lowerBound != full.startIndex {
            name = String(full[..<at.lowerBound]); version = String(full[at.upperBound...])
        }
        return .init(index: index, value: value, size: size, type: String(f[3]), binding: String(f[4]),
                     visibility: String(f[5]), sectionIndex: String(f[6]), name: name, version: version,
                     isDefaultVersion: isDefault, requiredIndex: requiredIndex)
    }

    /// "Key:   value" → ("Key", "value").
    private static func splitKey(_ line: String) -> (String, String) {
        guard let colon = line.firstIndex(of: ":") else { return (line, "") }
        return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }

    /// The word after `key` in a line of `Key: value  Key: value` pairs.
    private static func field(_ line: String, _ key: String) -> String? {
        guard let range = line.range(of: " " + key + " ") else { return nil }
        let rest = line[range.upperBound...]
        return String(rest.prefix { $0 != " " })
    }

    private static func between(_ line: String, _ start: String, _ end: String) -> String? {
        guard let a = line.range(of: start), let b = line.range(of: end, range: a.upperBound..<line.endIndex) else { return nil }
        return String(line[a.upperBound..<b.lowerBound])
    }
}

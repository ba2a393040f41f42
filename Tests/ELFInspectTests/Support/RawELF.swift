/// A test-side view of an ELF file's raw layout, independent of ELFInspect, for making
/// malformed copies: where each header, dynamic entry and version entry sits, and how
/// to overwrite a field in the file's class and byte order. Trusts its (valid) input.
struct RawELF {
    var bytes: [UInt8]
    let is64: Bool
    let bigEndian: Bool

    init?(_ bytes: [UInt8]) {
        guard bytes.count >= 64, bytes[0] == 0x7f, bytes[4] == 1 || bytes[4] == 2, bytes[5] == 1 || bytes[5] == 2 else { return nil }
        self.bytes = bytes
        is64 = bytes[4] == 2
        bigEndian = bytes[5] == 2
    }

    var wordSize: Int { is64 ? 8 : 4 }

    func read(_ offset: Int, _ size: Int) -> UInt64 {
        guard offset >= 0, offset + size <= bytes.count else { return 0 }
        var v: UInt64 = 0
        for i in 0..<size {
            let b = UInt64(bytes[offset + (bigEndian ? i : size - 1 - i)])
            v = v << 8 | b
        }
        return v
    }

    mutating func write(_ offset: Int, _ size: Int, _ value: UInt64) {
        guard offset >= 0, offset + size <= bytes.count else { return }
        for i in 0..<size {
            let byte = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))
            bytes[offset + (bigEndian ? size - 1 - i : i)] = byte
        }
    }

    func readInt(_ offset: Int, _ size: Int) -> Int { Int(truncatingIfNeeded: read(offset, size)) }

    // Elf_Ehdr fields: (offset, size).
    var phoffField: (Int, Int) { is64 ? (32, 8) : (28, 4) }
    var shoffField: (Int, Int) { is64 ? (40, 8) : (32, 4) }
    var phentsizeField: (Int, Int) { is64 ? (54, 2) : (42, 2) }
    var phnumField: (Int, Int) { is64 ? (56, 2) : (44, 2) }
    var shnumField: (Int, Int) { is64 ? (60, 2) : (48, 2) }
    var headerSize: Int { is64 ? 64 : 52 }
    var phentsize: Int { is64 ? 56 : 32 }
    var shentsize: Int { is64 ? 64 : 40 }

    var phoff: Int { readInt(phoffField.0, phoffField.1) }
    var phnum: Int { readInt(phnumField.0, phnumField.1) }
    var shoff: Int { readInt(shoffField.0, shoffField.1) }
    var shnum: Int { readInt(shnumField.0, shnumField.1) }

    /// Offsets of a program header's fields.
    func phdr(_ i: Int) -> (start: Int, type: Int, offset: (Int, Int), vaddr: (Int, Int), filesz: (Int, Int), memsz: (Int, Int)) {
        let p = phoff + i * phentsize
        return is64 ? (p, p, (p + 8, 8), (p + 16, 8), (p + 32, 8), (p + 40, 8))
            : (p, p, (p + 4, 4), (p + 8, 4), (p + 16, 4), (p + 20, 4))
    }

    func programHeader(ofType type: UInt64) -> Int? {
        (0..<phnum).first { read(phdr($0).type, 4) == type }
    }

    /// File offset of a virtual address through PT_LOAD.
    func fileOffset(_ address: UInt64) -> Int? {
        for i in 0..<phnum where read(phdr(i).type, 4) == 1 {
            let h = phdr(i)
            let vaddr = read(h.vaddr.0, h.vaddr.1), filesz = read(h.filesz.0, h.filesz.1), off = read(h.offset.0, h.offset.1)
            if address >= vaddr, address - vaddr < filesz { return Int(off + (address - vaddr)) }
        }
        return nil
    }

    /// (entry offset, tag, value) of each PT_DYNAMIC entry up to DT_NULL.
    var dynamicEntries: [(at: Int, tag: UInt64, value: UInt64)] {
        guard let d = programHeader(ofType: 2) else { return [] }
        let h = phdr(d)
        let start = readInt(h.offset.0, h.offset.1), size = readInt(h.filesz.0, h.filesz.1)
        var out: [(Int, UInt64, UInt64)] = []
        var at = start
        while at + 2 * wordSize <= min(start + size, bytes.count) {
            let tag = read(at, wordSize)
            if tag == 0 { break }
            out.append((at, tag, read(at + wordSize, wordSize)))
            at += 2 * wordSize
        }
        return out
    }

    func dynamic(_ tag: UInt64) -> (at: Int, value: UInt64)? {
        dynamicEntries.first { $0.tag == tag }.map { ($0.at, $0.value) }
    }

    /// Rewrites the value of the first entry with `tag`.
    mutating func setDynamic(_ tag: UInt64, _ value: UInt64) {
        guard let entry = dynamic(tag) else { return }
        write(entry.at + wordSize, wordSize, value)
    }

    func fileOffset(ofDynamic tag: UInt64) -> Int? { dynamic(tag).flatMap { fileOffset($0.value) } }

    /// Section header starts and their (offset, size) fields.
    func sectionHeaders() -> [(start: Int, type: UInt64, offset: (Int, Int), size: (Int, Int))] {
        guard shoff > 0 else { return [] }
        return (0..<shnum).map { i in
            let s = shoff + i * shentsize
            return is64 ? (s, read(s + 4, 4), (s + 24, 8), (s + 32, 8)) : (s, read(s + 4, 4), (s + 16, 4), (s + 20, 4))
        }
    }
}

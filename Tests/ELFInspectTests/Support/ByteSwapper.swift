/// Rewrites a little-endian ELF file as big-endian (binutils' objcopy refuses to): the
/// headers and every section whose layout readelf and ELFInspect read (symbols, dynamic,
/// hash tables, versions, relocations). Notes and code stay as they are. Test-only; it
/// trusts its input (files gcc just built).
enum ByteSwapper {
    struct SwapError: Error, CustomStringConvertible { let description: String }

    static func bigEndian(_ input: [UInt8]) throws -> [UInt8] {
        guard input.count >= 64, input[4] == 1 || input[4] == 2, input[5] == 1 else {
            throw SwapError(description: "not a little-endian ELF file")
        }
        let is64 = input[4] == 2
        var out = input
        let w = is64 ? 8 : 4

        func read(_ offset: Int, _ size: Int) throws -> Int {
            guard offset >= 0, size <= 8, offset + size <= input.count else { throw SwapError(description: "read past end at \(offset)") }
            var v: UInt64 = 0
            for i in (0..<size).reversed() { v = v << 8 | UInt64(input[offset + i]) }
            guard let result = Int(exactly: v) else { throw SwapError(description: "value too large") }
            return result
        }
        func swap(_ offset: Int, _ size: Int) throws {
            guard offset >= 0, offset + size <= out.count else { throw SwapError(description: "swap past end at \(offset)") }
            out[offset..<offset + size].reverse()
        }
        /// Swaps consecutive fields of the given sizes starting at `offset`.
        func swapFields(_ offset: Int, _ sizes: [Int]) throws {
            var at = offset
            for size in sizes { try swap(at, size); at += size }
        }

        // Elf_Ehdr after e_ident.
        try swapFields(16, is64 ? [2, 2, 4, 8, 8, 8, 4, 2, 2, 2, 2, 2, 2] : [2, 2, 4, 4, 4, 4, 4, 2, 2, 2, 2, 2, 2])
        let phoff = try read(is64 ? 32 : 28, w), phentsize = try read(is64 ? 54 : 42, 2), phnum = try read(is64 ? 56 : 44, 2)
        let shoff = try read(is64 ? 40 : 32, w), shentsize = try read(is64 ? 58 : 46, 2), shnum = try read(is64 ? 60 : 48, 2)
        for i in 0..<phnum {
            try swapFields(phoff + i * phentsize, is64 ? [4, 4, 8, 8, 8, 8, 8, 8] : [4, 4, 4, 4, 4, 4, 4, 4])
        }
        for i in 0..<shnum {
            let sh = shoff + i * shentsize
            let type = try read(sh + 4, 4)
            let offset = try read(sh + (is64 ? 24 : 16), w), size = try read(sh + (is64 ? 32 : 20), w)
            try swapFields(sh, is64 ? [4, 4, 8, 8, 8, 8, 4, 4, 8, 8] : [4, 4, 4, 4, 4, 4, 4, 4, 4, 4])
            guard type != 8 else { continue } // SHT_NOBITS: no bytes in the file
            switch type {
            case 2, 11: // SHT_SYMTAB, SHT_DYNSYM
                let entry = is64 ? 24 : 16
                for s in 0..<(size / entry) {
                    try swapFields(offset + s * entry, is64 ? [4, 1, 1, 2, 8, 8] : [4, 4, 4, 1, 1, 2])
                }
            case 6, 9, 4, 19, 14, 15, 16: // DYNAMIC, REL, RELA, RELR, INIT/FINI/PREINIT_ARRAY: words
                for k in 0..<(size / w) { try swap(offset + k * w, w) }
            case 5, 17: // SHT_HASH (32-bit words on x86), SHT_GROUP
                for k in 0..<(size / 4) { try swap(offset + k * 4, 4) }
            case 0x6fff_fff6: // SHT_GNU_HASH: 4 words, bloom (class words), buckets and chains (32-bit)
                let bloom = try read(offset + 8, 4)
                for k in 0..<4 { try swap(offset + k * 4, 4) }
                for k in 0..<bloom { try swap(offset + 16 + k * w, w) }
                var at = offset + 16 + bloom * w
                while at + 4 <= offset + size { try swap(at, 4); at += 4 }
            case 0x6fff_ffff: // SHT_GNU_versym
                for k in 0..<(size / 2) { try swap(offset + k * 2, 2) }
            case 0x6fff_fffe: // SHT_GNU_verneed
                var entry = offset
                while true {
                    let count = try read(entry + 2, 2), aux = try read(entry + 8, 4), next = try read(entry + 12, 4)
                    try swapFields(entry, [2, 2, 4, 4, 4])
                    var a = entry + aux
                    for _ in 0..<count {
                        let auxNext = try read(a + 12, 4)
                        try swapFields(a, [4, 2, 2, 4, 4])
                        if auxNext == 0 { break }
                        a += auxNext
                    }
                    if next == 0 { break }
                    entry += next
                }
            case 0x6fff_fffd: // SHT_GNU_verdef
                var entry = offset
                while true {
                    let count = try read(entry + 6, 2), aux = try read(entry + 12, 4), next = try read(entry + 16, 4)
                    try swapFields(entry, [2, 2, 2, 2, 4, 4, 4])
                    var a = entry + aux
                    for _ in 0..<count {
                        let auxNext = try read(a + 4, 4)
                        try swapFields(a, [4, 4])
                        if auxNext == 0 { break }
                        a += auxNext
                    }
                    if next == 0 { break }
                    entry += next
                }
            default:
                break
            }
        }
        out[5] = 2 // ELFDATA2MSB
        return out
    }
}

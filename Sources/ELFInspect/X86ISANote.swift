/// The x86 ISA levels an object says it needs: `GNU_PROPERTY_X86_ISA_1_NEEDED` in its
/// `NT_GNU_PROPERTY_TYPE_0` note, found as glibc (2.33 and later) finds it when it maps the
/// object (sysdeps/x86/dl-prop.h, `_dl_process_property_note`): in the first `PT_NOTE`
/// segment aligned to the word size that holds such a note; a second such note, a
/// malformed property list, or properties out of order leave nothing needed.
enum X86ISANote {
    static let noteSegment: UInt32 = 4              // PT_NOTE
    static let propertyNote: UInt32 = 5             // NT_GNU_PROPERTY_TYPE_0
    static let featureAnd: UInt32 = 0xc000_0002     // GNU_PROPERTY_X86_FEATURE_1_AND
    static let isaNeeded: UInt32 = 0xc000_8002      // GNU_PROPERTY_X86_ISA_1_NEEDED

    /// The needed bits (1 baseline, 2 x86-64-v2, 4 v3, 8 v4), 0 when none are named.
    static func needed(_ headers: [ProgramHeader], _ reader: ByteReader, is64: Bool) -> UInt32 {
        let word = is64 ? 8 : 4
        for ph in headers where ph.type == noteSegment && ph.alignment == UInt64(word) {
            guard let range = ELFLayout.fileRange(offset: ph.offset, size: ph.fileSize, in: reader.count) else { continue }
            if let outcome = scan(range, reader, word: word) { return outcome }
        }
        return 0
    }

    /// One segment's notes: nil when it holds no property note (the next segment is looked
    /// at), else the bits it settles on.
    private static func scan(_ range: Range<Int>, _ reader: ByteReader, word: Int) -> UInt32? {
        var at = range.lowerBound
        var seen = false
        var feature: UInt32 = 0, isa: UInt32 = 0
        while at + 12 < range.upperBound {
            guard let nameSize = reader.u32(at), let descSize = reader.u32(at + 4), let type = reader.u32(at + 8) else { return seen ? 0 : nil }
            if nameSize == 4 && type == propertyNote && (0..<4).map({ reader.u8(at + 12 + $0) }) == [0x47, 0x4e, 0x55, 0] {   // "GNU\0"
                // A second property note (an older linker's): nothing is taken.
                if seen { return 0 }
                seen = true
                guard let properties = propertyList(at: at + 16, size: Int(descSize), reader, word: word) else { return 0 }
                (feature, isa) = properties
            }
            let descOffset = alignUp(12 + Int(nameSize), word)
            let next = alignUp(descOffset + Int(descSize), word)
            at += next
        }
        guard seen else { return nil }
        return feature != 0 || isa != 0 ? isa : 0
    }

    /// The property array: (FEATURE_1_AND, ISA_1_NEEDED), or nil when it is malformed.
    private static func propertyList(at start: Int, size: Int, _ reader: ByteReader, word: Int) -> (UInt32, UInt32)? {
        guard size >= 8, size % word == 0 else { return nil }
        var at = start
        let end = start + size
        var last: UInt32 = 0
        var feature: UInt32 = 0
        repeat {
            guard let type = reader.u32(at), let dataSize = reader.u32(at + 4) else { return nil }
            if type < last { return nil }
            at += 8
            if at + Int(dataSize) > end { return nil }
            last = type
            if type == featureAnd || type == isaNeeded {
                guard dataSize == 4, let value = reader.u32(at) else { return nil }
                if type == isaNeeded { return (feature, value) }
                feature = value
            } else if type > isaNeeded {
                break
            }
            at += alignUp(Int(dataSize), word)
        } while end - at >= 8
        return (feature, 0)
    }

    private static func alignUp(_ value: Int, _ alignment: Int) -> Int {
        (value + alignment - 1) / alignment * alignment
    }
}

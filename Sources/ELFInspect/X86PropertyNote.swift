/// What an x86 object's `NT_GNU_PROPERTY_TYPE_0` note tells the loader, found as glibc finds
/// it when it maps the object (sysdeps/x86/dl-prop.h, `_dl_process_property_note`): in the
/// first `PT_NOTE` segment aligned to the word size that holds such a note; a second such
/// note, a malformed property list, properties out of order, or one of the three read here
/// not 4 bytes long leave nothing set.
struct X86PropertyNote: Equatable {
    /// `GNU_PROPERTY_X86_ISA_1_NEEDED`: 1 baseline, 2 x86-64-v2, 4 v3, 8 v4 (glibc 2.33+).
    var isaNeeded: UInt32 = 0
    /// `GNU_PROPERTY_1_NEEDED`: bit 0, `INDIRECT_EXTERN_ACCESS` (glibc 2.35+).
    var needed1: UInt32 = 0

    static let noteSegment: UInt32 = 4              // PT_NOTE
    static let propertyNote: UInt32 = 5             // NT_GNU_PROPERTY_TYPE_0
    static let needed1Type: UInt32 = 0xb000_8000    // GNU_PROPERTY_1_NEEDED
    static let featureAnd: UInt32 = 0xc000_0002     // GNU_PROPERTY_X86_FEATURE_1_AND
    static let isaNeededType: UInt32 = 0xc000_8002  // GNU_PROPERTY_X86_ISA_1_NEEDED

    /// The properties of the object with these program headers (none set when it names none).
    static func read(_ headers: [ProgramHeader], _ reader: ByteReader, is64: Bool) -> X86PropertyNote {
        let word = is64 ? 8 : 4
        for ph in headers where ph.type == noteSegment && ph.alignment == UInt64(word) {
            guard let range = ELFLayout.fileRange(offset: ph.offset, size: ph.fileSize, in: reader.count) else { continue }
            if let outcome = scan(range, reader, word: word) { return outcome }
        }
        return X86PropertyNote()
    }

    /// One segment's notes: nil when it holds no property note (the next segment is looked
    /// at), else what it settles on.
    private static func scan(_ range: Range<Int>, _ reader: ByteReader, word: Int) -> X86PropertyNote? {
        var at = range.lowerBound
        var seen = false
        var found: (feature: UInt32, note: X86PropertyNote) = (0, X86PropertyNote())
        while at + 12 < range.upperBound {
            guard let nameSize = reader.u32(at), let descSize = reader.u32(at + 4), let type = reader.u32(at + 8) else {
                return seen ? X86PropertyNote() : nil
            }
            if nameSize == 4 && type == propertyNote && (0..<4).map({ reader.u8(at + 12 + $0) }) == [0x47, 0x4e, 0x55, 0] {   // "GNU\0"
                // A second property note (an older linker's): nothing is taken.
                if seen { return X86PropertyNote() }
                seen = true
                guard let properties = propertyList(at: at + 16, size: Int(descSize), reader, word: word) else {
                    return X86PropertyNote()
                }
                found = properties
            }
            let descOffset = alignUp(12 + Int(nameSize), word)
            let next = alignUp(descOffset + Int(descSize), word)
            at += next
        }
        guard seen else { return nil }
        // (all three are kept only when one of them is set: they are zero otherwise anyway)
        return found.note
    }

    /// The property array: FEATURE_1_AND and the two read here, or nil when it is malformed.
    private static func propertyList(at start: Int, size: Int, _ reader: ByteReader,
                                     word: Int) -> (feature: UInt32, note: X86PropertyNote)? {
        guard size >= 8, size % word == 0 else { return nil }
        var at = start
        let end = start + size
        var last: UInt32 = 0
        var feature: UInt32 = 0
        var note = X86PropertyNote()
        repeat {
            guard let type = reader.u32(at), let dataSize = reader.u32(at + 4) else { return nil }
            if type < last { return nil }
            at += 8
            if at + Int(dataSize) > end { return nil }
            last = type
            if type == needed1Type || type == featureAnd || type == isaNeededType {
                guard dataSize == 4, let value = reader.u32(at) else { return nil }
                switch type {
                case needed1Type: note.needed1 = value
                case featureAnd: feature = value
                default:
                    // The last of the three in the ascending order: the scan stops here.
                    note.isaNeeded = value
                    return (feature, note)
                }
            } else if type > isaNeededType {
                break
            }
            at += alignUp(Int(dataSize), word)
        } while end - at >= 8
        return (feature, note)
    }

    private static func alignUp(_ value: Int, _ alignment: Int) -> Int {
        (value + alignment - 1) / alignment * alignment
    }
}

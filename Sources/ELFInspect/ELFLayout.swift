import CLibElf

/// Where bytes lie in the file: the bounds checks every table reader shares.
enum ELFLayout {
    /// `offset..<offset+size` when it lies inside a file of `count` bytes.
    static func fileRange(offset: UInt64, size: UInt64, in count: Int) -> Range<Int>? {
        guard let start = Int(exactly: offset), let length = Int(exactly: size),
              start <= count, length <= count - start else { return nil }
        return start..<(start + length)
    }

    /// The file offset of a virtual address, through the `PT_LOAD` segment that maps it.
    static func fileOffset(of address: UInt64, in headers: [ProgramHeader], size: Int) -> Int? {
        for ph in headers where ph.type == ProgramHeaderType.load {
            guard address >= ph.virtualAddress else { continue }
            let delta = address - ph.virtualAddress
            guard delta < ph.fileSize else { continue }
            let (sum, overflow) = ph.offset.addingReportingOverflow(delta)
            guard !overflow, let offset = Int(exactly: sum), offset < size else { return nil }
            return offset
        }
        return nil
    }

    /// libelf's message for its last error.
    static func libelfMessage() -> String {
        guard let message = elf_errmsg(-1) else { return "unknown libelf error" }
        return String(cString: message)
    }
}

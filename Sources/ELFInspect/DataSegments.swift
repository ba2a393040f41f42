/// The file ranges of an ELF image's `PT_LOAD` segments that are not executable, in
/// program-header order, read from the bytes without libelf: where a constant string
/// (glibc's banner) lies, without searching megabytes of code.
public enum DataSegments {
    private static let executable: UInt32 = 1   // PF_X

    /// Nil when the bytes are not an ELF image whose program headers can be read.
    public static func ranges(_ raw: UnsafeRawBufferPointer) -> [Range<Int>]? {
        RawProgramHeaders(raw)?.headers
            .filter { $0.type == ProgramHeaderType.load && $0.flags & executable == 0 }
            .compactMap { ELFLayout.fileRange(offset: $0.offset, size: $0.fileSize, in: raw.count) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ELFInspect

/// The loader's verdict on one file it opened as a candidate (glibc elf/dl-load.c
/// `open_verify`): some mismatches only skip the file, others stop the whole program.
public enum CandidateVerdict: Equatable, Sendable {
    case accept
    /// Another ELF class: skipped; remembered for the `wrong ELF class` message.
    case wrongClass(String)
    /// Another `e_machine`: skipped silently.
    case wrongMachine(UInt16)
    /// Refused fatally even if a good copy follows: the loader's message for it.
    case fatal(String)

    /// What the loader expects: the class, byte order and machine of the executable.
    public struct Expectation: Equatable, Sendable {
        public var fileClass: UInt8
        public var byteOrder: UInt8
        public var machine: UInt16

        public static let x86_64 = Expectation(fileClass: 2, byteOrder: 1, machine: 62)

        /// What a program with this header expects of its libraries.
        public init(header: ELFHeader) {
            self.init(fileClass: header.fileClass.rawValue, byteOrder: header.byteOrder.rawValue, machine: header.machine)
        }

        public init(fileClass: UInt8, byteOrder: UInt8, machine: UInt16) {
            self.fileClass = fileClass
            self.byteOrder = byteOrder
            self.machine = machine
        }
    }

    /// Judges the first bytes of a candidate, in `open_verify`'s order.
    public static func judge(_ bytes: UnsafeRawBufferPointer, expecting expected: Expectation) -> CandidateVerdict {
        let headerSize = expected.fileClass == 2 ? 64 : 52
        guard bytes.count >= headerSize else { return .fatal("file too short") }
        guard bytes[0] == 0x7f, bytes[1] == 0x45, bytes[2] == 0x4c, bytes[3] == 0x46 else {
            return .fatal("invalid ELF header")
        }
        if bytes[4] != expected.fileClass {
            return .wrongClass(bytes[4] == 1 ? "ELFCLASS32" : bytes[4] == 2 ? "ELFCLASS64" : "ELFCLASSNONE")
        }
        if bytes[5] != expected.byteOrder {
            return .fatal(expected.byteOrder == 1 ? "ELF file data encoding not little-endian"
                                                  : "ELF file data encoding not big-endian")
        }
        if bytes[6] != 1 { return .fatal("ELF file version ident does not match current one") }
        let osabi = bytes[7], abiVersion = bytes[8]
        // ELFOSABI_SYSV or ELFOSABI_GNU; a GNU ABI version below LIBC_ABI_MAX (sysdeps/generic/ldsodefs.h).
        guard osabi == 0 || osabi == 3 else { return .fatal("ELF file OS ABI invalid") }
        guard abiVersion == 0 || (osabi == 3 && abiVersion < 4) else { return .fatal("ELF file ABI version invalid") }
        for i in 9..<16 where bytes[i] != 0 { return .fatal("nonzero padding in e_ident") }
        let little = bytes[5] == 1
        func u16(_ at: Int) -> UInt16 {
            let v = bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)
            return little ? UInt16(littleEndian: v) : UInt16(bigEndian: v)
        }
        func u32(_ at: Int) -> UInt32 {
            let v = bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)
            return little ? UInt32(littleEndian: v) : UInt32(bigEndian: v)
        }
        if u32(20) != 1 { return .fatal("ELF file version does not match current one") }
        let machine = u16(18)
        if machine != expected.machine { return .wrongMachine(machine) }
        let type = u16(16)
        guard type == 2 || type == 3 else { return .fatal("only ET_DYN and ET_EXEC can be loaded") }
        let phentsize = u16(expected.fileClass == 2 ? 54 : 42)
        guard phentsize == (expected.fileClass == 2 ? 56 : 32) else {
            return .fatal("ELF file's phentsize not the expected size")
        }
        // The program headers are read with pread(2) when they lie past the first block:
        // a short read is "cannot read file data" (errno 0: no suffix), an offset that is
        // negative as off_t is EINVAL.
        let phoff: UInt64 = expected.fileClass == 2
            ? (little ? UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 32, as: UInt64.self))
                      : UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 32, as: UInt64.self)))
            : UInt64(u32(28))
        let phnum = UInt64(u16(expected.fileClass == 2 ? 56 : 44))
        if phoff > UInt64(Int64.max) { return .fatal("cannot read file data" + LoaderErrno.tail(EINVAL)) }
        let (end, overflow) = phoff.addingReportingOverflow(phnum * UInt64(phentsize))
        if overflow || end > UInt64(bytes.count) { return .fatal("cannot read file data") }
        return .accept
    }
}

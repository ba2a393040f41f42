import ELFInspect

/// The kernel's virtual shared object (vDSO). The loader puts it in its list of loaded
/// objects before it loads anything (elf/setup-vdso.h), under its soname
/// (`linux-vdso.so.1` on x86-64): a `DT_NEEDED` or preloaded name equal to that is this
/// object, found without a search, and its symbols then join the global scope. (Bundlers
/// that copy `ldd`'s list into `DT_NEEDED` write such names.)
public struct KernelVDSO: Sendable {
    public let elf: ELFFile

    public init(elf: ELFFile) { self.elf = elf }

    /// The name the loader knows it by: its soname.
    public var name: String? { elf.dynamic?.soname }

    /// The largest image read: a vDSO is a few pages.
    static let largestImage = 1 << 20

    /// The vDSO the kernel mapped at `base` (`AT_SYSINFO_EHDR`): every process of a kernel
    /// gets the same image, so it is the one a program in a container of this machine
    /// gets. Nil when the image is not a readable ELF file.
    public static func read(at base: UnsafeRawPointer) -> KernelVDSO? {
        // The image is mapped whole: its extent is the end of its segments or of its section
        // headers, whichever is later (both lie in the first page's headers).
        guard base.loadUnaligned(as: UInt32.self) == UInt32(bigEndian: 0x7f45_4c46),
              base.loadUnaligned(fromByteOffset: 4, as: UInt8.self) == 2 else { return nil }   // ELFCLASS64
        func word(_ offset: Int) -> Int { Int(truncatingIfNeeded: min(base.loadUnaligned(fromByteOffset: offset, as: UInt64.self), UInt64(largestImage + 1))) }
        func half(_ offset: Int) -> Int { Int(base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
        let (phoff, shoff) = (word(0x20), word(0x28))
        let (phentsize, phnum, shentsize, shnum) = (half(0x36), half(0x38), half(0x3a), half(0x3c))
        guard phentsize == 56, phoff >= 64, phoff + phnum * 56 <= 4096 else { return nil }
        var size = max(shoff + shnum * shentsize, phoff + phnum * 56)
        for index in 0..<phnum where base.loadUnaligned(fromByteOffset: phoff + 56 * index, as: UInt32.self) == 1 {   // PT_LOAD
            size = max(size, word(phoff + 56 * index + 8) + word(phoff + 56 * index + 32))   // p_offset + p_filesz
        }
        guard size <= largestImage else { return nil }
        let bytes = [UInt8](UnsafeRawBufferPointer(start: base, count: size))
        guard let elf = try? ELFFile(bytes: FileBytes(bytes), path: "[vdso]"), elf.dynamic?.soname != nil else { return nil }
        return KernelVDSO(elf: elf)
    }
}

import ELFInspect

/// What the loader refuses when it maps a file that passed `open_verify` and is not
/// already loaded (glibc elf/dl-load.c `_dl_map_object_from_fd`, 2.30 to 2.36): each is
/// fatal for the program, like a file `open_verify` refuses. The program itself is never
/// "already loaded" here (its link map has no file id), so a dependency on it is refused too.
public enum MappingRefusal {
    /// The first glibc that refuses to map a PIE (`DF_1_PIE`) as a library (BZ #24323).
    public static let pieRefusedSince = GlibcVersion(2, 30)

    /// What the loader says of an object that needs an executable stack when
    /// `glibc.rtld.execstack=0` forbids one (`RtldTunables`); the fatal message adds the errno,
    /// EINVAL, and a preload's warning does not.
    public static let executableStack = "cannot enable executable stack as shared object requires"
    /// What glibc 2.41's loader says, and dies of, when the program itself needs one.
    public static let programExecutableStack = "Fatal glibc error: executable stack is not allowed"

    /// The loader's message for `elf`, in the order the loader checks, or nil when it maps.
    /// `pageSize` is the run-time page size (4096 on x86-64). `stage`: where a file cut short
    /// kills the loader (`PastEndOfFile`); a check made after that point is never reached.
    /// `refusesExecutableStack`: `glibc.rtld.execstack=0` is in force.
    public static func reason(_ elf: ELFFile, glibc: GlibcVersion, pageSize: UInt64 = 4096,
                              cutAt stage: PastEndOfFile.Stage? = nil, refusesExecutableStack: Bool = false) -> String? {
        var loads = 0
        var hasDynamic = false
        for header in elf.programHeaders {
            switch header.type {
            case ProgramHeaderType.load:
                if header.alignment & (pageSize - 1) != 0 { return "ELF load command alignment not page-aligned" }
                // With p_align 0 the mask is all ones: p_vaddr must equal p_offset.
                if (header.virtualAddress &- header.offset) & (header.alignment &- 1) != 0 {
                    return "ELF load command address/offset not properly aligned"
                }
                loads += 1
            case ProgramHeaderType.dynamic:
                // objcopy --only-keep-debug leaves a PT_DYNAMIC with no bytes: no dynamic section.
                if header.fileSize != 0 { hasDynamic = true }
            default:
                break
            }
        }
        if loads == 0 { return "object file has no loadable segments" }
        if elf.header.type != ELFHeader.sharedObject { return "cannot dynamically load executable" }
        // The segments are mapped (and a last page past the file's end zero-filled) here.
        if stage == .zeroFill { return nil }
        if !hasDynamic { return "object file has no dynamic section" }
        if stage == .dynamicSection { return nil }
        if glibc >= pieRefusedSince, elf.isMarkedPIE {
            return "cannot dynamically load position-independent executable"
        }
        // Measured with 2.41: as each object is mapped, so before later names are searched.
        if refusesExecutableStack, RtldTunables.needsExecutableStack(elf) { return executableStack + ": Invalid argument" }
        return nil
    }
}

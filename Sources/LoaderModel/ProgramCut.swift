import ELFInspect

/// A program whose file ends before its segments do (a copy, download or image layer cut
/// short), and what starting it comes to. The kernel maps it with `mmap`, which succeeds past
/// a file's end, and the first touch of a page holding no byte of the file kills the process
/// (`PastEndOfFile.of(_:startedByKernel:)` says where). A program's last writable segment nearly always
/// has a `.bss`, whose first page the kernel zero-fills before the loader runs, so a cut
/// anywhere in its segments but their last page usually kills it there: SIGSEGV, exit 139.
public struct ProgramCut: Equatable, Sendable {
    public enum Outcome: Equatable, Sendable {
        /// Killed before the loader loads any library: by the kernel zero-filling a `.bss`
        /// page, or by the loader reading the program's dynamic section or hash table.
        case killedAtStart(PastEndOfFile)
        /// Killed by the loader relocating the program, after every library (it relocates the
        /// program last), or at the program's first instruction.
        case killedLater(PastEndOfFile)
        /// Its dynamic section, cut inside the file's last page, lost an entry the loader's
        /// first read of it dereferences (`ELFFile.lostForMapping`): SIGSEGV before any library.
        case lostForMapping(String)
        /// Its dynamic section, cut inside the file's last page, lost a table relocation reads
        /// (`ELFFile.lostForRelocation`): SIGSEGV as the loader relocates it.
        case lostForRelocation(String)
        /// Pages past the end that nothing touches as it starts: the program dies of SIGBUS
        /// if it ever touches them.
        case diesIfTouched
        /// Cut inside its last page, which reads on as zeros: no signal, the bytes are gone.
        case readsZeros
        /// Its dynamic section cut inside an entry the loader reads (`PastEndOfFile.dynamicEntryCut`):
        /// that entry's value is part zeros, and what the loader does with it is not modelled.
        case entryCut(index: Int, tag: Int64)
    }

    public var outcome: Outcome
    /// The file's size, and how far its segments' file bytes run.
    public var fileSize: UInt64
    public var segmentsEnd: UInt64

    /// True when nothing is loaded after the program (`killedAtStart`, `lostForMapping`).
    public var stopsStart: Bool {
        switch outcome {
        case .killedAtStart, .lostForMapping: return true
        default: return false
        }
    }

    /// What starting `elf` (read whole, or through the zeros its last page reads past the end)
    /// comes to; nil for a whole file. The first of these, in the order they come, decides.
    public static func judge(_ elf: ELFFile) -> ProgramCut? {
        let inLastPage = PastEndOfFile.cutInLastPage(elf)
        guard let (size, end) = inLastPage ?? PastEndOfFile.cutShort(elf) else { return nil }
        func cut(_ outcome: Outcome) -> ProgramCut { ProgramCut(outcome: outcome, fileSize: size, segmentsEnd: end) }
        let fault = PastEndOfFile.of(elf, startedByKernel: true), stage = fault?.stage
        let dynamicCut = PastEndOfFile.cutsDynamicSection(elf)
        // The kernel zero-filling a .bss page, before any loader runs;
        if let fault, stage == .kernelZeroFill { return cut(.killedAtStart(fault)) }
        // the loader reading the dynamic section: a page of it past the end, an entry cut in
        // two (not judged further), an entry its first read dereferences lost;
        if let fault, stage == .dynamicSection { return cut(.killedAtStart(fault)) }
        if let entry = PastEndOfFile.dynamicEntryCut(elf) { return cut(.entryCut(index: entry.index, tag: entry.tag)) }
        if dynamicCut, let lost = elf.lostForMapping { return cut(.lostForMapping(lost)) }
        // its hash table, before any library is loaded;
        if let fault, stage == .hashTable || stage == .dynamicSectionCut || stage == .zeroFill { return cut(.killedAtStart(fault)) }
        // the version check (a DT_VERSYM lost kills it there: LD024 says so), then relocating
        // the program, after every library, and its first instruction.
        if elf.lostForVersionCheck == nil {
            if let fault { return cut(.killedLater(fault)) }
            if dynamicCut, let lost = elf.lostForRelocation { return cut(.lostForRelocation(lost)) }
        }
        return cut(inLastPage == nil ? .diesIfTouched : .readsZeros)
    }

    /// Reads a program whose file `ELFFile` refuses because it is cut short: as its headers
    /// alone when it dies before its dynamic section is used, or through the zeros the mapping
    /// reads past the file's end when that cuts its dynamic section. Nil when the cut is not
    /// why it cannot be read (the caller reports the reader's error).
    public static func read(_ bytes: FileBytes, path: String) -> (ELFFile, ProgramCut)? {
        let fault = PastEndOfFile.of(bytes: bytes, startedByKernel: true)
        if fault == nil || fault?.stage == .dynamicSectionCut {
            guard PastEndOfFile.dynamicSectionCut(bytes: bytes) != nil, let padded = PastEndOfFile.zeroPadded(bytes) else { return nil }
            if let elf = try? ELFFile(bytes: padded, path: path, fileSize: bytes.count, namesWithoutStringTable: true) {
                return judge(elf).map { (elf, $0) }
            }
            // An entry cut in two can leave a table address the tables cannot be read at (0:
            // the file's first bytes): not judged further, whatever the loader makes of it.
            guard let elf = try? ELFFile(bytes: padded, path: path, fileSize: bytes.count, withoutDynamicSection: true),
                  let entry = PastEndOfFile.dynamicEntryCut(elf), let (_, end) = PastEndOfFile.cutShort(elf) ?? PastEndOfFile.cutInLastPage(elf)
            else { return nil }
            return (elf, ProgramCut(outcome: .entryCut(index: entry.index, tag: entry.tag), fileSize: UInt64(bytes.count), segmentsEnd: end))
        }
        // (Its tables run past the end: whatever the loader would do later, it cannot be read
        // to say more; it dies at the first fault.)
        guard let fault, let elf = try? ELFFile(bytes: bytes, path: path, withoutDynamicSection: true) else { return nil }
        return (elf, ProgramCut(outcome: .killedAtStart(fault), fileSize: UInt64(bytes.count), segmentsEnd: fault.segmentsEnd))
    }
}

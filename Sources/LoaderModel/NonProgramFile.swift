/// A file given as the program that the toolchain made for something else: named for what
/// it is, so the user is not told a good `.o` or `.a` is "damaged".
public enum NonProgramFile: Equatable, Sendable, CustomStringConvertible {
    /// `e_type` ET_REL: what the compiler writes (`.o`); only the link editor reads it.
    case relocatableObject
    /// `e_type` ET_CORE: a memory image a crash left behind.
    case coreDump
    /// `!<arch>` (ar(5)): a `.a` library, whose objects ld copies in at build time.
    case staticArchive
    /// Text for ld (`/* GNU ld script */`, `GROUP ( … )`, `INPUT ( … )`), such as `libc.so`.
    case linkerScript
    /// A `#!` script: the kernel runs its interpreter, not the loader.
    case script(ScriptLine)
    /// A file that starts with `#!` and that the kernel still refuses (`ENOEXEC`).
    case refusedScript(ScriptLine.Refusal)
    /// Text with no `#!` line: the kernel refuses it (`ENOEXEC`); a shell then reads it as a script.
    case text
    /// Zero bytes.
    case empty
    /// A program for another system, or a compressed file or archive (`what` names it;
    /// `unpack`: it may hold the program).
    case otherFormat(String, unpack: Bool = false)

    public var description: String {
        switch self {
        case .relocatableObject:
            return "a relocatable object (ELF type ET_REL, what a compiler writes as .o), not a program or a shared library: link it into one first"
        case .coreDump:
            return "a core dump (ELF type ET_CORE), not a program or a shared library"
        case .staticArchive:
            return "a static archive (ar, .a), not a program or a shared library: the link editor copies objects out of it at build time, the loader never opens it"
        case .linkerScript:
            return "a linker script (text for ld at build time, like libc.so), not a program or a shared library"
        case .script(let line):
            return "a script run by \(line.shown) (#!), not an ELF program: pass the program it starts"
        case .refusedScript(.noInterpreter):
            return "a file whose #! line names no interpreter: the kernel refuses to execute it (ENOEXEC)"
        case .refusedScript(.interpreterCut):
            return "a file whose #! line names an interpreter longer than the \(ScriptLine.kernelBufferSize) bytes the kernel reads: the kernel refuses to execute it (ENOEXEC)"
        case .text:
            return "a text file without a #! line, not an ELF program: the kernel refuses to execute it (ENOEXEC), and a shell told to run it reads it as a shell script"
        case .empty:
            return "an empty file (0 bytes), not a program: build or copy it again"
        case .otherFormat(let what, let unpack):
            return "\(what), not an ELF program" + (unpack ? ": unpack it first" : "")
        }
    }

    /// What the first bytes of a file say it is, when that is one of the above.
    public static func identify(_ bytes: UnsafeRawBufferPointer) -> NonProgramFile? {
        let head = Array(bytes.prefix(4096))
        if head.starts(with: [0x7f, 0x45, 0x4c, 0x46]) {
            guard head.count >= 18 else { return nil }
            let type = head[5] == 2 ? UInt16(head[16]) << 8 | UInt16(head[17]) : UInt16(head[17]) << 8 | UInt16(head[16])
            switch type {
            case 1: return .relocatableObject
            case 4: return .coreDump
            default: return nil
            }
        }
        if head.starts(with: Array("!<arch>\n".utf8)) || head.starts(with: Array("!<thin>\n".utf8)) { return .staticArchive }
        switch ScriptLine.read(bytes) {
        case .success(let line)?: return .script(line)
        case .failure(let refusal)?: return .refusedScript(refusal)
        case nil: break
        }
        if head.isEmpty { return .empty }
        if isPortableExecutable(head) { return .otherFormat("a Windows program or library (PE)") }
        for (magic, what) in programFormats where head.starts(with: magic) { return .otherFormat(what) }
        for (magic, what) in packedFormats where head.starts(with: magic) { return .otherFormat(what, unpack: true) }
        // A linker script is text: no NUL, and one of the commands ld reads libraries with.
        guard !head.contains(0) else { return nil }
        let text = String(decoding: head, as: UTF8.self)
        if text.contains("GNU ld script") { return .linkerScript }
        for command in ["GROUP", "INPUT", "OUTPUT_FORMAT", "SEARCH_DIR"] where text.contains(command + " (") || text.contains(command + "(") {
            return .linkerScript
        }
        // Text: valid UTF-8 (a character cut by the 4,096-byte prefix allowed) with no
        // control byte but tab, line ends, form feed and escape.
        let controls = head.contains { $0 < 0x20 && ![0x09, 0x0a, 0x0c, 0x0d, 0x1b].contains($0) || $0 == 0x7f }
        let validUTF8 = (0...(head.count == 4096 ? 3 : 0)).contains { String(validating: head.dropLast($0), as: UTF8.self) != nil }
        return !controls && validUTF8 ? .text : nil
    }

    /// `MZ`, and at the offset its header gives (`e_lfanew`, at 0x3c) the PE signature.
    static func isPortableExecutable(_ head: [UInt8]) -> Bool {
        guard head.count >= 0x40, head[0] == UInt8(ascii: "M"), head[1] == UInt8(ascii: "Z") else { return false }
        let offset = head[0x3c...0x3f].reversed().reduce(0) { $0 << 8 | Int($1) }
        return offset + 4 <= head.count && head[offset..<offset + 4].elementsEqual([0x50, 0x45, 0, 0])
    }

    /// Leading bytes of programs for another system, which a person may pass by mistake.
    static let programFormats: [([UInt8], String)] = [
        ([0xfe, 0xed, 0xfa, 0xce], "a macOS program or library (Mach-O)"),
        ([0xfe, 0xed, 0xfa, 0xcf], "a macOS program or library (Mach-O)"),
        ([0xce, 0xfa, 0xed, 0xfe], "a macOS program or library (Mach-O)"),
        ([0xcf, 0xfa, 0xed, 0xfe], "a macOS program or library (Mach-O)"),
    ]

    /// Leading bytes of what a program arrives packed in.
    static let packedFormats: [([UInt8], String)] = [
        ([0x1f, 0x8b], "a gzip-compressed file"),
        ([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], "an xz-compressed file"),
        ([0x28, 0xb5, 0x2f, 0xfd], "a zstd-compressed file"),
        (Array("BZh".utf8), "a bzip2-compressed file"),
        (Array("PK\u{03}\u{04}".utf8), "a zip archive (a Python wheel, a Java archive…)"),
    ]
}

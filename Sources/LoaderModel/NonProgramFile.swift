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
    case script(interpreter: String)

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
        case .script(let interpreter):
            return "a script run by \(interpreter) (#!), not an ELF program: pass the program it starts"
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
        if head.starts(with: Array("#!".utf8)) {
            let line = head.dropFirst(2).prefix { $0 != UInt8(ascii: "\n") }
            let words = String(decoding: line, as: UTF8.self).split(bytes: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
            return .script(interpreter: words.first ?? "its interpreter")
        }
        // A linker script is text: no NUL, and one of the commands ld reads libraries with.
        guard !head.contains(0) else { return nil }
        let text = String(decoding: head, as: UTF8.self)
        if text.contains("GNU ld script") { return .linkerScript }
        for command in ["GROUP", "INPUT", "OUTPUT_FORMAT", "SEARCH_DIR"] where text.contains(command + " (") || text.contains(command + "(") {
            return .linkerScript
        }
        return nil
    }
}

import LoaderModel
import Testing

@Suite("NonProgramFile: what a file given as the program is instead")
struct NonProgramFileTests {
    static func identify(_ bytes: [UInt8]) -> NonProgramFile? {
        bytes.withUnsafeBytes { NonProgramFile.identify($0) }
    }

    static func elf(type: UInt16, bigEndian: Bool = false) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 64)
        header[0...3] = [0x7f, 0x45, 0x4c, 0x46]
        header[4] = 2
        header[5] = bigEndian ? 2 : 1
        header[16] = UInt8(bigEndian ? type >> 8 : type & 0xff)
        header[17] = UInt8(bigEndian ? type & 0xff : type >> 8)
        return header
    }

    @Test("ET_REL is a relocatable object, ET_CORE a core dump, in either byte order; ET_EXEC and ET_DYN are programs")
    func elfTypes() {
        #expect(Self.identify(Self.elf(type: 1)) == .relocatableObject)
        #expect(Self.identify(Self.elf(type: 1, bigEndian: true)) == .relocatableObject)
        #expect(Self.identify(Self.elf(type: 4)) == .coreDump)
        #expect(Self.identify(Self.elf(type: 2)) == nil)
        #expect(Self.identify(Self.elf(type: 3)) == nil)
        #expect(NonProgramFile.relocatableObject.description.contains("a relocatable object"))
        #expect(NonProgramFile.relocatableObject.description.contains("not a program or a shared library"))
    }

    @Test("ar archives, linker scripts and #! scripts; other text and binary data are not recognised")
    func otherFiles() {
        #expect(Self.identify(Array("!<arch>\nfoo.o/          0           0     0     644     8         `\n".utf8)) == .staticArchive)
        #expect(Self.identify(Array("!<thin>\n".utf8)) == .staticArchive)
        #expect(Self.identify(Array("/* GNU ld script\n   Use the shared library */\nOUTPUT_FORMAT(elf64-x86-64)\nGROUP ( /lib/x86_64-linux-gnu/libc.so.6 )\n".utf8)) == .linkerScript)
        #expect(Self.identify(Array("INPUT(-lfoo)\n".utf8)) == .linkerScript)
        #expect(Self.identify(Array("#!/bin/sh -e\nexec real \"$@\"\n".utf8)) == .script(ScriptLine(interpreter: "/bin/sh", argument: "-e")))
        #expect(Self.identify(Array("#!\n".utf8)) == .refusedScript(.noInterpreter))
        #expect(Self.identify([0, 1, 2, 3, 0x47, 0x52, 0x4f, 0x55, 0x50, 0x28]) == nil)
    }

    @Test("Text without #!, an empty file, programs for other systems and packed files are named; binary data is not")
    func textAndOtherFormats() {
        #expect(Self.identify(Array("just some text\n".utf8)) == .text)
        #expect(Self.identify(Array("print('é')\r\n\tx = 1\n".utf8)) == .text)
        // A character cut by the 4,096 bytes read is still text; a stray byte that is not UTF-8 is not.
        #expect(Self.identify(Array(String(repeating: "a", count: 4095).utf8) + [0xc3, 0xa9]) == .text)
        #expect(Self.identify(Array("caf".utf8) + [0xe9, 0x0a]) == nil)
        #expect(Self.identify(Array("a\u{01}b".utf8)) == nil)
        #expect(Self.identify([]) == .empty)
        var pe = [UInt8](repeating: 0, count: 0x80)
        pe[0] = UInt8(ascii: "M"); pe[1] = UInt8(ascii: "Z"); pe[0x3c] = 0x40
        pe[0x40...0x43] = [0x50, 0x45, 0, 0]
        #expect(Self.identify(pe) == .otherFormat("a Windows program or library (PE)"))
        pe[0x41] = 0
        #expect(Self.identify(pe) == nil)
        #expect(Self.identify(Array("MZ is a text too\n".utf8)) == .text)
        #expect(Self.identify([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]) == .otherFormat("a macOS program or library (Mach-O)"))
        #expect(Self.identify([0x1f, 0x8b, 8, 0]) == .otherFormat("a gzip-compressed file", unpack: true))
        #expect(Self.identify(Array("PK\u{03}\u{04}".utf8) + [0x14, 0]) == .otherFormat("a zip archive (a Python wheel, a Java archive…)", unpack: true))
        #expect(NonProgramFile.otherFormat("a gzip-compressed file", unpack: true).description == "a gzip-compressed file, not an ELF program: unpack it first")
    }

    @Test("env's command: after options and assignments, -S split, the whole argument otherwise")
    func envCommand() {
        #expect(ScriptLine(interpreter: "/usr/bin/env", argument: "python3").envCommand == "python3")
        #expect(ScriptLine(interpreter: "/usr/bin/env", argument: "python3 -u").envCommand == "python3 -u")
        #expect(ScriptLine(interpreter: "/usr/bin/env", argument: "-S python3 -u").envCommand == "python3")
        #expect(ScriptLine(interpreter: "/usr/bin/env", argument: "-Spython3 -u").envCommand == "python3")
        #expect(ScriptLine(interpreter: "/usr/bin/env", argument: "-S -i -u HOME A=1 node").envCommand == "node")
        #expect(ScriptLine(interpreter: "/usr/bin/env", argument: "-i").envCommand == nil)
        #expect(ScriptLine(interpreter: "/usr/bin/env", argument: "A=1").envCommand == nil)
        #expect(ScriptLine(interpreter: "/usr/bin/python3", argument: "-u").envCommand == nil)
    }
}

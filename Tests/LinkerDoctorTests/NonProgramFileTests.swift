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
        #expect(Self.identify(Array("#!/bin/sh -e\nexec real \"$@\"\n".utf8)) == .script(interpreter: "/bin/sh"))
        #expect(Self.identify(Array("just some text\n".utf8)) == nil)
        #expect(Self.identify([0, 1, 2, 3, 0x47, 0x52, 0x4f, 0x55, 0x50, 0x28]) == nil)
        #expect(Self.identify([]) == nil)
    }
}

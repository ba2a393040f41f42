import ELFInspect
import Testing

@Suite("ELFMachine: e_machine named as elf.h names it")
struct ELFMachineTests {
    @Test("common machines by constant and architecture", arguments: [
        (UInt16(62), "EM_X86_64 (x86-64)"), (183, "EM_AARCH64 (AArch64)"), (3, "EM_386 (i386)"),
        (40, "EM_ARM (32-bit ARM)"), (243, "EM_RISCV (RISC-V)"), (21, "EM_PPC64 (64-bit PowerPC)"), (22, "EM_S390 (IBM S/390 and z/Architecture)"),
    ])
    func named(value: UInt16, text: String) {
        #expect(ELFMachine(value).description == text)
    }

    @Test("a value outside the table stays a number, said as the field it is")
    func unknown() {
        #expect(ELFMachine(4660).description == "e_machine 4660")
        #expect(ELFMachine(4660).constant == nil)
    }
}

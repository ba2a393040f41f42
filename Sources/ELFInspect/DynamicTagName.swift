/// A dynamic entry's tag as readelf names it (`DT_RELAENT`), for sentences; another value in
/// hexadecimal.
public enum DynamicTagName {
    public static func of(_ tag: Int64) -> String {
        if let name = names[tag] { return "DT_" + name }
        return "0x" + String(UInt64(bitPattern: tag), radix: 16)
    }

    private static let names: [Int64: String] = [
        0: "NULL", 1: "NEEDED", 2: "PLTRELSZ", 3: "PLTGOT", 4: "HASH", 5: "STRTAB", 6: "SYMTAB", 7: "RELA",
        8: "RELASZ", 9: "RELAENT", 10: "STRSZ", 11: "SYMENT", 12: "INIT", 13: "FINI", 14: "SONAME", 15: "RPATH",
        16: "SYMBOLIC", 17: "REL", 18: "RELSZ", 19: "RELENT", 20: "PLTREL", 21: "DEBUG", 22: "TEXTREL",
        23: "JMPREL", 24: "BIND_NOW", 25: "INIT_ARRAY", 26: "FINI_ARRAY", 27: "INIT_ARRAYSZ", 28: "FINI_ARRAYSZ",
        29: "RUNPATH", 30: "FLAGS", 32: "PREINIT_ARRAY", 33: "PREINIT_ARRAYSZ", 35: "RELRSZ", 36: "RELR", 37: "RELRENT",
        0x6fff_fef5: "GNU_HASH", 0x6fff_fefb: "DEPAUDIT", 0x6fff_fefc: "AUDIT", 0x6fff_fff0: "VERSYM",
        0x6fff_fff9: "RELACOUNT", 0x6fff_fffa: "RELCOUNT", 0x6fff_fffb: "FLAGS_1", 0x6fff_fffc: "VERDEF",
        0x6fff_fffd: "VERDEFNUM", 0x6fff_fffe: "VERNEED", 0x6fff_ffff: "VERNEEDNUM", 0x7fff_fffd: "AUXILIARY",
        0x7fff_ffff: "FILTER",
    ]
}

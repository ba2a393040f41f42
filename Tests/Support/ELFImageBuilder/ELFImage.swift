/// A small ELF64 x86-64 image described field by field, for tests that need real ELF bytes
/// without a compiler or a linker: programs and shared objects with `PT_INTERP`,
/// `PT_DYNAMIC` (`DT_NEEDED`, `DT_SONAME`, `DT_RPATH`, `DT_RUNPATH`, `DT_FLAGS`,
/// `DT_FLAGS_1`), a dynamic symbol table with its GNU or System V hash table, symbol
/// versions (`.gnu.version`, `_d`, `_r`) and the relocations that make a reference bound at
/// start-up or at the first call. Written from the gABI and the x86-64 psABI, not from
/// ELFInspect, so a reader bug is not copied into what it is tested on; one test
/// (`ELFImageReadelfTests`) checks the output against GNU readelf.
public struct ELFImage: Sendable {
    /// `e_type`.
    public enum ObjectType: UInt16, Sendable {
        /// `ET_EXEC`, laid out at 0x400000.
        case executable = 2
        /// `ET_DYN` (a shared object or a PIE), laid out at 0.
        case sharedObject = 3
    }

    /// Which symbol hash tables `DT_GNU_HASH` / `DT_HASH` the image carries.
    public enum HashStyle: Sendable {
        case gnu, sysv, both
        /// Neither: the loader then finds symbols by scanning the table.
        case none
    }

    /// A symbol the image defines (in `.text`), with the version it is defined at.
    public struct Definition: Sendable {
        public var name: String
        /// A name from `versionDefinitions`; nil: unversioned (`DT_VERSYM` index 1).
        public var version: String?
        /// `name@V` rather than `name@@V`: the `0x8000` bit of its `DT_VERSYM` entry.
        public var hidden: Bool
        /// `STB_WEAK` instead of `STB_GLOBAL`.
        public var weak: Bool

        public init(_ name: String, version: String? = nil, hidden: Bool = false, weak: Bool = false) {
            self.name = name
            self.version = version
            self.hidden = hidden
            self.weak = weak
        }
    }

    /// An undefined symbol and the relocation that binds it.
    public struct Import: Sendable {
        public var name: String
        /// The `Verneed` file and version the reference asks for; nil: unversioned.
        public var version: (file: String, name: String)?
        /// `STB_WEAK`: a weak reference never fails.
        public var weak: Bool
        /// `R_X86_64_JUMP_SLOT` in `DT_JMPREL` (bound at the first call) instead of
        /// `R_X86_64_GLOB_DAT` in `DT_RELA` (bound at start-up).
        public var lazy: Bool

        public init(_ name: String, version: (file: String, name: String)? = nil, weak: Bool = false, lazy: Bool = true) {
            self.name = name
            self.version = version
            self.weak = weak
            self.lazy = lazy
        }
    }

    /// One `Vernaux` entry that no import uses (imports add their own).
    public struct VersionNeedEntry: Sendable {
        public var file: String
        public var version: String
        /// `VER_FLG_WEAK`.
        public var weak: Bool

        public init(file: String, version: String, weak: Bool = false) {
            self.file = file
            self.version = version
            self.weak = weak
        }
    }

    public var type: ObjectType
    /// `e_machine`: 62 is `EM_X86_64`.
    public var machine: UInt16 = 62
    /// `EI_OSABI`.
    public var osABI: UInt8 = 0
    /// `PT_INTERP`.
    public var interpreter: String?
    /// False: no `PT_DYNAMIC` at all (with no interpreter, a static executable).
    public var isDynamic = true
    public var soname: String?
    public var needed: [String] = []
    public var rpath: String?
    public var runpath: String?
    /// `DT_FLAGS` (`DF_SYMBOLIC` 0x2, `DF_BIND_NOW` 0x8).
    public var flags: UInt64?
    /// `DT_FLAGS_1` (`DF_1_NOW` 0x1, `DF_1_NODEFLIB` 0x800).
    public var flags1: UInt64?
    /// `DT_BIND_NOW`.
    public var bindNow = false
    public var hashStyle: HashStyle = .gnu
    public var definitions: [Definition] = []
    public var imports: [Import] = []
    /// `Verdef` names after the base entry (which is named after the soname), indices 2, 3, ….
    public var versionDefinitions: [String] = []
    public var extraVersionNeeds: [VersionNeedEntry] = []
    /// NUL-terminated strings in `.rodata` (what a library `dlopen`s by name).
    public var strings: [String] = []
    /// False: no section header table (the loader never reads it; readelf falls back to
    /// the dynamic segment).
    public var hasSectionHeaders = true

    public init(type: ObjectType) {
        self.type = type
    }

    /// The x86-64 psABI's program interpreter.
    public static let interpreterPath = "/lib64/ld-linux-x86-64.so.2"

    /// A dynamically linked program (`ET_EXEC` with `PT_INTERP`).
    public static func program(needed: [String] = [], interpreter: String? = interpreterPath) -> ELFImage {
        var image = ELFImage(type: .executable)
        image.interpreter = interpreter
        image.needed = needed
        return image
    }

    /// A statically linked program: no `PT_INTERP`, no `PT_DYNAMIC`.
    public static func staticProgram() -> ELFImage {
        var image = ELFImage(type: .executable)
        image.isDynamic = false
        return image
    }

    /// A shared object named `soname`.
    public static func library(_ soname: String?, needed: [String] = []) -> ELFImage {
        var image = ELFImage(type: .sharedObject)
        image.soname = soname
        image.needed = needed
        return image
    }

    /// A valid 32-bit (`ELFCLASS32`, `EM_386`) shared object header with one `PT_LOAD`:
    /// what a 64-bit loader skips as `wrong ELF class: ELFCLASS32`.
    public static func elf32SharedObject() -> [UInt8] {
        var out = LittleEndianBytes()
        out.bytes += [0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        out.u16(3); out.u16(3); out.u32(1)          // e_type ET_DYN, e_machine EM_386, e_version
        out.u32(0); out.u32(52); out.u32(0)         // e_entry, e_phoff, e_shoff
        out.u32(0); out.u16(52); out.u16(32); out.u16(1); out.u16(40); out.u16(0); out.u16(0)
        // PT_LOAD covering the file.
        out.u32(1); out.u32(0); out.u32(0); out.u32(0); out.u32(84); out.u32(84); out.u32(5); out.u32(0x1000)
        return out.bytes
    }
}

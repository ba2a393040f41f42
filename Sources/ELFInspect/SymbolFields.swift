/// The fixed-size fields of one `Elf{32,64}_Sym`, read without its name or version.
public struct SymbolFields: Equatable, Sendable {
    /// `st_info`: binding in the high nibble, type in the low one.
    public var info: UInt8
    /// `st_other`: visibility in the low two bits.
    public var other: UInt8
    public var sectionIndex: UInt16
    public var value: UInt64

    public var binding: UInt8 { info >> 4 }
    public var type: UInt8 { info & 0xf }
    public var visibility: UInt8 { other & 0x3 }
}

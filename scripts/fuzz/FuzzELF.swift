// libFuzzer entry for the ELF reader. Built by run.sh together with Sources/ELFInspect
// (one module, so no import): every input is read as an ELF file and, when it parses,
// everything the reader offers is walked. A crash, hang or sanitizer report is a bug.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzELF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FileBytes(Array(UnsafeBufferPointer(start: data, count: size)))
    guard let file = try? ELFFile(bytes: bytes, path: "fuzz-input") else { return 0 }
    _ = file.interpreter
    _ = file.dynamic
    _ = file.versionNeeds
    _ = file.versionDefinitions
    let symbols = file.symbols
    for index in [-1, 0, file.symbolCount, Int.max, Int.min] {
        _ = file.symbol(at: index)
        _ = file.versionIndex(ofSymbol: index)
    }
    for index: UInt16 in [0, 1, 2, 0x7fff, 0x8002, 0xffff] { _ = file.versionName(forIndex: index) }
    _ = file.relocatedSymbols()
    _ = file.relocationFlags()
    var hashes = 0
    file.forEachGnuHash { _ in hashes += 1 }
    for index in [-1, 0, 1, file.symbolCount - 1, file.symbolCount, Int.max, Int.min] {
        _ = file.symbolFields(at: index)
        if let name = file.symbolNameBytes(at: index) {
            let key = SymbolLookupKey(bytes: name)
            _ = file.mayDefine(key)
            _ = file.symbolIndices(for: key)
        }
    }
    for symbol in symbols.prefix(64) { _ = file.symbolIndices(named: symbol.name) }
    _ = file.symbolIndices(named: "")
    _ = file.symbolIndices(named: "dep_new")
    return 0
}

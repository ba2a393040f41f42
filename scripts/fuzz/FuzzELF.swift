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
    _ = file.gnuHashes()
    let references = file.undefinedReferences()
    file.readTablesAhead()
    _ = file.gnuHashes()
    _ = file.undefinedReferences()
    for reference in references.prefix(64) {
        file.forEachSymbolIndex(named: reference.name, gnuHash: reference.gnuHash) { _ in true }
    }
    _ = file.isStaticProgram
    _ = file.isUnsearchable
    _ = file.hasPowerOfTwoBloomWords
    _ = file.needsIndirectExternAccess
    _ = file.definesByScan("dep_new")
    for index in [-1, 0, 1, file.symbolCount - 1, file.symbolCount, Int.max, Int.min] {
        _ = file.symbolFields(at: index)
        _ = file.symbolSize(at: index)
        if let name = file.symbolNameBytes(at: index) {
            _ = file.symbolIndices(for: SymbolLookupKey(bytes: name))
        }
    }
    for symbol in symbols.prefix(64) { _ = file.symbolIndices(named: symbol.name) }
    _ = file.symbolIndices(named: "")
    _ = file.symbolIndices(named: "dep_new")
    return 0
}

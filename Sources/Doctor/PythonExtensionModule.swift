import ELFInspect

/// A Python extension module checked as an object of its own (`ofdoctor check
/// …/_multiarray_umath.cpython-311-x86_64-linux-gnu.so`): a shared library that defines
/// `PyInit_<name>`, the function CPython's import calls. Its references to the C API
/// (`PyLong_FromLong`, `PyExc_TypeError`) are the importing interpreter's to define — its
/// executable or its libpython — so the loader on the module alone, as `ldd -r` runs it,
/// finds none of them. The finding still lists them (they are what the loader says); only
/// the explanation and the remedy change.
public struct PythonExtensionModule: Equatable, Sendable {
    /// The module's init function, `PyInit_<name>`.
    public var initFunction: String
    /// The Python its file name says it was built for: "Python 3.11" (`cpython-311`), "Python 3
    /// (the stable ABI)" (`abi3`); nil when the name says none.
    public var builtFor: String?
    /// The interpreter's version as its program is named (`python3.11`): nil for `abi3` or no tag.
    public var version: String?

    /// Nil unless `elf` is a shared library (no `PT_INTERP`) that defines a `PyInit_` function.
    public init?(_ elf: ELFFile, path: String) {
        guard elf.header.type == ELFHeader.sharedObject, elf.interpreter == nil,
              let name = Self.initFunction(in: elf) else { return nil }
        initFunction = name
        let fileName = String(path.split(separator: "/").last ?? "")
        builtFor = Self.builtFor(fileName: fileName)
        version = Self.version(fileName: fileName)
    }

    /// The names its interpreter's program has, most precise first: `python3.11`, `python3`.
    public var interpreterNames: [String] { (version.map { ["python" + $0] } ?? []) + ["python3"] }

    /// The first defined, global `PyInit_…` of the dynamic symbol table.
    static func initFunction(in elf: ELFFile) -> String? {
        let prefix = Array("PyInit_".utf8)
        for index in 1..<max(elf.symbolCount, 1) {
            guard let bytes = elf.symbolNameBytes(at: index), bytes.count > prefix.count,
                  bytes.prefix(prefix.count).elementsEqual(prefix),
                  let symbol = elf.symbol(at: index), symbol.isDefined, symbol.binding == DynamicSymbol.global
            else { continue }
            return symbol.name
        }
        return nil
    }

    /// `mod.cpython-311-x86_64-linux-gnu.so` → "Python 3.11"; `mod.abi3.so` → "Python 3 (the
    /// stable ABI)"; PEP 3149's tags, as `importlib.machinery.EXTENSION_SUFFIXES` lists them.
    public static func builtFor(fileName: String) -> String? {
        if let version = version(fileName: fileName) { return "Python " + version }
        return tag(fileName) == "abi3" ? "Python 3 (the stable ABI)" : nil
    }

    /// `3.11` for `cpython-311` (`cpython-313t`: 3.13).
    static func version(fileName: String) -> String? {
        guard let tag = tag(fileName), tag.hasPrefix("cpython-") else { return nil }
        let digits = tag.dropFirst("cpython-".count).prefix { $0.isASCII && $0.isNumber }
        guard digits.count >= 2 else { return nil }
        return "\(digits.prefix(1)).\(digits.dropFirst())"
    }

    /// The file name's PEP 3149 tag, the part before `.so`.
    static func tag(_ fileName: String) -> Substring? {
        let parts = fileName.split(separator: ".")
        guard parts.count >= 3, parts.last == "so" else { return nil }
        return parts[parts.count - 2]
    }

    /// Whether `symbol` is a name of CPython's C API (`Py…`, `_Py…`).
    public static func isCAPI(_ symbol: String) -> Bool {
        symbol.hasPrefix("Py") || symbol.hasPrefix("_Py")
    }
}

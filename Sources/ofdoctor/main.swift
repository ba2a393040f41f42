import ELFInspect
let f = try ELFFile(path: CommandLine.arguments[1])
print(f.header, f.interpreter as Any)
print(f.dynamic as Any)
for n in f.versionNeeds { print(n) }
for d in f.versionDefinitions { print(d) }
print(f.symbolCount)
for s in f.symbols.prefix(8) { print(s) }
print(f.symbolIndices(named: "ffi_call"), f.symbolIndices(named: "nope"))
let r = f.relocatedSymbols(); print(r.startup.count, r.lazy.count)

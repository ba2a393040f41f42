// libFuzzer entry for the ld.so.conf parser. Built like FuzzLdSoCache.swift: the input is
// /etc/ld.so.conf of an in-memory root (FuzzMemoryRoot in FuzzRegressionHarness.swift) and,
// split on 0xFF bytes, the include files it may name. A crash, hang or sanitizer report is a bug.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLdSoConf(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzHarness.conf(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

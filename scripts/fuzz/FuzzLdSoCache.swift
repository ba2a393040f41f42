// libFuzzer entry for the ld.so.cache parser. Built by run.sh together with the sources it
// needs and Tests/LinkerDoctorTests/FuzzRegressionHarness.swift (one module, so no import):
// every input is parsed as /etc/ld.so.cache and, when it parses, looked up. A crash, hang or
// sanitizer report is a bug.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLdSoCache(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzHarness.cache(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

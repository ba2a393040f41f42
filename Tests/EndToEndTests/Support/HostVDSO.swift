import Foundation
import LoaderModel

/// The test process's vDSO, as the command reads its own (`AT_SYSINFO_EHDR`): found here
/// through /proc/self/maps, which a test always has.
enum HostVDSO {
    static let image: KernelVDSO? = {
        // (read to the end: a /proc file's size is 0, which a whole-file read takes at its word)
        guard let data = FileHandle(forReadingAtPath: "/proc/self/maps")?.readDataToEndOfFile(),
              let maps = String(data: data, encoding: .utf8),
              let line = maps.split(separator: "\n").first(where: { $0.hasSuffix("[vdso]") }),
              let start = line.split(separator: "-").first.flatMap({ UInt(String($0), radix: 16) }),
              let base = UnsafeRawPointer(bitPattern: start) else { return nil }
        return KernelVDSO.read(at: base)
    }()
}

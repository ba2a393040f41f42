#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ELFInspect

/// The names an open directory stream lists, with the kind `readdir` reports for each
/// (`d_type`; nil for `DT_UNKNOWN`, where only an `lstat` can tell), `.` and `..` left out.
/// Reads the stream to its end; the caller still owns and closes it.
package enum DirectoryStream {
    package static func entries(_ dir: OpaquePointer) -> [(name: String, kind: RootEntry.Kind?)] {
        var result: [(name: String, kind: RootEntry.Kind?)] = []
        while let item = readdir(dir) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { raw in
                ByteString.decode(UnsafeRawBufferPointer(rebasing: raw[0..<strnlen(raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count)]))
            }
            guard name != "." && name != ".." else { continue }
            let kind: RootEntry.Kind?
            switch Int32(item.pointee.d_type) {
            case Int32(DT_REG): kind = .file
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_LNK): kind = .symlink
            case Int32(DT_UNKNOWN): kind = nil
            default: kind = .other
            }
            result.append((name, kind))
        }
        return result
    }
}

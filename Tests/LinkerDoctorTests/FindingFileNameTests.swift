@testable import Doctor
import Testing

/// The file names findings put in prose: the last component of a path, split on bytes as
/// the file system splits it, whatever the characters around a `/`.
@Suite("file names in finding prose")
struct FindingFileNameTests {
    @Test("the last path component", arguments: [
        ("/usr/lib/x86_64-linux-gnu/libz.so.1", "libz.so.1"),
        ("libwebp.so.7", "libwebp.so.7"),
        ("/opt/conda/lib/", "lib"),
        ("/opt//lib//libffi.so.7//", "libffi.so.7"),
        ("/", "/"),
        ("", ""),
        ("/opt/ünïcode/libé.so.1", "libé.so.1"),
        // A combining mark after `/` makes one Character with it; the file system still
        // splits there, and so does the name.
        ("/a/\u{301}lib.so", "\u{301}lib.so"),
        ("/a/b\u{301}/libx.so", "libx.so"),
    ])
    func lastComponent(path: String, name: String) {
        #expect(FindingCatalog.fileName(path) == name)
    }
}

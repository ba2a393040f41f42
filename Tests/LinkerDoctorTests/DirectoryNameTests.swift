import LoaderModel
import Testing

/// `Resolver.directoryName`: the part before the last `/`, as the loader keeps an origin
/// (`_dl_get_origin` does not resolve it): `/` for a name right under the root, `.` for a
/// name without a slash; names with multi-byte and non-UTF-8 (escaped) characters cut whole.
@Suite("directory name of a path")
struct DirectoryNameTests {
    @Test("the part before the last slash", arguments: [
        ("/usr/lib/libz.so.1", "/usr/lib"), ("/libz.so.1", "/"), ("/", "/"), ("libz.so.1", "."), ("", "."),
        ("lib/libz.so.1", "lib"), ("/usr/lib/", "/usr/lib"), ("//libz.so", "/"), ("/a//b", "/a/"),
        ("/opt/é/libé.so", "/opt/é"), ("/opt/lib\u{10FFE9}/x.so", "/opt/lib\u{10FFE9}"), ("/😀/a", "/😀"),
    ])
    func directoryName(_ path: String, _ expected: String) {
        #expect(Resolver.directoryName(path) == expected)
    }
}

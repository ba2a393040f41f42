import ELFImageBuilder
import Foundation
import InMemoryRoot
@testable import LoaderModel
import RootFS
import Testing

/// Which glibc a root has: the banner of its `libc.so.6`, else the highest `GLIBC_2.N` the
/// file defines. The model's rules (glibc-hwcaps from 2.33, cache formats) hang on it.
@Suite("glibc version of a root")
struct GlibcVersionTests {
    static let loader = "/lib64/ld-linux-x86-64.so.2"

    /// A root whose multiarch `libc.so.6` has `bytes`.
    static func root(libc bytes: [UInt8]) -> RootView {
        var files = MemoryRoot(label: "glibc-version")
        files.directory("/usr/lib/x86_64-linux-gnu")
        files.file("/lib/x86_64-linux-gnu/libc.so.6", bytes)
        return RootView(files)
    }

    /// A libc without a banner, defining `versions` (in this order).
    static func libc(defining versions: [String]) -> [UInt8] {
        var image = ELFImage.library("libc.so.6")
        image.definitions = versions.enumerated().map { ELFImage.Definition("symbol\($0.offset)", version: $0.element) }
        return image.bytes()
    }

    @Test("without a banner, the highest GLIBC_2.N defined, compared as numbers (2.30 above 2.4)")
    func highestDefinition() throws {
        let found = try #require(GlibcVersion.read(root: Self.root(libc: Self.libc(defining: ["GLIBC_2.2.5", "GLIBC_2.30", "GLIBC_2.4", "GLIBC_PRIVATE"]))))
        #expect(found.version == GlibcVersion(2, 30))
        #expect(found.path == RootPath("/lib/x86_64-linux-gnu/libc.so.6"))
        #expect(found.multiarch)
    }

    @Test("a banner outside every data segment is still found, and it wins over the definitions")
    func bannerWins() throws {
        let bytes = Self.libc(defining: ["GLIBC_2.2.5", "GLIBC_2.30"]) + Array("GNU C Library (test) stable release version 2.99.\n".utf8)
        let found = try #require(GlibcVersion.read(root: Self.root(libc: bytes)))
        #expect(found.version == GlibcVersion(2, 99))
    }

    @Test("a libc that is neither has no version")
    func neither() {
        #expect(GlibcVersion.read(root: Self.root(libc: Array("not an ELF file".utf8))) == nil)
    }

    @Test("this machine's libc: the version its own loader reports",
          .enabled(if: FileManager.default.isExecutableFile(atPath: loader), "needs an x86-64 glibc loader at \(loader)"))
    func machine() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.loader)
        process.arguments = ["--version"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // "ld.so (Debian GLIBC 2.36-9+deb12u14) stable release version 2.36."
        let line = try #require(text.split(separator: "\n").first)
        let range = try #require(line.range(of: "release version "))
        let reported = try #require(GlibcVersion(parsing: line[range.upperBound...]))
        let found = try #require(GlibcVersion.read(root: RootView(try LocalRoot(directory: "/"))))
        #expect(found.version == reported)
    }
}

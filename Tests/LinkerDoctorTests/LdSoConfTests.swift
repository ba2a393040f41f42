import Foundation
import Testing
@testable import Apply
@testable import LoaderModel
@testable import RootFS

@Suite("ld.so.conf")
struct LdSoConfTests {
    /// The directories `ldconfig -v -N -X -r ROOT` says it scans (nothing is written), with origins.
    static func ldconfigDirectories(_ root: String) throws -> [(path: String, origin: String)] {
        let r = try LdCacheTestSupport.sh("ldconfig -v -N -X -r '\(root)'")
        var result: [(String, String)] = []
        for line in r.out.split(separator: "\n") where !line.hasPrefix("\t") {
            guard let from = line.range(of: " (from ", options: .backwards), line.hasSuffix(")") else { continue }
            var path = String(line[..<from.lowerBound])
            if let hw = path.range(of: ": (hwcap: ") { path = String(path[..<hw.lowerBound]) } else if path.hasSuffix(":") { path.removeLast() }
            result.append((path, String(line[from.upperBound..<line.index(before: line.endIndex)])))
        }
        return result
    }

    static func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    static func mkdirs(_ root: String, _ dirs: [String]) throws {
        for d in dirs { try FileManager.default.createDirectory(atPath: root + d, withIntermediateDirectories: true) }
    }

    /// A Debian-like root: usrmerge links, include globs in C order, comments, hwcap lines, a
    /// `=libc6` suffix, a missing dir, a relative include, glibc-hwcaps subdirectories.
    static func debianLikeRoot() throws -> String {
        let root = try LdCacheTestSupport.makeTempDir("conf")
        try mkdirs(root, ["/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3", "/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v2",
                          "/usr/local/lib/x86_64-linux-gnu", "/usr/local/lib", "/opt/conda/lib", "/opt/b", "/opt/q1", "/opt/rel",
                          "/opt/with space", "/etc/ld.so.conf.d", "/etc/extra"])
        try FileManager.default.createSymbolicLink(atPath: root + "/lib", withDestinationPath: "usr/lib")
        try FileManager.default.createSymbolicLink(atPath: root + "/opt/alias", withDestinationPath: "/opt/b")
        try write("include /etc/ld.so.conf.d/*.conf\ninclude extra/*.conf /etc/missing/*.conf\n/opt/alias # alias of /opt/b\n", root + "/etc/ld.so.conf")
        try write("# libc default configuration\n/usr/local/lib\n", root + "/etc/ld.so.conf.d/libc.conf")
        try write("# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n",
                  root + "/etc/ld.so.conf.d/x86_64-linux-gnu.conf")
        try write("/opt/conda/lib/  \n\n   \t# only a comment\nhwcap 0 nosegneg\n/opt/b=libc6\n/opt/does-not-exist\n/opt/with space\n",
                  root + "/etc/ld.so.conf.d/Zconda.conf")
        try write("/opt/q1\n", root + "/etc/ld.so.conf.d/q1.conf")
        try write("/opt/rel\n", root + "/etc/extra/r.conf")
        try write("/opt/hidden\n", root + "/etc/ld.so.conf.d/.hidden.conf")
        try write("/opt/nope\n", root + "/etc/ld.so.conf.d/not-a-conf.txt")
        return root
    }

    @Test("a directory named but absent is kept with its line and its place in the order; once made, `ldconfig -v` lists it at that place",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot, "needs root and ldconfig -r"))
    func absentDirectoryPlace() throws {
        let root = try Self.debianLikeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let conf = LdSoConf(root: RootView(try LocalRoot(directory: root)))
        #expect(conf.absentDirectories.map(\.path) == ["/opt/does-not-exist"])
        let absent = try #require(conf.absentDirectories.first)
        #expect(absent.origin == LdSoConf.Origin(file: "/etc/ld.so.conf.d/Zconda.conf", line: 6), "\(absent.origin)")
        try Self.mkdirs(root, ["/opt/does-not-exist"])
        let real = try Self.ldconfigDirectories(root).map(\.path)
        #expect(real.firstIndex(of: "/opt/does-not-exist") == absent.before, "\(real) \(absent.before)")
        let made = LdSoConf(root: RootView(try LocalRoot(directory: root)))
        #expect(made.directories.map(\.path) == real && made.absentDirectories.isEmpty)
    }

    @Test("directories and their order match `ldconfig -v` on a Debian-like root",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot, "needs root and ldconfig -r"))
    func debianLikeMatchesLdconfig() throws {
        let root = try Self.debianLikeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let conf = LdSoConf(root: RootView(try LocalRoot(directory: root)))
        let real = try Self.ldconfigDirectories(root)
        #expect(conf.directories.map(\.path) == real.map(\.path))
        #expect(conf.directories.map(\.origin.description) == real.map(\.origin))
        // Includes come first, so `/opt/b=libc6` is the spelling kept; the later `/opt/alias`
        // line (same inode) only replaces the type (ldconfig: "use the newer information").
        #expect(conf.directories.first { $0.path == "/opt/alias" } == nil)
        #expect(conf.directories.first { $0.path == "/opt/b" }?.libraryType == -1)
        #expect(conf.notes.contains(.hwcapIgnored(.init(file: "/etc/ld.so.conf.d/Zconda.conf", line: 4))))
        #expect(conf.files == ["/etc/ld.so.conf", "/etc/ld.so.conf.d/Zconda.conf", "/etc/ld.so.conf.d/libc.conf",
                               "/etc/ld.so.conf.d/q1.conf", "/etc/ld.so.conf.d/x86_64-linux-gnu.conf", "/etc/extra/r.conf"])
    }

    @Test("a config including itself ends, with the same directories as ldconfig",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot, "needs root and ldconfig -r"))
    func selfInclude() throws {
        let root = try LdCacheTestSupport.makeTempDir("loop")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.mkdirs(root, ["/opt/a", "/opt/b", "/usr/lib"])
        try Self.write("/opt/a\ninclude /etc/ld.so.conf\n/opt/b\n", root + "/etc/ld.so.conf")
        let conf = LdSoConf(root: RootView(try LocalRoot(directory: root)))
        #expect(conf.directories.map(\.path) == ["/opt/a", "/opt/b", "/usr/lib"])
        #expect(conf.notes.contains { if case .includeLoop = $0 { return true } else { return false } })
        let real = try Self.ldconfigDirectories(root)
        #expect(conf.directories.map(\.path) == real.map(\.path))
    }

    @Test("mutual includes and glob fan-out are bounded")
    func mutualIncludesBounded() throws {
        let root = try LdCacheTestSupport.makeTempDir("fan")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.mkdirs(root, ["/opt/x", "/etc/c"])
        try Self.write("include /etc/c/*.conf\n", root + "/etc/ld.so.conf")
        for k in 0..<12 { try Self.write("include /etc/c/*.conf\n/opt/x\n", root + "/etc/c/\(k).conf") }
        let conf = LdSoConf(root: RootView(try LocalRoot(directory: root)), builtins: [])
        #expect(conf.directories.map(\.path) == ["/opt/x"])
        #expect(conf.files.count <= LdSoConf.maxFiles)
    }

    @Test("300 conf files that all include each other: each is read once, in linear time, loops reported once each")
    func threeHundredMutualIncludes() throws {
        let root = try LdCacheTestSupport.makeTempDir("fan300")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let names = (0..<300).map { String(format: "c%03d", $0) }
        try Self.mkdirs(root, ["/etc/ld.so.conf.d"] + names.map { "/opt/" + $0 })
        try Self.write("include /etc/ld.so.conf.d/*.conf\n", root + "/etc/ld.so.conf")
        for name in names { try Self.write("/opt/\(name)\ninclude /etc/ld.so.conf.d/*.conf\n", root + "/etc/ld.so.conf.d/\(name).conf") }
        let start = ContinuousClock.now
        let conf = LdSoConf(root: RootView(try LocalRoot(directory: root)), builtins: [])
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .seconds(10), "took \(elapsed)")   // 116 s before files were read once
        #expect(conf.directories.map(\.path) == names.map { "/opt/" + $0 })
        #expect(conf.files.count == 301)
        #expect(Set(conf.files).count == conf.files.count)
        let loops = conf.notes.compactMap { note -> String? in if case .includeLoop(_, let file) = note { file } else { nil } }
        #expect(!loops.isEmpty)
        #expect(Set(loops).count == loops.count, "each looping file is reported once")
        #expect(conf.notes.count <= 2 * names.count, "\(conf.notes.count) notes")
        #expect(conf.includeLoops.count == loops.count)
    }

    @Test("an include loop makes the apply refuse to run ldconfig (which would never end), naming the include")
    func loopRefusesLdconfig() throws {
        let root = try LdCacheTestSupport.makeTempDir("ldloop")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.mkdirs(root, ["/etc/ld.so.conf.d", "/usr/lib"])
        for file in ["/etc/ld.so.conf", "/etc/ld.so.conf.d/a.conf", "/etc/ld.so.conf.d/b.conf"] {
            try Self.write("include /etc/ld.so.conf.d/*.conf\n", root + file)
        }
        let conf = LdSoConf(root: RootView(try LocalRoot(directory: root)))
        let refusal = try #require(conf.ldconfigRefusal)
        #expect(refusal.contains("/etc/ld.so.conf.d/a.conf:1 includes /etc/ld.so.conf.d/a.conf"), "\(refusal)")
        let start = ContinuousClock.now
        let result = SystemLdconfig().run(for: try LocalRoot(directory: root))
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(result.status == 127)
        #expect(result.stderr == refusal)
        #expect(!FileManager.default.fileExists(atPath: root + "/etc/ld.so.cache"))

        // Without the loop there is nothing to refuse.
        try Self.write("/usr/lib\n", root + "/etc/ld.so.conf.d/b.conf")
        try Self.write("/usr/lib\n", root + "/etc/ld.so.conf.d/a.conf")
        #expect(LdSoConf(root: RootView(try LocalRoot(directory: root))).ldconfigRefusal == nil)
    }

    @Test("a configuration file past 1 MiB (3 GB of NULs, sparse) is not read, noted, and the apply refuses to run ldconfig over it")
    func hugeConfigNotRead() throws {
        let root = try LdCacheTestSupport.makeTempDir("ldhuge")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.mkdirs(root, ["/etc/ld.so.conf.d", "/usr/lib", "/opt/lib"])
        try Self.write("include /etc/ld.so.conf.d/*.conf\n", root + "/etc/ld.so.conf")
        try Self.write("/opt/lib\n", root + "/etc/ld.so.conf.d/a.conf")
        let huge = try #require(FileHandle(forWritingAtPath: { FileManager.default.createFile(atPath: root + "/etc/ld.so.conf.d/huge.conf", contents: nil); return root + "/etc/ld.so.conf.d/huge.conf" }()))
        try huge.truncate(atOffset: 3 << 30)
        try huge.close()
        let start = ContinuousClock.now
        let conf = LdSoConf(root: RootView(try LocalRoot(directory: root)))
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(conf.directories.map(\.path).contains("/opt/lib"), "the other files are read")
        #expect(conf.notes == [.tooLarge("/etc/ld.so.conf.d/huge.conf", size: 3 << 30)])
        let refusal = try #require(conf.ldconfigRefusal)
        #expect(refusal.hasPrefix("refusing to run ldconfig: /etc/ld.so.conf.d/huge.conf is 3221225472 bytes"), "\(refusal)")
        let result = SystemLdconfig().run(for: try LocalRoot(directory: root))
        #expect(result.status == 127 && result.stderr == refusal)
    }

    @Test("a configuration of more entries than LdSoConf.maxEntries (files of a hundred thousand absent directories each): read up to the bound, noted once, later files not read, and ldconfig refused")
    func tooManyEntries() throws {
        let root = try LdCacheTestSupport.makeTempDir("ldmany")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.mkdirs(root, ["/etc/ld.so.conf.d", "/usr/lib", "/opt/lib"])
        try Self.write("include /etc/ld.so.conf.d/*.conf\n", root + "/etc/ld.so.conf")
        try Self.write("/opt/lib\n", root + "/etc/ld.so.conf.d/a.conf")
        let lines = (0..<100_000).map { "/n\($0)\n" }.joined()
        for name in ["b", "c", "d"] { try Self.write(lines, root + "/etc/ld.so.conf.d/\(name).conf") }
        let conf = LdSoConf(root: RootView(try LocalRoot(directory: root)))
        #expect(conf.directories.map(\.path).first == "/opt/lib")
        #expect(conf.absentDirectories.filter { $0.origin != .builtin }.count == LdSoConf.maxEntries - 2,
                "ld.so.conf's include and a.conf's line, then b.conf's up to the bound")
        #expect(conf.notes == [.tooManyEntries("/etc/ld.so.conf.d/b.conf")])
        #expect(conf.files == ["/etc/ld.so.conf", "/etc/ld.so.conf.d/a.conf", "/etc/ld.so.conf.d/b.conf"], "c.conf and d.conf not read")
        let refusal = try #require(conf.ldconfigRefusal)
        #expect(refusal.hasPrefix("refusing to run ldconfig: the configuration has more than \(LdSoConf.maxEntries) entries"), "\(refusal)")
    }

    @Test("a missing ld.so.conf leaves the built-ins; missing built-ins are skipped")
    func missingConfig() throws {
        let root = try LdCacheTestSupport.makeTempDir("empty")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.mkdirs(root, ["/usr/lib/x86_64-linux-gnu", "/lib"])
        let conf = LdSoConf(root: RootView(try LocalRoot(directory: root)))
        #expect(conf.directories.map(\.path) == ["/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"])
        #expect(conf.directories.allSatisfy { $0.origin == .builtin })
        #expect(conf.files.isEmpty)
    }

    @Test("fnmatch: *, ?, [set], [!set], leading dot", arguments: [
        ("*.conf", "libc.conf", true), ("*.conf", ".hidden.conf", false), (".*.conf", ".hidden.conf", true),
        ("q?.conf", "q1.conf", true), ("q?.conf", "q12.conf", false), ("[a-c]*", "b.conf", true),
        ("[!a-c]*", "b.conf", false), ("[]x]", "]", true), ("a\\*", "a*", true), ("a\\*", "ab", false),
        ("*a*b*c*", "xaybzc", true), ("*a*b*c*", "xaybz", false), ("[abc", "[abc", true),
    ])
    func fnmatch(_ pattern: String, _ name: String, _ expected: Bool) {
        #expect(LdSoConfGlob.matches(Array(pattern.utf8), Array(name.utf8)) == expected)
    }
}

import Foundation
import Testing

/// A program or root that cannot be analysed ends every command with exit 3 and one
/// line on stderr, `ofdoctor: ` then the file and the problem; a usage error is exit 64.
/// Never a crash (≥ 128: killed by a signal) and never a hang (124: `timeout` fired).
@Suite("ofdoctor on programs and roots it cannot analyse", .enabled(if: HostileCLI.isAvailable, HostileCLI.unavailableReason))
struct CLIErrorsTests {
    /// The commands that take a BINARY; each must fail the same way.
    static let commands: [[String]] = [["check"], ["check", "--format", "json"], ["tree"], ["fix"], ["env"]]

    /// One input that cannot be analysed: what to put at `/bin/prog` in a scratch root
    /// (nil: nothing), and the word the error line must contain besides the path.
    struct BadProgram: Sendable, CustomStringConvertible {
        var name: String
        var path = "/bin/prog"
        var make: @Sendable (_ root: String, _ program: String) throws -> Void
        var description: String { name }
    }

    /// `/opt/OpenFace/build/bin/FeatureExtraction` of the healthy fixture: a real, small,
    /// dynamically linked x86-64 executable to cut and corrupt.
    static var realProgram: Data? {
        FixtureRoot.named("healthy").flatMap { FileManager.default.contents(atPath: $0.rootPath + DoctorEndToEndTests.program) }
    }

    static func write(_ data: Data, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
        chmod(path, 0o755)
    }

    static let simpleCases: [BadProgram] = [
        BadProgram(name: "missing") { _, _ in },
        BadProgram(name: "a directory") { _, program in
            try FileManager.default.createDirectory(atPath: program, withIntermediateDirectories: true)
        },
        BadProgram(name: "a shell script") { _, program in try write(Data("#!/bin/sh\necho hello\n".utf8), to: program) },
        BadProgram(name: "an empty file") { _, program in try write(Data(), to: program) },
        BadProgram(name: "a text file longer than an ELF header") { _, program in
            try write(Data(String(repeating: "not an ELF file at all\n", count: 20).utf8), to: program)
        },
        BadProgram(name: "a dangling symlink") { _, program in
            try FileManager.default.createDirectory(atPath: (program as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: program, withDestinationPath: "/nowhere/prog")
        },
        BadProgram(name: "a symlink loop") { _, program in
            try FileManager.default.createDirectory(atPath: (program as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: program, withDestinationPath: "prog")
        },
        BadProgram(name: "a FIFO") { _, program in
            try FileManager.default.createDirectory(atPath: (program as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = mkfifo(program, 0o644)
        },
        BadProgram(name: "a 32-bit ELF executable") { _, program in try write(elf32Executable(), to: program) },
        BadProgram(name: "a program for musl's loader") { root, program in
            // (with that loader in the root: a missing one is LD001, the C library not installed)
            try write(Data(contentsOf: URL(fileURLWithPath: "/lib64/ld-linux-x86-64.so.2")), to: root + "/lib/ld-musl-x86_64.so.1")
            try write(muslProgram(), to: program)
        },
    ]

    /// /usr/bin/true with PT_INTERP rewritten in place to musl's loader: glibc's rules are
    /// not musl's, so check says so and stops (the message names the loader too).
    static func muslProgram() throws -> Data {
        var data = try Data(contentsOf: URL(fileURLWithPath: "/usr/bin/true"))
        let glibc = Data("/lib64/ld-linux-x86-64.so.2\0".utf8), musl = Data("/lib/ld-musl-x86_64.so.1\0".utf8)
        let at = try #require(data.range(of: glibc), "/usr/bin/true names no /lib64/ld-linux-x86-64.so.2")
        data.replaceSubrange(at, with: musl + Data(count: glibc.count - musl.count))
        return data
    }

    /// A minimal, valid ELF32 i386 executable: the header and one PT_LOAD (the kernel
    /// would run it; an x86-64 loader model cannot judge it).
    static func elf32Executable() -> Data {
        var bytes = [UInt8](repeating: 0, count: 84)
        bytes.replaceSubrange(0..<16, with: [0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        func put16(_ at: Int, _ v: UInt16) { bytes[at] = UInt8(v & 0xff); bytes[at + 1] = UInt8(v >> 8) }
        func put32(_ at: Int, _ v: UInt32) { for i in 0..<4 { bytes[at + i] = UInt8((v >> (8 * UInt32(i))) & 0xff) } }
        put16(16, 2); put16(18, 3); put32(20, 1)           // ET_EXEC, EM_386, EV_CURRENT
        put32(24, 0x0804_8054); put32(28, 52)               // e_entry, e_phoff
        put16(40, 52); put16(42, 32); put16(44, 1)          // e_ehsize, e_phentsize, e_phnum
        put32(52, 1); put32(56, 0); put32(60, 0x0804_8000)  // PT_LOAD at 0
        put32(64, 0x0804_8000); put32(68, 84); put32(72, 84); put32(76, 5); put32(80, 0x1000)
        return Data(bytes)
    }

    // MARK: - offsets in a real ELF64 file

    struct Layout {
        var phoff: Int
        var phnum: Int
        var interp: (offset: Int, size: Int)?
        var dynamic: (offset: Int, size: Int)?
        var strtabOffset: Int?
        var strtabSize: Int?
        var firstNeeded: Int?   // file offset of the first DT_NEEDED entry

        init?(_ data: Data) {
            let b = [UInt8](data)
            func u(_ at: Int, _ n: Int) -> Int? {
                guard at >= 0, at + n <= b.count else { return nil }
                var v: UInt64 = 0
                for i in (0..<n).reversed() { v = v << 8 | UInt64(b[at + i]) }
                return v < UInt64(Int.max) ? Int(v) : nil
            }
            guard let phoff = u(32, 8), let phnum = u(56, 2) else { return nil }
            self.phoff = phoff
            self.phnum = phnum
            var loads: [(vaddr: Int, offset: Int, size: Int)] = []
            for i in 0..<phnum {
                let at = phoff + 56 * i
                guard let type = u(at, 4), let off = u(at + 8, 8), let vaddr = u(at + 16, 8), let filesz = u(at + 32, 8) else { return nil }
                if type == 1 { loads.append((vaddr, off, filesz)) }
                if type == 3 { interp = (off, filesz) }
                if type == 2 { dynamic = (off, filesz) }
            }
            guard let dynamic else { return nil }
            var entry = dynamic.offset
            while entry + 16 <= dynamic.offset + dynamic.size, let tag = u(entry, 8), tag != 0 {
                let value = u(entry + 8, 8) ?? 0
                if tag == 1 && firstNeeded == nil { firstNeeded = entry }
                if tag == 5 { strtabOffset = loads.first { value >= $0.vaddr && value < $0.vaddr + $0.size }.map { value - $0.vaddr + $0.offset } }
                if tag == 10 { strtabSize = value }
                entry += 16
            }
        }
    }

    /// Cuts at the boundaries a reader crosses: inside e_ident, inside the header, right
    /// after it, after one program header, inside the last one, inside PT_INTERP, inside
    /// the dynamic section, inside the dynamic string table.
    static func truncations(of data: Data) -> [(String, Int)] {
        guard let l = Layout(data) else { return [] }
        var cuts: [(String, Int)] = [("1 byte", 1), ("4 bytes (magic)", 4), ("16 bytes (e_ident)", 16), ("40 bytes", 40),
                                     ("63 bytes", 63), ("64 bytes (header only)", 64),
                                     ("one program header", l.phoff + 56),
                                     ("inside the last program header", l.phoff + 56 * l.phnum - 1)]
        if let interp = l.interp { cuts.append(("inside PT_INTERP", interp.offset + interp.size / 2)) }
        if let dynamic = l.dynamic { cuts.append(("inside PT_DYNAMIC", dynamic.offset + 20)) }
        if let s = l.strtabOffset, let n = l.strtabSize { cuts.append(("inside .dynstr", s + n / 2)) }
        return cuts.filter { $0.1 < data.count }
    }

    /// Program and dynamic headers that point nowhere (little-endian patches).
    static func corruptions(of data: Data) -> [(String, Data)] {
        guard let l = Layout(data) else { return [] }
        func patched(_ at: Int, _ value: UInt64, _ width: Int) -> Data {
            var copy = data
            for i in 0..<width { copy[at + i] = UInt8((value >> (8 * UInt64(i))) & 0xff) }
            return copy
        }
        var cases: [(String, Data)] = [
            ("e_phoff past the end of the address space", patched(32, 0x7fff_ffff_ffff_f000, 8)),
            ("e_phoff 8 bytes before EOF", patched(32, UInt64(data.count - 8), 8)),
            ("e_phoff all ones", patched(32, UInt64.max, 8)),
            ("e_phnum 0xffff", patched(56, 0xffff, 2)),
            ("e_phentsize 0", patched(54, 0, 2)),
            ("e_phentsize 16", patched(54, 16, 2)),
        ]
        for i in 0..<l.phnum {
            let at = l.phoff + 56 * i
            if let d = l.dynamic, data[at] == 2, d.offset >= 0 {
                cases.append(("PT_DYNAMIC p_offset past EOF", patched(at + 8, 0x7fff_0000_0000, 8)))
                cases.append(("PT_DYNAMIC p_filesz huge", patched(at + 32, 0x7fff_0000_0000, 8)))
                cases.append(("PT_DYNAMIC p_offset all ones", patched(at + 8, UInt64.max, 8)))
            }
            if data[at] == 3 {
                cases.append(("PT_INTERP p_offset past EOF", patched(at + 8, 0x7fff_0000_0000, 8)))
                cases.append(("PT_INTERP p_filesz huge", patched(at + 32, UInt64.max - 7, 8)))
            }
        }
        if let d = l.dynamic {
            var entry = d.offset
            while entry + 16 <= d.offset + d.size, data[entry] != 0 || data[entry + 1] != 0 {
                if data[entry] == 5 { cases.append(("DT_STRTAB at an unmapped address", patched(entry + 8, 0xdead_beef_0000, 8))) }
                entry += 16
            }
        }
        if let needed = l.firstNeeded {
            cases.append(("DT_NEEDED name offset past .dynstr", patched(needed + 8, 0x7fff_ffff, 8)))
        }
        return cases
    }

    // MARK: - assertions

    /// Runs `command` on `program` in `root` and checks the single-line exit 3.
    static func expectCannotAnalyse(_ command: [String], root: String, program: String, mentioning words: [String],
                                    sourceLocation: SourceLocation = #_sourceLocation) {
        let result = HostileCLI.run(command + ["--root", root, program], timeout: 60)
        let lines = HostileCLI.errorLines(result)
        #expect(result.status == 3, "\(command) \(program): exit \(result.status), stderr \(result.stderr.debugDescription)",
                sourceLocation: sourceLocation)
        #expect(lines.count == 1, "\(command) \(program): want one stderr line, got \(lines)", sourceLocation: sourceLocation)
        if let line = lines.first {
            #expect(line.hasPrefix("ofdoctor: "), "\(line)", sourceLocation: sourceLocation)
            for word in words { #expect(line.contains(word), "\(command): \(line.debugDescription) should name \(word)", sourceLocation: sourceLocation) }
        }
        #expect(result.stdout.isEmpty, "\(command): nothing on stdout when nothing was analysed: \(result.stdout.prefix(200))",
                sourceLocation: sourceLocation)
    }

    static func scratchRoot(_ label: String) throws -> String {
        let healthy = try #require(FixtureRoot.named("healthy"), "fixture roots not built")
        return try HostileRoots.scratchCopy(of: healthy.rootPath, label: label)
    }

    static func remove(_ root: String) {
        try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent)
    }

    @Test("missing, directory, script, empty, text, dangling link, link loop, FIFO, 32-bit, musl: exit 3 and one line naming the file",
          .enabled(if: FixtureRoot.isBuilt, "fixture roots not built: run `make fixtures`"),
          .timeLimit(.minutes(10)), arguments: simpleCases)
    func unusableProgram(_ bad: BadProgram) throws {
        let root = try Self.scratchRoot("clierr")
        defer { Self.remove(root) }
        try bad.make(root, root + bad.path)
        for command in Self.commands {
            Self.expectCannotAnalyse(command, root: root, program: bad.path, mentioning: [bad.path])
        }
    }

    @Test("a root whose /etc/ld.so.preload is gigabytes (sparse): exit 3 and one line naming it, at once",
          .enabled(if: FixtureRoot.isBuilt, "fixture roots not built: run `make fixtures`"), .timeLimit(.minutes(2)))
    func oversizedPreloadFile() throws {
        let root = try Self.scratchRoot("preloadsize")
        defer { Self.remove(root) }
        let file = root + "/etc/ld.so.preload"
        FileManager.default.createFile(atPath: file, contents: Data("libnothere.so\n".utf8))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try handle.truncate(atOffset: 4 << 30)
        try handle.close()
        for command in Self.commands {
            Self.expectCannotAnalyse(command, root: root, program: "/usr/bin/sh", mentioning: ["/etc/ld.so.preload", "4294967296 bytes"])
        }
    }

    /// ofdoctor reads a library whole; the loader maps only its segments. Out of address
    /// space (`prlimit --as`), ofdoctor cannot read a 4 GiB library (its tail sparse) that the
    /// loader loads all the same: that is ofdoctor's failure, one line and exit 3 — it was
    /// taken for the library being absent, a finding that "needs a person" (exit 2).
    @Test("a library ofdoctor has no memory to read: exit 3 naming it, not a finding; the loader loads it",
          .enabled(if: FixtureRoot.isBuilt && FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit"),
                   "needs the fixture roots (make fixtures) and prlimit (util-linux)"), .timeLimit(.minutes(2)))
    func libraryTooLargeToRead() throws {
        let root = try Self.scratchRoot("nomemory")
        defer { Self.remove(root) }
        let library = "/opt/OpenFace/build/lib/libLandmarkDetector.so"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: root + library))
        try handle.truncate(atOffset: 4 << 30)
        try handle.close()
        let program = "/opt/OpenFace/build/bin/FeatureExtraction"
        let arguments = ["--root", root, "--env", "LD_LIBRARY_PATH=/opt/OpenFace/build/lib", program]
        for command in [["check"], ["tree"], ["fix"]] {
            let limited = Command.run("/usr/bin/prlimit", ["--as=\(1 << 30)", "--", HostileCLI.binaryPath] + command + arguments,
                                      environment: HostileCLI.baseEnvironment)
            let lines = HostileCLI.errorLines(limited)
            #expect(limited.status == 3 && lines.count == 1 && limited.stdout.isEmpty,
                    "\(command): exit \(limited.status) \(limited.stdout.prefix(300)) \(limited.stderr)")
            #expect(lines.first.map { $0.hasPrefix("ofdoctor: ") && $0.contains(library) && $0.contains("Cannot allocate memory") } == true,
                    "\(command): \(lines)")
            let unlimited = HostileCLI.run(command + arguments)
            #expect(unlimited.status == 0, "\(command) without the limit: exit \(unlimited.status) \(unlimited.stdout)")
        }
        if RealLoader.canRunRoots {
            let real = RealLoader.list(root: root, program: program, environment: ["LD_LIBRARY_PATH": "/opt/OpenFace/build/lib"])
            #expect(real.status == 0 && real.stdout.contains(library), "the loader with the 4 GiB library: \(real)")
        }
    }

    @Test("an ELF cut at each header boundary: exit 3 and one line naming the file; cut in its segments, LD033",
          .enabled(if: FixtureRoot.isBuilt, "fixture roots not built: run `make fixtures`"), .timeLimit(.minutes(10)))
    func truncatedELF() throws {
        let data = try #require(Self.realProgram)
        let cuts = Self.truncations(of: data)
        #expect(cuts.count >= 10, "the layout of the fixture program was not understood")
        let root = try Self.scratchRoot("trunc")
        defer { Self.remove(root) }
        for (label, size) in cuts {
            let path = "/bin/cut-\(size)"
            try Self.write(data.prefix(size), to: root + path)
            for command in [["check"], ["tree"]] {
                let result = HostileCLI.run(command + ["--root", root, path], timeout: 60)
                // Past its headers and PT_INTERP the kernel maps it all the same and it dies
                // starting (ProgramCutShortTests judges each such cut): a finding, not bad input.
                if label == "inside PT_DYNAMIC" || label == "inside .dynstr" {
                    #expect(result.status == 2 && result.stdout.contains("LD033") && result.stderr.isEmpty,
                            "\(label) (\(size) bytes), \(command): exit \(result.status) \(result.stdout) \(result.stderr)")
                    continue
                }
                #expect(result.status == 3, "\(label) (\(size) bytes), \(command): exit \(result.status) \(result.stderr)")
                let lines = HostileCLI.errorLines(result)
                #expect(lines.count == 1 && lines[0].hasPrefix("ofdoctor: ") && lines[0].contains(path),
                        "\(label): \(lines)")
                // (execve refuses a program cut inside its program headers: said so, not libelf's words)
                if label.hasSuffix("program header") {
                    #expect(lines.first?.contains("the kernel would refuse to run it (cannot read file data)") == true, "\(label): \(lines)")
                }
            }
        }
    }

    @Test("an ELF whose program or dynamic headers point nowhere: exit 3, one line, never a crash",
          .enabled(if: FixtureRoot.isBuilt, "fixture roots not built: run `make fixtures`"), .timeLimit(.minutes(10)))
    func corruptHeaders() throws {
        let data = try #require(Self.realProgram)
        let cases = Self.corruptions(of: data)
        #expect(cases.count >= 12, "the layout of the fixture program was not understood")
        let root = try Self.scratchRoot("corrupt")
        defer { Self.remove(root) }
        for (index, (label, bytes)) in cases.enumerated() {
            let path = "/bin/corrupt-\(index)"
            try Self.write(bytes, to: root + path)
            for command in [["check", "--format", "json"], ["tree"]] {
                let result = HostileCLI.run(command + ["--root", root, path], timeout: 60)
                #expect(result.status == 3, "\(label), \(command): exit \(result.status) \(result.stderr) \(result.stdout.prefix(300))")
                let lines = HostileCLI.errorLines(result)
                #expect(lines.count == 1 && lines[0].hasPrefix("ofdoctor: ") && lines[0].contains(path), "\(label): \(lines)")
            }
        }
    }

    @Test("section headers are the loader's business no more than ours: garbage there is analysed or refused cleanly",
          .enabled(if: FixtureRoot.isBuilt, "fixture roots not built: run `make fixtures`"))
    func garbageSectionHeaders() throws {
        var data = try #require(Self.realProgram)
        let root = try Self.scratchRoot("shdr")
        defer { Self.remove(root) }
        let patches: [(String, Int, UInt64, Int)] = [
            ("e_shoff past EOF", 40, 0x7fff_ffff_0000, 8), ("e_shnum 0xffff", 60, 0xffff, 2),
            ("e_shstrndx out of range", 62, 0xfffe, 2), ("e_shentsize 1", 58, 1, 2),
        ]
        let original = data
        for (index, (label, at, value, width)) in patches.enumerated() {
            data = original
            for i in 0..<width { data[at + i] = UInt8((value >> (8 * UInt64(i))) & 0xff) }
            let path = "/bin/shdr-\(index)"
            try Self.write(data, to: root + path)
            let result = HostileCLI.run(["check", "--root", root, path], timeout: 60)
            #expect([0, 1, 2, 3].contains(result.status), "\(label): exit \(result.status)")
            if result.status == 3 {
                let lines = HostileCLI.errorLines(result)
                #expect(lines.count == 1 && lines[0].contains(path), "\(label): \(lines)")
            }
        }
    }

    @Test("a bare program name found nowhere: exit 3, one line naming each directory searched once, PATH's first")
    func programNotFound() throws {
        let path = "/usr/bin:/bin:/usr/bin:/usr/local/bin"
        let result = Command.run(HostileCLI.binaryPath, ["check", "no-such-program-\(getpid())"],
                                 environment: HostileCLI.baseEnvironment.merging(["PATH": path]) { $1 })
        let lines = HostileCLI.errorLines(result)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(lines == ["ofdoctor: no-such-program-\(getpid()): no such program in /usr/bin, /bin, /usr/local/bin, "
                          + "/opt/OpenFace/build/bin; give its path"], "\(lines)")
    }

    @Test("an empty program name: exit 3 and one line saying so, whatever the command", arguments: ["check", "tree", "fix"])
    func emptyProgramName(_ command: String) throws {
        let result = Command.run(HostileCLI.binaryPath, [command, ""], environment: HostileCLI.baseEnvironment)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(HostileCLI.errorLines(result) == ["ofdoctor: the program name is empty; give a program's name or path (FeatureExtraction when none is given)"])
    }

    @Test("--user naming no one the root lists: exit 3 and one line saying what to give")
    func unknownUser() throws {
        let result = Command.run(HostileCLI.binaryPath, ["check", "--root", "/", "--user", "no-such-user-\(getpid())", "/bin/true"],
                                 environment: HostileCLI.baseEnvironment)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(HostileCLI.errorLines(result) == ["ofdoctor: --user no-such-user-\(getpid()): no user no-such-user-\(getpid()) in /'s /etc/passwd; give UID:GID"])
        let group = Command.run(HostileCLI.binaryPath, ["check", "--root", "/", "--user", "root:no-such-group-\(getpid())", "/bin/true"],
                                environment: HostileCLI.baseEnvironment)
        #expect(group.status == 3 && HostileCLI.errorLines(group)
                == ["ofdoctor: --user root:no-such-group-\(getpid()): no group no-such-group-\(getpid()) in /'s /etc/group; give UID:GID"])
    }

    @Test("--user with an empty user or group (alice:, :1000): a usage error, exit 64, one line naming which is empty",
          arguments: [("alice:", "group"), (":1000", "user")])
    func emptyUserPart(_ spec: String, _ empty: String) throws {
        let result = Command.run(HostileCLI.binaryPath, ["check", "--root", "/", "--user", spec, "/bin/true"], environment: HostileCLI.baseEnvironment)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(HostileCLI.errorLines(result).first?.hasPrefix("ofdoctor: --user takes NAME, UID, NAME:GROUP or UID:GID; '\(spec)' has an empty \(empty)") == true,
                "\(result.stderr)")
    }

    @Test("a root that does not exist, or is a file (an image archive given to --root): exit 3 and one line naming the root and what to pass")
    func badRoot() throws {
        let missing = "/nonexistent-ofdoctor-root-\(UUID().uuidString)"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-rootfile-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        defer { try? FileManager.default.removeItem(atPath: file) }
        for (root, said) in [(missing, "no such file or directory"), (file, "the root is a file, not a directory; --root takes an unpacked image or container filesystem, --image an image archive")] {
            for command in Self.commands + [["undo"], ["fix", "--apply"]] {
                let result = HostileCLI.run(command + ["--root", root] + (command == ["undo"] ? [] : ["/bin/sh"]), timeout: 60)
                let lines = HostileCLI.errorLines(result)
                #expect(result.status == 3, "\(command) --root \(root): exit \(result.status) \(result.stderr)")
                #expect(lines.count == 1 && lines.first?.hasPrefix("ofdoctor: \(root): \(said)") == true,
                        "\(command) --root \(root): \(lines)")
            }
        }
    }

    @Test("an unpacked root filesystem given to --image: exit 3, and the line says to pass it with --root")
    func rootGivenAsImage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-rootdir-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/usr/bin", withIntermediateDirectories: true)
        let bare = HostileCLI.run(["check", "--image", dir, "/bin/sh"], timeout: 60)
        #expect(bare.status == 3 && HostileCLI.errorLines(bare).first?.hasSuffix("(OCI image layout)") == true, "\(bare.stderr)")
        try FileManager.default.createDirectory(atPath: dir + "/etc", withIntermediateDirectories: true)
        let root = HostileCLI.run(["check", "--image", dir, "/bin/sh"], timeout: 60)
        #expect(root.status == 3 && HostileCLI.errorLines(root).count == 1
                && HostileCLI.errorLines(root).first?.hasSuffix("; it holds /usr and /etc, as an unpacked root filesystem does: pass that with --root") == true,
                "\(root.stderr)")
    }

    @Test("usage errors: --env without '=', an empty name, an unknown format or option: exit 64, one line naming the problem and the subcommand's help",
          arguments: [
            (["check", "--env", "LD_LIBRARY_PATH", "/bin/sh"], "LD_LIBRARY_PATH"),
            (["check", "--env", "=/opt/lib", "/bin/sh"], "=/opt/lib"),
            (["tree", "--env", "NOEQUALS", "/bin/sh"], "NOEQUALS"),
            (["fix", "--env", "X", "/bin/sh"], "X"),
            (["env", "--env", "Y", "/bin/sh"], "Y"),
            (["check", "--format", "yaml", "/bin/sh"], "yaml"),
            (["check", "--no-such-option", "/bin/sh"], "--no-such-option"),
            (["--format", "yaml", "/bin/sh"], "yaml"),
          ])
    func usage(_ arguments: [String], _ named: String) {
        let result = HostileCLI.run(arguments, timeout: 60)
        #expect(result.status == 64, "\(arguments): exit \(result.status)")
        let lines = HostileCLI.errorLines(result)
        #expect(lines.first?.contains(named) == true, "\(arguments): \(lines)")
        #expect(result.stdout.isEmpty)
        // swift-argument-parser adds its usage synopsis and a help hint after the error line;
        // the one-line form needs `Ofdoctor.main` to print `ofdoctor: \(message(for:))` itself.
        #expect(lines.count == 1, "\(arguments): a usage error should be one line, got \(lines.count): \(lines)")
        // The help that lists the option: the subcommand's (check's when none is named).
        let topic = arguments[0].hasPrefix("-") ? "check" : arguments[0]
        #expect(lines.first?.hasSuffix("(see ofdoctor \(topic) --help)") == true, "\(arguments): \(lines)")
    }
}

import Foundation
import Testing

/// Dynamic entries the loader follows unchecked (LD035): each entry of a real program's and a
/// real library's dynamic section removed (the entries after it moved up) or set to 0, and
/// each such file judged by the real loaders of this machine and of the Debian 11 and 13
/// roots (glibc 2.31, 2.36, 2.41) against `check`: a file the loader starts is not a problem,
/// one it dies on is never "healthy", and every death LD035 predicts is a SIGSEGV, at exit
/// after the program's output where it says so.
@Suite("Dynamic entries the loader follows unchecked: LD035 against the real loaders", .serialized)
struct DynamicEntryHazardTests {
    static var canBuild: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") && getuid() == 0 }

    /// A report's findings, as far as these tests read them.
    struct Report: Decodable {
        struct Finding: Decodable {
            var id: String; var severity: String; var summary: String; var failsAtFirstCall: Bool; var loaderMessage: String?
            var remedy: String?
        }
        var findings: [Finding]
    }

    /// The tags edited: those the loader reads through another or follows as an address,
    /// and the tables they go with.
    static let tags: [(name: String, tag: UInt64)] = [
        ("PLTGOT", 3), ("RELA", 7), ("RELASZ", 8), ("RELAENT", 9), ("PLTREL", 20), ("JMPREL", 23), ("PLTRELSZ", 2),
        ("INIT", 12), ("INIT_ARRAY", 25), ("INIT_ARRAYSZ", 27), ("FINI", 13), ("FINI_ARRAY", 26), ("FINI_ARRAYSZ", 28),
        ("GNU_HASH", 0x6fff_fef5), ("VERSYM", 0x6fff_fff0), ("VERNEED", 0x6fff_fffe), ("SYMTAB", 6), ("STRTAB", 5),
        ("RELR", 36), ("RELRSZ", 35), ("RELRENT", 37),
    ]

    /// `m`, lazily bound, calls `hello` in `libl.so.1` (which calls `puts@GLIBC_2.2.5` and
    /// flushes it: a death at exit comes after its output; reads its own exported
    /// `shared_counter` through the GOT, a lookup like any other; and follows pointers its
    /// packed relative relocations, DT_RELR, fix) through `$ORIGIN`.
    static func build() throws -> ScratchBuild {
        try ScratchBuild("dynentry", """
            printf '#include <stdio.h>\\nint shared_counter = 1;\\nstatic int one = 1;\\nint *ones[] = { &one, &one, &one };\\nint hello(void) { int ok = puts("hello") > 0; fflush(stdout); return ok && shared_counter && *ones[2]; }\\n' > l.c
            printf 'int hello(void);\\nint main(void) { return !hello(); }\\n' > m.c
            gcc -shared -fPIC -o libl.so.1 -Wl,-soname,libl.so.1 -Wl,-z,lazy -Wl,-z,pack-relative-relocs l.c
            gcc -o m m.c libl.so.1 -Wl,-rpath,'$ORIGIN' -Wl,-z,lazy
            ./m > /dev/null
            """)
    }

    /// The entry of `tag` (the last, which the loader keeps) removed, the entries after it
    /// moved up; or its value set to 0. False when `path` has no such entry (or it is 0).
    static func edit(_ path: String, tag: UInt64, remove: Bool) throws -> Bool {
        guard let (offset, size) = ProgramCutShortTests.dynamicSection(path) else { return false }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func word(_ at: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) } }
        var entries: [(UInt64, UInt64)] = []
        for at in stride(from: offset, to: offset + size, by: 16) {
            entries.append((word(at), word(at + 8)))
            if entries.last?.0 == 0 { break }
        }
        guard let index = entries.lastIndex(where: { $0.0 == tag }) else { return false }
        if remove {
            entries.remove(at: index)
            entries.append((0, 0))
        } else {
            guard entries[index].1 != 0 else { return false }
            entries[index].1 = 0
        }
        for (n, (t, v)) in entries.enumerated() {
            for b in 0..<8 {
                bytes[offset + 16 * n + b] = UInt8(truncatingIfNeeded: t >> (8 * UInt64(b)))
                bytes[offset + 16 * n + 8 + b] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(b)))
            }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return true
    }

    /// One edited file's outcome, as the real loader gives it and as `check` says it.
    struct Outcome: CustomStringConvertible {
        var real: Command.Result
        var status: Int32
        var report: Report?
        var stderr: String

        var runs: Bool { real.status == 0 && !real.stdout.isEmpty }
        var segmentationFault: Bool { real.status == SIGSEGV }
        var errors: [Report.Finding] { report?.findings.filter { $0.severity == "error" } ?? [] }
        /// LD035 when it is the first error: what the loader meets first decides what it does.
        var unchecked: Report.Finding? { errors.first.flatMap { $0.id == "LD035" ? $0 : nil } }
        var description: String {
            "real: exit \(real.status), stdout \(real.stdout.count) bytes, \(real.stderr.prefix(160)); check: exit \(status) \(stderr.prefix(160)) \(report?.findings.map { "\($0.id) \($0.severity): \($0.summary)" } ?? [])"
        }
    }

    /// Runs `program` (`--version` for a root's own, which prints and exits 0) and `check` of
    /// it, in `root`.
    static func judge(_ program: String, root: String, arguments: [String]) throws -> Outcome {
        let real = ProgramCutShortTests.runWhenFree {
            guard root != "/" else { return Command.run(program, arguments) }
            return Command.run("/usr/bin/unshare", ["-m", "/bin/sh", "-c", #"mount -t proc proc "$0/proc" && exec /usr/sbin/chroot "$0" "$@""#, root, program] + arguments)
        }
        let result = Command.ofdoctor(["check", "--format", "json"] + (root == "/" ? [] : ["--root", root]) + [program])
        let report = result.status == 3 ? nil : try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        return Outcome(real: real, status: result.status, report: report, stderr: result.stderr)
    }

    /// The agreement every edit must show; the LD035 errors seen, by summary.
    static func agree(_ outcome: Outcome, _ what: String) -> String? {
        if outcome.runs {
            // (a lookup that fails at its first call of a function it never calls here may stand)
            let laterOnly = outcome.errors.allSatisfy { $0.failsAtFirstCall }
            #expect(laterOnly, "\(what) starts and exits 0, but check says \(outcome)")
        } else {
            #expect(outcome.status != 0, "\(what) fails, but check says healthy: \(outcome)")
        }
        guard let unchecked = outcome.unchecked else { return nil }
        #expect(outcome.segmentationFault, "\(what): LD035 says SIGSEGV: \(outcome)")
        if unchecked.summary.hasSuffix("when it exits") {
            #expect(!outcome.real.stdout.isEmpty, "\(what): LD035 says it dies at exit, after running: \(outcome)")
        }
        return unchecked.summary
    }

    @Test("each entry of the program and of its library removed or zeroed, on this machine's loader",
          .enabled(if: canBuild, "needs gcc and root"))
    func thisMachine() throws {
        let build = try Self.build()
        defer { build.remove() }
        let whole = ["m": try Data(contentsOf: URL(fileURLWithPath: build.dir + "/m")),
                     "libl.so.1": try Data(contentsOf: URL(fileURLWithPath: build.dir + "/libl.so.1"))]
        var seen: [String] = []
        for target in ["m", "libl.so.1"] {
            for (name, tag) in Self.tags {
                for remove in [true, false] {
                    for (file, data) in whole { try data.write(to: URL(fileURLWithPath: build.dir + "/" + file)) }
                    guard try Self.edit(build.dir + "/" + target, tag: tag, remove: remove) else { continue }
                    let outcome = try Self.judge(build.dir + "/m", root: "/", arguments: [])
                    if let summary = Self.agree(outcome, "\(target) with DT_\(name) \(remove ? "removed" : "0")") { seen.append(summary) }
                    // Without a hash table the loader passes the library over in every lookup,
                    // its own references to its own definitions too: relocating it (first) it
                    // cannot find shared_counter, and says so; check says the same words.
                    // DT_RELRENT 0: glibc 2.36's assertion, word for word (LD034).
                    if target == "libl.so.1" && name == "RELRENT" && !remove {
                        let line = outcome.real.stderr.split(separator: "\n").first.map(String.init)
                        #expect(line?.hasPrefix("Inconsistency detected by ld.so: get-dynamic-info.h: ") == true, "\(outcome)")
                        #expect(outcome.errors.first?.id == "LD034" && outcome.errors.first?.loaderMessage == line, "\(outcome)")
                    }
                    if target == "libl.so.1" && name == "GNU_HASH" && remove {
                        let line = outcome.real.stderr.split(separator: "\n").first.map(String.init)
                        #expect(line?.hasSuffix("libl.so.1: undefined symbol: shared_counter") == true, "\(outcome)")
                        #expect(outcome.errors.first?.loaderMessage == line, "\(outcome)")
                    }
                }
            }
        }
        // The deaths LD035 names with certainty at each stage, the library's and the program's.
        for expected in ["libl.so.1 has DT_RELA but no DT_RELASZ: the loader dies of SIGSEGV relocating it",
                         "libl.so.1 has DT_JMPREL but no DT_PLTGOT: the loader dies of SIGSEGV relocating it",
                         "libl.so.1 has DT_INIT_ARRAY but no DT_INIT_ARRAYSZ: it dies of SIGSEGV as its initialisers run",
                         "libl.so.1 has a DT_VERSYM but no version records: the loader dies of SIGSEGV relocating it",
                         "libl.so.1 has DT_RELR but no DT_RELRSZ: the loader dies of SIGSEGV relocating it",
                         "libl.so.1 has DT_RELR but no DT_RELRENT: the loader dies of SIGSEGV loading it",
                         "/m has DT_PLTREL but no DT_JMPREL: the loader dies of SIGSEGV relocating it",
                         "/m has DT_INIT 0: it dies of SIGSEGV as its initialisers run",
                         "/m has DT_FINI_ARRAY but no DT_FINI_ARRAYSZ: the program dies of SIGSEGV when it exits"] {
            #expect(seen.contains { $0.hasSuffix(expected) }, "no LD035 \"…\(expected)\" among \(seen)")
        }
    }

    /// The release of this machine's loader, from its `--version` ("… release version 2.36.").
    static var machineGlibc: (Int, Int)? {
        let text = Command.run("/lib64/ld-linux-x86-64.so.2", ["--version"]).stdout
        guard let range = text.range(of: "release version ") else { return nil }
        let numbers = text[range.upperBound...].prefix { $0.isNumber || $0 == "." }.split(separator: ".").compactMap { Int($0) }
        return numbers.count >= 2 ? (numbers[0], numbers[1]) : nil
    }

    @Test("a library the loader dies on as it maps it, named before or after a missing one: check's first error is the loader's",
          .enabled(if: canBuild, "needs gcc and root"), arguments: [(9 as UInt64, "DT_RELA but no DT_RELAENT"), (37, "DT_RELR but no DT_RELRENT")])
    func mappingDeathAmongMissing(tag: UInt64, lost: String) throws {
        // (DT_RELR is read from glibc 2.36 on: before, the library is harmless)
        let readsRelr = Self.machineGlibc.map { $0 >= (2, 36) } ?? false
        let build = try ScratchBuild("mapdeath", """
            printf 'static int one = 1;\\nint *ones[] = { &one, &one, &one };\\nint dee(void) { return *ones[2]; }\\n' > d.c
            printf 'int gone(void) { return 0; }\\n' > g.c
            printf 'int dee(void); int gone(void);\\nint main(void) { return dee() + gone() - 1; }\\n' > m.c
            gcc -shared -fPIC -o libd.so.1 -Wl,-soname,libd.so.1 -Wl,-z,pack-relative-relocs d.c
            gcc -shared -fPIC -o libgone.so.1 -Wl,-soname,libgone.so.1 g.c
            gcc -o damaged-first m.c -Wl,--no-as-needed libd.so.1 libgone.so.1 -Wl,-rpath,'$ORIGIN'
            gcc -o missing-first m.c -Wl,--no-as-needed libgone.so.1 libd.so.1 -Wl,-rpath,'$ORIGIN'
            ./damaged-first && ./missing-first
            rm libgone.so.1
            """)
        defer { build.remove() }
        #expect(try Self.edit(build.dir + "/libd.so.1", tag: tag, remove: true))
        for program in ["damaged-first", "missing-first"] {
            let outcome = try Self.judge(build.dir + "/" + program, root: "/", arguments: [])
            let dies = program == "damaged-first" && (tag == 9 || readsRelr)
            #expect(outcome.real.status == (dies ? SIGSEGV : 127), "\(program): \(outcome)")
            let first = outcome.errors.first
            if outcome.segmentationFault {
                #expect(first?.summary == build.dir + "/libd.so.1 has \(lost): the loader dies of SIGSEGV loading it", "\(program): \(outcome)")
                #expect(first?.loaderMessage == nil, "\(program): \(outcome)")
            } else {
                #expect(first?.id == "LD002", "\(program): \(outcome)")
                #expect(first?.loaderMessage == outcome.real.stderr.split(separator: "\n").first.map(String.init), "\(program): \(outcome)")
            }
            // (the other is reported all the same: every failure in one pass)
            #expect(outcome.errors.contains { $0.id == "LD002" } && (outcome.errors.contains { $0.summary.hasSuffix("\(lost): the loader dies of SIGSEGV loading it") } || !(tag == 9 || readsRelr)),
                    "\(program): \(outcome)")
        }
    }

    @Test("a library whose relocation kills the loader, relocated before or after one whose start-up lookup fails: check's first error is the loader's",
          .enabled(if: canBuild, "needs gcc and root"),
          arguments: [([8 as UInt64], "DT_RELA but no DT_RELASZ"), ([23], "DT_PLTREL but no DT_JMPREL"),
                      ([8, 20, 23, 2], "a DT_INIT_ARRAY but no relocations to fix its pointers"), ([6], "no DT_SYMTAB")])
    func relocationDeathAmongFailedLookups(tags: [UInt64], lost: String) throws {
        // libb reads missing_var through its GOT (a start-up lookup) and nothing defines it;
        // libn calls getpid through its PLT. The loader relocates the library loaded later
        // first: in killed-last that is libb, whose lookup fails first; in killed-first, libn.
        let build = try ScratchBuild("relocdeath", """
            printf 'extern int missing_var;\nint bee(void) { return missing_var; }\n' > b.c
            printf '#include <unistd.h>\nstatic int base = 3;\nint *const p = &base;\nint seven(void) { return getpid() > 0 ? *p + 4 : 0; }\n' > n.c
            printf 'int missing_var = 0;\n' > v.c
            printf 'int seven(void); int bee(void);\nint main(void) { return seven() + bee() - 7; }\n' > m.c
            gcc -shared -fPIC -o libb.so.1 -Wl,-soname,libb.so.1 b.c
            gcc -shared -fPIC -o libn.so.1 -Wl,-soname,libn.so.1 -Wl,-z,lazy n.c
            gcc -shared -fPIC -o libv.so.1 -Wl,-soname,libv.so.1 v.c
            gcc -o killed-last m.c -Wl,--no-as-needed libn.so.1 libb.so.1 libv.so.1 -Wl,-rpath,'$ORIGIN'
            gcc -o killed-first m.c -Wl,--no-as-needed libb.so.1 libn.so.1 libv.so.1 -Wl,-rpath,'$ORIGIN'
            ./killed-last && ./killed-first
            printf 'int other = 1;\n' > e.c
            gcc -shared -fPIC -o libv.so.1 -Wl,-soname,libv.so.1 e.c
            """)
        defer { build.remove() }
        for tag in tags { #expect(try Self.edit(build.dir + "/libn.so.1", tag: tag, remove: true)) }
        for program in ["killed-last", "killed-first"] {
            let outcome = try Self.judge(build.dir + "/" + program, root: "/", arguments: [])
            // (without its symbol table, the first lookup that reaches libn dies: the failed one too)
            let dies = program == "killed-first" || tags == [6]
            #expect(outcome.real.status == (dies ? SIGSEGV : 127), "\(program): \(outcome)")
            let first = outcome.errors.first
            if outcome.segmentationFault {
                #expect(first?.summary.hasPrefix(build.dir + "/libn.so.1 has \(lost): the loader dies of SIGSEGV") == true, "\(program): \(outcome)")
            } else {
                #expect(first?.id == "LD004", "\(program): \(outcome)")
                #expect(first?.loaderMessage == outcome.real.stderr.split(separator: "\n").first.map(String.init), "\(program): \(outcome)")
            }
            #expect(outcome.errors.contains { $0.id == "LD004" } && outcome.errors.contains { $0.summary.contains("libn.so.1 has \(lost)") },
                    "\(program): \(outcome)")
        }
    }

    @Test("a C++ program: its constructors skipped, its hash table removed, its libgcc_s without DT_VERDEF, on this machine's loader",
          .enabled(if: canBuild && FileManager.default.isExecutableFile(atPath: "/usr/bin/g++"), "needs g++ and root"))
    func cxxProgram() throws {
        let build = try ScratchBuild("dynentry-cxx", """
            printf '#include <iostream>\\n#include <string>\\nint main() { std::string s("x"); std::cout << s << std::endl; return 0; }\\n' > c.cc
            g++ -o c c.cc -Wl,-rpath,'$ORIGIN'
            cp "$(realpath "$(g++ -print-file-name=libgcc_s.so.1)")" libgcc_s.so.1
            ./c > /dev/null
            """)
        defer { build.remove() }
        let program = build.dir + "/c", library = build.dir + "/libgcc_s.so.1"
        let whole = try Data(contentsOf: URL(fileURLWithPath: program))
        // Its constructors (iostream's) never run, or the libraries cannot see its copy of
        // std::cout: each may crash it, and here does; check says "may", never healthy.
        for (tag, name, said) in [(UInt64(25), "INIT_ARRAY", "never runs the initialisers"),
                                  (0x6fff_fef5, "GNU_HASH", "passes the program over in every lookup")] {
            try whole.write(to: URL(fileURLWithPath: program))
            #expect(try Self.edit(program, tag: tag, remove: true))
            let outcome = try Self.judge(program, root: "/", arguments: [])
            _ = Self.agree(outcome, "c with DT_\(name) removed")
            #expect(outcome.report?.findings.contains { $0.id == "LD035" && $0.severity == "warning" } == true, "\(name): \(outcome)")
            let text = Command.ofdoctor(["check", program]).stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
            #expect(text.contains(said), "\(name): \(text)")
        }
        try whole.write(to: URL(fileURLWithPath: program))
        // libgcc_s without DT_VERDEF: its relocations of its own versioned definitions are
        // looked up through a table of versions that no longer holds theirs; the loader's
        // line, word for word (or, where this build makes no such relocation, it starts).
        #expect(try Self.edit(library, tag: 0x6fff_fffc, remove: true))
        let outcome = try Self.judge(program, root: "/", arguments: [])
        _ = Self.agree(outcome, "libgcc_s.so.1 with DT_VERDEF removed")
        if let line = outcome.real.stderr.split(separator: "\n").last(where: { $0.contains("symbol lookup error") }) {
            #expect(outcome.errors.first?.loaderMessage == String(line), "\(outcome)")
            // (the damaged file is what to mend, not the requester to rebuild)
            #expect(outcome.errors.first?.remedy == "Reinstall the package that provides \(library), or copy it again whole.", "\(outcome)")
        }
    }

    /// The Debian roots `make test` builds.
    static let roots: [String] = ["bullseye", "trixie"].map { "/var/cache/ofdoctor-\($0)" }
        .filter { FileManager.default.isExecutableFile(atPath: $0 + "/usr/bin/whoami") }

    /// Every root `make test` has: this machine's and the Debian ones.
    static let allRoots: [String] = ["/"] + roots

    @Test("libcrypt without its DT_NEEDED on libc binds libc's IFUNCs first: glibc before 2.39 dies in libc's resolver, 2.41 relocates libc first",
          .enabled(if: getuid() == 0, "needs root (chroot)"), arguments: allRoots)
    func libcIFUNCsBoundFirst(root: String) throws {
        let prefix = root == "/" ? "" : root
        guard FileManager.default.isExecutableFile(atPath: prefix + "/usr/bin/perl"),
              let crypt = try? FileManager.default.destinationOfSymbolicLink(atPath: prefix + "/lib/x86_64-linux-gnu/libcrypt.so.1")
        else { Issue.record("\(root) has no perl or libcrypt.so.1 link"); return }
        let place = "/tmp/ofdoctor-ifunc-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: prefix + place, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: prefix + place) }
        let library = crypt.hasPrefix("/") ? prefix + crypt : prefix + "/lib/x86_64-linux-gnu/" + crypt
        try FileManager.default.copyItem(atPath: library, toPath: prefix + place + "/libcrypt.so.1")
        try FileManager.default.copyItem(atPath: prefix + "/usr/bin/perl", toPath: prefix + place + "/perl")
        #expect(try Self.edit(prefix + place + "/libcrypt.so.1", tag: 1, remove: true))   // DT_NEEDED libc.so.6
        let real = ProgramCutShortTests.runWhenFree {
            Command.run("/usr/bin/unshare", ["-m", "/bin/sh", "-c", #"mount -t proc proc "$0/proc" && exec /usr/sbin/chroot "$0" /usr/bin/env -i LD_LIBRARY_PATH="$1" "$1/perl" -e 'print "ok\n"'"#, root, place])
        }
        let result = Command.ofdoctor(["check", "--format", "json", "--root", root, "--env", "LD_LIBRARY_PATH=\(place)", place + "/perl"])
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        let ifunc = report.findings.first { $0.id == "LD022" }
        // (the Debian roots' glibc is known: 2.31 relocates libc in order, 2.41 first)
        if root.hasSuffix("bullseye") { #expect(real.stderr.contains("Relink"), "\(real)") }
        if root.hasSuffix("trixie") { #expect(!real.stderr.contains("Relink"), "\(real)") }
        if real.stderr.contains("Relink") {
            #expect(real.status == SIGSEGV, "\(root): \(real)")
            #expect(report.findings.first { $0.severity == "error" }?.id == "LD022", "\(root): \(report.findings.map(\.summary))")
            #expect(ifunc?.severity == "error" && ifunc?.summary.hasSuffix("its resolver dies of SIGSEGV") == true, "\(root): \(report.findings.map(\.summary))")
            #expect(ifunc?.loaderMessage == real.stderr.split(separator: "\n").first.map(String.init), "\(root): \(real.stderr)")
        } else {
            #expect(real.status == 0 && real.stdout == "ok\n", "\(root): \(real)")
            #expect(ifunc == nil && result.status == 0, "\(root): \(report.findings.map(\.summary))")
        }
    }

    @Test("each entry of the root's own whoami removed or zeroed, in that root: glibc 2.31 runs no program initialiser from its dynamic section",
          .enabled(if: getuid() == 0, "needs root (chroot)"), arguments: roots)
    func debianRoot(root: String) throws {
        let place = "/tmp/ofdoctor-dynentry-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + place, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root + place) }
        let whole = try Data(contentsOf: URL(fileURLWithPath: root + "/usr/bin/whoami"))
        var seen: [String: Bool] = [:]
        for (name, tag) in Self.tags {
            for remove in [true, false] {
                try whole.write(to: URL(fileURLWithPath: root + place + "/whoami"))
                chmod(root + place + "/whoami", 0o755)
                guard try Self.edit(root + place + "/whoami", tag: tag, remove: remove) else { continue }
                let outcome = try Self.judge(place + "/whoami", root: root, arguments: ["--version"])
                _ = Self.agree(outcome, "\(root): whoami with DT_\(name) \(remove ? "removed" : "0")")
                seen["\(name) \(remove)"] = outcome.unchecked != nil
            }
        }
        // At exit in every glibc; its initialisers from its dynamic section only with 2.34's start-up code.
        #expect(seen["FINI_ARRAYSZ true"] == true, "\(root): \(seen)")
        #expect(seen["INIT_ARRAYSZ true"] == root.hasSuffix("trixie"), "\(root): \(seen)")
        #expect(seen["RELASZ true"] == true, "\(root): \(seen)")
    }
}

import Foundation
import Testing

/// `GLIBC_TUNABLES`' `glibc.rtld.execstack` (glibc 2.41) and `glibc.rtld.enable_secure` (2.40):
/// with `execstack=0` the loader refuses an object that needs an executable stack — the
/// program before anything is loaded, a library as it maps it — and with `enable_secure=1` it
/// runs the program as in secure-execution mode and ignores the string's other tunables. The
/// loaders of the trixie root (2.41) and of this machine (2.36, which has neither) are the
/// judges: each program of a small root is started under each setting and compared with check.
@Suite("GLIBC_TUNABLES' glibc.rtld.execstack and enable_secure, as the real loaders apply them", .serialized)
struct RtldTunableTests {
    static let trixie = "/var/cache/ofdoctor-trixie"
    static var sources: [String] {
        ["/", trixie].filter { FileManager.default.isExecutableFile(atPath: $0 + "/usr/bin/env") }
    }
    static var isAvailable: Bool {
        RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") && sources.contains(trixie)
    }
    static let unavailable: Comment = "needs root (chroot in unshare -m), gcc, python3 and the trixie root (bash scripts/debian-root.sh trixie)"

    /// Clears the `PT_GNU_STACK` header of the file `$1` (its type made `PT_NULL`).
    static let dropStackHeader = #"""
        import struct, sys
        b = bytearray(open(sys.argv[1], 'rb').read())
        off, = struct.unpack_from('<Q', b, 0x20); size, count = struct.unpack_from('<HH', b, 0x36)
        for i in range(count):
            if struct.unpack_from('<I', b, off + i * size)[0] == 0x6474e551: struct.pack_into('<I', b, off + i * size, 0)
        open(sys.argv[1], 'wb').write(b)
        """#

    /// A root with `source`'s loader and libc. Each program exits 0 when it starts: `prog`
    /// needs libx.so.1 (built with `-z execstack`); `xprog` is built so and needs libw.so.1;
    /// `nsprog` has no PT_GNU_STACK; `nslib` needs libns.so.1, which has none; `before` needs
    /// libx.so.1 then the missing libmiss.so.1, `after` the other way round; `llp` needs
    /// libbar.so.1, only in /opt/l2; `plain` needs libw.so.1.
    static func makeRoot(from source: String, parent: String? = nil) throws -> String {
        try HWCapsTunableTests.makeRoot(parent: parent, source: source, script: #"""
            printf '%s\n' "$1" > drop.py
            mkdir -p "$R/opt/l2"
            for n in w x ns miss; do echo 'int which(void) { return 0; }' > $n.c; done
            echo 'int bar(void) { return 0; }' > bar.c
            gcc -shared -fPIC -nostdlib -o "$A/libw.so.1" -Wl,-soname,libw.so.1 w.c
            gcc -shared -fPIC -nostdlib -o "$A/libx.so.1" -Wl,-soname,libx.so.1 -Wl,-z,execstack x.c
            gcc -shared -fPIC -nostdlib -o "$A/libns.so.1" -Wl,-soname,libns.so.1 ns.c; python3 drop.py "$A/libns.so.1"
            gcc -shared -fPIC -nostdlib -o libmiss.so.1 -Wl,-soname,libmiss.so.1 miss.c
            gcc -shared -fPIC -nostdlib -o "$R/opt/l2/libbar.so.1" -Wl,-soname,libbar.so.1 bar.c
            printf '%s\n' 'int bar(void);' 'void _start(void) { __asm__ volatile ("syscall" :: "a"(60), "D"(bar())); for (;;) {} }' > b.c
            link() { out=$1; src=$2; shift 2; gcc -nostdlib -fno-stack-protector -o "$R/app/$out" "$src" -Wl,--no-as-needed "$@" -Wl,-rpath,/app/lib -Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2; }
            link prog p.c "$A/libx.so.1"
            link xprog p.c "$A/libw.so.1" -Wl,-z,execstack
            link nsprog p.c "$A/libw.so.1"; python3 drop.py "$R/app/nsprog"
            link nslib p.c "$A/libns.so.1"
            link before p.c "$A/libx.so.1" ./libmiss.so.1
            link after p.c ./libmiss.so.1 "$A/libx.so.1"
            link llp b.c "$R/opt/l2/libbar.so.1"
            link plain p.c "$A/libw.so.1"

            """#, arguments: [dropStackHeader])
    }

    static let programs = ["prog", "xprog", "nsprog", "nslib", "before", "after", "llp", "plain"]
    static let settings = ["", "glibc.rtld.execstack=0", "glibc.rtld.execstack=1", "glibc.rtld.execstack=0x",
                           "glibc.rtld.execstack=0:glibc.rtld.execstack=2", "glibc.rtld.execstack=1:glibc.rtld.execstack=00",
                           "glibc.rtld.enable_secure=1", "glibc.rtld.enable_secure=2", "glibc.rtld.enable_secure=0:glibc.rtld.enable_secure=1",
                           "glibc.rtld.enable_secure=1:glibc.rtld.execstack=0"]

    /// Whether check agrees with the loader on `program`: it starts, or the first error's
    /// loader line is the loader's first line; and every preload warning is printed.
    @discardableResult
    static func expectAgreement(root: String, program: String, environment: [String: String], _ label: String) throws -> Int32 {
        let real = RealLoader.run(root: root, program: "/app/" + program, argv0: "/app/" + program, environment: environment)
        let check = Command.ofdoctor(["check", "--root", root, "--format", "json"]
            + environment.sorted { $0.key < $1.key }.flatMap { ["--env", "\($0.key)=\($0.value)"] } + ["/app/" + program])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check.stderr)")
        let findings = report["findings"] as? [[String: Any]] ?? []
        let errors = findings.filter { $0["severity"] as? String == "error" }
        let lines = real.stderr.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("WARNING: ld.so: invalid GLIBC_TUNABLES") }
        if real.status == 0 {
            #expect(errors.isEmpty, "\(label): the loader starts it; check says \(errors.compactMap { $0["summary"] })")
        } else {
            #expect(real.status == 127, "\(label): \(real)")
            #expect(errors.first?["loaderMessage"] as? String == lines.first, "\(label): the loader says \(lines); check \(errors.map { $0["loaderMessage"] ?? "" })")
        }
        let warned = findings.filter { $0["id"] as? String == "LD013" }.compactMap { $0["loaderMessage"] as? String }
        #expect(warned == lines.filter { $0.hasPrefix("ERROR: ld.so: object ") }, "\(label): the loader says \(lines)")
        return real.status
    }

    @Test("each program under each setting: started or refused as the loaders of glibc 2.36 and 2.41 do", .enabled(if: isAvailable, unavailable))
    func agreesWithLoaders() throws {
        var refused: Set<String> = []
        for source in Self.sources {
            let work = try Self.makeRoot(from: source)
            defer { try? FileManager.default.removeItem(atPath: work) }
            for setting in Self.settings {
                for program in Self.programs {
                    let status = try Self.expectAgreement(root: work + "/root", program: program,
                                                          environment: ["GLIBC_TUNABLES": setting, "LD_LIBRARY_PATH": "/opt/l2"], "\(source) \(setting) \(program)")
                    if status != 0 { refused.insert("\(source) \(setting) \(program)") }
                }
                // A preload that needs an executable stack is skipped with a warning (LD013).
                try Self.expectAgreement(root: work + "/root", program: "plain",
                                         environment: ["GLIBC_TUNABLES": setting, "LD_PRELOAD": "/app/lib/libx.so.1"], "\(source) \(setting) preload")
            }
        }
        // (the settings did something: 2.41 refuses, 2.36 does not)
        for program in ["prog", "xprog", "nsprog", "nslib"] {
            #expect(refused.contains("\(Self.trixie) glibc.rtld.execstack=0 \(program)") && !refused.contains("/ glibc.rtld.execstack=0 \(program)"), "\(program)")
        }
        #expect(refused.contains("\(Self.trixie) glibc.rtld.enable_secure=1 llp") && !refused.contains("/ glibc.rtld.enable_secure=1 llp"))
    }

    @Test("a set-group-ID program: the loader ignores glibc.rtld.execstack in secure-execution mode, and so does check",
          .enabled(if: isAvailable && RealLoader.setIDTakesEffect, RealLoader.setIDUnavailableReason))
    func ignoredInSecureMode() throws {
        let work = try Self.makeRoot(from: Self.trixie, parent: RealLoader.setIDScratch)
        defer { try? FileManager.default.removeItem(atPath: work) }
        for program in ["prog", "xprog"] {
            try #require(Command.run("/bin/sh", ["-ec", "chgrp 65534 \"$0\"; chmod 2755 \"$0\"", work + "/root/app/" + program]).status == 0)
            try Self.expectAgreement(root: work + "/root", program: program, environment: ["GLIBC_TUNABLES": "glibc.rtld.execstack=0"], "set-group-ID \(program)")
        }
    }
}

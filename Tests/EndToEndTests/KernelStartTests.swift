import Foundation
import Testing

/// What the kernel decides before any loader runs: the program interpreter it is given, or
/// none. The kernel on this machine is the judge, of check and of verify.
@Suite("The kernel's part: the interpreter, or none", .serialized)
struct KernelStartTests {
    static var isAvailable: Bool {
        HostileCLI.isAvailable && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/patchelf")
    }

    /// `path` started by the shell, as a user starts it: the kernel's execve decides.
    static func execByShell(_ path: String) -> Command.Result {
        Command.run("/bin/sh", ["-c", "exec \"$0\"", path], environment: HostileCLI.baseEnvironment)
    }

    /// `ofdoctor verify PATH`: it starts the program itself (execve from ofdoctor's child), so
    /// one the kernel refuses is "the kernel refused to start it" with bash's status (127 for a
    /// file it cannot find, 126 otherwise) and the errno text, and check's exit code — never
    /// "the program's own failure" (env's "No such file or directory" read so, exit 5).
    static func expectVerifyRefused(_ path: String, text: String, _ name: String) {
        let bash = Command.run("/bin/bash", ["-c", "exec \"$0\"", path], environment: HostileCLI.baseEnvironment)
        let verify = Command.run(HostileCLI.binaryPath, ["verify", path], environment: HostileCLI.baseEnvironment)
        let headline = verify.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect([126, 127].contains(bash.status), "\(name): \(bash)")
        #expect(headline.hasPrefix("\(path) -h → exit \(bash.status): the kernel refused to start it"), "\(name): \(verify.stdout)")
        #expect(verify.stdout.contains(text) && !verify.stdout.contains("program's own"), "\(name): \(verify.stdout)")
        #expect(verify.status == 2, "\(name): check says a person must act: \(verify)")
    }

    /// `ofdoctor check --format json PATH`, and the report's findings (nil: none read).
    static func checkJSON(_ path: String) throws -> (run: Command.Result, findings: [[String: Any]]?) {
        let check = Command.run(HostileCLI.binaryPath, ["check", "--format", "json", path], environment: HostileCLI.baseEnvironment)
        let report = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any]
        return (check, report?["findings"] as? [[String: Any]])
    }

    /// An interpreter that is there but that the kernel refuses (a truncated or damaged
    /// ld.so, a directory, a copy without its execute bit, a link loop): execve fails with the errno the
    /// shell prints, no loader runs. LD025 names it with that text; a good copy starts.
    @Test("an interpreter the kernel refuses: LD025 with the shell's errno text, exactly when execve fails",
          .enabled(if: isAvailable, "needs gcc, patchelf and the built ofdoctor"))
    func refusedInterpreter() throws {
        let scratch = try ScratchBuild("refused", """
            echo 'int main(void) { return 0; }' > m.c
            gcc -o prog m.c
            printf 'not elf' > short; chmod +x short
            head -c 4096 /lib64/ld-linux-x86-64.so.2 | tail -c 2048 > garbage; chmod +x garbage
            mkdir directory
            cp /lib64/ld-linux-x86-64.so.2 noexec; chmod -x noexec
            cp /lib64/ld-linux-x86-64.so.2 good
            ln -s loop2 loop; ln -s loop loop2
            for i in short garbage directory noexec loop good absent; do cp prog "p_$i"; patchelf --set-interpreter "$PWD/$i" "p_$i"; done
            """)
        defer { scratch.remove() }
        let dir = scratch.dir
        for (name, text) in [("short", "Input/output error"), ("garbage", "Accessing a corrupted shared library"),
                             ("directory", "Permission denied"), ("noexec", "Permission denied"),
                             ("loop", "Too many levels of symbolic links"), ("good", nil)] {
            let program = dir + "/p_" + name
            let real = Self.execByShell(program)
            let (check, read) = try Self.checkJSON(program)
            let findings = read ?? []
            guard let text else {
                #expect(real.status == 0 && check.status == 0, "\(name): \(real) \(check.stdout)")
                let verify = Command.run(HostileCLI.binaryPath, ["verify", program], environment: HostileCLI.baseEnvironment)
                #expect(verify.status == 0 && verify.stdout.contains("→ exit 0: started"), "\(name): \(verify)")
                continue
            }
            Self.expectVerifyRefused(program, text: text, name)
            // (the status is the shell's: dash says 127 for a link loop, bash 126)
            #expect([126, 127].contains(real.status) && real.stderr.contains(text), "\(name): \(real)")
            #expect(check.status == 2 && findings.first?["id"] as? String == "LD025", "\(name): \(check.stdout)")
            #expect(findings.first?["loaderMessage"] as? String == "\(program): \(text)", "\(name): \(findings)")
        }
        // No interpreter at all: LD001, and for verify the same refusal.
        let absent = dir + "/p_absent"
        #expect(Self.execByShell(absent).status == 127)
        let (check, findings) = try Self.checkJSON(absent)
        #expect(check.status == 2 && findings?.first?["id"] as? String == "LD001", "\(check.stdout)")
        Self.expectVerifyRefused(absent, text: "No such file or directory", "absent")
    }

    /// A static PIE has a dynamic section but no interpreter and names nothing: it relocates
    /// itself. LD012, as for a static program, and healthy; ldd says "statically linked" too.
    @Test("a static PIE is a static program: LD012 and healthy, as it runs and as ldd says",
          .enabled(if: isAvailable, "needs gcc, patchelf and the built ofdoctor"))
    func staticPIE() throws {
        let scratch = try ScratchBuild("spie", "echo 'int main(void) { return 0; }' > m.c; gcc -static-pie -o prog m.c")
        defer { scratch.remove() }
        let dir = scratch.dir
        let program = dir + "/prog"
        #expect(Command.run(program, []).status == 0)
        let ldd = Command.run("/usr/bin/ldd", [program])
        #expect((ldd.stdout + ldd.stderr).contains("statically linked"), "\(ldd)")
        let (check, findings) = try Self.checkJSON(program)
        let ids = (findings ?? []).compactMap { $0["id"] as? String }
        #expect(check.status == 0 && ids == ["LD012"], "\(check.stdout)")
        let tree = Command.run(HostileCLI.binaryPath, ["tree", program], environment: HostileCLI.baseEnvironment)
        #expect(tree.stdout.contains("(statically linked)"), "\(tree.stdout)")
    }

    /// A program file without an execute bit: execve refuses it (EACCES, 'Permission
    /// denied', 126) before any loader runs; LD027 with the shell's text. With the bit back
    /// it starts, and check says so.
    @Test("a program without execute permission: LD027, exactly when execve refuses it",
          .enabled(if: isAvailable, "needs gcc, patchelf and the built ofdoctor"))
    func programWithoutExecuteBit() throws {
        let scratch = try ScratchBuild("noexec", "echo 'int main(void) { return 0; }' > m.c; gcc -o prog m.c; chmod 0644 prog")
        defer { scratch.remove() }
        let dir = scratch.dir
        let program = dir + "/prog"
        for executable in [false, true] {
            if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program) }
            let real = Self.execByShell(program)
            let (check, read) = try Self.checkJSON(program)
            let findings = read ?? []
            if executable {
                #expect(real.status == 0 && check.status == 0 && findings.isEmpty, "\(real) \(check.stdout)")
            } else {
                #expect(real.status == 126 && real.stderr.contains("Permission denied"), "\(real)")
                #expect(check.status == 2 && findings.first?["id"] as? String == "LD027", "\(check.stdout)")
                #expect(findings.first?["loaderMessage"] as? String == "\(program): Permission denied")
                Self.expectVerifyRefused(program, text: "Permission denied", "noexec")
            }
        }
    }

    /// A library that can also be run, as libcap and libc.so.6 are (PT_INTERP, an entry
    /// point, a DT_SONAME), shipped without an execute bit as Debian ships libcap: execve
    /// refuses it, `ld.so LIB` runs it — and a library is checked as ld.so runs it, so no
    /// LD027 (the first version of LD027 said libcap "will not start").
    @Test("a runnable library without execute permission is checked as ld.so runs it: no LD027",
          .enabled(if: isAvailable, "needs gcc, patchelf and the built ofdoctor"))
    func runnableLibraryWithoutExecuteBit() throws {
        let scratch = try ScratchBuild("runnable-library", """
            printf '%s\n' '#include <unistd.h>' 'int api(void) { return 1; }' \
              'const char interp[] __attribute__((section(".interp"))) = "/lib64/ld-linux-x86-64.so.2";' \
              'void entry(void) { write(1, "a library\\n", 10); _exit(0); }' > l.c
            gcc -shared -fPIC -o libr.so.1 -Wl,-soname,libr.so.1 -Wl,-e,entry -Wl,-z,now l.c
            readelf -l libr.so.1 | grep -q 'Requesting program interpreter'
            chmod 0644 libr.so.1
            """)
        defer { scratch.remove() }
        let library = scratch.dir + "/libr.so.1"
        let direct = Self.execByShell(library)
        #expect(direct.status == 126 && direct.stderr.contains("Permission denied"), "\(direct)")
        let loaded = Command.run("/lib64/ld-linux-x86-64.so.2", [library], environment: HostileCLI.baseEnvironment)
        #expect(loaded.status == 0 && loaded.stdout.contains("a library"), "\(loaded)")
        let (check, findings) = try Self.checkJSON(library)
        #expect(check.status == 0 && findings?.isEmpty == true, "\(check.stdout)")
    }

    /// No one starts a shared library: `ldd` and the check load it as a program that needs
    /// it would. The verdict says "load" for one (no `PT_INTERP`, not marked PIE), "start"
    /// for a program and for a library that can also be run (libc.so.6); `ldd -r` agrees
    /// on what fails.
    @Test("a shared library's verdict says it loads or will not load; a program's and a runnable library's say start",
          .enabled(if: isAvailable, "needs gcc, patchelf and the built ofdoctor"))
    func libraryVerdictSaysLoad() throws {
        let scratch = try ScratchBuild("library-verdict", """
            printf '%s\n' 'int api(void) { return 1; }' > good.c
            printf '%s\n' 'extern int nowhere(void);' 'int api(void) { return nowhere(); }' > bad.c
            printf '%s\n' 'int main(void) { return 0; }' > prog.c
            gcc -shared -fPIC -o libgood.so.1 -Wl,-soname,libgood.so.1 good.c
            gcc -shared -fPIC -o libbad.so.1 -Wl,-soname,libbad.so.1 -Wl,-z,now bad.c
            gcc -o prog prog.c
            """)
        defer { scratch.remove() }
        func headline(_ file: String) -> String {
            let run = Command.ofdoctor(["check", file], environment: ["COLUMNS": "400"])
            return String(run.stdout.split(separator: "\n").first ?? "")
        }
        let good = scratch.dir + "/libgood.so.1", bad = scratch.dir + "/libbad.so.1"
        #expect(headline(good) == "✓ \(good): the loader will load it")
        #expect(headline(bad).hasPrefix("✗ \(bad) will not load: 1 problem"), "\(headline(bad))")
        let lddR = Command.run("/usr/bin/ldd", ["-r", bad])
        #expect(lddR.stdout.contains("undefined symbol: nowhere") || lddR.stderr.contains("undefined symbol: nowhere"), "\(lddR)")
        #expect(headline(scratch.dir + "/prog") == "✓ \(scratch.dir)/prog: the loader will start it")
        let libc = "/lib/x86_64-linux-gnu/libc.so.6"
        if FileManager.default.fileExists(atPath: libc) {
            #expect(headline(libc) == "✓ \(libc): the loader will start it")
        }
        let fix = Command.ofdoctor(["fix", good], environment: ["COLUMNS": "400"])
        #expect(fix.stdout.hasPrefix("\(good): nothing to fix; the loader will load it."), "\(fix.stdout)")
    }

    /// A static PIE (`ldconfig`: a `PT_DYNAMIC` that names nothing, no `PT_INTERP`) relocates
    /// itself; the kernel starts it without ld.so, so `LD_PRELOAD` loads nothing into it. The
    /// tree showed the preloads, their dependencies and ld.so.
    @Test("a static PIE under LD_PRELOAD: one object, no preload, as a run shows (no loader message)",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/sbin/ldconfig"), "needs /sbin/ldconfig"))
    func staticPIEIgnoresPreload() throws {
        let program = "/sbin/ldconfig"
        let file = Command.run("/usr/bin/file", ["-L", program])
        try #require(file.stdout.contains("static-pie"), "\(program) is not a static PIE here: \(file.stdout)")
        let preload = "LD_PRELOAD=libz.so.1 /nonexistent/libx.so"
        let run = Command.run(program, ["-p"], environment: ["LD_PRELOAD": "libz.so.1 /nonexistent/libx.so"])
        #expect(run.status == 0 && !run.stderr.contains("cannot be preloaded"), "\(run)")
        let tree = Command.ofdoctor(["tree", "--env", preload, program], environment: ["COLUMNS": "400"])
        #expect(tree.status == 0 && !tree.stdout.contains("libz.so.1") && !tree.stdout.contains("preloaded"), "\(tree.stdout)")
        let check = Command.ofdoctor(["check", "--env", preload, program], environment: ["COLUMNS": "400"])
        #expect(check.status == 0 && check.stdout.contains("· 1 object"), "\(check.stdout)")
        #expect(check.stdout.hasPrefix("✓ \(program): the kernel will start it, without the loader"), "\(check.stdout)")
    }
}

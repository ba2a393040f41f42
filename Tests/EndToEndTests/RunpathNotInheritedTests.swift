import Foundation
import Testing

/// A program whose DT_RUNPATH is `$ORIGIN/lib`, and a library there that needs its neighbour
/// and has no run path of its own: the loader does not search the program's DT_RUNPATH for
/// the library's needs, so the neighbour "right there" is not found. LD002 says why, and the
/// patchelf command it gives (pasted, on this machine's own root: the test runs it on a
/// copy from inside a chroot) makes the real loader start the program.
@Suite("DT_RUNPATH is not inherited: the neighbour the library cannot find, said and mended", .serialized)
struct RunpathNotInheritedTests {
    static var canBuild: Bool {
        RealLoader.canRunRoots && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/patchelf")
    }

    @Test("LD002 names the program's DT_RUNPATH that holds it; patchelf --set-rpath '$ORIGIN' on the library, and the loader starts it",
          .enabled(if: canBuild, "needs root (chroot in unshare -m), gcc and patchelf"))
    func neighbourNotFound() throws {
        let scratch = try ScratchBuild("runpath-inherit", "R=$PWD/root" + MinimalRoot.prelude + """
            \(MinimalRoot.launcher)
            mkdir -p "$R/opt/app/lib"
            echo 'int b(void) { return 2; }' > b.c
            echo 'int b(void); int a(void) { return b() + 1; }' > a.c
            gcc -shared -fPIC -nostdlib -o "$R/opt/app/lib/libB.so" -Wl,-soname,libB.so b.c
            gcc -shared -fPIC -nostdlib -o "$R/opt/app/lib/libA.so" -Wl,-soname,libA.so a.c "$R/opt/app/lib/libB.so"
            printf '%s\\n' '\(MinimalRoot.program(calling: ["a"], expected: 3))' > main.c
            gcc -nostdlib -o "$R/opt/app/prog" main.c "$R/opt/app/lib/libA.so" -Wl,-rpath-link,"$R/opt/app/lib" -Wl,--enable-new-dtags,-rpath,'$ORIGIN/lib'
            """)
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        let before = RealLoader.run(root: root, program: "/opt/app/prog", argv0: "prog", environment: [:])
        #expect(before.status == 127 && before.stderr.contains("libB.so: cannot open shared object file"), "\(before)")

        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "/opt/app/prog"])
        let json = try #require(try? JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check)")
        let finding = try #require((json["findings"] as? [[String: Any]])?.first { $0["library"] as? String == "libB.so" }, "\(check.stdout)")
        let explanation = try #require(finding["explanation"] as? String)
        #expect(explanation.contains("It is in /opt/app/lib, which the DT_RUNPATH of /opt/app/prog names"), "\(explanation)")
        #expect(explanation.contains("patchelf's --set-rpath '$ORIGIN' on /opt/app/lib/libA.so in the root"), "\(explanation)")

        #expect(check.status == 1, "the plan fixes it too (ld.so.conf.d): \(check.stdout)")
        // What the words say, done on the root's file.
        let patch = Command.run("/usr/bin/patchelf", ["--set-rpath", "$ORIGIN", root + "/opt/app/lib/libA.so"])
        #expect(patch.status == 0, "\(patch)")
        let after = RealLoader.run(root: root, program: "/opt/app/prog", argv0: "prog", environment: [:])
        #expect(after.status == 0, "\(after)")
        let again = Command.ofdoctor(["check", "--root", root, "/opt/app/prog"])
        #expect(again.status == 0, "\(again)")
    }

    @Test("on this machine's own root the note is the command to paste; a run path of the library's own is kept, the directory added",
          .enabled(if: canBuild, "needs gcc and patchelf"), arguments: [false, true])
    func commandOnThisMachine(ownRunPath: Bool) throws {
        let scratch = try ScratchBuild("runpath-inherit-host", """
            mkdir -p app/lib
            echo 'int b(void) { return 2; }' > b.c
            echo 'int b(void); int a(void) { return b() + 1; }' > a.c
            gcc -shared -fPIC -o app/lib/libB.so -Wl,-soname,libB.so b.c
            gcc -shared -fPIC -o app/lib/libA.so -Wl,-soname,libA.so a.c app/lib/libB.so \(ownRunPath ? "-Wl,--enable-new-dtags,-rpath,/opt/nothing" : "")
            echo 'int a(void); int main(void) { return a() - 3; }' > main.c
            gcc -o app/prog main.c app/lib/libA.so -Wl,-rpath-link,app/lib -Wl,--enable-new-dtags,-rpath,'$ORIGIN/lib'
            """)
        defer { scratch.remove() }
        let program = scratch.dir + "/app/prog"
        #expect(Command.run(program, []).status != 0, "the loader misses libB.so")
        let check = Command.ofdoctor(["check", "--format", "json", program])
        let json = try #require(try? JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check)")
        let explanation = try #require((json["findings"] as? [[String: Any]])?.first { $0["library"] as? String == "libB.so" }?["explanation"] as? String,
                                       "\(check.stdout)")
        let quoted = try #require(explanation.range(of: "`patchelf [^`]+`", options: .regularExpression), "\(explanation)")
        let command = String(explanation[quoted].dropFirst().dropLast())
        let library = scratch.dir + "/app/lib/libA.so"
        #expect(command == (ownRunPath ? "patchelf --remove-rpath \(library) && patchelf --set-rpath '/opt/nothing:$ORIGIN' \(library)"
                                       : "patchelf --set-rpath '$ORIGIN' \(library)"), "\(command)")
        let pasted = Command.run("/bin/sh", ["-c", command])
        #expect(pasted.status == 0, "\(pasted)")
        #expect(Command.run(program, []).status == 0, "started after the pasted command")
    }

    // (The function `b` shares the run path's string `lib` in .dynstr, as linkers merge string
    // tails, and patchelf 0.14's --set-rpath alone overwrites the old run path with X's: the
    // program would then need `X`. The command removes the old list first.)
    @Test("a relative run path (lib): LD008's command makes it relative to the program, which then starts from any directory",
          .enabled(if: canBuild, "needs gcc and patchelf"))
    func relativeRunPath() throws {
        let scratch = try ScratchBuild("runpath-relative", """
            mkdir -p app/lib
            echo 'int b(void) { return 2; }' > b.c
            gcc -shared -fPIC -o app/lib/libB.so -Wl,-soname,libB.so b.c
            echo 'int b(void); int main(void) { return b() - 2; }' > main.c
            gcc -o app/prog main.c app/lib/libB.so -Wl,--enable-new-dtags,-rpath,lib
            """)
        defer { scratch.remove() }
        let program = scratch.dir + "/app/prog"
        let fromRoot = { Command.run("/bin/sh", ["-c", "cd / && exec \"$0\"", program]) }
        #expect(fromRoot().status != 0, "started from /, lib is /lib: libB.so is not found")
        let check = Command.ofdoctor(["check", "--format", "json", program])
        let json = try #require(try? JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check)")
        let remedy = try #require((json["findings"] as? [[String: Any]])?.first { $0["id"] as? String == "LD008" }?["remedy"] as? String, "\(check.stdout)")
        let quoted = try #require(remedy.range(of: "`patchelf [^`]+`", options: .regularExpression), "\(remedy)")
        let command = String(remedy[quoted].dropFirst().dropLast())
        #expect(command == "patchelf --remove-rpath \(program) && patchelf --set-rpath '$ORIGIN/lib' \(program)", "\(command)")
        #expect(Command.run("/bin/sh", ["-c", command]).status == 0)
        #expect(fromRoot().status == 0, "started from / after the pasted command")
    }

    @Test("the program's DT_RPATH names the directory, but the library needing its neighbour has a DT_RUNPATH of its own: every DT_RPATH is skipped for it, and LD002 says so",
          .enabled(if: canBuild, "needs root (chroot in unshare -m), gcc and patchelf"))
    func rpathSkippedForRunpath() throws {
        let scratch = try ScratchBuild("rpath-skipped", "R=$PWD/root" + MinimalRoot.prelude + """
            \(MinimalRoot.launcher)
            mkdir -p "$R/opt/app/lib"
            echo 'int b(void) { return 2; }' > b.c
            echo 'int b(void); int a(void) { return b() + 1; }' > a.c
            gcc -shared -fPIC -nostdlib -o "$R/opt/app/lib/libB.so" -Wl,-soname,libB.so b.c
            gcc -shared -fPIC -nostdlib -o "$R/opt/app/lib/libA.so" -Wl,-soname,libA.so a.c "$R/opt/app/lib/libB.so" -Wl,--enable-new-dtags,-rpath,/nonexistent
            printf '%s\\n' '\(MinimalRoot.program(calling: ["a"], expected: 3))' > main.c
            gcc -nostdlib -o "$R/opt/app/prog" main.c "$R/opt/app/lib/libA.so" -Wl,-rpath-link,"$R/opt/app/lib" -Wl,--disable-new-dtags,-rpath,/opt/app/lib
            """)
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        let before = RealLoader.run(root: root, program: "/opt/app/prog", argv0: "prog", environment: [:])
        #expect(before.status == 127 && before.stderr.contains("libB.so: cannot open shared object file"), "\(before)")
        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "/opt/app/prog"])
        let json = try #require(try? JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check)")
        let explanation = try #require((json["findings"] as? [[String: Any]])?.first { $0["library"] as? String == "libB.so" }?["explanation"] as? String,
                                       "\(check.stdout)")
        #expect(explanation.contains("It is in /opt/app/lib, which the DT_RPATH of /opt/app/prog names")
                && explanation.contains("skips every DT_RPATH for an object that has a DT_RUNPATH of its own, as libA.so has"), "\(explanation)")
        #expect(explanation.contains("patchelf's --set-rpath '/nonexistent:$ORIGIN' on /opt/app/lib/libA.so in the root adds the directory to its own"), "\(explanation)")
        // What the words say, on the root's file: its own list kept, $ORIGIN added.
        let library = root + "/opt/app/lib/libA.so"
        #expect(Command.run("/usr/bin/patchelf", ["--remove-rpath", library]).status == 0)
        #expect(Command.run("/usr/bin/patchelf", ["--set-rpath", "/nonexistent:$ORIGIN", library]).status == 0)
        let after = RealLoader.run(root: root, program: "/opt/app/prog", argv0: "prog", environment: [:])
        #expect(after.status == 0, "\(after)")
    }
}

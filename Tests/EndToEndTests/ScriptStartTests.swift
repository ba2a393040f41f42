import Foundation
import LoaderModel
import Testing

/// A `#!` script given as the program: the kernel's reading of its line (the kernel itself
/// is the oracle: a program that prints the arguments it was started with), what ofdoctor
/// says starting it comes to, and that the command it prints for the next step works.
@Suite("Scripts: the #! line as the kernel reads it, and the next step")
struct ScriptStartTests {
    /// `dump` prints each argument it gets in hex, one a line; `dump --exec FILE` executes
    /// FILE with no other argument and prints the errno name when execve fails.
    static let dumpSource = #"""
        #include <errno.h>
        #include <stdio.h>
        #include <string.h>
        #include <unistd.h>
        int main(int argc, char **argv) {
            if (argc == 3 && strcmp(argv[1], "--exec") == 0) {
                char *args[] = { argv[2], NULL };
                execv(argv[2], args);
                printf("%s\n", errno == ENOEXEC ? "ENOEXEC" : errno == ENOENT ? "ENOENT" : errno == EACCES ? "EACCES" : errno == ELOOP ? "ELOOP" : "other");
                return 0;
            }
            for (int i = 0; i < argc; i++) {
                for (const unsigned char *p = (const unsigned char *)argv[i]; *p; p++) printf("%02x", *p);
                printf("\n");
            }
            return 0;
        }
        """#

    static func build() throws -> ScratchBuild {
        try ScratchBuild("script", "cat > dump.c <<'EOF'\n\(dumpSource)\nEOF\ngcc -o dump dump.c")
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// The kernel's outcome of executing a script with `line` after `#!`: the arguments its
    /// interpreter got (hex), or the errno name.
    static func kernel(_ line: [UInt8], in dir: String, name: String) throws -> [String] {
        let path = dir + "/" + name
        try Data(Array("#!".utf8) + line).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o755)
        let run = Command.run(dir + "/dump", ["--exec", path])
        return run.stdout.split(separator: "\n").map(String.init)
    }

    @Test("ScriptLine reads the line as the kernel does: spaces, tabs, one argument, NUL, CR, the 256-byte buffer")
    func kernelReading() throws {
        let scratch = try Self.build()
        defer { scratch.remove() }
        let dump = Array((scratch.dir + "/dump").utf8)
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: 300)
        let cases: [[UInt8]] = [
            dump + [0x0a],
            Array("  ".utf8) + dump + [0x0a],
            [0x09] + dump + Array("  \t\n".utf8),
            dump + Array(" one two  three \n".utf8),
            dump + Array("\t\targ\n".utf8),
            dump + Array(" -x\r\n".utf8),
            dump,
            dump + Array(" arg".utf8) + long,
            dump + [0] + Array("hidden\n".utf8),
            dump + Array(" a\0b\n".utf8),
            Array(repeating: 0x20, count: 300),
            Array(repeating: UInt8(ascii: "/"), count: 300),
            [0x0a],
            Array("  \n".utf8),
            dump + Array("\r\n".utf8),
        ]
        for (n, line) in cases.enumerated() {
            let kernel = try Self.kernel(line, in: scratch.dir, name: "s\(n)")
            let script = Array("#!".utf8) + line
            let read = script.withUnsafeBytes { ScriptLine.read($0) }
            switch read {
            case .success(let parsed)?:
                if FileManager.default.isExecutableFile(atPath: parsed.interpreter) {
                    let expected = [Self.hex(Array(parsed.interpreter.utf8))] + (parsed.argument.map { [Self.hex(Array($0.utf8))] } ?? [])
                        + [Self.hex(Array((scratch.dir + "/s\(n)").utf8))]
                    #expect(kernel == expected, "case \(n): \(parsed)")
                } else {
                    #expect(kernel == ["ENOENT"], "case \(n): \(parsed)")
                }
            case .failure?:
                #expect(kernel == ["ENOEXEC"], "case \(n): \(String(describing: read))")
            case nil:
                Issue.record("case \(n) starts with #!")
            }
        }
    }

    @Test("The interpreter's check is printed, and pasted it checks the interpreter")
    func interpreterStep() throws {
        let scratch = try Self.build()
        defer { scratch.remove() }
        let script = scratch.dir + "/tool"
        try "#!\(scratch.dir)/dump -v\necho\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let check = Command.ofdoctor(["check", script])
        #expect(check.status == 3)
        #expect(check.stderr.contains("is a script (#!\(scratch.dir)/dump -v), not an ELF program; the loader starts its interpreter, \(scratch.dir)/dump: "), "\(check.stderr)")
        let command = try #require(check.stderr.range(of: "dump: ").map { String(check.stderr[$0.upperBound...]) })
        let pasted = Command.run("/bin/sh", ["-c", command], environment: ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"])
        #expect(pasted.status == 0 && pasted.stdout.contains("will start"), "\(command)\n\(pasted)")
    }

    @Test("env: the command on PATH, -S splitting, and a name the kernel kept whole, as the real env finds them")
    func envCommand() throws {
        let scratch = try Self.build()
        defer { scratch.remove() }
        let dir = scratch.dir
        let bin = dir + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dir + "/dump", toPath: bin + "/dumper")
        let path = bin + ":/usr/bin:/bin"
        for (name, line, starts) in [("plain", "/usr/bin/env dumper", true), ("split", "/usr/bin/env -S dumper -u", true),
                                     ("whole", "/usr/bin/env dumper -u", false)] {
            let script = dir + "/" + name
            try "#!\(line)\n".write(toFile: script, atomically: true, encoding: .utf8)
            chmod(script, 0o755)
            // The real env, started by the kernel through the script.
            let real = Command.run(script, [], environment: ["PATH": path])
            #expect((real.status == 0) == starts, "\(name): \(real)")
            let check = Command.ofdoctor(["check", "--env", "PATH=\(path)", script])
            #expect(check.status == 3)
            if starts {
                #expect(check.stderr.contains("env starts dumper from PATH, \(bin)/dumper: "), "\(name): \(check.stderr)")
            } else {
                #expect(check.stderr.contains("env finds no dumper -u on PATH"), "\(name): \(check.stderr)")
                #expect(check.stderr.contains("#!/usr/bin/env -S dumper -u"), "\(name): \(check.stderr)")
            }
        }
    }

    @Test("Windows line ends: the interpreter's name with a CR is named, and the printed sed, pasted, lets the kernel start it (in --root too)")
    func carriageReturn() throws {
        let scratch = try Self.build()
        defer { scratch.remove() }
        let root = scratch.dir + "/root"
        try FileManager.default.createDirectory(atPath: root + "/opt", withIntermediateDirectories: true)
        // Inside the root the interpreter is /dump; on this machine the script names the
        // copy by its host path, so the kernel can be asked before and after.
        try FileManager.default.copyItem(atPath: scratch.dir + "/dump", toPath: root + "/dump")
        for (target, interpreter, arguments) in [(scratch.dir + "/crlf", scratch.dir + "/dump", [String]()),
                                                 (root + "/opt/crlf", "/dump", ["--root", root])] {
            try "#!\(interpreter)\r\necho hi\r\n".write(toFile: target, atomically: true, encoding: .utf8)
            chmod(target, 0o755)
            let shown = arguments.isEmpty ? target : "/opt/crlf"
            let check = Command.ofdoctor(["check"] + arguments + [shown])
            #expect(check.status == 3)
            #expect(check.stderr.contains("its interpreter \(interpreter)\\x0d is not in the root"), "\(check.stderr)")
            let command = try #require(check.stderr.range(of: "; remove them: ").map { String(check.stderr[$0.upperBound...]) })
            #expect(command.hasPrefix("sed -i 's/\\r$//' "), "\(command)")
            if arguments.isEmpty { #expect(try Self.kernel(Array("\(interpreter)\r\n".utf8), in: scratch.dir, name: "probe") == ["ENOENT"]) }
            #expect(Command.run("/bin/sh", ["-c", command]).status == 0, "\(command)")
            let text = try String(contentsOfFile: target, encoding: .utf8)
            #expect(text == "#!\(interpreter)\necho hi\n")
            if arguments.isEmpty {
                let started = Command.run(scratch.dir + "/dump", ["--exec", target])
                #expect(started.stdout.split(separator: "\n").first.map(String.init) == Self.hex(Array(interpreter.utf8)), "\(started)")
            }
        }
    }

    /// What an image's Dockerfile step does, judged as Docker runs a RUN line: `/bin/sh -c` in
    /// the image's root (unpacked by the tests' own reader; its sh and `tool` are this machine's,
    /// with their libraries). The image holds `/dump` and `/opt/script`, which `write` makes;
    /// `check` of it must print `said` and the line after `marker`. Returns that line and the
    /// kernel's outcome of executing the script there before and after the line ran.
    static func imageStep(tool: String, write: String, said: String, marker: String,
                          sourceLocation: SourceLocation = #_sourceLocation) throws -> (line: String, before: String, after: String) {
        let scratch = try ScratchBuild("script-image", "R=$PWD/root" + MinimalRoot.prelude + #"""
            cat > dump.c <<'EOF'
            \#(Self.dumpSource)
            EOF
            gcc -o "$R/dump" dump.c
            mkdir -p "$R/bin" "$R/opt"
            for tool in /bin/sh \#(tool); do
              cp -L "$tool" "$R$tool"
              ldd "$tool" | awk '$3 ~ /^\// { print $3 }' | while read -r lib; do cp -nL "$lib" "$L/"; done
            done
            \#(write)
            """#)
        defer { scratch.remove() }
        let image = scratch.dir + "/image.tar"
        let made = Command.run("/usr/bin/env", ["python3", Command.packageRoot + "/Tests/Fixtures/make-image.py", image, "--root", scratch.dir + "/root",
                                                "--library", "usr/lib/x86_64-linux-gnu/libc.so.6"])
        try #require(made.status == 0, "\(made)", sourceLocation: sourceLocation)
        let check = Command.ofdoctor(["check", "--image", image, "/opt/script"])
        #expect(check.status == 3, sourceLocation: sourceLocation)
        let printed = check.stderr.trimmingCharacters(in: .newlines)
        #expect(printed.contains(said), "\(printed)", sourceLocation: sourceLocation)
        let line = try #require(printed.components(separatedBy: marker).dropFirst().first, "\(printed)", sourceLocation: sourceLocation)

        let unpacked = scratch.dir + "/unpacked"
        let unpack = Command.run("/usr/bin/env", ["python3", Command.packageRoot + "/Tests/Fixtures/unpack-image.py", image, unpacked])
        try #require(unpack.status == 0, "\(unpack)", sourceLocation: sourceLocation)
        func kernel() -> String {
            Command.run("/usr/bin/unshare", ["-m", "/usr/sbin/chroot", unpacked, "/dump", "--exec", "/opt/script"], environment: [:]).stdout
        }
        let before = kernel()
        guard line.hasPrefix("RUN ") else { return (line, before, before) }
        let run = Command.run("/usr/bin/unshare", ["-m", "/usr/sbin/chroot", unpacked, "/bin/sh", "-c", String(line.dropFirst("RUN ".count))],
                              environment: ["PATH": "/bin:/usr/bin"])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)", sourceLocation: sourceLocation)
        return (line, before, kernel())
    }

    /// In an image (`--image`) the file is not this machine's to edit: the step is a
    /// Dockerfile line, after which the kernel starts the script in the image.
    @Test("Windows line ends in an image: the Dockerfile line, run as RUN runs it in the unpacked image, lets the kernel start the script",
          .enabled(if: RealLoader.canRunRoots, "needs root (chroot in unshare -m)"))
    func carriageReturnInImage() throws {
        let step = try Self.imageStep(tool: "/bin/sed", write: #"printf '#!/dump\r\necho hi\r\n' > "$R/opt/script"; chmod 755 "$R/opt/script""#,
                                      said: "its interpreter /dump\\x0d is not in the root",
                                      marker: "; remove them in the image with this Dockerfile line: ")
        #expect(step.line == "RUN sed -i 's/\\r$//' /opt/script", "\(step.line)")
        #expect(step.before == "ENOENT\n")
        #expect(step.after.split(separator: "\n").first.map(String.init) == Self.hex(Array("/dump".utf8)), "\(step.after)")
    }

    @Test("A missing interpreter, one that is not executable, a directory, a link loop, and a #! line the kernel refuses")
    func refusals() throws {
        let scratch = try Self.build()
        defer { scratch.remove() }
        let dir = scratch.dir
        chmod(dir + "/dump.c", 0o644)
        try FileManager.default.createSymbolicLink(atPath: dir + "/loop-a", withDestinationPath: dir + "/loop-b")
        try FileManager.default.createSymbolicLink(atPath: dir + "/loop-b", withDestinationPath: "loop-a")
        for (name, line, kernel, said) in [("missing", "\(dir)/absent\n", "ENOENT", "its interpreter \(dir)/absent is not in the root"),
                                           ("plain", "\(dir)/dump.c\n", "EACCES", "may not execute \(dir)/dump.c (mode 0644, owner \(getuid()), group \(getgid())), its interpreter: the kernel refuses to start it (EACCES)"),
                                           ("directory", "\(dir)\n", "EACCES", "its interpreter \(dir) is not an executable file"),
                                           ("loop", "\(dir)/loop-a\n", "ELOOP", "its interpreter \(dir)/loop-a leads into a loop of symbolic links"),
                                           ("blank", "   \n", "ENOEXEC", "whose #! line names no interpreter")] {
            #expect(try Self.kernel(Array(line.utf8), in: dir, name: name) == [kernel], "\(name)")
            let check = Command.ofdoctor(["check", dir + "/" + name])
            #expect(check.status == 3 && check.stderr.contains(said), "\(name): \(check.stderr)")
        }
    }

    /// Scripts `c<count>-1` … `c<count>-<count>`, each naming the next as its interpreter and
    /// the last naming `dump`.
    static func chain(_ count: Int, in dir: String) throws -> String {
        for n in 1...count {
            let path = "\(dir)/c\(count)-\(n)"
            try "#!\(n == count ? dir + "/dump" : "\(dir)/c\(count)-\(n + 1)")\n".write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o755)
        }
        return "\(dir)/c\(count)-1"
    }

    @Test("An interpreter that is a script in turn: check follows the chain as far as the kernel does, and no further")
    func chains() throws {
        let scratch = try Self.build()
        defer { scratch.remove() }
        let dir = scratch.dir
        var lengthsThatRun: [Int] = []
        for count in 1...7 {
            let first = try Self.chain(count, in: dir)
            let kernel = Command.run(dir + "/dump", ["--exec", first]).stdout.split(separator: "\n").map(String.init)
            let check = Command.ofdoctor(["check", first])
            #expect(check.status == 3, "\(count): \(check)")
            if kernel == ["ELOOP"] {
                #expect(check.stderr.contains("the kernel follows at most 5 scripts in a row and refuses to start it (ELOOP"), "\(count): \(check.stderr)")
                continue
            }
            // dump ran, handed the chain's scripts, the last one first
            lengthsThatRun.append(count)
            #expect(kernel.first == Self.hex(Array((dir + "/dump").utf8)) && kernel.count == count + 1, "\(count): \(kernel)")
            let its = count == 1 ? "its" : "that one's"
            #expect(check.stderr.contains("; the loader starts \(its) interpreter, \(dir)/dump: "), "\(count): \(check.stderr)")
            if count > 1 { #expect(check.stderr.contains("; \(dir)/c\(count)-\(count) is a script too (#!\(dir)/dump)"), "\(check.stderr)") }
            let command = try #require(check.stderr.range(of: "/dump: ").map { String(check.stderr[$0.upperBound...]) })
            let pasted = Command.run("/bin/sh", ["-c", command], environment: ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"])
            #expect(pasted.status == 0 && pasted.stdout.contains("will start"), "\(command): \(pasted)")
        }
        #expect(lengthsThatRun == [1, 2, 3, 4, 5], "the kernel's limit, measured")
    }

    @Test("A script without an execute bit: refused as the kernel refuses it, and the printed chmod, pasted, lets the kernel start it")
    func scriptExecuteBit() throws {
        let scratch = try Self.build()
        defer { scratch.remove() }
        let script = scratch.dir + "/no-x"
        try "#!\(scratch.dir)/dump\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o644)
        #expect(Command.run(scratch.dir + "/dump", ["--exec", script]).stdout == "EACCES\n")
        let check = Command.ofdoctor(["check", script])
        #expect(check.status == 3)
        #expect(check.stderr.contains("may not execute \(script) (mode 0644"), "\(check.stderr)")
        let command = try #require(check.stderr.range(of: "; give it an execute bit: ").map { String(check.stderr[$0.upperBound...]) })
        #expect(Command.run("/bin/sh", ["-c", command]).status == 0, "\(command)")
        let started = Command.run(scratch.dir + "/dump", ["--exec", script])
        #expect(started.stdout.split(separator: "\n").first.map(String.init) == Self.hex(Array((scratch.dir + "/dump").utf8)), "\(started)")
    }

    /// In an image the step is a Dockerfile line, run as Docker runs RUN, after which the
    /// kernel starts the script there.
    @Test("A script without an execute bit in an image: the RUN chmod line, run as RUN runs it, lets the kernel start it",
          .enabled(if: RealLoader.canRunRoots, "needs root (chroot in unshare -m)"))
    func scriptExecuteBitInImage() throws {
        let step = try Self.imageStep(tool: "/bin/chmod", write: #"printf '#!/dump\n' > "$R/opt/script"; chmod 644 "$R/opt/script""#,
                                      said: "and root may not execute /opt/script (mode 0644",
                                      marker: "; give it an execute bit in the image with this Dockerfile line: ")
        #expect(step.line == "RUN chmod a+x /opt/script", "\(step.line)")
        #expect(step.before == "EACCES\n")
        #expect(step.after.split(separator: "\n").first.map(String.init) == Self.hex(Array("/dump".utf8)), "\(step.after)")
    }

    /// The same permissions for `--user`: the script's class bits and the interpreter's, as
    /// the kernel judges them for uid 1000 (started through setpriv).
    @Test("--user: a script or an interpreter that user may not execute, as the kernel refuses it for that user",
          .enabled(if: HostSecureExecutionTests.available, "\(RealLoader.setIDUnavailableReason), gcc, setpriv, and a directory uid 1000 can reach"))
    func userPermissions() throws {
        let work = try HostSecureExecutionTests.makeDirectory(setup: """
            cat > dump.c <<'EOF'
            \(Self.dumpSource)
            EOF
            gcc -o dump dump.c
            cp dump private; chmod 700 private
            printf '#!%s/private\\n' "$PWD" > via-private; chmod 755 via-private
            printf '#!%s/dump\\n' "$PWD" > owner-only; chmod 744 owner-only
            """)
        defer { try? FileManager.default.removeItem(atPath: work) }
        func asUser(_ script: String) -> String {
            Command.run("/usr/bin/setpriv", HostSecureExecutionTests.asUser + [work + "/dump", "--exec", work + "/" + script]).stdout
        }
        let dumpHex = Self.hex(Array((work + "/dump").utf8))
        #expect(asUser("via-private") == "EACCES\n")
        let viaPrivate = Command.ofdoctor(["check", "--user", "1000:1000", work + "/via-private"])
        #expect(viaPrivate.status == 3)
        #expect(viaPrivate.stderr.contains("and uid 1000 (gid 1000) may not execute \(work)/private (mode 0700, owner 0, group 0), its interpreter: the kernel refuses to start it (EACCES)"),
                "\(viaPrivate.stderr)")
        // root, with the owner's execute bit, starts it
        #expect(Command.ofdoctor(["check", work + "/via-private"]).stderr.contains("the loader starts its interpreter, \(work)/private: "))

        #expect(asUser("owner-only") == "EACCES\n")
        let ownerOnly = Command.ofdoctor(["check", "--user", "1000:1000", work + "/owner-only"])
        #expect(ownerOnly.status == 3)
        #expect(ownerOnly.stderr.contains("and uid 1000 (gid 1000) may not execute \(work)/owner-only (mode 0744, owner 0, group 0)"), "\(ownerOnly.stderr)")
        let command = try #require(ownerOnly.stderr.range(of: "; give it an execute bit: ").map { String(ownerOnly.stderr[$0.upperBound...]) })
        #expect(Command.run("/bin/sh", ["-c", command]).status == 0, "\(command)")
        #expect(asUser("owner-only").split(separator: "\n").first.map(String.init) == dumpHex)
    }
}

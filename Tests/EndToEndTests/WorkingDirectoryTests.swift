import Foundation
import Testing

/// On this machine's own root, a relative or empty `LD_LIBRARY_PATH` element is the
/// directory the program is started from: without `--cwd`, ofdoctor takes its own, as the
/// program started from the same shell would. The real loader on the host is the judge.
@Suite("The working directory of this machine's programs is the caller's", .serialized)
struct WorkingDirectoryTests {
    static var isAvailable: Bool {
        HostileCLI.isAvailable && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc")
    }

    @Test("LD_LIBRARY_PATH '/nonexistent:' finds the library in the caller's directory, and only there",
          .enabled(if: isAvailable, "needs gcc and the built ofdoctor"))
    func emptyElementIsTheCallersDirectory() throws {
        let scratch = try ScratchBuild("cwd", """
            mkdir lib
            echo 'int f(void) { return 0; }' > f.c
            echo 'int f(void); int main(void) { return f(); }' > m.c
            gcc -shared -fPIC -o lib/libcwdtest.so.1 -Wl,-soname,libcwdtest.so.1 f.c
            gcc -o prog m.c lib/libcwdtest.so.1
            """)
        defer { scratch.remove() }
        let dir = scratch.dir
        let environment = HostileCLI.baseEnvironment.merging(["LD_LIBRARY_PATH": "/nonexistent:"]) { $1 }
        for (cwd, starts) in [(dir + "/lib", true), (dir, false)] {
            let real = Command.run("/bin/sh", ["-c", "cd \"$0\" && exec \"$1\"", cwd, dir + "/prog"], environment: environment)
            #expect((real.status == 0) == starts, "the loader from \(cwd): \(real.status) \(real.stderr)")
            let check = Command.run("/bin/sh", ["-c", "cd \"$0\" && exec \"$1\" check \"$2\"", cwd, HostileCLI.binaryPath, dir + "/prog"],
                                    environment: environment)
            #expect((check.status == 0) == starts, "check from \(cwd): \(check.status) \(check.stdout)")
        }
        // A program named by a relative path is found from the caller's directory too;
        // with --cwd, from that directory.
        let found = HostileCLI.baseEnvironment.merging(["LD_LIBRARY_PATH": dir + "/lib"]) { $1 }
        let relative = Command.run("/bin/sh", ["-c", "cd \"$0\" && exec \"$1\" check ./prog", dir, HostileCLI.binaryPath],
                                   environment: found)
        #expect(relative.status == 0 && relative.stdout.contains(dir + "/prog"), "\(relative.stdout) \(relative.stderr)")
        let elsewhere = Command.run("/bin/sh", ["-c", "cd / && exec \"$0\" check --cwd \"$1\" ./prog", HostileCLI.binaryPath, dir],
                                    environment: found)
        #expect(elsewhere.status == 0 && elsewhere.stdout.contains(dir + "/prog"), "\(elsewhere.stdout) \(elsewhere.stderr)")
    }

    /// A relative PT_INTERP is opened by the kernel from the working directory: the program
    /// starts from the directory that holds the loader and from no other. check says so
    /// from the caller's directory, or from `--cwd`.
    @Test("a relative PT_INTERP: the program starts exactly where check, from the same directory, says it does",
          .enabled(if: isAvailable && FileManager.default.isExecutableFile(atPath: "/usr/bin/patchelf"),
                   "needs gcc, patchelf and the built ofdoctor"))
    func relativeInterpreterIsTheCallersDirectory() throws {
        let scratch = try ScratchBuild("interp", """
            mkdir bin
            echo 'int main(void) { return 0; }' > m.c
            gcc -o bin/prog m.c
            cp /lib64/ld-linux-x86-64.so.2 bin/ld.so
            patchelf --set-interpreter ld.so bin/prog
            """)
        defer { scratch.remove() }
        let dir = scratch.dir
        for (cwd, starts) in [(dir + "/bin", true), (dir, false)] {
            let real = Command.run("/bin/sh", ["-c", "cd \"$0\" && exec \"$1\"", cwd, dir + "/bin/prog"], environment: HostileCLI.baseEnvironment)
            #expect((real.status == 0) == starts, "the kernel from \(cwd): \(real.status) \(real.stderr)")
            let check = Command.run("/bin/sh", ["-c", "cd \"$0\" && exec \"$1\" check \"$2\"", cwd, HostileCLI.binaryPath, dir + "/bin/prog"],
                                    environment: HostileCLI.baseEnvironment)
            #expect((check.status == 0) == starts, "check from \(cwd): \(check.status) \(check.stdout)")
            if !starts { #expect(check.stdout.contains("LD001") && check.stdout.contains("relative to the working directory"), "\(check.stdout)") }
            let given = Command.run("/bin/sh", ["-c", "cd / && exec \"$0\" check --cwd \"$1\" \"$2\"", HostileCLI.binaryPath, cwd, dir + "/bin/prog"],
                                    environment: HostileCLI.baseEnvironment)
            #expect((given.status == 0) == starts, "check --cwd \(cwd): \(given.status) \(given.stdout)")
        }
    }
}

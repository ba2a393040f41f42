import Foundation
import Testing

/// Files that pass the loader's first look (an ELF of the right class and machine) but that
/// it refuses as it maps them (elf/dl-load.c `_dl_map_object_from_fd`): an executable, a
/// PIE, a debug-only copy without a dynamic section, and the program itself named as a
/// dependency. Each stops the program, the message names the library as requested, and a
/// good copy later on the path does not help. Judged by the glibc 2.31 loader of the
/// bullseye root (the image's glibc); the rule roots (RuleRootDifferentialTests) do the same
/// under this machine's loader.
@Suite("Files the loader refuses as it maps them, on a glibc 2.31 root", .serialized)
struct MappingRefusalTests {
    static var isAvailable: Bool { Glibc231HWCapsTests.isAvailable }

    /// A root with the bullseye root's ld.so and libc, a good libgood.so.1 in /app/good, and
    /// per case a program whose dependency is first met in /app/KIND (LD_LIBRARY_PATH
    /// /app/KIND:/app/good).
    static func makeRoot() throws -> String {
        let work = try ImageE2E.temporaryDirectory()
        let script = #"""
            set -e; B=$1; W=$2; R=$W/root; L=$R/usr/lib/x86_64-linux-gnu
            mkdir -p "$L" "$R/usr/lib64" "$R/usr/bin" "$R/etc" "$R/proc" "$R/app/good" "$R/app/exec" "$R/app/pie" "$R/app/debug"
            ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"; ln -s usr/bin "$R/bin"
            cp -a "$B/usr/lib/x86_64-linux-gnu/ld-2.31.so" "$B/usr/lib/x86_64-linux-gnu/libc-2.31.so" \
                  "$B/usr/lib/x86_64-linux-gnu/libc.so.6" "$L/"
            ln -s /lib/x86_64-linux-gnu/ld-2.31.so "$R/usr/lib64/ld-linux-x86-64.so.2"
            cd "$W"
            echo 'int good(void) { return 0; }' > good.c
            gcc -shared -fPIC -nostdlib -o "$R/app/good/libgood.so.1" -Wl,-soname,libgood.so.1 good.c
            printf '%s\n' 'void _start(void) { __asm__ volatile ("syscall" :: "a"(60), "D"(0)); for (;;) {} }' > exe.c
            gcc -nostdlib -no-pie -fno-stack-protector -o exe exe.c
            for kind in exec pie debug self; do
              cp "$B/usr/bin/true" "$R/app/prog-$kind"
              case $kind in
                exec) cp exe "$R/app/exec/libgood.so.1" ;;
                pie) cp "$B/usr/bin/env" "$R/app/pie/libgood.so.1" ;;
                debug) objcopy --only-keep-debug "$R/app/good/libgood.so.1" "$R/app/debug/libgood.so.1" ;;
              esac
              if [ $kind = self ]; then patchelf --add-needed /app/prog-self "$R/app/prog-self"
              else patchelf --add-needed libgood.so.1 "$R/app/prog-$kind"; fi
            done
            gcc -static -O2 -o "$R/launch" "$3"
            """#
        let built = ImageE2E.run("/bin/bash", ["-c", script, "sh", Glibc231HWCapsTests.bullseye, work,
                                               FixtureRoot.scriptsDirectory + "/src/launch.c"])
        try #require(built.status == 0, "\(built.stderr)")
        return work + "/root"
    }

    @Test("the 2.31 loader stops at each with its message; check names the same library and message, exit 2",
          .enabled(if: isAvailable, "needs root, gcc, patchelf and the bullseye root (bash scripts/debian-root.sh bullseye)"),
          arguments: ["exec", "pie", "debug", "self"])
    func refusedWhenMapped(_ kind: String) throws {
        let root = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let path = "/app/\(kind):/app/good"
        let environment = ["LD_LIBRARY_PATH": path]
        let program = "/app/prog-" + kind
        let real = RealLoader.list(root: root, program: program, environment: environment)
        let marker = "error while loading shared libraries: "
        let line = try #require(real.stderr.components(separatedBy: "\n").first { $0.contains(marker) }, "\(real)")
        let stop = String(line[line.range(of: marker)!.upperBound...])
        let expected = ["exec": "libgood.so.1: cannot dynamically load executable",
                        "pie": "libgood.so.1: cannot dynamically load position-independent executable",
                        "debug": "libgood.so.1: object file has no dynamic section",
                        "self": "/app/prog-self: cannot dynamically load position-independent executable"][kind]
        #expect(stop == expected, "the loader said: \(line)")

        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "--env", "LD_LIBRARY_PATH=" + path, program])
        #expect(check.status == 2 || check.status == 1, "\(check.stdout) \(check.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        let findings = try #require(document["findings"] as? [[String: Any]])
        let messages = findings.compactMap { $0["loaderMessage"] as? String }
        #expect(messages.first == "\(program): \(marker)\(stop)", "\(messages)")
        #expect(findings.first?["id"] as? String == "LD010", "\(findings.map { $0["id"] ?? "" })")
    }
}

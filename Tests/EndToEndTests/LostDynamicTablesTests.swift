import Foundation
import Testing

/// A library whose dynamic section lacks what relocation reads: no `DT_STRTAB` (with names to
/// read from it, or none), no `DT_SYMTAB`, constructors (`DT_INIT_ARRAY`) with their relocations gone — as a dynamic
/// section cut short and read on as zeros leaves it, or a file damaged by hand. The loader maps
/// it without complaint and dies of SIGSEGV when it relocates it (a null table pointer, or a
/// constructor pointer no relocation fixed); a `DT_SYMTAB` of 0 is read at the start of the
/// file, defines nothing, and the program dies at its first call. Judged by this machine's
/// loader, each against `ofdoctor check`.
@Suite("Libraries without the tables relocation reads: what the loader does, against the real loader", .serialized)
struct LostDynamicTablesTests {
    static var canBuild: Bool { SonameFileTests.canBuild }

    struct Damage: CustomTestStringConvertible, Sendable {
        var label: String
        /// Dynamic tags dropped (the entries after them move up), and a tag whose value is set
        /// to `value` (0 unless said).
        var dropped: [Int64]
        var changed: Int64?
        var value: UInt64 = 0
        /// Linked with libc, so that its dynamic section has a DT_NEEDED.
        var needsLibc = false
        /// The real loader's status, and the check's first error: its id and a text its summary
        /// (or loader line) holds.
        var status: Int32
        var finding: (id: String, text: String)?

        var testDescription: String { label }
    }

    static let damages = [
        Damage(label: "whole: the program runs", dropped: [], status: 0, finding: nil),
        Damage(label: "no DT_STRTAB (nor the DT_SONAME that needs it)", dropped: [14, 5], status: 128 + SIGSEGV,
               finding: ("LD010", "has no DT_STRTAB: the loader dies of SIGSEGV relocating it")),
        Damage(label: "a DT_SONAME and no DT_STRTAB", dropped: [5], status: 128 + SIGSEGV,
               finding: ("LD010", "has no DT_STRTAB: the loader dies of SIGSEGV")),
        Damage(label: "a DT_NEEDED and no DT_STRTAB", dropped: [5], needsLibc: true, status: 128 + SIGSEGV,
               finding: ("LD010", "has no DT_STRTAB: the loader dies of SIGSEGV")),
        Damage(label: "no DT_SYMTAB", dropped: [6], status: 128 + SIGSEGV,
               finding: ("LD010", "has no DT_SYMTAB: the loader dies of SIGSEGV relocating it")),
        Damage(label: "constructors whose relocations are gone", dropped: [7, 8, 9, 0x6fff_fff9], status: 128 + SIGSEGV,
               finding: ("LD010", "has a DT_INIT_ARRAY but no relocations to fix its pointers")),
        Damage(label: "DT_SYMTAB 0: the table read is the file's start, which defines nothing", dropped: [], changed: 6,
               status: 127, finding: ("LD004", "symbol lookup error: /app/prog: undefined symbol: seven")),
        Damage(label: "DT_RELA and no DT_RELAENT: x86-64's check of the entry size reads the missing entry", dropped: [9],
               status: 128 + SIGSEGV, finding: ("LD010", "has DT_RELA but no DT_RELAENT: the loader dies of SIGSEGV loading it")),
        Damage(label: "DT_STRSZ 1, names past it: the loader reads them to their NUL all the same", dropped: [], changed: 10,
               value: 1, needsLibc: true, status: 0, finding: nil),
    ]

    @Test("each damage: the real loader's outcome, and the check's first finding",
          .enabled(if: canBuild, "needs root (chroot in unshare -m) and gcc"), arguments: damages)
    func damaged(_ damage: Damage) throws {
        let work = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        let script = #"""
            set -e; W=$1; R=$W/root
            """# + MinimalRoot.prelude + #"""
            cd "$W"
            printf '%s\n' 'static int base = 3; int *const p = &base;' \
                '__attribute__((constructor)) static void start(void) { base += 4; }' \
                'int seven(void) { return *p; }' > seven.c
            gcc -shared -fPIC -nostdlib -o "$L/libseven.so.1" -Wl,-soname,libseven.so.1 seven.c $6
            printf '%s\n' "$2" > prog.c
            gcc -nostdlib -fno-stack-protector -o "$R/app/prog" prog.c "$L/libseven.so.1" -Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2
            gcc -static -O2 -o "$R/launch" "$5"
            python3 - "$L/libseven.so.1" "$3" "$4" "$7" <<'PY'
            import struct, sys
            path, dropped, changed, value = sys.argv[1], [int(t) for t in sys.argv[2].split()], int(sys.argv[3]), int(sys.argv[4])
            data = bytearray(open(path, 'rb').read())
            phoff, phnum = struct.unpack_from('<Q', data, 32)[0], struct.unpack_from('<H', data, 56)[0]
            dyn = next(struct.unpack_from('<Q', data, phoff + 56 * k + 8)[0] for k in range(phnum)
                       if struct.unpack_from('<I', data, phoff + 56 * k)[0] == 2)
            entries, at = [], dyn
            while True:
                tag, v = struct.unpack_from('<qQ', data, at)
                if tag == 0: break
                entries.append((tag, value if tag == changed else v)); at += 16
            kept = [e for e in entries if e[0] not in dropped]
            for k in range(len(entries) + 1):
                struct.pack_into('<qQ', data, dyn + 16 * k, *(kept[k] if k < len(kept) else (0, 0)))
            open(path, 'wb').write(data)
            PY
            """#
        let built = ImageE2E.run("/bin/bash", ["-c", script, "sh", work, MinimalRoot.program(calling: ["seven"], expected: 7),
                                               damage.dropped.map(String.init).joined(separator: " "), String(damage.changed ?? -1),
                                               FixtureRoot.scriptsDirectory + "/src/launch.c", damage.needsLibc ? "-Wl,--no-as-needed -lc" : "",
                                               String(damage.value)])
        try #require(built.status == 0, "\(built.stderr)")

        let real = RealLoader.run(root: root, program: "/app/prog", argv0: "/app/prog", environment: [:])
        #expect(real.status == damage.status, "\(real)")
        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "/app/prog"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check.stderr)")
        let errors = (document["findings"] as? [[String: Any]] ?? []).filter { $0["severity"] as? String == "error" }
        guard let expected = damage.finding else {
            #expect(check.status == 0 && errors.isEmpty, "\(check.stdout)")
            return
        }
        let first = try #require(errors.first, "\(check.stdout)")
        #expect(first["id"] as? String == expected.id, "\(errors.map { $0["id"] ?? "" })")
        let said = (first["summary"] as? String ?? "") + " " + (first["loaderMessage"] as? String ?? "")
        #expect(said.contains(expected.text), "\(said)")
        if real.status == 127 {
            #expect(real.stderr.contains(expected.text), "the loader's own line: \(real)")
        } else {
            #expect(first["loaderMessage"] is NSNull || first["loaderMessage"] == nil, "a crash prints nothing: \(first)")
        }
    }
}

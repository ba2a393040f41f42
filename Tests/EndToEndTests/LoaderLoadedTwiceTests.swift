import Foundation
import Testing

/// The dynamic loader answers only to the program's PT_INTERP string and its soname: a
/// DT_NEEDED entry or preload reaching it by another path (or reaching another copy of it)
/// maps a second loader, and the first dies of SIGFPE relocating itself. The loaders of this
/// machine (glibc 2.36) and of the trixie root (2.41) are the judges, in a root with /lib64
/// linked to usr/lib64 as a merged-/usr system has it.
@Suite("A second copy of the dynamic loader, as the real loaders die of it", .serialized)
struct LoaderLoadedTwiceTests {
    /// The program's name in /app, the name patchelf adds to its DT_NEEDED (nil: none), its
    /// LD_PRELOAD.
    static let cases: [(program: String, needed: String?, preload: String?)] = [
        ("plain", nil, nil),
        ("interp", "/lib64/ld-linux-x86-64.so.2", nil),
        ("soname", "ld-linux-x86-64.so.2", nil),
        ("usr", "/usr/lib64/ld-linux-x86-64.so.2", nil),
        ("copy", "/app/lib/ld-copy.so", nil),
        ("preloaded", nil, "/usr/lib64/ld-linux-x86-64.so.2"),
    ]

    @Test("check names LD036 exactly where the loader dies of its second copy",
          .enabled(if: RealLoader.canRunRoots && !HWCapsTunableTests.loaders.isEmpty
                    && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") && FileManager.default.isExecutableFile(atPath: "/usr/bin/patchelf"),
                   "needs root (chroot in unshare -m), gcc and patchelf"))
    func secondLoader() throws {
        let adds = Self.cases.map { item in
            "cp main \"$R/app/\(item.program)\"" + (item.needed.map { " && patchelf --add-needed \($0) \"$R/app/\(item.program)\"" } ?? "")
        }
        for source in HWCapsTunableTests.loaders {
            let work = try HWCapsTunableTests.makeRoot(source: source, script: """
                printf '%s\\n' '#include <stdio.h>' 'int main(void) { puts("started"); return 0; }' > main.c
                gcc -o main main.c
                cp "$R/usr/lib64/ld-linux-x86-64.so.2" "$A/ld-copy.so"
                \(adds.joined(separator: "\n"))
                """)
            defer { try? FileManager.default.removeItem(atPath: work) }
            let root = work + "/root"
            var died = 0
            for item in Self.cases {
                let environment = item.preload.map { ["LD_PRELOAD": $0] } ?? [:]
                let real = RealLoader.run(root: root, program: "/app/" + item.program, argv0: item.program, environment: environment)
                #expect(real.status == 0 && real.stdout == "started\n" || real.status == 136, "\(source) \(item.program): \(real)")
                if real.status == 136 { died += 1 }
                let arguments = item.preload.map { ["--env", "LD_PRELOAD=" + $0] } ?? []
                let check = Command.ofdoctor(["check", "--root", root, "--format", "json"] + arguments + ["/app/" + item.program])
                let report = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check.stderr)")
                let ids = (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                #expect(ids == (real.status == 136 ? ["LD036"] : []), "\(source) \(item.program): the loader exits \(real.status); check says \(ids)")
                #expect((check.status == 0) == (real.status == 0), "\(source) \(item.program): \(check.stdout)")
            }
            #expect(died == 3, "\(source): the loader died \(died) times, not of the three second copies")
        }
    }
}

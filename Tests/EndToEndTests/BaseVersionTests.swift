import Foundation
import Testing

/// A definition at version index 1 (`*global*`) of an object whose version definitions hold
/// only its base version (`VER_FLG_BASE`, named after the file): the loader never enters the
/// base version in `l_versions` (dl-version.c: "not available for matching a versioned
/// symbol"), so index 1 has hash 0 and such a definition binds a versioned reference that is
/// not hidden (dl-lookup.c `check_match`). A big-root sweep met it in LLVM's sanitizer
/// runtimes, which define `pthread_create` this way; the check called those references
/// unbound. Judged by the real loader: `ldd -r`'s trace and a run.
@Suite("A definition at the base version's index binds a versioned reference, as the loader binds it")
struct BaseVersionTests {
    static var canBuild: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") }

    /// `libneed.so` calls `bar@VER_2`, linked against a `libdef.so.1` that had it; the
    /// `libdef.so.1` present defines VER_2 but not `bar`. `exported` defines `bar` itself,
    /// exported at index 1 of a program with version definitions (a version script naming
    /// only `top`); `private` defines it but does not export it.
    static func build() throws -> ScratchBuild {
        try ScratchBuild("base-version", """
            printf 'int baz(void) { return 1; }\\nint bar(void) { return 2; }\\n' > def.c
            printf 'VER_1 { global: baz; local: *; }; VER_2 { global: bar; } VER_1;\\n' > v2.map
            printf 'int baz(void) { return 1; }\\nint other(void) { return 5; }\\n' > def3.c
            printf 'VER_1 { global: baz; local: *; }; VER_2 { global: other; } VER_1;\\n' > v3.map
            printf 'int bar(void); int baz(void);\\nint need(void) { return bar() + baz(); }\\n' > need.c
            printf 'int need(void);\\nint bar(void) { return 42; }\\nint top(void) { return 0; }\\nint main(void) { return need(); }\\n' > main.c
            printf 'V1 { global: top; };\\n' > top.map
            mkdir -p build run
            gcc -shared -fPIC -o build/libdef.so.1 -Wl,-soname,libdef.so.1 -Wl,--version-script=v2.map def.c
            gcc -shared -fPIC -o run/libneed.so -Wl,-soname,libneed.so -Wl,-rpath,'$ORIGIN' need.c build/libdef.so.1
            gcc -shared -fPIC -o run/libdef.so.1 -Wl,-soname,libdef.so.1 -Wl,--version-script=v3.map def3.c
            gcc -o run/exported main.c run/libneed.so -Wl,-rpath,'$ORIGIN' -Wl,--export-dynamic -Wl,--version-script=top.map -Wl,--allow-shlib-undefined
            gcc -o run/private main.c run/libneed.so -Wl,-rpath,'$ORIGIN' -Wl,--allow-shlib-undefined
            readelf -V run/exported | grep -q 'Flags: BASE'
            """)
    }

    @Test("the program's bar at index 1 binds libneed's bar@VER_2: the loader starts it, check says so; unexported, both say bar@VER_2 is undefined",
          .enabled(if: canBuild, "needs gcc"))
    func baseIndexBinds() throws {
        let scratch = try Self.build()
        defer { scratch.remove() }
        let bindNow = ["LD_BIND_NOW": "1", "PATH": "/usr/bin:/bin"]
        for (program, starts) in [("exported", true), ("private", false)] {
            let path = scratch.dir + "/run/" + program
            let run = Command.run(path, [], environment: bindNow)
            let trace = Command.run("/lib64/ld-linux-x86-64.so.2", [path],
                                    environment: ["LD_TRACE_LOADED_OBJECTS": "1", "LD_BIND_NOW": "1", "LD_WARN": "1"])
            let undefined = (trace.stdout + trace.stderr).contains("undefined symbol: bar, version VER_2")
            #expect((run.status == 43) == starts && undefined == !starts, "\(program): exit \(run.status), trace \(trace.stdout) \(trace.stderr)")
            let check = Command.ofdoctor(["check", "--format", "json", path])
            #expect((check.status == 0) == starts, "\(program): \(check.stdout)")
            #expect(check.stdout.contains("\"name\" : \"bar\"") == !starts, "\(program): \(check.stdout)")
        }
    }
}

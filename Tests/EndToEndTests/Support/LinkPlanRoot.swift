import Foundation

/// A scratch root whose plan is one link and ldconfig: `/app/prog` needs `libfoo.so.1`,
/// which only `/opt/vendor/lib` holds, and with no `ld.so.conf` to list that directory in,
/// the plan links the library into the default directory (`MinimalRoot` otherwise, and the
/// static `/launch` the real loader's runs start it with).
enum LinkPlanRoot {
    static let program = "/app/prog"
    static let link = "/usr/lib/x86_64-linux-gnu/libfoo.so.1"
    static let library = "/opt/vendor/lib/libfoo.so.1"

    /// Builds it under a new temporary directory; returns the root's path (remove its parent).
    static func make(_ label: String) throws -> String {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-\(label)-\(UUID().uuidString)").path
        let script = #"""
            set -e
            W=$1 R=$1/root
            mkdir -p "$R"
            """# + MinimalRoot.prelude + #"""
            rm "$R/etc/ld.so.conf"
            mkdir -p "$R/opt/vendor/lib"
            cd "$W"
            echo 'int seven(void) { return 7; }' > foo.c
            gcc -shared -fPIC -nostdlib -o "$R/opt/vendor/lib/libfoo.so.1" -Wl,-soname,libfoo.so.1 foo.c
            printf '%s\n' "$2" > prog.c
            gcc -nostdlib -fno-stack-protector -o "$R/app/prog" prog.c "$R/opt/vendor/lib/libfoo.so.1" \
                -Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2
            chroot "$R" /sbin/ldconfig
            gcc -static -O2 -o "$R/launch" "$3"
            """#
        let built = Command.run("/bin/bash", ["-c", script, "sh", work, MinimalRoot.program(calling: ["seven"], expected: 7),
                                              FixtureRoot.scriptsDirectory + "/src/launch.c"],
                                environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        guard built.status == 0 else {
            try? FileManager.default.removeItem(atPath: work)
            throw Failure(description: "building the root: \(built.stderr)")
        }
        return work + "/root"
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }
}

/// Shell lines that make the smallest root a program of this machine starts in: a merged
/// `/usr` at `$R` with this machine's loader, libc and ldconfig, an `ld.so.conf` that includes
/// `ld.so.conf.d/*.conf`, and empty `/app` and `/proc`; `$L` is its library directory. It
/// starts and ends with a newline, to go between a script's lines.
/// Tests add their libraries and a program without libc (`prelude` + their own lines, run by
/// bash with `set -e`).
enum MinimalRoot {
    static let prelude = "\n" + #"""
        L=$R/usr/lib/x86_64-linux-gnu
        mkdir -p "$L" "$R/usr/lib64" "$R/usr/sbin" "$R/etc/ld.so.conf.d" "$R/app" "$R/proc"
        ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"; ln -s usr/sbin "$R/sbin"
        cp -L /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$R/usr/lib64/ld-linux-x86-64.so.2"
        cp -L /lib/x86_64-linux-gnu/libc.so.6 "$L/libc.so.6"
        cp /sbin/ldconfig "$R/usr/sbin/ldconfig"
        echo 'include /etc/ld.so.conf.d/*.conf' > "$R/etc/ld.so.conf"

        """#

    /// The line that builds the root's static `/launch`, with which run-in-root.sh sets a
    /// program's argv[0] and environment.
    static var launcher: String {
        #"gcc -static -O2 -o "$R/launch" '"# + FixtureRoot.scriptsDirectory + "/src/launch.c'\n"
    }

    /// Lines that build a library at `path` (a shell word: `$R/opt/lib/libfoo.so.1`) whose
    /// soname is its file name, defining `int function(void)` that returns `value`.
    static func library(_ path: String, function: String, returning value: Int) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return "echo 'int \(function)(void) { return \(value); }' > \(function).c\n"
            + #"gcc -shared -fPIC -nostdlib -o "\#(path)" -Wl,-soname,\#(name) \#(function).c"# + "\n"
    }

    /// Lines that build the program at `path` (`program(calling:expected:)`) against
    /// `libraries` (shell words), with `flags` for the link.
    static func program(_ path: String, calling functions: [String], expected: Int, linkedWith libraries: [String],
                        flags: String = "") -> String {
        "printf '%s\\n' '\(program(calling: functions, expected: expected))' > main.c\n"
            + #"gcc -nostdlib -o "\#(path)" main.c "# + libraries.map { "\"\($0)\"" }.joined(separator: " ") + " " + flags + "\n"
    }

    /// C for a program without libc that calls `functions` (each `int f(void)`) and exits with
    /// their sum minus `expected`: 0 when every one returned what the test meant.
    static func program(calling functions: [String], expected: Int) -> String {
        let declarations = functions.map { "int \($0)(void);" }.joined(separator: " ")
        let sum = functions.map { "\($0)()" }.joined(separator: " + ")
        return declarations + " void _start(void) { long s = \(sum); "
            + #"__asm__ volatile ("syscall" :: "a"(60), "D"(s - \#(expected))); for (;;) {} }"#
    }
}

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

    /// C for a program without libc that calls `functions` (each `int f(void)`) and exits with
    /// their sum minus `expected`: 0 when every one returned what the test meant.
    static func program(calling functions: [String], expected: Int) -> String {
        let declarations = functions.map { "int \($0)(void);" }.joined(separator: " ")
        let sum = functions.map { "\($0)()" }.joined(separator: " + ")
        return declarations + " void _start(void) { long s = \(sum); "
            + #"__asm__ volatile ("syscall" :: "a"(60), "D"(s - \#(expected))); for (;;) {} }"#
    }
}

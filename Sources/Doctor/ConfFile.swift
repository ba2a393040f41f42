import Support

/// A file in `/etc/ld.so.conf.d/` that a `conf` fix writes.
public enum ConfFile {
    /// The file's text: a comment, then one directory a line (ldconfig(8) ignores `#` lines).
    public static func contents(directories: [String]) -> String {
        (["# Written by ofdoctor fix --apply; `ofdoctor undo` removes it."] + directories)
            .joined(separator: "\n") + "\n"
    }

    /// The same file in a repaired image, where no journal exists to undo it.
    public static func imageContents(directories: [String]) -> String {
        (["# Written by ofdoctor fix --image in a layer of its own; the image without that layer is the original."]
            + directories).joined(separator: "\n") + "\n"
    }
}

import ELFInspect
import RootFS
import Support

/// A file in `/etc/ld.so.conf.d/` that a `conf` fix writes.
public enum ConfFile {
    /// The file's text: a comment, then one directory a line (ldconfig(8) ignores `#` lines).
    public static func contents(directories: [String]) -> String {
        (["# Written by ofdoctor fix --apply; `ofdoctor undo` removes it."] + directories)
            .joined(separator: "\n") + "\n"
    }

    /// The directories the file at `path` in `root` lists (ld.so.conf's syntax: one a line,
    /// `#` comments), in order; empty when there is no such regular file.
    public static func directories(in root: RootView, at path: RootPath) -> [String] {
        guard let resolved = (try? root.resolve(path)) ?? nil, resolved.entry.kind == .file,
              let bytes = try? root.contents(of: resolved.path) else { return [] }
        var result: [String] = []
        for line in ByteString.decode(bytes.buffer).split(separator: "\n") {
            let text = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let directory = String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
            if !directory.isEmpty, !result.contains(directory) { result.append(directory) }
        }
        return result
    }

    /// The same file in a repaired image, where no journal exists to undo it.
    public static func imageContents(directories: [String]) -> String {
        (["# Written by ofdoctor fix --image in a layer of its own; the image without that layer is the original."]
            + directories).joined(separator: "\n") + "\n"
    }
}

import ELFInspect
import LoaderModel
import RootFS
import Support

/// A file in `/etc/ld.so.conf.d/` that a `conf` fix writes.
public enum ConfFile {
    /// The file's text: a comment (`header`: what wrote it, and what undoes it), then one
    /// directory a line (ldconfig(8) ignores `#` lines).
    public static func contents(directories: [String], header: String = FileHeader.apply) -> String {
        ([header] + directories).joined(separator: "\n") + "\n"
    }

    /// The directories the file at `path` in `root` lists, as ldconfig reads its lines
    /// (`LdSoConf.forEachEntry`), trailing white space dropped, in order, each once; empty
    /// when there is no such regular file, or it is past `LdSoConf.largestFile` bytes.
    public static func directories(in root: RootView, at path: RootPath) -> [String] {
        guard let resolved = (try? root.resolve(path)) ?? nil, resolved.entry.kind == .file,
              resolved.entry.size <= LdSoConf.largestFile, let bytes = try? root.contents(of: resolved.path) else { return [] }
        var result: [String] = []
        LdSoConf.forEachEntry(in: bytes.bytes) { _, text in
            let directory = ByteString.decode(text.reversed().drop(while: LdSoConf.isSpace).reversed())
            if !result.contains(directory) { result.append(directory) }
        }
        return result
    }

    /// The same file in a repaired image, where no journal exists to undo it.
    public static func imageContents(directories: [String]) -> String {
        contents(directories: directories, header: FileHeader.imageLayer)
    }
}

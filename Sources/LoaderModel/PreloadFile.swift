import ELFInspect
import RootFS

/// `/etc/ld.so.preload`: names the loader preloads into every program of the root, after
/// `LD_PRELOAD`'s (elf/rtld.c `dl_main`). The loader maps the whole file; a missing, empty
/// or unmappable one (a directory) preloads nothing.
public enum PreloadFile {
    public static let path = RootPath("/etc/ld.so.preload")
    /// A list of library names is a few lines; a file larger than this is not read (a
    /// hostile root's sparse gigabytes would take memory and minutes).
    public static let largestRead = 1 << 20

    /// The names in the root's file, in order (none when it has no regular file there; a
    /// FIFO, which would stop the loader in open(2), is not read either).
    static func names(in root: RootView) throws(ResolveError) -> [String] {
        guard let found = (try? root.resolve(path)) ?? nil, found.entry.kind == .file, found.entry.size > 0 else { return [] }
        guard found.entry.size <= largestRead else { throw .oversizedPreloadFile(size: found.entry.size) }
        // (a read that fails is the caller's to judge: the loader may read what ofdoctor may not)
        let bytes: FileBytes
        do { bytes = try root.filesystem.contents(of: found.path) } catch { throw .root(error) }
        return names(in: Array(bytes.buffer))
    }

    /// The names as `dl_main` parses them: each `#` and what follows it on its line become
    /// blanks; the names are what lies between spaces, tabs, newlines and colons. The file
    /// is parsed as a C string, so a NUL byte ends it, and a last name with nothing after
    /// it is taken on its own (up to a NUL).
    public static func names(in file: [UInt8]) -> [String] {
        guard !file.isEmpty else { return [] }
        var bytes = file
        var at = 0
        while at < bytes.count {
            guard bytes[at] == UInt8(ascii: "#") else { at += 1; continue }
            while at < bytes.count && bytes[at] != UInt8(ascii: "\n") { bytes[at] = UInt8(ascii: " "); at += 1 }
        }
        func isSeparator(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: ":")
        }
        func cString(_ part: ArraySlice<UInt8>) -> ArraySlice<UInt8> { part.prefix { $0 != 0 } }
        var main: ArraySlice<UInt8>
        var last: ArraySlice<UInt8>?
        if isSeparator(bytes[bytes.count - 1]) {
            main = bytes[..<(bytes.count - 1)]   // the loader puts its NUL on the last separator
        } else {
            // The last name runs to the end of the file: the separator before it ends the rest.
            let start = bytes.lastIndex(where: isSeparator).map { $0 + 1 } ?? 0
            last = bytes[start...]
            main = start > 0 ? bytes[..<(start - 1)] : []
        }
        main = cString(main)
        var names = main.split(whereSeparator: isSeparator).map { ByteString.decode(Array($0)) }
        if let last, case let name = cString(last), !name.isEmpty { names.append(ByteString.decode(Array(name))) }
        return names
    }
}

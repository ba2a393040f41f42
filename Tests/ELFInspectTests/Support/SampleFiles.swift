import Foundation

/// A deterministic sample of this machine's ELF files: each root's regular ELF files up to
/// 16 MB, sorted by path, evenly strided, plus the loader itself, libc and a static-pie
/// program. The same machine always yields the same list.
enum SampleFiles {
    static let roots: [(path: String, take: Int)] = [
        ("/usr/lib/x86_64-linux-gnu", 110), ("/usr/bin", 60), ("/usr/sbin", 20), ("/opt/swift", 50),
    ]
    static let always = [
        "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/usr/sbin/ldconfig", "/usr/lib/x86_64-linux-gnu/crt1.o",
        // STB_GNU_UNIQUE symbols in an ELFOSABI_SYSV file: readelf calls the binding
        // `<OS specific>: 10` (gcc brings it: deps.sh installs gcc).
        "/usr/lib/x86_64-linux-gnu/libcc1.so.0",
    ]
    static let maximumSize = 16 << 20

    static let files: [String] = {
        var chosen: [String] = []
        for root in roots {
            let all = elfFiles(under: root.path)
            guard !all.isEmpty else { continue }
            let step = max(1, all.count / root.take)
            chosen += stride(from: 0, to: all.count, by: step).prefix(root.take).map { all[$0] }
        }
        for path in always where !chosen.contains(path) && isELF(path) { chosen.append(path) }
        return chosen
    }()

    static func elfFiles(under root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            let path = root + "/" + relative
            if isELF(path) { found.append(path) }
        }
        return found.sorted()
    }

    /// A regular file (not a symlink) of at most `maximumSize` bytes that starts with `\x7fELF`.
    static func isELF(_ path: String) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size >= 64, st.st_size <= maximumSize
        else { return false }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        guard read(fd, &magic, 4) == 4 else { return false }
        return magic == [0x7f, 0x45, 0x4c, 0x46]
    }
}

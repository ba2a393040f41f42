import ELFInspect
import RootFS
import Support

/// A glibc release, as `major.minor`.
public struct GlibcVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    public var description: String { "\(major).\(minor)" }

    public static func < (lhs: GlibcVersion, rhs: GlibcVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    /// Parses `2.36` (any suffix after the minor number is ignored).
    public init?(parsing text: Substring) {
        let parts = text.split(separator: ".", maxSplits: 2)
        guard parts.count >= 2, let major = Int(parts[0]),
              let minor = Int(parts[1].prefix(while: { $0.isNumber })) else { return nil }
        self.init(major, minor)
    }

    /// The version of a `libc.so.6`: its banner (`… release version 2.36.`), else the
    /// highest `GLIBC_2.N` version it defines.
    public static func detect(libc bytes: FileBytes, elf: ELFFile?) -> GlibcVersion? {
        bannerVersion(libc: bytes) ?? highestDefinedVersion(elf)
    }

    /// The version in a `libc.so.6`'s banner, nil when it has none.
    static func bannerVersion(libc bytes: FileBytes) -> GlibcVersion? {
        let raw = bytes.buffer
        // The banner is a constant string: the non-executable segments (a few hundred KB of
        // libc's 2 MB) are searched first, and the whole file only when they have none.
        // Each page searched costs a page fault, and the search runs on every command. The
        // segment at offset 0 holds the headers, symbols and relocations (150 KB in glibc
        // 2.36) rather than constants: it comes last.
        let segments = DataSegments.ranges(raw) ?? []
        for range in segments.filter({ $0.lowerBound != 0 }) + segments.filter({ $0.lowerBound == 0 }) {
            if let version = banner(raw, in: range) { return version }
        }
        return banner(raw, in: 0..<raw.count)
    }

    /// The highest `GLIBC_2.N` version `elf` defines.
    static func highestDefinedVersion(_ elf: ELFFile?) -> GlibcVersion? {
        let defined = elf?.versionDefinitions.compactMap { definition -> GlibcVersion? in
            guard definition.name.hasBytePrefix("GLIBC_") else { return nil }
            return GlibcVersion(parsing: definition.name.dropFirst(6))
        } ?? []
        return defined.max()
    }

    /// The first banner version in `range` of `raw` (its digits may run past the range).
    private static func banner(_ raw: UnsafeRawBufferPointer, in range: Range<Int>) -> GlibcVersion? {
        // Anchored on the marker's `v`, its rarest byte in libc (half as many stops as `r`).
        let marker = Array("release version ".utf8)
        var offset = range.lowerBound
        while offset < range.upperBound,
              let found = ByteSearch.firstOffset(of: marker, in: UnsafeRawBufferPointer(rebasing: raw[offset..<range.upperBound]),
                                                 anchor: 8) {
            let start = offset + found + marker.count
            var end = start
            while end < raw.count, raw[end] == 0x2e || (raw[end] >= 0x30 && raw[end] <= 0x39) { end += 1 }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: raw[start..<end]), as: UTF8.self)
            if let version = GlibcVersion(parsing: Substring(text)) { return version }
            offset = start
        }
        return nil
    }
}

extension GlibcVersion {
    /// The glibc of `root`: the first `libc.so.6` in its default directories (multiarch
    /// ones when the root has them), with the path it was read from; nil when none is readable.
    public static func read(root: RootView) -> (version: GlibcVersion, path: RootPath, multiarch: Bool)? {
        let multiarch = LoaderPlatform.isMultiarch(root)
        for dir in LoaderPlatform.defaultDirectories(multiarch: multiarch) {
            let path = RootPath(dir + "/libc.so.6")
            guard let bytes = try? root.contents(of: path) else { continue }
            // The file is parsed only when it has no banner (as good as every libc has one).
            if let version = bannerVersion(libc: bytes)
                ?? highestDefinedVersion(try? ELFFile(bytes: bytes, path: path.string)) {
                return (version, path, multiarch)
            }
        }
        return nil
    }

    /// The glibc of the machine ofdoctor runs on, whose ldconfig `ldconfig -r ROOT` is.
    public static func host() -> GlibcVersion? {
        guard let host = try? LocalRoot(directory: "/") else { return nil }
        return read(root: RootView(host))?.version
    }
}

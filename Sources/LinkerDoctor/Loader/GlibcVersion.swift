import ELFInspect

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
        let marker = Array("release version ".utf8)
        let raw = bytes.buffer
        if raw.count > marker.count {
            var i = 0
            let last = raw.count - marker.count
            while i < last {
                if raw[i] == marker[0] {
                    var match = true
                    for j in 1..<marker.count where raw[i + j] != marker[j] { match = false; break }
                    if match {
                        var end = i + marker.count
                        while end < raw.count, raw[end] == 0x2e || (raw[end] >= 0x30 && raw[end] <= 0x39) { end += 1 }
                        let text = String(decoding: UnsafeRawBufferPointer(rebasing: raw[(i + marker.count)..<end]), as: UTF8.self)
                        if let version = GlibcVersion(parsing: Substring(text)) { return version }
                    }
                }
                i += 1
            }
        }
        let defined = elf?.versionDefinitions.compactMap { definition -> GlibcVersion? in
            guard definition.name.hasPrefix("GLIBC_") else { return nil }
            return GlibcVersion(parsing: definition.name.dropFirst(6))
        } ?? []
        return defined.max()
    }
}

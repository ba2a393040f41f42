import Support

/// An absolute path inside the examined root, spelled as the loader would build it:
/// `//` and `/.` are dropped, `..` is kept (only `RootView` may resolve it, since a
/// symlinked parent changes what `..` means).
public struct RootPath: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let string: String

    /// Relative input is taken as relative to `/` (the loader builds only absolute paths here).
    public init(_ path: String) {
        // Most paths arrive already in this form (built by RootView and the resolver):
        // one scan instead of split + join, which was a third of `tree`'s instructions.
        if Self.isNormalized(path) {
            string = path
            return
        }
        // Appended part by part: the generic `joined` over substrings cost a one-time
        // runtime conformance scan (a quarter million instructions) on its first call.
        var result = ""
        for part in path.slashSeparated() where part != "." {
            result += "/"
            result.append(contentsOf: part)
        }
        string = result.isEmpty ? "/" : result
    }

    public static let root = RootPath("/")

    /// Absolute, with no `//`, no `.` component and no trailing `/` (except `/` itself).
    static func isNormalized(_ path: String) -> Bool {
        // Over the contiguous UTF-8 bytes (a native string's): the iterator of `utf8` cost
        // a thousand instructions a path, and every path the resolver builds comes here.
        path.withUTF8Bytes { isNormalized($0.assumingMemoryBound(to: UInt8.self)) }
    }

    private static func isNormalized(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        guard bytes.first == slash else { return false }
        var previous = slash, beforePrevious: UInt8 = 0
        for byte in bytes.dropFirst() {
            if byte == slash && (previous == slash || (previous == dot && beforePrevious == slash)) { return false }
            beforePrevious = previous
            previous = byte
        }
        if bytes.count == 1 { return true }
        return previous != slash && !(previous == dot && beforePrevious == slash)
    }

    public var description: String { string }

    /// Path components, without the leading `/`.
    public var components: [String] { Self.components(of: string) }

    /// The non-empty `/`-separated parts of `text`, in order (on the bytes: the
    /// Character-wise `split` was a fifth of a planner's simulation).
    package static func components(of string: String) -> [String] { string.slashSeparated() }

    public var isRoot: Bool { string == "/" }

    /// The last component (`""` for `/`).
    public var lastComponent: String {
        guard let slash = string.utf8.lastIndex(of: UInt8(ascii: "/")) else { return string }
        return String(string[string.utf8.index(after: slash)...])
    }

    /// `parent` and `lastComponent` from one search for the last `/` over the UTF-8 bytes
    /// (the `utf8` view's search cost more than the rest of a memoised lookup).
    package var parentAndName: (parent: RootPath, name: String) {
        var text = string
        return text.withUTF8 { bytes in
            guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return (.root, string) }
            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[(slash + 1)...]), as: UTF8.self)
            // A normal path's parent is normal: no scan.
            let parent = slash == 0 ? RootPath.root
                : RootPath(normalized: String(decoding: UnsafeBufferPointer(rebasing: bytes[..<slash]), as: UTF8.self))
            return (parent, name)
        }
    }

    /// The parent directory, lexically (`/` for `/`).
    public var parent: RootPath {
        guard let slash = string.utf8.lastIndex(of: UInt8(ascii: "/")), slash != string.startIndex else { return .root }
        return RootPath(normalized: String(string[..<slash]))   // a normal path's parent is normal
    }

    /// `path` with `.` and `..` taken away as text, `..` at `/` staying there: Go's
    /// `filepath.Clean`, as layer members are cleaned (`LayerMemberName.clean`). For paths a
    /// record spells relative to where it lies (pip's `../../../lib/libmkl_rt.so.2`), not
    /// for paths the loader builds, where a link decides what `..` means.
    package init(cleaning path: String) {
        let parts = LayerMemberName.clean(path)
        self.init(normalized: parts.isEmpty ? "/" : "/" + parts.joined(separator: "/"))
    }

    public func appending(_ relative: String) -> RootPath {
        RootPath(string + "/" + relative)
    }

    /// `self/name` for a single component (no `/`, not empty, `.` or `..`): already normal,
    /// so no scan of the whole path.
    package func appendingComponent(_ name: String) -> RootPath {
        RootPath(normalized: isRoot ? "/" + name : string + "/" + name)
    }

    private init(normalized: String) {
        string = normalized
    }

    /// `path`, which the caller built in normal form (absolute, no `//`, no `.` component,
    /// no trailing `/`): no scan.
    package init(alreadyNormal path: String) {
        string = path
    }

    /// True when `self` is `other` or lies below it.
    public func isWithin(_ other: RootPath) -> Bool {
        other.isRoot || string == other.string || string.hasPrefix(other.string + "/")
    }

    /// Byte for byte too, so that `<` and `==` agree (a sort never meets two paths that are
    /// neither equal nor ordered).
    public static func < (lhs: RootPath, rhs: RootPath) -> Bool { SeededByteHash.bytesPrecede(lhs.string, rhs.string) }

    /// Byte for byte, as the kernel compares names (`é` and `e` + U+0301 are two files).
    public static func == (lhs: RootPath, rhs: RootPath) -> Bool { SeededByteHash.sameBytes(lhs.string, rhs.string) }

    // Paths key the root's tables (entries, links, resolutions, overlays): hashed as their
    // text is in `TextKey`, eight bytes at a time rather than `String`'s byte-wise SipHash.
    public func hash(into hasher: inout Hasher) { TextKey(string).hash(into: &hasher) }

    public func _rawHashValue(seed: Int) -> Int { TextKey(string)._rawHashValue(seed: seed) }
}

import ELFInspect
import RootFS
import Support

/// glob(3) of an `include` pattern inside the root, as ldconfig's `parse_conf_include`
/// calls it (flags 0): `*`, `?` and `[...]` per component, a leading `.` only matched
/// literally, results sorted in C collation (ldconfig sets `LC_COLLATE=C`).
enum LdSoConfGlob {
    /// The matching paths, sorted bytewise. A missing directory matches nothing; one ofdoctor
    /// may not list or search (EACCES, EPERM) matches nothing here and goes into `denied`.
    static func expand(_ pattern: String, in root: RootView, denied: inout [String]) -> [String] {
        let components = pattern.slashSeparated().map { Array($0.utf8) }
        var current: [String] = [pattern.startsWithSlash ? "" : "."]
        for (k, component) in components.enumerated() {
            let isLast = k == components.count - 1
            var next: [String] = []
            for base in current {
                let dir = base.isEmpty ? "/" : base
                if hasMagic(component) {
                    let names: [String]
                    do { names = try root.names(in: RootPath(dir)) } catch {
                        if error.isPermission { denied.append(dir) }
                        continue
                    }
                    for name in names where matches(component, ByteString.bytes(name)) {
                        let candidate = base + "/" + name
                        if isLast || root.isDirectory(RootPath(candidate)) { next.append(candidate) }
                    }
                } else {
                    let candidate = base + "/" + unescape(component)
                    // A literal component must exist (lstat for the last one, as glob checks).
                    let exists: Bool
                    do {
                        exists = isLast ? try root.resolveParents(RootPath(candidate)) != nil
                                        : try root.resolve(RootPath(candidate))?.entry.kind == .directory
                    } catch {
                        if error.isPermission { denied.append(candidate) }
                        continue
                    }
                    if exists { next.append(candidate) }
                }
            }
            current = next
        }
        if components.isEmpty { return [] }
        return current.sorted { ByteString.bytes($0).lexicographicallyPrecedes(ByteString.bytes($1)) }
    }

    static func hasMagic(_ p: [UInt8]) -> Bool {
        p.contains(UInt8(ascii: "*")) || p.contains(UInt8(ascii: "?")) || p.contains(UInt8(ascii: "["))
    }

    private static func unescape(_ p: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < p.count {
            if p[i] == UInt8(ascii: "\\"), i + 1 < p.count { i += 1 }
            out.append(p[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// fnmatch(3) of one component with `FNM_PERIOD`. Iterative with one backtrack point
    /// for `*`, so hostile patterns cost O(pattern × name).
    static func matches(_ p: [UInt8], _ s: [UInt8]) -> Bool {
        if s.first == UInt8(ascii: "."), p.first != UInt8(ascii: ".") { return false }
        var pi = 0, si = 0
        var starP = -1, starS = 0
        while si < s.count {
            if pi < p.count {
                let c = p[pi]
                if c == UInt8(ascii: "*") {
                    starP = pi; starS = si; pi += 1
                    continue
                }
                if c == UInt8(ascii: "?") { pi += 1; si += 1; continue }
                if c == UInt8(ascii: "["), let (matched, next) = bracket(p, pi, s[si]) {
                    if matched { pi = next; si += 1; continue }
                } else {
                    var literal = c
                    var step = 1
                    if c == UInt8(ascii: "\\"), pi + 1 < p.count { literal = p[pi + 1]; step = 2 }
                    if literal == s[si] { pi += step; si += 1; continue }
                }
            }
            guard starP >= 0 else { return false }
            starS += 1
            si = starS
            pi = starP + 1
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }

    /// A `[...]` set at `p[start]`: whether `c` is in it and where the pattern continues;
    /// nil when unterminated (then `[` is a literal).
    private static func bracket(_ p: [UInt8], _ start: Int, _ c: UInt8) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < p.count, p[i] == UInt8(ascii: "!") || p[i] == UInt8(ascii: "^") { negate = true; i += 1 }
        var matched = false
        var first = true
        while i < p.count {
            var lo = p[i]
            if lo == UInt8(ascii: "]") && !first { return (matched != negate, i + 1) }
            first = false
            if lo == UInt8(ascii: "\\"), i + 1 < p.count { i += 1; lo = p[i] }
            if i + 2 < p.count, p[i + 1] == UInt8(ascii: "-"), p[i + 2] != UInt8(ascii: "]") {
                var hi = p[i + 2]
                i += 3
                if hi == UInt8(ascii: "\\"), i < p.count { hi = p[i]; i += 1 }
                if lo <= c && c <= hi { matched = true }
            } else {
                if lo == c { matched = true }
                i += 1
            }
        }
        return nil
    }
}

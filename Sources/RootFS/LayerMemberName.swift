import Support

/// A layer member's name as the unpack uses it. moby's `UnpackLayer` and containerd's
/// `applyNaive` clean every name lexically first (Go's `filepath.Clean`), so
/// `bin/../lib/x` is `lib/x`, whatever `bin` is; a name that still climbs above the layer's
/// root is refused (moby's `breakoutError`: `docker load` fails), and so is one the kernel
/// would not take (longer than `PATH_MAX`).
enum LayerMemberName {
    /// Linux's `PATH_MAX`: a path the kernel takes has fewer bytes than this (its NUL counts;
    /// fs/namei.c `getname`).
    static let pathMax = 4096

    /// The cleaned components of a member's name. A rooted name's `..` stops at `/`
    /// (`Clean("/../x")` is `/x`); a relative one that climbs out is refused.
    static func components(of name: String) throws(LayerMemberProblem) -> [String] {
        guard let parts = clean(name, rootedClamps: true) else { throw .climbsAboveRoot(name: name) }
        guard fits(parts) else { throw .tooLong(name: name, field: .name) }
        return parts
    }

    /// The cleaned components of the member a hard link names. moby joins the link's text
    /// to the layer's directory before it cleans it (`filepath.Join(dest, Linkname)`), so a
    /// leading `/` does not stop `..` there: `/../x` climbs out as `../x` does.
    static func components(ofHardLink target: String, member name: String) throws(LayerMemberProblem) -> [String] {
        guard let parts = clean(target, rootedClamps: false) else { throw .linkClimbsAboveRoot(name: name, target: target) }
        guard fits(parts) else { throw .tooLong(name: name, field: .linkTarget) }
        return parts
    }

    /// A symlink's text is stored as it is, but `symlink(2)` refuses one of `PATH_MAX` bytes
    /// or more (ENAMETOOLONG), so no unpack could have made it.
    static func checkSymlinkText(_ text: String, member name: String) throws(LayerMemberProblem) {
        guard text.utf8.count < pathMax else { throw .tooLong(name: name, field: .linkTarget) }
    }

    /// `filepath.Clean`'s components (one pass: no prefix is rebuilt); nil when `..`
    /// climbs above the start of a relative text, or of a rooted one unless `rootedClamps`.
    static func clean(_ text: String, rootedClamps: Bool) -> [String]? {
        var parts: [String] = []
        let rooted = text.startsWithSlash
        for part in text.slashSeparated() {
            if part == "." { continue }
            if part == ".." {
                if parts.popLast() == nil && !(rooted && rootedClamps) { return nil }
                continue
            }
            parts.append(part)
        }
        return parts
    }

    /// `/` and the components fit in a path the kernel takes.
    private static func fits(_ parts: [String]) -> Bool {
        var bytes = 1
        for part in parts {
            bytes += part.utf8.count + 1
            if bytes > pathMax { return false }
        }
        return true
    }
}

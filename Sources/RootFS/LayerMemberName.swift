import Support

/// A layer member's name as the unpack uses it. moby's `UnpackLayer` and containerd's
/// `applyNaive` clean every name lexically first (Go's `filepath.Clean`), so
/// `bin/../lib/x` is `lib/x`, whatever `bin` is; `..` above the layer's root stays at the
/// root, since the unpack runs chrooted to it (moby) or resolves the parent inside it
/// (containerd's `fs.RootPath`): docker 20.10 loads `opt/../../x` as `/x` and a hard link
/// to `../../a` as a link to `/a`. A name the kernel would not take (longer than
/// `PATH_MAX`) is refused.
enum LayerMemberName {
    /// Linux's `PATH_MAX`: a path the kernel takes has fewer bytes than this (its NUL counts;
    /// fs/namei.c `getname`).
    static let pathMax = 4096

    /// The cleaned components of a member's name.
    static func components(of name: String) throws(LayerMemberProblem) -> [String] {
        let parts = clean(name)
        guard fits(parts) else { throw .tooLong(name: name, field: .name) }
        return parts
    }

    /// The cleaned components of the member a hard link names.
    static func components(ofHardLink target: String, member name: String) throws(LayerMemberProblem) -> [String] {
        let parts = clean(target)
        guard fits(parts) else { throw .tooLong(name: name, field: .linkTarget) }
        return parts
    }

    /// A symlink's text is stored as it is, but `symlink(2)` refuses one of `PATH_MAX` bytes
    /// or more (ENAMETOOLONG), so no unpack could have made it.
    static func checkSymlinkText(_ text: String, member name: String) throws(LayerMemberProblem) {
        guard text.utf8.count < pathMax else { throw .tooLong(name: name, field: .linkTarget) }
    }

    /// `filepath.Clean`'s components, with `..` above the start staying there (one pass: no
    /// prefix is rebuilt).
    static func clean(_ text: String) -> [String] {
        var parts: [String] = []
        for part in text.slashSeparated() {
            if part == "." { continue }
            if part == ".." {
                _ = parts.popLast()
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

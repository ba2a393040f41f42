import ELFInspect
import RootFS
import Support

/// What `ldconfig` (`ldconfig -r ROOT`) would do to a root, computed without writing:
/// the cache it would write and the soname links it would create, repoint or delete
/// (glibc 2.36 elf/ldconfig.c `search_dirs`, `search_dir`, `create_links`; elf/cache.c
/// `add_to_cache`, `compare`, `save_cache`). Lets a fix plan with `ldconfig` be checked on a
/// virtual root first.
public struct LdconfigModel: Sendable {
    /// A change ldconfig makes to a link, with the link spelled as ldconfig builds it
    /// (scanned directory + `/` + name).
    public enum LinkChange: Equatable, Sendable, CustomStringConvertible {
        /// `DIR/SONAME` did not exist: `symlink(target, link)`.
        case create(link: String, target: String)
        /// `DIR/SONAME` was a link to another file, or dangling: unlinked and made again.
        case repoint(link: String, from: String, to: String)
        /// A dangling link whose name contains `.so.` found while scanning: unlinked.
        case removeDangling(link: String, target: String)

        public var link: String {
            switch self {
            case .create(let l, _), .repoint(let l, _, _), .removeDangling(let l, _): return l
            }
        }

        public var description: String {
            switch self {
            case .create(let l, let t): return "create \(l) -> \(t)"
            case .repoint(let l, let f, let t): return "repoint \(l) -> \(t) (was \(f))"
            case .removeDangling(let l, let t): return "remove dangling \(l) -> \(t)"
            }
        }
    }

    /// The cache ldconfig would write, in its order.
    public var cache: LdSoCache
    /// Link changes in the order ldconfig makes them.
    public var linkChanges: [LinkChange]
    /// Every directory scanned: the configuration's, then legacy hwcap subdirectories found.
    public var scannedDirectories: [LdSoConf.Directory]
    /// What ldconfig would warn about (`X is not a symbolic link`, …).
    public var warnings: [String]
    /// Directories and files of the scan ofdoctor was refused (EACCES, EPERM) and ldconfig,
    /// run as root, would read: while there are any, the model is not what ldconfig does.
    public var denied: [String]

    /// Runs the model over `root` with `configuration` (default: the root's own `ld.so.conf`,
    /// as the root's own ldconfig reads it: a glibc before 2.33 neither scans nor caches
    /// `glibc-hwcaps/` subdirectories).
    public init(root: RootView, configuration: LdSoConf? = nil, glibc: GlibcVersion? = nil) {
        let version = glibc ?? GlibcVersion.read(root: root)?.version ?? TargetSystem.fallbackGlibc
        var run = LdconfigRun(root: root, directories: (configuration ?? LdSoConf(root: root, glibc: version)).directories,
                              glibc: version)
        run.searchDirectories()
        cache = run.makeCache()
        linkChanges = run.linkChanges
        scannedDirectories = run.directories
        warnings = run.warnings
        denied = run.denied
    }

    /// The file names `glibc`'s ldconfig takes for libraries (elf/ldconfig.c `search_dir`):
    /// `lib*.so*` and `ld-*.so*`; from 2.34, which named the loader `ld.so.N` in places,
    /// also `ld.so.*` and `ld64.so.*` (`_dl_is_dso`, sysdeps/generic/dl-is_dso.h). The real
    /// ldconfig of 2.31 and 2.36 agree (LdconfigModelTests).
    public static func looksLikeLibrary(_ name: String, glibc: GlibcVersion) -> Bool {
        ((name.hasBytePrefix("lib") || name.hasBytePrefix("ld-")) && name.containsBytes(".so"))
            || (glibc >= loaderNamesSince && (name.hasBytePrefix("ld.so.") || name.hasBytePrefix("ld64.so.")))
    }

    /// The first glibc whose ldconfig also takes `ld.so.*` and `ld64.so.*`.
    public static let loaderNamesSince = GlibcVersion(2, 34)

    /// Whether the ldconfig of `a` and of `b` scan, link and cache alike: the rules above,
    /// glibc-hwcaps subdirectories (2.33) and legacy hwcap ones (to 2.36) are all that differ.
    public static func behavesAlike(_ a: GlibcVersion, _ b: GlibcVersion) -> Bool {
        (a >= loaderNamesSince) == (b >= loaderNamesSince)
            && LoaderPlatform.hasGlibcHWCaps(a) == LoaderPlatform.hasGlibcHWCaps(b)
            && LoaderPlatform.hasLegacyHWCaps(a) == LoaderPlatform.hasLegacyHWCaps(b)
    }
}

/// One ldconfig run's mutable state.
private struct LdconfigRun {
    var overlay: LdconfigLinkOverlay
    var directories: [LdSoConf.Directory]
    let glibc: GlibcVersion
    var pending: [Pending] = []
    var linkChanges: [LdconfigModel.LinkChange] = []
    var warnings: [String] = []
    var denied: [String] = []
    /// Files already read, by real path: a library's links lead to it again. (Keys here are
    /// bytes, `TextKey`: `libé.so` and `libe\u{301}.so` are two names to ldconfig.)
    var read: [TextKey: LdconfigLibrary?] = [:]
    /// What names of the directory being scanned resolve to, as the scan found them: its
    /// links are made against these (`createLinks` resolved both names again). Emptied
    /// whenever the run changes a link, since any name may lead through it.
    var resolvedHere: [TextKey: RootView.Resolved?] = [:]

    /// elf/cache.c `struct cache_entry`.
    struct Pending {
        var key: String
        var keyBytes: [UInt8]
        var path: String
        var flags: Int32
        var isaLevel: UInt32
        var hwcap: UInt64
        var bitsHWCap: Int
        var glibcHWCaps: String?
    }

    /// ldconfig.c `struct dlib_entry`.
    struct Library {
        var name: String
        var soname: String
        var flag: Int32
        var isLink: Bool
        var isaLevel: UInt32
    }

    init(root: RootView, directories: [LdSoConf.Directory], glibc: GlibcVersion) {
        overlay = LdconfigLinkOverlay(base: root.filesystem)
        self.directories = directories
        self.glibc = glibc
    }

    var view: RootView { RootView(overlay) }

    /// `search_dirs`: the list grows while it is walked (legacy hwcap subdirectories).
    mutating func searchDirectories() {
        var k = 0
        while k < directories.count {
            searchDirectory(directories[k])
            k += 1
        }
    }

    mutating func searchDirectory(_ dir: LdSoConf.Directory) {
        let inHWCaps = dir.glibcHWCaps != nil
        // From 2.37 no directory is a legacy hwcap one: `tls/` is neither entered nor marked.
        let legacy = LoaderPlatform.hasLegacyHWCaps(glibc)
        let hwcap = inHWCaps || !legacy ? 0 : LdSoCacheLegacyHWCap.bits(ofPath: dir.path)
        let names: [String]
        let resolved: RootView.Resolved
        do {
            guard let found = try view.resolve(RootPath(dir.path)), found.entry.kind == .directory else { return }
            resolved = found
            names = try overlay.names(in: resolved.path)
        } catch {
            if error.isPermission { denied.append(dir.path) }
            return
        }
        // ldconfig prepends each new library to its list and walks it newest first; kept here
        // in the order found, with an index by soname (searching the list for each name was
        // quadratic in the directory's libraries).
        var libraries: [Library] = []
        var position: [TextKey: Int] = [:]
        resolvedHere = [:]
        for name in names {
            let own = resolved.path.appending(name)
            guard let lst = (try? overlay.entry(at: own)) ?? nil, lst.kind != .other else { continue }
            if !LdconfigModel.looksLikeLibrary(name, glibc: glibc)
                && (lst.kind == .file || inHWCaps || !legacy || !LdSoCacheLegacyHWCap.isSubdirectoryName(name)) { continue }
            if name.hasByteSuffix(".#prelink#") || Self.isPrelinkTemporary(name) { continue }
            var isLink = lst.kind == .symlink
            let target: RootView.Resolved
            if isLink {
                guard let t = (try? view.resolve(name, inResolvedDirectory: resolved.path)) ?? nil else {
                    // A stale link: removed when its name has `.so.` in it.
                    if name.containsBytes(".so.") {
                        let text = (try? overlay.linkTarget(at: own)) ?? ""
                        linkChanges.append(.removeDangling(link: dir.path + "/" + name, target: text))
                        removeLink(at: own)
                    }
                    continue
                }
                target = t
            } else {
                target = RootView.Resolved(path: own, entry: lst)
            }
            resolvedHere[TextKey(name)] = .some(target)
            if !inHWCaps && legacy && target.entry.kind == .directory && LdSoCacheLegacyHWCap.isSubdirectoryName(name) {
                addSingle(LdSoConf.Directory(path: dir.path + "/" + name, identity: target.entry.identity, origin: dir.origin,
                                             libraryType: dir.libraryType))
                continue
            }
            guard target.entry.kind == .file, let info = library(at: target, name: name) else { continue }
            var soname = info.soname ?? name
            // A link counts as a link only under the SONAME or as the `.so` link for ld(1)
            // (its name ends in `.so` and starts the SONAME); any other link is a file.
            if isLink && !SeededByteHash.sameBytes(name, soname) && !(name.hasByteSuffix(".so") && soname.hasBytePrefix(name)) {
                isLink = false
            }
            if isLink { soname = name }
            var flag = info.flag
            if flag == LdconfigLibrary.flagELF && (dir.libraryType == LdconfigLibrary.flagLibc5 || dir.libraryType == LdconfigLibrary.flagLibc6) {
                flag = dir.libraryType
            }
            if let k = position[TextKey(soname)] {
                let old = libraries[k]
                // Files beat links; otherwise the higher name (`_dl_cache_libcmp`) wins.
                if (!isLink && old.isLink) || (isLink == old.isLink && LdSoCacheNameOrder.compare(old.name, name) < 0) {
                    if old.flag != flag {
                        if old.flag == LdconfigLibrary.flagELF && (flag == LdconfigLibrary.flagLibc5 || flag == LdconfigLibrary.flagLibc6) {
                            libraries[k].flag = flag
                        } else if (old.flag == LdconfigLibrary.flagLibc5 || old.flag == LdconfigLibrary.flagLibc6) && flag == LdconfigLibrary.flagELF {
                            libraries[k].flag = flag
                        } else {
                            warnings.append("libraries \(old.name) and \(name) in directory \(dir.path) have same soname but different type.")
                        }
                    }
                    libraries[k].name = name
                    libraries[k].isLink = isLink
                    libraries[k].isaLevel = info.isaLevel
                }
            } else {
                position[TextKey(soname)] = libraries.count
                libraries.append(Library(name: name, soname: soname, flag: flag, isLink: isLink, isaLevel: info.isaLevel))
            }
        }
        for library in libraries.reversed() {
            let filename: String
            if inHWCaps {
                filename = library.name   // glibc-hwcaps entries name the file; no links made there
            } else {
                if !library.isLink { createLinks(dir: dir, resolvedDir: resolved.path, libname: library.name, soname: library.soname) }
                filename = library.soname
            }
            addToCache(Pending(key: library.soname, keyBytes: Array(library.soname.utf8), path: dir.path + "/" + filename,
                               flags: library.flag, isaLevel: library.isaLevel, hwcap: hwcap,
                               bitsHWCap: hwcap.nonzeroBitCount, glibcHWCaps: dir.glibcHWCaps))
        }
    }

    /// What `LdconfigLibrary.read` makes of the file at the real path `path`, read once (only
    /// an a.out library's soname depends on the name it is found under).
    mutating func library(at file: RootView.Resolved, name: String) -> LdconfigLibrary? {
        let path = file.path.string
        if let known = read[TextKey(path)] {
            guard let known, known.flag == LdconfigLibrary.flagLibc4 else { return known }
            return LdconfigLibrary(flag: known.flag, soname: LdconfigLibrary.aoutSoname(name), isaLevel: known.isaLevel)
        }
        let info: LdconfigLibrary?
        do { info = LdconfigLibrary.read(try overlay.contents(of: file.path), name: name, glibc: glibc) } catch {
            if error.isPermission { denied.append(path) }
            info = nil
        }
        read[TextKey(path)] = .some(info)
        return info
    }

    /// `.#prelink#.XXXXXX` temporaries of prelink(8).
    static func isPrelinkTemporary(_ name: String) -> Bool {
        let bytes = ByteString.bytes(name)
        let marker = Array(".#prelink#.".utf8)
        guard bytes.count >= 17 else { return false }
        return Array(bytes[(bytes.count - 17)..<(bytes.count - 6)]) == marker
    }

    /// `add_single_dir` for a legacy hwcap subdirectory found while scanning.
    mutating func addSingle(_ entry: LdSoConf.Directory) {
        if let k = directories.firstIndex(where: { $0.identity == entry.identity }) {
            directories[k].libraryType = entry.libraryType
        } else {
            directories.append(entry)
        }
    }

    /// `name` in the scanned directory, resolved: as the scan found it, unless a link changed since.
    func resolveHere(_ name: String, in resolvedDir: RootPath) -> RootView.Resolved? {
        if let known = resolvedHere[TextKey(name)] { return known }
        return (try? view.resolve(name, inResolvedDirectory: resolvedDir)) ?? nil
    }

    mutating func makeLink(at path: RootPath, target: String) {
        overlay.makeLink(at: path, target: target)
        resolvedHere = [:]
    }

    mutating func removeLink(at path: RootPath) {
        overlay.removeLink(at: path)
        resolvedHere = [:]
    }

    /// `create_links`: make `DIR/SONAME -> LIBNAME` unless it already leads to the same file.
    mutating func createLinks(dir: LdSoConf.Directory, resolvedDir: RootPath, libname: String, soname: String) {
        let so = resolveHere(soname, in: resolvedDir)
        if let so {
            guard let lib = resolveHere(libname, in: resolvedDir) else {
                warnings.append("Can't stat \(dir.path)/\(libname)")
                return
            }
            if so.entry.identity == lib.entry.identity { return }   // the usual case: nothing to build
        }
        let soPath = resolvedDir.appending(soname)
        let spelled = dir.path + "/" + soname
        let view = self.view
        if so != nil {
            guard let link = (try? view.resolveParents(soPath)) ?? nil, link.entry.kind == .symlink else {
                warnings.append("\(spelled) is not a symbolic link")
                return
            }
            let old = (try? overlay.linkTarget(at: link.path)) ?? ""
            linkChanges.append(.repoint(link: spelled, from: old, to: libname))
            makeLink(at: link.path, target: libname)
        } else {
            guard let parent = (try? view.resolve(soPath.parent)) ?? nil, parent.entry.kind == .directory else {
                warnings.append("Can't link \(spelled) to \(libname)")
                return
            }
            let real = parent.path.appending(soPath.lastComponent)
            if let existing = (try? overlay.entry(at: real)) ?? nil {
                guard existing.kind == .symlink else {
                    warnings.append("Can't link \(spelled) to \(libname)")
                    return
                }
                let old = (try? overlay.linkTarget(at: real)) ?? ""
                linkChanges.append(.repoint(link: spelled, from: old, to: libname))
            } else {
                linkChanges.append(.create(link: spelled, target: libname))
            }
            makeLink(at: real, target: libname)
        }
    }

    /// `add_to_cache`: insert before the first entry that sorts after the new one. Every
    /// insertion keeps `pending` in `compare` order, so that place is found by bisection.
    mutating func addToCache(_ entry: Pending) {
        var low = 0, high = pending.count
        while low < high {
            let middle = (low + high) / 2
            if Self.compare(pending[middle], entry) > 0 { high = middle } else { low = middle + 1 }
        }
        pending.insert(entry, at: low)
    }

    /// elf/cache.c `compare`: keys descending; then flags descending, glibc-hwcaps entries
    /// first (by name), more hwcap bits first, higher hwcap first.
    static func compare(_ e1: Pending, _ e2: Pending) -> Int32 {
        let res = LdSoCacheNameOrder.compare(e2.keyBytes, e1.keyBytes)
        guard res == 0 else { return res }
        if e1.flags < e2.flags { return 1 }
        if e1.flags > e2.flags { return -1 }
        switch (e1.glibcHWCaps, e2.glibcHWCaps) {
        case (.some, .none): return -1
        case (.none, .some): return 1
        case (.some(let a), .some(let b)):
            if a != b { return ByteString.bytes(a).lexicographicallyPrecedes(ByteString.bytes(b)) ? -1 : 1 }
        case (.none, .none): break
        }
        if e2.bitsHWCap != e1.bitsHWCap { return e2.bitsHWCap > e1.bitsHWCap ? 1 : -1 }
        if e2.hwcap != e1.hwcap { return e2.hwcap > e1.hwcap ? 1 : -1 }
        return 0
    }

    /// `save_cache`: glibc-hwcaps names sorted (strcmp), entries get `DL_CACHE_HWCAP_EXTENSION`,
    /// their ISA level and the name's index.
    func makeCache() -> LdSoCache {
        let names = Set(pending.compactMap(\.glibcHWCaps)).sorted { ByteString.bytes($0).lexicographicallyPrecedes(ByteString.bytes($1)) }
        let entries = pending.map { p -> LdSoCache.Entry in
            var hwcap = p.hwcap
            if let sub = p.glibcHWCaps, let index = names.firstIndex(of: sub) {
                hwcap = LdSoCache.hwcapExtensionBit | (UInt64(p.isaLevel & UInt32(LdSoCache.isaLevelMask)) << 32) | UInt64(index)
            }
            return LdSoCache.Entry(flags: p.flags, key: p.key, value: p.path, hwcap: hwcap, glibcHWCaps: p.glibcHWCaps)
        }
        return LdSoCache(format: .new, entries: entries, generator: nil, glibcHWCapsNames: names)
    }
}

/// Where a directory on a search path came from; the labels are what `tree` shows.
public enum SearchSource: Equatable, Hashable, Sendable {
    /// `DT_RPATH` of the object at `owner` (the requester or one of its loaders).
    case rpath(owner: String)
    case libraryPath
    /// `DT_RUNPATH` of the requester.
    case runpath(owner: String)
    case cache
    case defaultDirectories

    public var label: String {
        switch self {
        case .rpath: return "rpath"
        case .libraryPath: return "LD_LIBRARY_PATH"
        case .runpath: return "runpath"
        case .cache: return "ld.so.cache"
        case .defaultDirectories: return "default path"
        }
    }
}

/// A colon-separated list of directories as the loader reads it (glibc elf/dl-load.c
/// `fillin_rpath`, `_dl_init_paths`), with dynamic string tokens expanded.
public struct SearchPath: Equatable, Sendable {
    public var directories: [String]
    public var source: SearchSource
    /// Elements dropped because a token could not be expanded, or that search the working
    /// directory (empty or relative): `unsafe-search-path` reports these.
    public var unsafeElements: [String]
    /// Directories that came from a relative or empty element, and the element as the
    /// loader keeps it (trailing slashes dropped): the names it builds there stay relative.
    public var spellings: [String: String] = [:]

    /// - Parameters:
    ///   - list: the raw list (`LD_LIBRARY_PATH` also splits on `;`).
    ///   - origin: what `$ORIGIN` means here (nil: unknown, the element is dropped).
    public init(parsing list: String, source: SearchSource, origin: String?, platform: LoaderPlatform,
                workingDirectory: String) {
        self.source = source
        // (No `Set<Character>`: its metadata cost a scan of every conformance record, on every run.)
        let splitsOnSemicolon = source == .libraryPath
        var result: [String] = []
        var unsafe: [String] = []
        for element in list.split(omittingEmptySubsequences: false,
                                  whereSeparator: { $0 == ":" || (splitsOnSemicolon && $0 == ";") }) {
            var text = String(element)
            if text.utf8.contains(UInt8(ascii: "$")) {
                guard let expanded = SearchPath.expandTokens(text, origin: origin, platform: platform) else {
                    unsafe.append(text)
                    continue
                }
                text = expanded
            }
            // An empty element is the working directory; relative ones are relative to it.
            var spelled: String?
            if text.isEmpty || !text.hasPrefix("/") {
                unsafe.append(text.isEmpty ? "(empty)" : text)
                spelled = Self.droppingTrailingSlashes(text)
                text = (workingDirectory.hasSuffix("/") ? workingDirectory : workingDirectory + "/") + text
            }
            // The loader keeps the spelling (`/./` stays in object names); only trailing slashes go.
            let directory = Self.droppingTrailingSlashes(text)
            if !result.contains(directory) {
                result.append(directory)
                if let spelled { spellings[directory] = spelled }
            }
        }
        directories = result
        unsafeElements = unsafe
    }

    /// `text` without trailing slashes, `/` itself kept.
    private static func droppingTrailingSlashes(_ text: String) -> String {
        var kept = text
        while kept.count > 1 && kept.hasSuffix("/") { kept.removeLast() }
        return kept
    }

    /// The name the loader builds for `name` in `probe` (one of `directories`, or a hwcaps
    /// or legacy subdirectory of one) when that directory came from a relative or empty
    /// element: the element's spelling, the subdirectory, the name (`name` alone for the
    /// empty element itself). Nil for an absolute element: the name is the path.
    public func spelledName(_ name: String, in probe: String, searchDirectory: String) -> String? {
        guard let spelled = spellings[searchDirectory] else { return nil }
        var rest = ""
        if probe != searchDirectory {
            let prefix = searchDirectory == "/" ? "/" : searchDirectory + "/"
            guard probe.hasPrefix(prefix) else { return nil }
            rest = String(probe.dropFirst(prefix.count))
        }
        let directory = [spelled, rest].filter { !$0.isEmpty }.joined(separator: "/")
        return directory.isEmpty ? name : directory + "/" + name
    }

    public init(directories: [String], source: SearchSource) {
        self.directories = directories
        self.source = source
        self.unsafeElements = []
    }

    /// Expands `$ORIGIN`, `$LIB`, `$PLATFORM` (also in `${…}` form); an unknown `$NAME`
    /// stays literal (dl-load.c `_dl_dst_substitute`). Nil when `$ORIGIN` is needed but unknown.
    public static func expandTokens(_ text: String, origin: String?, platform: LoaderPlatform) -> String? {
        var out = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            // A String, not a Substring: the generic `+=` looks up a conformance on first use.
            out += String(rest[..<dollar])
            let after = rest[rest.index(after: dollar)...]
            var matched: (name: String, length: Int)?
            for name in ["ORIGIN", "PLATFORM", "LIB"] {
                if after.hasPrefix("{\(name)}") {
                    matched = (name, name.count + 2)
                } else if after.hasPrefix(name) {
                    // `$ORIGINX` is not the token: the name must end at a non-identifier character.
                    let end = after.index(after.startIndex, offsetBy: name.count)
                    if end == after.endIndex || !(after[end].isLetter || after[end].isNumber || after[end] == "_") {
                        matched = (name, name.count)
                    }
                }
                if matched != nil { break }
            }
            guard let token = matched else {
                out += "$"
                rest = after
                continue
            }
            switch token.name {
            case "ORIGIN":
                guard let origin else { return nil }
                out += origin
            case "PLATFORM": out += platform.platform
            default: out += platform.lib
            }
            rest = after.dropFirst(token.length)
        }
        out += String(rest)
        return out
    }
}

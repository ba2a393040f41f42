import Support

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
    public var spellings: [TextKey: String] = [:]
    /// Elements whose `$ORIGIN` secure-execution mode refused (`SecureTokens`).
    public var refusedInSecureMode: [String] = []

    /// - Parameters:
    ///   - list: the raw list (`LD_LIBRARY_PATH` also splits on `;`).
    ///   - origin: what `$ORIGIN` means here (nil: unknown, the element is dropped).
    ///   - secure: the program runs in secure-execution mode; `$ORIGIN` is restricted.
    public init(parsing list: String, source: SearchSource, origin: String?, platform: LoaderPlatform,
                workingDirectory: String, secure: SecureTokens? = nil) {
        self.source = source
        // (No `Set<Character>`: its metadata cost a scan of every conformance record, on every run.)
        let splitsOnSemicolon = source == .libraryPath
        var result: [String] = []
        var unsafe: [String] = []
        for element in list.split(bytes: { $0 == UInt8(ascii: ":") || (splitsOnSemicolon && $0 == UInt8(ascii: ";")) },
                                  omittingEmpty: false) {
            var text = String(element)
            if text.utf8.contains(UInt8(ascii: "$")) {
                guard let expanded = SearchPath.expandTokens(text, origin: origin, platform: platform) else {
                    unsafe.append(text)
                    continue
                }
                if let secure, SearchPath.expandTokens(text, origin: origin, platform: platform, secure: secure) == nil {
                    refusedInSecureMode.append(text)
                    continue
                }
                text = expanded
            }
            // An empty element is the working directory; relative ones are relative to it.
            var spelled: String?
            if !text.startsWithSlash {
                unsafe.append(text.isEmpty ? "(empty)" : text)
                spelled = text.droppingTrailingSlashes
                text = (workingDirectory.endsWithSlash ? workingDirectory : workingDirectory + "/") + text
            }
            // The loader keeps the spelling (`/./` stays in object names); only trailing slashes go.
            let directory = text.droppingTrailingSlashes
            if !result.contains(where: { SeededByteHash.sameBytes($0, directory) }) {
                result.append(directory)
                if let spelled { spellings[TextKey(directory)] = spelled }
            }
        }
        directories = result
        unsafeElements = unsafe
    }

    /// The name the loader builds for `name` in `probe` (one of `directories`, or a hwcaps
    /// or legacy subdirectory of one) when that directory came from a relative or empty
    /// element: the element's spelling, the subdirectory, the name (`name` alone for the
    /// empty element itself). Nil for an absolute element: the name is the path.
    public func spelledName(_ name: String, in probe: String, searchDirectory: String) -> String? {
        guard let spelled = spellings[TextKey(searchDirectory)] else { return nil }
        var rest = ""
        if probe != searchDirectory {
            let prefix = searchDirectory == "/" ? "/" : searchDirectory + "/"
            guard probe.hasPrefix(prefix) else { return nil }
            rest = String(probe.dropFirst(prefix.count))
        }
        let directory = [spelled, rest].filter { !$0.isEmpty }.joined(separator: "/")
        return directory.isEmpty ? name : directory + "/" + name
    }

    /// The directories of `environment`'s `LD_LIBRARY_PATH` as the loader reads them (none when
    /// it is unset); `$ORIGIN` in it is unknown here, so such an element is dropped.
    public static func libraryPathDirectories(of environment: LoaderEnvironment, platform: LoaderPlatform) -> [String] {
        environment.libraryPath.map {
            SearchPath(parsing: $0, source: .libraryPath, origin: nil, platform: platform,
                       workingDirectory: environment.workingDirectory).directories
        } ?? []
    }

    public init(directories: [String], source: SearchSource) {
        self.directories = directories
        self.source = source
        self.unsafeElements = []
    }

    /// Expands `$ORIGIN`, `$LIB`, `$PLATFORM` (also in `${…}` form); an unknown `$NAME`
    /// stays literal (dl-load.c `_dl_dst_substitute`). Nil when `$ORIGIN` is needed but unknown.
    /// Byte by byte, as `is_dst` reads: `$ORIGIN` followed by a combining mark or `é` is the
    /// token (only ASCII letters, digits and `_` continue a name), and a `$` is a `$` whatever
    /// mark precedes it.
    /// With `secure`, also nil where secure-execution mode refuses the `$ORIGIN` (`SecureTokens`).
    public static func expandTokens(_ text: String, origin: String?, platform: LoaderPlatform,
                                    secure: SecureTokens? = nil) -> String? {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var at = 0
        var checkTrusted = false
        while at < bytes.count {
            guard bytes[at] == UInt8(ascii: "$"), let token = token(in: bytes, at: at + 1) else {
                out.append(bytes[at])
                at += 1
                continue
            }
            switch token.name {
            case .origin:
                if let secure {
                    // Only first in the element, alone or before a `/`.
                    let end = at + 1 + token.length
                    guard at == 0, end == bytes.count || bytes[end] == UInt8(ascii: "/") else { return nil }
                    checkTrusted = checkTrusted || secure.isProgram
                }
                guard let origin else { return nil }
                out += origin.utf8
            case .platform: out += platform.platform.utf8
            case .lib: out += platform.lib.utf8
            }
            at += 1 + token.length
        }
        let result = String(decoding: out, as: UTF8.self)
        if checkTrusted, let secure, !SecureExecution.isTrusted(result, systemDirectories: secure.systemDirectories) { return nil }
        return result
    }

    /// Secure-execution mode's rules for `$ORIGIN` (elf/dl-load.c `_dl_dst_substitute`).
    public struct SecureTokens: Equatable, Sendable {
        /// The tokens are the program's own (`check_for_trusted`): an expansion of `$ORIGIN`
        /// must lie in a system directory.
        public var isProgram: Bool
        /// The loader's built-in directories (its trusted ones).
        public var systemDirectories: [String]
        public init(isProgram: Bool, systemDirectories: [String]) {
            self.isProgram = isProgram
            self.systemDirectories = systemDirectories
        }
    }

    private enum Token: CaseIterable {
        case origin, platform, lib
        var name: [UInt8] {
            switch self {
            case .origin: return Array("ORIGIN".utf8)
            case .platform: return Array("PLATFORM".utf8)
            case .lib: return Array("LIB".utf8)
            }
        }
    }

    /// `is_dst`: the token whose name starts at `start` (after a `$`), and how many bytes it
    /// takes (`{` and `}` included); nil when the name goes on (`$ORIGINX`) or is unknown.
    private static func token(in bytes: [UInt8], at start: Int) -> (name: Token, length: Int)? {
        let curly = start < bytes.count && bytes[start] == UInt8(ascii: "{")
        let from = curly ? start + 1 : start
        for token in Token.allCases {
            let name = token.name, end = from + name.count
            guard end <= bytes.count, bytes[from..<end].elementsEqual(name) else { continue }
            let next: UInt8? = end < bytes.count ? bytes[end] : nil
            if curly {
                if next == UInt8(ascii: "}") { return (token, name.count + 2) }
            } else if !(next.map(isIdentifierByte) ?? false) {
                return (token, name.count)
            }
        }
        return nil
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }
}

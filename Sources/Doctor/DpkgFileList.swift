import RootFS
import Support

/// What dpkg records of the files its packages installed in a root
/// (`/var/lib/dpkg/info/PACKAGE[:ARCH].list`, one path a line): which package to reinstall
/// when a library it installed is gone, instead of "the package that provides it".
/// Read only when a step for a person needs it, and bounded: a hostile root cannot make it
/// read without end.
public struct DpkgFileList: Sendable {
    /// A file dpkg lists, and the package that lists it.
    public struct Entry: Hashable, Sendable {
        /// The package as `apt-get` takes it (`libwebp6`, or `libwebp6:amd64` for a package
        /// installed for more than one architecture).
        public var package: String
        public var path: String
    }

    static let directory = RootPath("/var/lib/dpkg/info")
    /// Lists read at most (Debian's largest installs hold a few thousand packages).
    static let maxLists = 20_000
    /// A list larger than this is not read (texlive's, among Debian's largest, is ~10 MB).
    static let largestList = 32 << 20
    /// Bytes of lists read at most in one lookup (a large install's lists hold tens of MB):
    /// a root of many lists at the limit each cannot make a lookup read for minutes.
    static let readBudget = 256 << 20

    let root: RootView

    public init(root: RootView) {
        self.root = root
    }

    /// Entries whose file is named `name` (`entries(namedAnyOf:)`).
    public func entries(named name: String) -> [Entry] { entries(namedAnyOf: [name]) }

    /// Entries whose file is named one of `names`, in one pass over the lists, for x86-64:
    /// lists of another architecture (`PACKAGE:i386.list`) and paths in another
    /// architecture's directories are left out.
    public func entries(namedAnyOf names: Set<String>) -> [Entry] {
        let slash = UInt8(ascii: "/")
        let wanted = Set(names.filter { !$0.isEmpty && !$0.utf8.contains(slash) }.map { Array($0.utf8) })
        guard !wanted.isEmpty, let lists = try? root.names(in: Self.directory) else { return [] }
        var result: [Entry] = []
        var budget = Self.readBudget
        for list in lists.sorted().prefix(Self.maxLists) where list.hasByteSuffix(".list") {
            guard let package = Self.package(ofList: list),
                  let contents = try? root.contents(of: Self.directory.appendingComponent(list)),
                  contents.count <= Self.largestList else { continue }
            budget -= contents.count
            guard budget >= 0 else { break }
            for line in contents.bytes.split(separator: UInt8(ascii: "\n")) {
                guard let last = line.lastIndex(of: slash), wanted.contains(Array(line[(last + 1)...])) else { continue }
                let path = String(decoding: line, as: UTF8.self)
                if !Self.isOtherArchitecture(path) { result.append(Entry(package: package, path: path)) }
            }
        }
        return result
    }

    /// For each of `paths`, the package whose list holds it, or a path that leads to the same
    /// file (dpkg lists `/lib/x86_64-linux-gnu/…` where `/lib` is a link to `usr/lib`); the
    /// lists are read once for them all.
    public func packages(installing paths: [String]) -> [String: String] {
        func file(_ path: String) -> RootPath? { ((try? root.resolve(RootPath(path))) ?? nil)?.path }
        let entries = entries(namedAnyOf: Set(paths.map { RootPath($0).lastComponent }))
        var result: [String: String] = [:]
        for path in paths {
            let real = file(path)
            result[path] = entries.first { $0.path == path || (real != nil && file($0.path) == real) }?.package
        }
        return result
    }

    /// The command that reinstalls `package`, and where: a root examined from outside
    /// (`--root`) is not the machine the command would change when pasted. `apt-get update`
    /// first: images ship without apt's package lists (`rm -rf /var/lib/apt/lists/*`), and
    /// without them apt says the reinstallation "is not possible", changes nothing and exits
    /// 0; with lists older than the archive it fetches a version the mirror no longer has.
    /// A root without apt-get gets no command: only the package's own `.deb` puts it back.
    public static func reinstallCommand(_ package: String, fromOutside: Bool, root: RootView) -> String {
        guard ProgramLocation.isProgram(RootPath("/usr/bin/apt-get"), root) else {
            return "the root has no apt-get: install the .deb of the version dpkg lists with dpkg -i"
        }
        return "apt-get update && apt-get install --reinstall \(package)" + (fromOutside ? ", run inside the root or its container" : "")
    }

    /// `libwebp6` of `libwebp6.list`, `libwebp6:amd64` of `libwebp6:amd64.list`; nil for a
    /// list of another architecture. A list whose name is no Debian package name (policy
    /// 5.6.1: lowercase letters, digits, `+`, `-` and `.`, two or more, beginning with a
    /// letter or digit) is nobody's: a name that passes is also one word to a shell, as a
    /// printed `apt-get` command needs.
    static func package(ofList list: String) -> String? {
        let name = list.utf8.dropLast(".list".utf8.count)
        let colon = name.firstIndex(of: UInt8(ascii: ":"))
        let package = name[..<(colon ?? name.endIndex)]
        if let colon, !name[name.index(after: colon)...].elementsEqual("amd64".utf8) { return nil }
        guard package.count >= 2, let first = package.first, isLowercaseOrDigit(first),
              package.allSatisfy({ isLowercaseOrDigit($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
        else { return nil }
        return String(decoding: name, as: UTF8.self)
    }

    static func isLowercaseOrDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// A path in a directory of 32-bit or x32 libraries (multilib packages of arch amd64 put
    /// them there too).
    static func isOtherArchitecture(_ path: String) -> Bool {
        ["/i386-linux-gnu/", "/x86_64-linux-gnux32/", "/lib32/", "/libx32/"].contains { path.containsBytes($0) }
    }
}

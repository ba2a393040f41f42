import Quoting
import RootFS
import Support

/// What pip records of the files a Python distribution installed (`*.dist-info/RECORD` in a
/// `site-packages` or `dist-packages` directory, one CSV row a file, its path relative to
/// that directory): which distribution to reinstall when a library it installed is damaged
/// — PyTorch's and the CUDA wheels' libraries, MKL's in the prefix's `lib`, a wheel's
/// bundled `*.libs` — where dpkg lists none. Read only for a step for a person, and bounded.
public struct PipRecord: InstalledFileRecords, Sendable {
    /// The distribution that installed a file, and how to put it back.
    public struct Owner: Equatable, Sendable {
        /// As its metadata spells it (`Name:`, `Version:`).
        public var name: String
        public var version: String
        /// The tool `INSTALLER` names (`pip`, `conda`, `uv`…), nil when the file is absent.
        public var installer: String?
        /// The interpreter whose `site-packages` it is, in the root (its `-m pip` reinstalls it).
        public var interpreter: RootPath?

        /// `pip install` of this very version, with the interpreter that owns the directory,
        /// as words for a shell; nil where pip is not how it came (another installer) or
        /// could not fetch it again by that version from an index it knows (a local
        /// version such as `2.0.1+cu117` comes from another index).
        public var reinstallWords: [String]? {
            guard installer == "pip", let interpreter, !version.containsByte(UInt8(ascii: "+")) else { return nil }
            return [interpreter.string, "-m", "pip", "install", "--force-reinstall", "--no-deps", "\(name)==\(version)"]
        }
    }

    /// `site-packages` directories looked at above a file: its own ancestors, and those of
    /// a prefix up to this many levels above it (MKL's libraries in `PREFIX/lib`).
    static let prefixLevels = 3
    /// RECORDs read at most per directory, and the largest read (torch's is ~2 MB).
    static let maxRecords = 5_000
    static let largestRecord = 16 << 20
    /// Bytes of RECORDs read at most in one lookup.
    static let readBudget = 128 << 20

    let root: RootView

    public init(root: RootView) {
        self.root = root
    }

    /// The `site-packages`/`dist-packages` directories that may list `file`: an ancestor so
    /// named, else `lib/pythonX.Y/site-packages` (or `dist-packages`) of an ancestor a few
    /// levels up (not `/`, whose system Python dpkg answers for).
    func places(above file: RootPath) -> [RootPath] {
        var found: [RootPath] = []
        var ancestor = file.parent
        var level = 0
        while !ancestor.isRoot {
            let name = ancestor.lastComponent
            if name == "site-packages" || name == "dist-packages" { return [ancestor] }
            if level < Self.prefixLevels {
                let lib = ancestor.appendingComponent("lib")
                for entry in ((try? root.names(in: lib)) ?? []).sorted() where entry.hasBytePrefix("python") {
                    for kind in ["site-packages", "dist-packages"] {
                        let directory = lib.appendingComponent(entry).appendingComponent(kind)
                        if root.isDirectory(directory) { found.append(directory) }
                    }
                }
            }
            ancestor = ancestor.parent
            level += 1
        }
        return found
    }

    /// Each `*.dist-info` of `directory` (a record is known by that directory) with the paths
    /// its RECORD lists, made absolute.
    func records(in directory: RootPath, budget: inout Int) -> [(record: RootPath, files: Set<String>)] {
        guard let names = try? root.names(in: directory) else { return [] }
        var result: [(record: RootPath, files: Set<String>)] = []
        for name in names.sorted().prefix(Self.maxRecords) where name.hasByteSuffix(".dist-info") {
            let distInfo = directory.appendingComponent(name)
            guard let record = try? root.contents(of: distInfo.appendingComponent("RECORD")), record.count <= Self.largestRecord else { continue }
            budget -= record.count
            guard budget >= 0 else { break }
            var files = Set<String>()
            for line in record.bytes.split(separator: UInt8(ascii: "\n")) {
                guard let field = Self.firstField(line), !field.isEmpty else { continue }
                let text = String(decoding: field, as: UTF8.self)
                files.insert(RootPath(cleaning: text.startsWithSlash ? text : directory.string + "/" + text).string)
            }
            result.append((distInfo, files))
        }
        return result
    }

    /// The first field of a CSV row (quoted, with `""` for a quote, or up to the first comma).
    static func firstField(_ line: ArraySlice<UInt8>) -> [UInt8]? {
        var bytes = Array(line)
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        let quote = UInt8(ascii: "\"")
        guard bytes.first == quote else { return Array(bytes.prefix { $0 != UInt8(ascii: ",") }) }
        var field: [UInt8] = []
        var n = 1
        while n < bytes.count {
            if bytes[n] == quote {
                guard n + 1 < bytes.count, bytes[n + 1] == quote else { return field }
                n += 1
            }
            field.append(bytes[n])
            n += 1
        }
        return nil   // (no closing quote: not a row pip wrote)
    }

    /// Name and version from the distribution's `METADATA`, its installer, and the interpreter:
    /// `PREFIX/bin/pythonX.Y` for `PREFIX/lib/pythonX.Y/site-packages`, else `/usr/bin/pythonX.Y`.
    func owner(of distInfo: RootPath, in sitePackages: RootPath) -> Owner? {
        guard let metadata = try? root.contents(of: distInfo.appendingComponent("METADATA")) else { return nil }
        var name: String?
        var version: String?
        for line in metadata.bytes.prefix(64 << 10).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if line.isEmpty || line == [UInt8(ascii: "\r")] { break }   // the headers end at the first blank line
            let text = String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
            if name == nil, text.hasBytePrefix("Name: ") { name = String(text.dropFirst(6)) }
            if version == nil, text.hasBytePrefix("Version: ") { version = String(text.dropFirst(9)) }
        }
        guard let name, Self.isDistributionName(name), let version, Self.isVersion(version) else { return nil }
        let installer = (try? root.contents(of: distInfo.appendingComponent("INSTALLER"))).map { file in
            String(decoding: file.bytes.prefix(64).prefix { $0 > 0x20 }, as: UTF8.self)
        }
        let python = sitePackages.parent.lastComponent   // pythonX.Y
        var interpreter: RootPath?
        if python.hasBytePrefix("python") {
            let prefix = sitePackages.parent.parent.parent   // PREFIX of PREFIX/lib/pythonX.Y
            for candidate in [prefix.appendingComponent("bin").appendingComponent(python), RootPath("/usr/bin/" + python)]
                where ProgramLocation.isProgram(candidate, root) {
                interpreter = candidate
                break
            }
        }
        return Owner(name: name, version: version, installer: installer, interpreter: interpreter)
    }

    /// A distribution name as PEP 508 spells one: letters and digits, with `.`, `_` and `-`
    /// inside — one word to a shell.
    static func isDistributionName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// A version of PEP 440's characters (digits, letters, `.`, `!`, `+`, `-`, `_`).
    static func isVersion(_ version: String) -> Bool {
        !version.isEmpty && version.utf8.allSatisfy { isAlphanumeric($0) || [UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "+"),
                                                                            UInt8(ascii: "-"), UInt8(ascii: "_")].contains($0) }
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
    }

    /// The remedy's words for `owner` of `path`: its name and version, and the command that
    /// puts it back where there is one (`fromOutside`: run inside the root or its container).
    public static func reinstallText(_ owner: Owner, fromOutside: Bool) -> String {
        let label = "\(owner.name) \(owner.version)"
        guard let words = owner.reinstallWords else {
            let how = owner.installer.map { " (installed by \($0))" } ?? ""
            return "Reinstall the Python package \(label)\(how)"
        }
        let command = words.map(ShellQuote.display).joined(separator: " ")
        return "Reinstall the Python package \(label) (\(command)" + (fromOutside ? ", run inside the root or its container)" : ")")
    }
}

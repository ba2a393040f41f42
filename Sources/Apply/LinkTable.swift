import Support

/// Symbolic links by real directory, as the journal keeps them for ldconfig's run: each
/// directory and link name by its bytes. Two names that are canonically equivalent text
/// (`lib\u{e9}.so.1`, `libe\u{301}.so.1`) are two links to the kernel and to ldconfig,
/// while a `[String: …]` (Swift compares strings canonically) keeps one of them, and so
/// does a JSON object read back by `JSONDecoder`: so the table is written as a list.
///
/// JSON: `[{"path": DIR, "links": [{"name": NAME, "value": VALUE}, …]}, …]`. A journal of an
/// earlier ofdoctor wrote `{DIR: {NAME: VALUE}}`; it is still read (what it merged stays merged).
public struct LinkTable<Value: Codable & Equatable & Sendable>: Codable, Equatable, Sendable {
    public struct Link: Codable, Equatable, Sendable {
        public var name: String
        public var value: Value

        public init(name: String, value: Value) {
            self.name = name
            self.value = value
        }
    }

    public struct Directory: Codable, Equatable, Sendable {
        public var path: String
        public var links: [Link]

        public init(path: String, links: [Link]) {
            self.path = path
            self.links = links
        }

        /// Name (by its bytes) → value.
        public var byName: [TextKey: Value] {
            Dictionary(links.map { (TextKey($0.name), $0.value) }, uniquingKeysWith: { first, _ in first })
        }
    }

    public private(set) var directories: [Directory]

    public init(_ directories: [Directory] = []) {
        self.directories = directories
    }

    /// True when `path` (by its bytes) is already in the table.
    public func contains(directory path: String) -> Bool {
        directories.contains { $0.path.hasSameBytes(as: path) }
    }

    /// Adds a directory; one already present (by its bytes) is left as it is.
    public mutating func add(_ directory: Directory) {
        if !contains(directory: directory.path) { directories.append(directory) }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let list = try? container.decode([Directory].self) {
            directories = list
        } else {
            // An earlier ofdoctor's object form, in a stable order.
            let object = try container.decode([String: [String: Value]].self)
            directories = Self.directories(object.sorted { Array($0.key.utf8).lexicographicallyPrecedes($1.key.utf8) })
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(directories)
    }
}

extension LinkTable: ExpressibleByDictionaryLiteral {
    /// Directory → name → value (tests; names that are canonically equivalent need the list form).
    public init(dictionaryLiteral elements: (String, [String: Value])...) {
        self.init(Self.directories(elements))
    }

    /// Directories from name → value dictionaries, each directory's links in byte order.
    static func directories(_ entries: [(String, [String: Value])]) -> [Directory] {
        entries.map { directory, links in
            Directory(path: directory, links: links.sorted { Array($0.key.utf8).lexicographicallyPrecedes($1.key.utf8) }
                .map { Link(name: $0.key, value: $0.value) })
        }
    }
}

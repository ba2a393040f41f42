import Foundation

/// docs/json.md read as the contract it states: the document each command prints, and
/// for each object its fields with their types. `validate` holds a printed document to it:
/// a field missing, a field not documented or a value of another type is a violation.
struct JSONContract {
    indirect enum FieldType: Equatable, CustomStringConvertible {
        case string, integer, boolean
        /// A string that is one of these values.
        case oneOf([String])
        case nullable(FieldType)
        case array(FieldType)
        /// An object whose names are data, each value of this type.
        case map(FieldType)
        /// An object described by the table of that name.
        case object(String)

        var description: String {
            switch self {
            case .string: return "string"
            case .integer: return "integer"
            case .boolean: return "boolean"
            case .oneOf(let values): return "one of \(values)"
            case .nullable(let type): return "\(type) or null"
            case .array(let type): return "array of \(type)"
            case .map(let type): return "object of \(type)"
            case .object(let name): return name
            }
        }
    }

    struct Field: Equatable {
        var name: String
        var type: FieldType
    }

    /// Command line (`check --format json`) → the name of its document's table.
    var documents: [String: String] = [:]
    /// Table name → its fields, in the order documented.
    var objects: [String: [Field]] = [:]

    enum ParseError: Error, CustomStringConvertible {
        case badType(String, table: String)
        case duplicate(String)
        var description: String {
            switch self {
            case .badType(let text, let table): return "docs/json.md, table \(table): cannot read the type \(text.debugDescription)"
            case .duplicate(let name): return "docs/json.md describes \(name) twice"
            }
        }
    }

    static var documentPath: String { Command.packageRoot + "/docs/json.md" }

    static func load(path: String = documentPath) throws -> JSONContract {
        try parse(String(contentsOfFile: path, encoding: .utf8))
    }

    /// Headings name the tables (`## Report`, `### Finding`); a table whose header is
    /// `field | type | meaning` describes that object, one with `command | document` maps
    /// commands to their documents.
    static func parse(_ markdown: String) throws -> JSONContract {
        var contract = JSONContract()
        var heading = ""
        var header: [String] = []
        for rawLine in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") {
                heading = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
                header = []
                continue
            }
            guard line.hasPrefix("|") else { header = []; continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if header.isEmpty { header = cells; continue }
            if cells.allSatisfy({ $0.allSatisfy { $0 == "-" || $0 == ":" } }) { continue }
            switch header.prefix(2) {
            case ["field", "type"]:
                let name = unquoted(cells[0])
                let type = try parseType(cells[1], table: heading)
                if contract.objects[heading]?.contains(where: { $0.name == name }) == true { throw ParseError.duplicate("\(heading).\(name)") }
                contract.objects[heading, default: []].append(Field(name: name, type: type))
            case ["command", "document"]:
                contract.documents[unquoted(cells[0])] = cells[1]
            default:
                continue
            }
        }
        return contract
    }

    static func unquoted(_ cell: String) -> String {
        cell.replacingOccurrences(of: "`", with: "")
    }

    static func parseType(_ raw: String, table: String) throws -> FieldType {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if text.hasSuffix(" or null") { return .nullable(try parseType(String(text.dropLast(" or null".count)), table: table)) }
        if text.hasPrefix("array of ") { return .array(try parseType(String(text.dropFirst("array of ".count)), table: table)) }
        if text.hasPrefix("object of ") { return .map(try parseType(String(text.dropFirst("object of ".count)), table: table)) }
        if text.hasPrefix("one of ") {
            let values = text.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            guard !values.isEmpty else { throw ParseError.badType(raw, table: table) }
            return .oneOf(values)
        }
        switch text {
        case "string": return .string
        case "integer": return .integer
        case "boolean": return .boolean
        default:
            guard let first = text.unicodeScalars.first, CharacterSet.uppercaseLetters.contains(first),
                  text.unicodeScalars.allSatisfy(CharacterSet.alphanumerics.contains) else { throw ParseError.badType(raw, table: table) }
            return .object(text)
        }
    }

    /// The object types a type refers to, directly or inside arrays and maps.
    static func referencedObjects(_ type: FieldType) -> [String] {
        switch type {
        case .object(let name): return [name]
        case .nullable(let inner), .array(let inner), .map(let inner): return referencedObjects(inner)
        default: return []
        }
    }

    // MARK: - validation

    /// Every way `value` departs from `type`, each naming the path in the document;
    /// `visited` collects the object types seen.
    func violations(_ value: JSONValue, as type: FieldType, at path: String, visited: inout Set<String>) -> [String] {
        switch (type, value) {
        case (.nullable, .null): return []
        case (.nullable(let inner), _): return violations(value, as: inner, at: path, visited: &visited)
        case (.string, .string): return []
        case (.integer, .integer): return []
        case (.boolean, .boolean): return []
        case (.oneOf(let values), .string(let text)):
            return values.contains(text) ? [] : ["\(path): \(text.debugDescription) is not one of \(values)"]
        case (.array(let inner), .array(let items)):
            return items.enumerated().flatMap { violations($0.element, as: inner, at: "\(path)[\($0.offset)]", visited: &visited) }
        case (.map(let inner), .object(let members)):
            return members.sorted { $0.key < $1.key }.flatMap { violations($0.value, as: inner, at: "\(path).\($0.key)", visited: &visited) }
        case (.object(let name), .object(let members)):
            guard let fields = objects[name] else { return ["\(path): docs/json.md has no table \(name)"] }
            visited.insert(name)
            var found: [String] = []
            for field in fields {
                guard let member = members[field.name] else {
                    found.append("\(path): field \(field.name) (\(name)) is missing")
                    continue
                }
                found += violations(member, as: field.type, at: "\(path).\(field.name)", visited: &visited)
            }
            for key in members.keys.sorted() where !fields.contains(where: { $0.name == key }) {
                found.append("\(path): field \(key) is not documented for \(name)")
            }
            return found
        default:
            return ["\(path): \(value.kind) where docs/json.md says \(type)"]
        }
    }
}

/// A JSON value as it was printed: booleans, integers and other numbers kept apart
/// (JSONSerialization on Linux cannot tell `true` from `1`).
enum JSONValue: Decodable, Equatable {
    case null
    case boolean(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .boolean(value) }
        else if let value = try? container.decode(Int.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    static func parse(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    var kind: String {
        switch self {
        case .null: return "null"
        case .boolean: return "a boolean"
        case .integer: return "an integer"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

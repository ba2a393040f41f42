import Foundation

/// What the loader prints in trace mode — `ldd`, and `ldd -r` (LD_TRACE_LOADED_OBJECTS with
/// LD_BIND_NOW and LD_WARN) — stdout and stderr together, line by line, as the tests that
/// take the real loader as their oracle read it. Everything is kept as printed, in order, in
/// arrays: a `Set<String>` would merge names that are canonically equivalent text but not the
/// same bytes (`é`, `e` + U+0301), which the loader keeps apart.
public struct LddOutput {
    /// `undefined symbol: NAME[, version V]\t(REQUESTER)`.
    public struct Undefined {
        public var symbol: String
        public var version: String?
        public var requester: String
    }

    /// ``FILE: version `V' not found (required by REQUESTER)``.
    public struct MissingVersion {
        public var file: String
        public var version: String
        public var requester: String
    }

    /// `FILE: no version information available (required by REQUESTER)`.
    public struct NoVersionInformation {
        public var file: String
        public var requester: String
    }

    /// The objects listed, in order: the path after ` => ` (`ld.so` itself left out), or a
    /// name with a slash listed alone.
    public var loaded: [String] = []
    /// Names listed as `NAME => not found`.
    public var missing: [String] = []
    public var undefined: [Undefined] = []
    public var missingVersions: [MissingVersion] = []
    public var withoutVersionInformation: [NoVersionInformation] = []
    /// What stopped the loader: the text after `error while loading shared libraries: `, an
    /// `Inconsistency detected by ld.so: ` line, or a refused protected reference
    /// (`SYMBOL: LIBRARY: … GNU_PROPERTY_1_NEEDED_INDIRECT_EXTERN_ACCESS`, after the program's name).
    public var fatal: String?

    public init(_ text: String) {
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if let range = line.range(of: "error while loading shared libraries: ") {
                fatal = String(line[range.upperBound...])
            } else if line.hasPrefix("Inconsistency detected by ld.so: ") {
                fatal = line
            } else if line.hasSuffix(": error due to GNU_PROPERTY_1_NEEDED_INDIRECT_EXTERN_ACCESS"),
                      let colon = line.range(of: ": ") {
                fatal = String(line[colon.upperBound...])
            } else if line.hasPrefix("undefined symbol: ") {
                let body = line.dropFirst("undefined symbol: ".count)
                guard let tab = body.firstIndex(of: "\t") else { continue }
                var symbol = String(body[..<tab]), version: String?
                if let comma = symbol.range(of: ", version ") {
                    version = String(symbol[comma.upperBound...])
                    symbol = String(symbol[..<comma.lowerBound])
                }
                let requester = body[body.index(after: tab)...].trimmingCharacters(in: CharacterSet(charactersIn: "()"))
                undefined.append(Undefined(symbol: symbol, version: version, requester: requester))
            } else if let range = line.range(of: ": version `"), let tick = line[range.upperBound...].firstIndex(of: "'"),
                      let by = line.range(of: "(required by ") {
                missingVersions.append(MissingVersion(file: Self.lastWord(line[..<range.lowerBound]),
                                                      version: String(line[range.upperBound..<tick]),
                                                      requester: String(line[by.upperBound...].dropLast())))
            } else if let range = line.range(of: ": no version information available (required by ") {
                withoutVersionInformation.append(NoVersionInformation(file: Self.lastWord(line[..<range.lowerBound]),
                                                                      requester: String(line[range.upperBound...].dropLast())))
            } else if line.hasPrefix("/"), !line.contains(" => ") {
                loaded.append(line.range(of: " (0x").map { String(line[..<$0.lowerBound]) } ?? line)
            } else if let arrow = line.range(of: " => ") {
                var right = String(line[arrow.upperBound...])
                if let paren = right.range(of: " (0x") { right = String(right[..<paren.lowerBound]) }
                if right == "not found" { missing.append(String(line[..<arrow.lowerBound])) }
                else if right != "ld.so" { loaded.append(right) }
            }
        }
    }

    /// The file a version line is about: its last word (a run's own message puts the
    /// program's name before it).
    private static func lastWord(_ text: Substring) -> String {
        text.split(separator: " ").last.map(String.init) ?? ""
    }
}

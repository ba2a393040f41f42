// The standard library's `joined(separator:)` for strings is a generic entry point (it
// dispatches to a specialisation at run time): the first call of a process resolves its
// associated types through the runtime's conformance tables, some 190,000 instructions,
// a tenth of `check /bin/true`. These overloads are concrete, so the compiler picks them
// over the standard library's wherever the element type is known to be `String`.

extension Array where Element == String {
    /// The elements with `separator` between them, as the standard library's.
    package func joined(separator: String = "") -> String {
        joinedStrings(self[...], separator: separator)
    }
}

extension ArraySlice where Element == String {
    /// The elements with `separator` between them, as the standard library's.
    package func joined(separator: String = "") -> String {
        joinedStrings(self, separator: separator)
    }
}

private func joinedStrings(_ parts: ArraySlice<String>, separator: String) -> String {
    var length = separator.utf8.count * max(0, parts.count - 1)
    for part in parts { length += part.utf8.count }
    var out = ""
    out.reserveCapacity(length)
    var first = true
    for part in parts {
        if !first { out += separator }
        out += part
        first = false
    }
    return out
}

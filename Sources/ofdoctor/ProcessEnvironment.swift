#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import LoaderModel

/// Variables of this process's environment, one at a time (`getenv`): the few names the
/// commands read do not need `ProcessInfo`'s copy of the whole environment on every run.
enum ProcessEnvironment {
    static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// The loader's variables of this environment (`LoaderEnvironment.isLoaderVariable`:
    /// every `LD_` one and `GLIBC_TUNABLES`): a program started from this shell sees them all.
    static var loaderVariables: [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.utf8.firstIndex(of: UInt8(ascii: "=")) {
                let name = String(text[..<equals])
                if LoaderEnvironment.isLoaderVariable(name) { result[name] = String(text[text.index(after: equals)...]) }
            }
            entry += 1
        }
        return result
    }

    /// What `JournalKey` looks at to find the journal key.
    static var journalKeyVariables: [String: String] {
        var result: [String: String] = [:]
        for name in ["XDG_STATE_HOME", "HOME"] { result[name] = value(name) }
        return result
    }
}

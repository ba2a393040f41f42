#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Variables of this process's environment, one at a time (`getenv`): the few names the
/// commands read do not need `ProcessInfo`'s copy of the whole environment on every run.
enum ProcessEnvironment {
    static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// What `JournalKey` looks at to find the journal key.
    static var journalKeyVariables: [String: String] {
        var result: [String: String] = [:]
        for name in ["XDG_STATE_HOME", "HOME"] { result[name] = value(name) }
        return result
    }
}

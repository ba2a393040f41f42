#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ELFInspect
import LoaderModel

/// Variables of this process's environment, one at a time (`getenv`): the few names the
/// commands read do not need `ProcessInfo`'s copy of the whole environment on every run.
/// Values are bytes (`ByteString`): a directory whose name is not UTF-8 on
/// `LD_LIBRARY_PATH` is the loader's as it is, not a name with U+FFFD in it.
enum ProcessEnvironment {
    static func value(_ name: String) -> String? {
        guard let pointer = getenv(name) else { return nil }
        return decode(pointer)
    }

    /// A C string of this process (an argument, a variable) as `ByteString` keeps bytes.
    static func decode(_ pointer: UnsafePointer<CChar>) -> String {
        ByteString.decode(UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)))
    }

    /// The command line without the program's name, each argument's bytes kept
    /// (`CommandLine.arguments` replaces bytes that are not UTF-8 with U+FFFD: a `--root`
    /// named in Latin-1 would name no directory).
    static var arguments: [String] {
        (1..<max(1, Int(CommandLine.argc))).compactMap { index in CommandLine.unsafeArgv[index].map { decode($0) } }
    }

    /// The loader's variables of this environment (`LoaderEnvironment.isLoaderVariable`:
    /// every `LD_` one and `GLIBC_TUNABLES`): a program started from this shell sees them all.
    static var loaderVariables: [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = decode(pointer)
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

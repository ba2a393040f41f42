import Support

/// The target process's environment as far as the loader reads it (glibc elf/rtld.c
/// `process_envvars`), and the working directory that relative path elements mean.
public struct LoaderEnvironment: Equatable, Sendable {
    /// Every variable given; only the loader's are interpreted.
    public var variables: [String: String]
    /// The directory the program is started in (relative and empty path elements use it).
    public var workingDirectory: String
    /// Who starts it: a set-ID program started by another user or group runs in secure mode
    /// (`SecureExecution`).
    public var identity: ProcessIdentity
    /// The image's `User` when the runtime cannot resolve it: then no container of the image
    /// starts (LD031), and `identity` is root, as whom the loader's part is judged.
    public var unknownContainerUser: UnknownContainerUser?
    /// The container `User` as written (`--user`, else the image config's), for text that names
    /// it again: a Dockerfile's `USER` after the root's steps. Nil when none was given.
    public var containerUser: String?
    /// Whom the kernel checks ofdoctor's own reads of the root for: its process's effective
    /// user and groups, for a directory it reads through the kernel (`/`, `--root DIR`); nil
    /// for an image, which has no such checks. Where it may read less than the loader's
    /// identity (a user checking a root unpacked by root, whose programs run as root), a
    /// read it is denied is no finding (`OwnReadFailure`).
    public var reader: ProcessIdentity?

    public init(_ variables: [String: String] = [:], workingDirectory: String = "/", identity: ProcessIdentity = .root) {
        self.variables = variables
        self.workingDirectory = workingDirectory
        self.identity = identity
    }

    /// `LD_LIBRARY_PATH`; set-but-empty behaves as unset (rtld.c).
    public var libraryPath: String? {
        guard let value = variables["LD_LIBRARY_PATH"], !value.isEmpty else { return nil }
        return value
    }

    /// Objects by path loaded ahead of `LD_PRELOAD`'s, as whole names: the modules an
    /// interpreter imports, modelled as preloads (`PythonHost`). A path may hold a space or a
    /// colon, which `LD_PRELOAD` would split; no variable of the process says these.
    public var importedObjects: [String] = []

    /// The names preloaded from the environment: `importedObjects`, then `LD_PRELOAD`'s,
    /// separated by spaces or colons (rtld.c `handle_preload_list`).
    public var preload: [String] {
        guard let value = variables["LD_PRELOAD"] else { return importedObjects }
        return importedObjects + value.split(bytes: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: ":") })
    }

    /// `LD_BIND_NOW` non-empty: every PLT relocation is bound at start-up.
    public var bindNow: Bool { !(variables["LD_BIND_NOW"] ?? "").isEmpty }

    /// Whether the loader reads `name` (glibc elf/rtld.c `process_envvars` and the tunables):
    /// every `LD_` variable and `GLIBC_TUNABLES`. These are what a report shows and what is
    /// taken from this process's environment when no image says otherwise.
    public static func isLoaderVariable(_ name: String) -> Bool {
        name.hasPrefix("LD_") || name == "GLIBC_TUNABLES"
    }

    /// The value `GLIBC_TUNABLES` gives the tunable `name` (`glibc.rtld.dynamic_sort`): its
    /// `name=value` settings are separated by colons, and of several the last counts
    /// (measured with glibc 2.36 and 2.41). Nil when it sets none. (Secure-execution mode,
    /// where the loader ignores these, is the caller's to know.)
    public func tunable(_ name: String) -> String? {
        variables["GLIBC_TUNABLES"].flatMap { Self.tunable(name, in: $0) }
    }

    /// The same from a `GLIBC_TUNABLES` value.
    public static func tunable(_ name: String, in tunables: String) -> String? {
        let prefix = name + "="
        return tunables.split(bytes: { $0 == UInt8(ascii: ":") }).last { $0.hasBytePrefix(prefix) }
            .map { String($0.dropFirst(prefix.utf8.count)) }
    }

    /// The variables the loader reads (`isLoaderVariable`).
    public var loaderVariables: [String: String] {
        variables.filter { Self.isLoaderVariable($0.key) }
    }

    public func with(_ name: String, _ value: String?) -> LoaderEnvironment {
        var copy = self
        copy.variables[name] = value
        return copy
    }
}

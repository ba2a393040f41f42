#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Archive
import Support

/// The secret that seals every journal `fix --apply` writes (`JournalFile`), kept by the
/// user who runs ofdoctor, outside the roots it changes: a journal found in a root is
/// trusted only when this key seals it, so one shipped in an image, or edited since, cannot
/// make `undo` remove or rewrite what ofdoctor did not create. 32 random bytes, as hex, in
/// `$XDG_STATE_HOME/ofdoctor/journal-key` (else `~/.local/state/ofdoctor/journal-key`),
/// mode 0600 in a 0700 directory, made by the first `fix --apply`.
public struct JournalKey: Sendable, Equatable {
    /// Where it is kept, for messages.
    public let location: String
    /// The secret; nil when this user has none yet (no journal here can be theirs).
    public let secret: [UInt8]?

    public static let length = 32

    public init(location: String, secret: [UInt8]?) {
        self.location = location
        self.secret = secret
    }

    /// The key file's path: `$XDG_STATE_HOME` when absolute (the XDG rule), else `$HOME`,
    /// else the home directory the password database gives the effective user.
    public static func path(environment: [String: String]) -> String? {
        if let state = environment["XDG_STATE_HOME"], state.startsWithSlash { return state + "/ofdoctor/journal-key" }
        if let home = environment["HOME"], home.startsWithSlash { return home + "/.local/state/ofdoctor/journal-key" }
        guard let entry = getpwuid(geteuid()), let dir = entry.pointee.pw_dir, dir.pointee == UInt8(ascii: "/") else { return nil }
        return String(cString: dir) + "/.local/state/ofdoctor/journal-key"
    }

    /// The key as it is (`undo`: a user without one has no journal to undo).
    public static func load(environment: [String: String]) throws(ApplyError) -> JournalKey {
        let path = try keyPath(environment)
        return JournalKey(location: path, secret: try read(at: path))
    }

    /// The key, made when absent (`fix --apply`).
    public static func loadOrCreate(environment: [String: String]) throws(ApplyError) -> JournalKey {
        let path = try keyPath(environment)
        if let secret = try read(at: path) { return JournalKey(location: path, secret: secret) }
        try create(at: path)
        guard let secret = try read(at: path) else { throw .journalKey(path: path, reason: "it vanished as it was made") }
        return JournalKey(location: path, secret: secret)
    }

    private static func keyPath(_ environment: [String: String]) throws(ApplyError) -> String {
        guard let path = path(environment: environment) else {
            throw .journalKey(path: "~/.local/state/ofdoctor/journal-key",
                              reason: "neither XDG_STATE_HOME nor HOME is set, and the user has no home directory")
        }
        return path
    }

    /// Reads the key file: a regular file (not a link) of this user, readable by no one
    /// else, holding 64 hex digits. Nil when absent.
    static func read(at path: String) throws(ApplyError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .journalKey(path: path, reason: errno == ELOOP ? "it is a symbolic link" : Errno.describe(errno))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .journalKey(path: path, reason: Errno.describe(errno)) }
        guard st.st_mode & S_IFMT == S_IFREG else { throw .journalKey(path: path, reason: "it is not a regular file") }
        guard st.st_uid == geteuid() else { throw .journalKey(path: path, reason: "it belongs to another user (uid \(st.st_uid))") }
        guard st.st_mode & 0o077 == 0 else {
            throw .journalKey(path: path, reason: "others may read or write it (mode \(String(st.st_mode & 0o777, radix: 8))); it must be 0600")
        }
        var buffer = [UInt8](repeating: 0, count: 2 * length + 2)
        let count = buffer.withUnsafeMutableBytes { readBytes(fd, $0.baseAddress, $0.count) }
        guard count >= 0 else { throw .journalKey(path: path, reason: Errno.describe(errno)) }
        var text = buffer.prefix(count)
        if text.last == UInt8(ascii: "\n") { text = text.dropLast() }
        guard text.count == 2 * length, let bytes = HexText.bytes(String(decoding: text, as: UTF8.self)) else {
            throw .journalKey(path: path, reason: "it does not hold \(2 * length) hex digits")
        }
        return bytes
    }

    /// Makes the key file and its missing directories (0700). Written whole under a
    /// temporary name, then linked to its name, so a concurrent reader never sees half a
    /// key and a concurrent maker's key is the one both keep.
    static func create(at path: String) throws(ApplyError) {
        let directory = String(path[..<(path.lastSlashIndex ?? path.startIndex)])
        try makeDirectories(directory, for: path)
        var generator = SystemRandomNumberGenerator()   // getrandom(2)
        let secret = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let contents = Array((HexText.lowercase(secret) + "\n").utf8)
        // A name no other maker (process or thread) can hold.
        let temporary = "\(path).\(getpid()).\(String(UInt64.random(in: 0...UInt64.max, using: &generator), radix: 16)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .journalKey(path: path, reason: "cannot create \(temporary): \(Errno.describe(errno))") }
        defer { unlink(temporary) }
        do throws(WriteFailure) {
            defer { close(fd) }
            try POSIXWriter.writeAll(fd, contents)
            guard fsync(fd) == 0 else { throw WriteFailure("fsync", errno: errno) }
        } catch {
            throw .journalKey(path: path, reason: "cannot write \(temporary): \(error.operation): \(Errno.describe(error.errno))")
        }
        if link(temporary, path) != 0 && errno != EEXIST {
            throw .journalKey(path: path, reason: Errno.describe(errno))
        }
    }

    private static func makeDirectories(_ directory: String, for path: String) throws(ApplyError) {
        var prefix = ""
        for component in directory.slashSeparated() {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw .journalKey(path: path, reason: "cannot create \(prefix): \(Errno.describe(errno))")
            }
        }
    }
}

/// read(2), named apart from `JournalKey.read(at:)`, which hides it inside the type.
private func readBytes(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}

import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The `ofdoctor` these tests run: `$OFDOCTOR_BIN` when set (a build with its own
/// `--scratch-path`), else `<package>/.build/debug/ofdoctor`. Every run goes through
/// `timeout(1)`, so a hang is exit 124 and a crash is 128 + the signal, never a stuck test.
enum HostileCLI {
    static var binaryPath: String {
        if let bin = ProcessInfo.processInfo.environment["OFDOCTOR_BIN"], !bin.isEmpty { return bin }
        return Command.packageRoot + "/.build/debug/ofdoctor"
    }

    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: binaryPath) }
    static let unavailableReason: Comment = "ofdoctor not built: `swift build`, or set OFDOCTOR_BIN"

    /// The environment `ofdoctor` runs with: no colour, no crash backtracer (a crash is
    /// reported by its exit status; the backtracer would take seconds per run).
    static let baseEnvironment = [
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NO_COLOR": "1", "SWIFT_BACKTRACE": "enable=no",
    ]

    static func run(_ arguments: [String], timeout seconds: Int = 120) -> Command.Result {
        Command.run("/usr/bin/timeout", ["-k", "5", String(seconds), binaryPath] + arguments, environment: baseEnvironment)
    }

    /// `ofdoctor ARGS` under `strace -f`, every path-taking call recorded in `traceFile`.
    static func traced(_ arguments: [String], traceFile: String, timeout seconds: Int = 120) -> Command.Result {
        Command.run("/usr/bin/timeout", ["-k", "5", String(seconds), SyscallTrace.strace, "-f", "-y", "-qq",
                                         "-e", "trace=" + SyscallTrace.calls.joined(separator: ","),
                                         "-o", traceFile, binaryPath] + arguments,
                    environment: baseEnvironment)
    }

    /// The lines of stderr, without a trailing empty one.
    static func errorLines(_ result: Command.Result) -> [String] {
        result.stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }
}

/// The roots of `Tests/Fixtures/build-hostile-roots.sh`, built on first use from the
/// OpenFace fixture roots (`.build/fixtures`), in `.build/fixtures/hostile`.
enum HostileRoots {
    static var directory: String { Command.packageRoot + "/.build/fixtures/hostile" }
    /// The sentinel directory outside every root that links in the roots point at.
    static var sentinel: String { directory + "/outside" }

    static let variants = [
        "dep-text", "dep-empty", "dep-short", "dep-header-only", "dep-half", "dep-directory", "dep-self-loop",
        "dep-loop", "dep-bad-phoff", "dep-bad-phentsize", "dep-wrong-machine", "escape", "conf-loops", "conf-huge",
        "cache-huge", "cache-short", "cache-half", "cache-loop", "cache-directory", "apply-escape", "apply-escape-locallib",
        "apply-escape-var",
    ]

    /// Builds the roots once per test process when they are missing (the script is
    /// idempotent; a lazily initialised static runs once even under parallel tests).
    static let isBuilt: Bool = {
        guard FixtureRoot.isBuilt else { return false }
        let complete = { variants.allSatisfy { FileManager.default.fileExists(atPath: directory + "/" + $0 + "/root") } }
        if complete() && FileManager.default.fileExists(atPath: sentinel) { return true }
        let build = Command.run("/bin/bash", [FixtureRoot.scriptsDirectory + "/build-hostile-roots.sh", directory, FixtureRoot.directory],
                                environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        return build.status == 0 && complete()
    }()

    static let unavailableReason: Comment =
        "needs the OpenFace roots (`bash Tests/Fixtures/build-roots.sh .build/fixtures`) and gcc for build-hostile-roots.sh"

    static func named(_ name: String) -> FixtureRoot? {
        FixtureRoot.load(name: name, from: directory + "/" + name)
    }

    /// A copy of `fixture`'s root in a fresh temporary directory (removed by the caller).
    static func scratchCopy(of root: String, label: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ofdoctor-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let copy = Command.run("/bin/cp", ["-a", root, dir + "/root"])
        guard copy.status == 0 else { throw CocoaError(.fileWriteUnknown) }
        return dir + "/root"
    }
}

/// What `check`/`tree --format json` print, the fields these tests read.
struct HostileReport: Decodable {
    struct Finding: Decodable {
        var id: String
        var rule: String
        var severity: String
        var library: String?
        var resolvedTo: String?
        var summary: String
        var explanation: String
        var loaderMessage: String?

        /// Every text of the finding, to ask whether it is about a file.
        var text: String {
            [library, resolvedTo, summary, explanation, loaderMessage].compactMap { $0 }.joined(separator: "\n")
        }
    }
    struct Object: Decodable {
        var path: String
        var realPath: String
        var soname: String?
    }
    var status: String?
    var findings: [Finding]
    var objects: [Object]

    static func decode(_ text: String) -> HostileReport? {
        try? JSONDecoder().decode(HostileReport.self, from: Data(text.utf8))
    }

    var errors: [Finding] { findings.filter { $0.severity == "error" } }
}

/// Paths a process named to the kernel, from `strace -f -y` output.
struct SyscallTrace {
    static let strace = ["/usr/bin/strace", "/bin/strace"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/strace"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: strace) }
    static let unavailableReason: Comment = "needs strace (apt-get install -y strace)"

    /// The calls that take a path: opening, stat-ing, following a link.
    static let calls = ["open", "openat", "stat", "lstat", "newfstatat", "statx", "readlink", "readlinkat",
                        "access", "faccessat", "faccessat2", "execve", "chroot", "mkdir", "mkdirat", "symlink",
                        "symlinkat", "rename", "renameat", "renameat2", "unlink", "unlinkat", "link", "linkat",
                        "rmdir", "chmod", "fchmodat", "truncate", "utimensat"]
    static let writingCalls: Set<String> = ["mkdir", "mkdirat", "symlink", "symlinkat", "rename", "renameat", "renameat2",
                                            "unlink", "unlinkat", "link", "linkat", "rmdir", "chmod", "fchmodat",
                                            "truncate", "utimensat"]

    struct Access: Hashable {
        var pid: String
        var call: String
        /// Each path argument, lexically normalised; and the path of a returned descriptor (`-y`).
        var paths: [String]
        var writes: Bool
    }

    var accesses: [Access] = []

    init(file: String) {
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        var chrooted: Set<String> = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard fields.count == 2 else { continue }
            let pid = String(fields[0])
            let rest = fields[1].drop { $0 == " " }
            if rest.hasPrefix("<... ") {
                // `<... openat resumed>) = 3</path>`: the second half of an interrupted call.
                let call = rest.dropFirst(5).prefix { $0 != " " }
                if let fdPath = Self.returnedDescriptorPath(String(rest)), !chrooted.contains(pid) {
                    accesses.append(Access(pid: pid, call: String(call), paths: [Self.normalise(fdPath)], writes: false))
                }
                continue
            }
            guard let paren = rest.firstIndex(of: "(") else { continue }
            let call = String(rest[..<paren])
            let failed = rest.contains(") = -1 ")
            // After a successful chroot, this process names paths inside the new root (ldconfig -r).
            if call == "chroot" { if !failed { chrooted.insert(pid) }; continue }
            if chrooted.contains(pid) { continue }
            let strings = Self.quotedStrings(in: String(rest[paren...]), resolvingAgainstDescriptors: true)
            var paths = Self.pathArguments(call).compactMap { $0 < strings.count ? strings[$0] : nil }
            if let fdPath = Self.returnedDescriptorPath(String(rest)) { paths.append(fdPath) }
            paths = paths.filter { !$0.isEmpty }.map(Self.normalise)
            var writes = Self.writingCalls.contains(call) && !failed
            if (call == "open" || call == "openat") && !failed
                && (rest.contains("O_WRONLY") || rest.contains("O_RDWR") || rest.contains("O_CREAT")) { writes = true }
            accesses.append(Access(pid: pid, call: call, paths: paths, writes: writes))
        }
    }

    /// Every path named, with the calls that named it.
    var paths: Set<String> { Set(accesses.flatMap(\.paths)) }

    /// Which `"..."` arguments of a call are paths: readlink's second is the link's text,
    /// symlink's first is the new link's text, execve's later ones are argv and envp.
    static func pathArguments(_ call: String) -> [Int] {
        switch call {
        case "rename", "renameat", "renameat2", "link", "linkat": return [0, 1]
        case "symlink", "symlinkat": return [1]
        default: return [0]
        }
    }

    /// The `"..."` arguments of a call (strace escapes `"` and `\` inside them).
    /// With `resolvingAgainstDescriptors`, a relative name passed to an `*at` call is
    /// joined to the directory its descriptor argument names (`3</real/dir>`, from `-y`),
    /// so `mkdirat(3</root/etc>, "profile.d")` counts as `/root/etc/profile.d`.
    static func quotedStrings(in text: String, resolvingAgainstDescriptors: Bool = false) -> [String] {
        var result: [String] = []
        var current = ""
        var inside = false
        var escaped = false
        var descriptor: String?
        var annotation: String?
        // Stop at the return value: `-y` appends `<path>` there, read separately.
        let call = text.range(of: ") = ").map { String(text[..<$0.lowerBound]) } ?? text
        for ch in call {
            if !inside {
                if let open = annotation {
                    if ch == ">" { descriptor = open; annotation = nil } else { annotation = open + String(ch) }
                    continue
                }
                if ch == "<" { annotation = ""; continue }
                if ch == "," { continue }
                if ch == "\"" { inside = true; current = "" } else if ch != " " { descriptor = nil }
                continue
            }
            if escaped { current.append(ch); escaped = false; continue }
            if ch == "\\" { escaped = true; continue }
            if ch == "\"" {
                inside = false
                if resolvingAgainstDescriptors, !current.isEmpty, !current.hasPrefix("/"), let directory = descriptor {
                    result.append(directory + "/" + current)
                } else {
                    result.append(current)
                }
                descriptor = nil
                continue
            }
            current.append(ch)
        }
        return result
    }

    /// `= 3</real/path>`: the file a new descriptor really is, after the kernel followed links.
    static func returnedDescriptorPath(_ text: String) -> String? {
        guard let eq = text.range(of: ") = ", options: .backwards) else { return nil }
        let tail = text[eq.upperBound...]
        guard let open = tail.firstIndex(of: "<"), let close = tail.lastIndex(of: ">"), open < close,
              tail[..<open].allSatisfy(\.isNumber), !tail[..<open].isEmpty
        else { return nil }
        return String(tail[tail.index(after: open)..<close])
    }

    /// `.` and `..` removed lexically; relative paths kept as they are (they are flagged).
    static func normalise(_ path: String) -> String {
        guard path.hasPrefix("/") else { return path }
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    static func isUnder(_ path: String, _ directory: String) -> Bool {
        path == directory || path.hasPrefix(directory.hasSuffix("/") ? directory : directory + "/")
    }
}

/// A directory tree with everything `fix --apply` could change: kinds, modes, sizes,
/// link targets and contents, the top directory's own included; with `times`, also
/// modification times and inode numbers. Never follows a symlink (a root's links may
/// point anywhere on the host).
struct MetadataSnapshot: Equatable, CustomStringConvertible {
    var entries: [String: String] = [:]

    init(_ top: String, times: Bool) {
        walk(top, as: ".", times: times)
    }

    private mutating func walk(_ path: String, as rel: String, times: Bool) {
        var st = stat()
        guard lstat(path, &st) == 0 else { entries[rel] = "vanished"; return }
        var line = "mode \(String(st.st_mode, radix: 8))"
        if times { line += " mtime \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec) ino \(st.st_ino) nlink \(st.st_nlink)" }
        switch st.st_mode & S_IFMT {
        case S_IFLNK:
            line += " -> " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")
        case S_IFREG:
            line += " size \(st.st_size)"
            if let data = FileManager.default.contents(atPath: path) {
                line += " fnv \(data.reduce(into: UInt64(14695981039346656037)) { $0 = ($0 ^ UInt64($1)) &* 1099511628211 })"
            }
        case S_IFDIR:
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() {
                walk(path + "/" + name, as: rel == "." ? name : rel + "/" + name, times: times)
            }
        default:
            break
        }
        entries[rel] = line
    }

    var description: String { "\(entries.count) entries" }

    func difference(from other: MetadataSnapshot) -> [String] {
        Set(entries.keys).union(other.entries.keys).sorted().compactMap { key in
            entries[key] == other.entries[key] ? nil : "\(key): \(other.entries[key] ?? "absent") => \(entries[key] ?? "absent")"
        }
    }
}

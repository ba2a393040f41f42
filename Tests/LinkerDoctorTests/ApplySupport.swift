#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
@testable import Apply
@testable import Doctor
@testable import RootFS

/// One entry of a tree as `lstat(2)` sees it: what undo must restore exactly.
struct ApplyTreeEntry: Equatable, CustomStringConvertible {
    var kind: String
    var mode: UInt32
    var linkTarget: String?
    var bytes: [UInt8]?

    var description: String { "\(kind) \(String(mode, radix: 8)) \(linkTarget ?? "") \(bytes?.count ?? 0)B" }
}

/// Every path under a directory (not following links) with type, mode, link target and bytes.
func applyTreeSnapshot(_ directory: String) -> [String: ApplyTreeEntry] {
    var result: [String: ApplyTreeEntry] = [:]
    func walk(_ relative: String) {
        let path = relative.isEmpty ? directory : directory + "/" + relative
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        let mode = UInt32(st.st_mode) & 0o7777
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            result[relative.isEmpty ? "." : relative] = ApplyTreeEntry(kind: "dir", mode: mode)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            for name in names.sorted() { walk(relative.isEmpty ? name : relative + "/" + name) }
        case S_IFLNK:
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
            result[relative] = ApplyTreeEntry(kind: "link", mode: mode, linkTarget: target)
        case S_IFREG:
            let data = FileManager.default.contents(atPath: path).map { Array($0) }
            result[relative] = ApplyTreeEntry(kind: "file", mode: mode, bytes: data)
        default:
            result[relative] = ApplyTreeEntry(kind: "other", mode: mode)
        }
    }
    walk("")
    return result
}

/// The differences between two snapshots, for readable failures.
func applyTreeDiff(_ a: [String: ApplyTreeEntry], _ b: [String: ApplyTreeEntry]) -> [String] {
    Set(a.keys).union(b.keys).sorted().compactMap { key in
        a[key] == b[key] ? nil : "\(key): \(a[key].map(\.description) ?? "absent") -> \(b[key].map(\.description) ?? "absent")"
    }
}

/// A fresh temporary directory, removed by `remove()`.
struct ApplyTempDirectory {
    let path: String

    init(_ prefix: String = "ofd-apply") {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let made: UnsafeMutablePointer<CChar>? = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }
        }
        path = made.map { String(cString: $0) } ?? "/tmp/\(prefix)-\(UUID().uuidString)"
        if made == nil { try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Writes `text` at `path` (test setup only).
func applyWrite(_ text: String, to path: String, mode: Int = 0o644) {
    try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                             withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode])
}

func applyLink(_ path: String, to target: String) {
    try? FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
}

/// A small root: a multiarch directory with two libraries and a dangling link, ld.so.conf, no /var.
func applyMakeSmallRoot(_ directory: String) {
    let lib = directory + "/usr/lib/x86_64-linux-gnu"
    applyWrite("\u{7f}ELF foo 1.2", to: lib + "/libfoo.so.1.2", mode: 0o755)
    applyWrite("\u{7f}ELF bar 3.0", to: lib + "/libbar.so.3.0", mode: 0o755)
    applyLink(lib + "/libgone.so.1", to: "libgone.so.1.0")
    applyWrite("include /etc/ld.so.conf.d/*.conf\n", to: directory + "/etc/ld.so.conf")
    applyWrite("/usr/lib/x86_64-linux-gnu\n", to: directory + "/etc/ld.so.conf.d/x86_64-linux-gnu.conf")
    applyWrite("old cache", to: directory + "/etc/ld.so.cache")
    try? FileManager.default.createDirectory(atPath: directory + "/opt", withIntermediateDirectories: true)
}

/// Runs a shell command; returns (status, stdout + stderr).
@discardableResult
func applyShell(_ script: String) -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", script]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return (127, "\(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// `Tests/Fixtures/lib.sh`, for building real roots with mkroot/solib/cache.
let applyFixturesLib: String = {
    var url = URL(fileURLWithPath: #filePath)
    url.deleteLastPathComponent()
    url.deleteLastPathComponent()
    return url.appendingPathComponent("Fixtures/lib.sh").path
}()

enum ApplyEnvironment {
    static let isRoot = geteuid() == 0
    static let hasLdconfig = SystemLdconfig.candidates.contains { FileManager.default.isExecutableFile(atPath: $0) }
    static let hasGcc = FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc")
}

/// A stand-in for ldconfig that changes the root the way ldconfig does (rewrites the
/// cache, creates a soname link, deletes a dangling one, makes /var/cache/ldconfig when
/// /var/cache exists) and counts its runs.
final class ApplyFakeLdconfig: LdconfigRunner, @unchecked Sendable {
    private let runs = Mutex(0)
    let status: Int32

    init(status: Int32 = 0) { self.status = status }

    var count: Int { runs.withLock { $0 } }

    func run(for root: LocalRoot) -> LdconfigResult {
        let n = runs.withLock { $0 += 1; return $0 }
        let base = root.directory
        let lib = base + "/usr/lib/x86_64-linux-gnu"
        unlink(base + "/etc/ld.so.cache")
        applyWrite("new cache \(n)", to: base + "/etc/ld.so.cache")
        unlink(lib + "/libgone.so.1")
        if access(lib + "/libbar.so.3", F_OK) != 0 { applyLink(lib + "/libbar.so.3", to: "libbar.so.3.0") }
        if status != 0 { return LdconfigResult(command: "fake-ldconfig", status: status, stderr: "fake-ldconfig: cannot write cache\n") }
        return LdconfigResult(command: "fake-ldconfig", status: 0, stderr: "")
    }
}

/// A writer that fails its `failAt`-th call (0-based) with `errno`, and counts calls.
final class ApplyFaultyWriter: FileSystemWriter, @unchecked Sendable {
    private let calls = Mutex(0)
    let failAt: Int
    let code: Int32
    let real = POSIXWriter()

    init(failAt: Int, errno code: Int32) {
        self.failAt = failAt
        self.code = code
    }

    var count: Int { calls.withLock { $0 } }

    private func tick(_ operation: String) throws(WriteFailure) {
        let n = calls.withLock { value in
            defer { value += 1 }
            return value
        }
        if n == failAt { throw WriteFailure(operation, errno: code) }
    }

    func makeDirectory(_ at: ConfinedName, mode: UInt32) throws(WriteFailure) { try tick("mkdir"); try real.makeDirectory(at, mode: mode) }
    func removeDirectory(_ at: ConfinedName) throws(WriteFailure) { try tick("rmdir"); try real.removeDirectory(at) }
    func symlink(_ target: String, at: ConfinedName) throws(WriteFailure) { try tick("symlink"); try real.symlink(target, at: at) }
    func createFile(_ at: ConfinedName, contents: [UInt8], mode: UInt32) throws(WriteFailure) {
        try tick("open"); try real.createFile(at, contents: contents, mode: mode)
    }
    func link(_ existing: ConfinedName, as new: ConfinedName) throws(WriteFailure) { try tick("link"); try real.link(existing, as: new) }
    func rename(_ from: ConfinedName, to: ConfinedName) throws(WriteFailure) { try tick("rename"); try real.rename(from, to: to) }
    func unlink(_ at: ConfinedName) throws(WriteFailure) { try tick("unlink"); try real.unlink(at) }
    func syncDirectory(_ at: ConfinedName) throws(WriteFailure) { try tick("fsync"); try real.syncDirectory(at) }
}

/// The directories the small root's ldconfig scans.
let applySmallScan: @Sendable () throws -> [RootPath] = { [RootPath("/usr/lib/x86_64-linux-gnu")] }

/// The plan the tests apply: links (one under missing directories), env, conf, ldconfig.
let applyFullPlan = FixPlan([
    PlannedAction(.symlink(path: RootPath("/usr/lib/x86_64-linux-gnu/libfoo.so.1"), target: "libfoo.so.1.2"), fixes: ["OF001"]),
    PlannedAction(.symlink(path: RootPath("/opt/vendor/lib/libfoo.so"), target: "/usr/lib/x86_64-linux-gnu/libfoo.so.1.2"),
                  fixes: ["OF001"]),
    PlannedAction(.env(name: "LD_LIBRARY_PATH", value: "/opt/it's here"), fixes: ["OF002"]),
    PlannedAction(.env(name: "LD_PRELOAD", value: nil), fixes: ["OF002"]),
    PlannedAction(.conf(path: RootPath("/etc/ld.so.conf.d/ofdoctor.conf"), directories: ["/opt/vendor/lib"]), fixes: ["OF003"]),
    PlannedAction(.ldconfig, fixes: ["OF003"]),
])

/// The key the in-process appliers seal their journals with.
let applyTestKey = JournalKey(location: "(the tests' key)", secret: Array(repeating: 0x5a, count: JournalKey.length))

/// The journal of a root, decoded.
func applyReadJournal(_ root: String) throws -> Journal {
    let bytes = FileManager.default.contents(atPath: root + "/var/lib/ofdoctor/journal").map { Array($0) } ?? []
    return try Journal.decode(bytes, path: "/var/lib/ofdoctor/journal", key: applyTestKey)
}

/// Messages collected from inside a step hook.
final class ApplyLog: Sendable {
    private let storage = Mutex<[String]>([])
    func add(_ line: String) { storage.withLock { $0.append(line) } }
    var lines: [String] { storage.withLock { $0 } }
}

/// The `ApplyError` `body` throws (nil when it does not, or throws something else).
func applyCatch(_ body: () throws -> Void) -> ApplyError? {
    do { try body() } catch let error as ApplyError { return error } catch { return nil }
    return nil
}

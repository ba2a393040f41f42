#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import LoaderModel
import Quoting
import RootFS
import Support
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How one `ldconfig` run ended.
public struct LdconfigResult: Codable, Equatable, Sendable {
    /// The command line, for messages (`/sbin/ldconfig -r /srv/root`).
    public var command: String
    /// The exit status (127: not found, not started, or its output could not be read;
    /// 128+N: killed by signal N).
    public var status: Int32
    public var stderr: String

    public init(command: String, status: Int32, stderr: String) {
        self.command = command
        self.status = status
        self.stderr = stderr
    }

    public var succeeded: Bool { status == 0 }
}

/// Runs `ldconfig` for a root. A protocol so that tests can make it fail.
public protocol LdconfigRunner: Sendable {
    func run(for root: LocalRoot) -> LdconfigResult
    /// Why `run` cannot work for this root (missing, not executable, not allowed to
    /// chroot), checked before the first change; nil when it can.
    func preflight(for root: LocalRoot) -> String?
}

extension LdconfigRunner {
    public func preflight(for root: LocalRoot) -> String? { nil }
}

/// The real `ldconfig`: the root's own for `/`, the host's `ldconfig -r ROOT` otherwise
/// (`-r` makes it read the root's ld.so.conf and write the root's cache, ldconfig(8)).
public struct SystemLdconfig: LdconfigRunner {
    public static let candidates = ["/sbin/ldconfig", "/usr/sbin/ldconfig"]

    public init() {}

    public func run(for root: LocalRoot) -> LdconfigResult {
        run(for: root, options: [])
    }

    /// A dry run, `ldconfig -N -X` (no cache, no links: it writes nothing), proves the
    /// binary starts and may chroot into the root before the plan changes anything.
    public func preflight(for root: LocalRoot) -> String? {
        let probe = run(for: root, options: ["-N", "-X"])
        guard !probe.succeeded else { return nil }
        let detail = probe.stderr.split(separator: "\n").first.map(String.init) ?? ""
        return "\(probe.command) cannot run (exit \(probe.status)\(detail.isEmpty ? "" : ": \(detail)"))"
            + (geteuid() == 0 ? "" : "; ldconfig -r needs root, as it chroots into the root")
    }

    /// Runs ldconfig with a deadline (a looping ld.so.conf makes it recurse forever) and as
    /// a child that dies with ofdoctor; an include loop ofdoctor's own reader sees is refused
    /// before ldconfig starts.
    private func run(for root: LocalRoot, options: [String]) -> LdconfigResult {
        let isHost = root.directory.isEmpty
        guard let binary = Self.candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return LdconfigResult(command: "ldconfig", status: 127,
                                  stderr: "ldconfig not found at \(Self.candidates.joined(separator: " or ")); install libc-bin")
        }
        let arguments = (isHost ? [] : ["-r", root.directory]) + options
        // For messages: the root as an absolute path (the one given may be relative to a
        // directory the reader is not in), every word quoted as a shell would need it.
        let shown = (isHost ? [] : ["-r", Self.absolute(root.directory)]) + options
        let command = ([binary] + shown).map(ShellQuote.display).joined(separator: " ")
        if let refusal = LdSoConf(root: RootView(root)).ldconfigRefusal {
            return LdconfigResult(command: command, status: 127, stderr: refusal)
        }
        // It inherits this process's environment; its stdout (empty without -v) is dropped.
        let output: SubprocessOutput
        do throws(SubprocessError) {
            output = try Subprocess.run(binary, arguments: arguments, timeout: .seconds(120))
        } catch {
            return LdconfigResult(command: command, status: 127, stderr: error.description)
        }
        return LdconfigResult(command: command, status: output.status, stderr: String(decoding: output.stderr, as: UTF8.self))
    }

    private static func absolute(_ directory: String) -> String {
        guard !directory.hasPrefix("/") else { return directory }
        return FileManager.default.currentDirectoryPath + "/" + directory
    }
}

import ELFInspect
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Runs programs under the real glibc loader inside a root filesystem, as a
/// container would (`Tests/Fixtures/run-in-root.sh`: `unshare -m`, `/proc`
/// mounted, `chroot`, an environment made only of the given variables, argv[0]
/// set through the root's static `/launch`). The loader's output is the oracle.
enum RealLoader {
    /// What the program (or the loader, failing to start it) did.
    struct Outcome: Sendable, Equatable, CustomStringConvertible {
        /// Exit status; 128+N when killed by signal N, 124 when it timed out,
        /// 125 when the harness itself failed.
        var status: Int32
        var stdout: String
        var stderr: String

        var timedOut: Bool { status == 124 }
        var description: String { "[exit \(status)] stdout: \(stdout.debugDescription) stderr: \(stderr.debugDescription)" }
    }

    /// The root's loader, run as `ld.so --list PROGRAM` to show what it would load.
    static let interpreter = "/lib64/ld-linux-x86-64.so.2"

    /// We may chroot in a private mount namespace: uid 0, and `unshare -m` works here.
    static let canRunRoots: Bool = {
        guard getuid() == 0,
              FileManager.default.isExecutableFile(atPath: script),
              let unshare = ["/usr/bin/unshare", "/bin/unshare"].first(where: FileManager.default.isExecutableFile(atPath:))
        else { return false }
        return execute(unshare, ["-m", "--propagation", "private", "/bin/true"], stdin: nil, environment: [:]).status == 0
    }()

    /// Where tests put roots whose programs are set-user-ID or set-group-ID: beside the
    /// package, since the temporary directory is often a `nosuid` tmpfs (a new machine's is),
    /// where the kernel ignores the bits and no program runs in secure-execution mode.
    static let setIDScratch = Command.packageRoot + "/.build/setid-scratch"

    /// Whether a set-group-ID program in ``setIDScratch`` changes its group when root starts
    /// it (not on a `nosuid` mount, nor under `no_new_privs`): a copy of `id` says `egid=`.
    static let setIDTakesEffect: Bool = {
        guard canRunRoots, let id = ["/usr/bin/id", "/bin/id"].first(where: FileManager.default.isExecutableFile(atPath:)) else { return false }
        let probe = setIDScratch + "/id-probe-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: probe) }
        let made = execute("/bin/sh", ["-ec", "mkdir -p \"${0%/*}\"; cp \"$1\" \"$0\"; chgrp 65534 \"$0\"; chmod 2755 \"$0\"", probe, id],
                           stdin: nil, environment: ["PATH": "/usr/bin:/bin"])
        guard made.status == 0 else { return false }
        return execute(probe, [], stdin: nil, environment: [:]).stdout.contains("egid=65534")
    }()

    static let setIDUnavailableReason: Comment =
        "needs root, and set-ID bits that take effect in .build/setid-scratch (not a nosuid mount, no no_new_privs)"

    /// ``canRunRoots`` and the OpenFace fixture roots are built.
    static var isAvailable: Bool { canRunRoots && FixtureRoot.isBuilt }

    /// Why tests that need the real loader are skipped.
    static let unavailableReason: Comment =
        "needs root (chroot in unshare -m) and roots built by `bash Tests/Fixtures/build-roots.sh .build/fixtures`"

    /// Runs `program` (a path inside `root`) with `argv[0] = argv0`, `arguments`
    /// and exactly `environment`, killing it after `timeout` seconds.
    /// `user` (`UID:GID`): started as that user and group instead of root; `groups`: its
    /// supplementary groups (default: GID alone).
    static func run(
        root: String, program: String, argv0: String, arguments: [String] = [],
        environment: [String: String], timeout: Int = 20, user: String? = nil, groups: [UInt32]? = nil
    ) -> Outcome {
        // run-in-root.sh reads the environment from stdin ("-"): no temporary file.
        let envLines = environment.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)\n" }.joined()
        return execute(
            "/bin/bash", [script, root, "-", program, argv0] + arguments,
            stdin: Data(envLines.utf8),
            environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "RUN_TIMEOUT": String(timeout)]
                .merging(user.map { ["RUN_USERSPEC": $0] } ?? [:]) { $1 }
                .merging(groups.map { ["RUN_GROUPS": $0.map(String.init).joined(separator: ",")] } ?? [:]) { $1 })
    }

    /// Runs `program` in a fixture with the fixture's environment; the program
    /// defaults to the fixture's own, argv[0] to the program's base name.
    static func run(
        _ fixture: FixtureRoot, program: String? = nil, argv0: String? = nil,
        arguments: [String] = [], extraEnvironment: [String: String] = [:], timeout: Int = 20
    ) -> Outcome {
        guard let program = program ?? fixture.program else {
            return Outcome(status: 125, stdout: "", stderr: "fixture \(fixture.name) names no program")
        }
        let name = argv0 ?? (program.split(separator: "/").last.map(String.init) ?? program)
        return run(
            root: fixture.rootPath, program: program, argv0: name, arguments: arguments,
            environment: fixture.environment.merging(extraEnvironment) { $1 }, timeout: timeout)
    }

    /// `ld.so --list PROGRAM` inside `root`: the root's own loader prints what it
    /// loads, without running PROGRAM. Not trace mode (glibc 2.36 rtld.c): a missing
    /// library is the ordinary fatal error, exit 127; see ``trace(root:program:environment:timeout:)``.
    static func list(
        root: String, program: String, environment: [String: String], timeout: Int = 20
    ) -> Outcome {
        run(root: root, program: interpreter, argv0: "ld.so", arguments: ["--list", program],
            environment: environment, timeout: timeout)
    }

    /// What `ldd PROGRAM` prints inside `root` (elf/ldd.bash.in): the root's loader
    /// with `LD_TRACE_LOADED_OBJECTS=1`, so a missing library is `NAME => not found`
    /// and loading goes on. `extra` adds `LD_WARN=yes` (`ldd -d`), `LD_BIND_NOW=yes` (`-r`), …
    static func trace(
        root: String, program: String, environment: [String: String],
        extra: [String: String] = [:], timeout: Int = 20
    ) -> Outcome {
        let traced = environment.merging(["LD_TRACE_LOADED_OBJECTS": "1"]) { $1 }.merging(extra) { $1 }
        return run(root: root, program: interpreter, argv0: "ld.so", arguments: [program],
                   environment: traced, timeout: timeout)
    }

    private static var script: String { FixtureRoot.scriptsDirectory + "/run-in-root.sh" }

    /// Runs a host command; output goes through temporary files so that neither
    /// pipe can fill up and block the child.
    private static func execute(
        _ executable: String, _ arguments: [String], stdin: Data?, environment: [String: String]
    ) -> Outcome {
        let fileManager = FileManager.default
        let base = fileManager.temporaryDirectory.appendingPathComponent("realloader-\(UUID().uuidString)")
        let outURL = base.appendingPathExtension("out"), errURL = base.appendingPathExtension("err")
        defer {
            try? fileManager.removeItem(at: outURL)
            try? fileManager.removeItem(at: errURL)
        }
        guard fileManager.createFile(atPath: outURL.path, contents: nil),
              fileManager.createFile(atPath: errURL.path, contents: nil),
              let out = try? FileHandle(forWritingTo: outURL),
              let err = try? FileHandle(forWritingTo: errURL)
        else { return Outcome(status: 125, stdout: "", stderr: "cannot create output files in \(base.path)") }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        do {
            try process.run()
        } catch {
            return Outcome(status: 125, stdout: "", stderr: "cannot run \(executable): \(error)")
        }
        if let stdin {
            input.fileHandleForWriting.write(stdin)
            try? input.fileHandleForWriting.close()
        }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        let status = process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
        return Outcome(
            status: status,
            // Names the loader prints are bytes; decoded as ofdoctor decodes them.
            stdout: ByteString.decode((try? Data(contentsOf: outURL)) ?? Data()),
            stderr: ByteString.decode((try? Data(contentsOf: errURL)) ?? Data()))
    }
}

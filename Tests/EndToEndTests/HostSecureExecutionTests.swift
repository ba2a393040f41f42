import Foundation
import Testing

/// Secure-execution mode decided by what only the starting process knows of itself: its
/// `no_new_privs` flag. ofdoctor reads its own (/proc/self/status) when it checks `/` as the
/// user who runs it, so these tests run the program and ofdoctor on this machine, each under
/// the same `setpriv`, and compare: a program whose library only LD_LIBRARY_PATH reaches
/// starts (exit 0) in normal mode and fails (127) in secure mode.
@Suite("Secure-execution mode on this machine's /: what the starting process's flags decide", .serialized)
struct HostSecureExecutionTests {
    static var available: Bool {
        RealLoader.setIDTakesEffect && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") && scratch != nil
    }

    /// Where uid 1000 can reach the programs and set-ID bits and file capabilities take
    /// effect (not `nosuid`): the package's scratch directory, unless a parent is closed to
    /// others (a checkout under /root), else /var/tmp.
    static let scratch: String? = {
        for base in [RealLoader.setIDScratch, "/var/tmp/ofdoctor-setid-scratch"] {
            guard Command.run("/bin/sh", ["-c", "mkdir -p \"$0\" && chmod 755 \"$0\"", base]).status == 0 else { continue }
            var fs = statvfs()
            guard statvfs(base, &fs) == 0, fs.f_flag & UInt(ST_NOSUID) == 0 else { continue }
            let reach = Command.run("/usr/bin/setpriv", ["--reuid=1000", "--regid=1000", "--clear-groups", "/bin/sh", "-c", "cd \"$0\"", base])
            if reach.status == 0 { return base }
        }
        return nil
    }()

    /// ofdoctor where uid 1000 can run it too (the build directory may be closed to it).
    static let ofdoctor: String = {
        guard let scratch else { return Command.ofdoctorPath }
        let copy = scratch + "/ofdoctor-\(getpid())"
        // (earlier runs' copies removed first: 20 MB each)
        let copied = Command.run("/bin/sh", ["-c", "rm -f \"${1%/*}\"/ofdoctor-*; cp \"$0\" \"$1\" && chmod 755 \"$1\"", Command.ofdoctorPath, copy])
        return copied.status == 0 ? copy : Command.ofdoctorPath
    }()

    /// A scratch directory (mode 755 all the way, not `nosuid`) with `lib/libfoo.so` and
    /// `prog` needing it without a search path of its own, then `setup` (shell lines, in it).
    static func makeDirectory(setup: String) throws -> String {
        let work = try #require(scratch) + "/host-secure-" + UUID().uuidString
        let script = #"""
            set -e; mkdir -p "$0/lib"; chmod 755 "$0" "$0/lib" "${0%/*}"; cd "$0"
            echo 'int foo(void) { return 1; }' > foo.c
            printf '%s\n' '#include <stdio.h>' 'int foo(void);' 'int main(void) { printf("foo=%d\n", foo()); return 0; }' > main.c
            gcc -shared -fPIC -o lib/libfoo.so -Wl,-soname,libfoo.so foo.c
            gcc -o prog main.c -Llib -lfoo
            """# + "\n" + setup
        let built = Command.run("/bin/bash", ["-c", script, work], environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        try #require(built.status == 0, "\(built.stderr)")
        return work
    }

    /// What `program` does, and what `check` says of it, each started through `setpriv` with
    /// `options` (`check` with `checkOptions` when given), LD_LIBRARY_PATH naming the
    /// library's directory.
    static func compare(_ work: String, program: String = "prog", setpriv options: [String], checkOptions: [String]? = nil,
                        checkArguments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> (started: Bool, json: [String: Any]) {
        let llp = "LD_LIBRARY_PATH=" + work + "/lib"
        let label = "\(program) \(options) \(checkArguments)"
        let run = Command.run("/usr/bin/setpriv", options + ["/usr/bin/env", "-i", llp, work + "/" + program])
        #expect(run.status == 0 && run.stdout == "foo=1\n" || run.status == 127 && run.stderr.contains("libfoo.so: cannot open shared object file"),
                "\(label): \(run)", sourceLocation: sourceLocation)
        let check = Command.run("/usr/bin/setpriv", (checkOptions ?? options) + ["/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "NO_COLOR=1",
                                Self.ofdoctor, "check", "--format", "json", "--env", llp] + checkArguments + [work + "/" + program])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(label): \(check.stdout)\(check.stderr)",
                                sourceLocation: sourceLocation)
        #expect((check.status == 0) == (run.status == 0), "\(label): the program exits \(run.status); check: \(check.stdout)",
                sourceLocation: sourceLocation)
        #expect((json["secureExecution"] as? String == nil) == (run.status == 0), "\(label): \(json["secureExecution"] ?? "null")",
                sourceLocation: sourceLocation)
        return (run.status == 0, json)
    }

    @Test("no_new_privs: a set-user-ID program of another user starts in normal mode, and check says why",
          .enabled(if: available, "\(RealLoader.setIDUnavailableReason), gcc, setpriv, and a directory uid 1000 can reach"))
    func noNewPrivileges() throws {
        let work = try Self.makeDirectory(setup: "chown 1000:1000 prog; chmod 4755 prog")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let plain = try Self.compare(work, setpriv: [])
        #expect(!plain.started, "set-user-ID uid 1000, started by root: secure mode")
        #expect(plain.json["secureExecutionWaived"] is NSNull)
        let nnp = try Self.compare(work, setpriv: ["--no-new-privs"])
        #expect(nnp.started, "no_new_privs: the bit is ignored")
        let waived = nnp.json["secureExecutionWaived"] as? String ?? ""
        #expect(waived.contains("set-user-ID (owner") && waived.contains("no_new_privs"), "\(waived)")
    }

    static let asUser = ["--reuid=1000", "--regid=1000", "--clear-groups"]

    /// ofdoctor `arguments` run by uid 1000 (`asUser`) in an environment of `PATH`, `NO_COLOR`
    /// and `variables` alone.
    static func ofdoctorAsUser(_ arguments: [String], variables: [String] = []) -> Command.Result {
        Command.run("/usr/bin/setpriv", asUser + ["/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "NO_COLOR=1"] + variables + [ofdoctor] + arguments)
    }
    static let flags = ["p", "ep", "i", "ei", "ip"]

    /// `setcap cap_net_raw=FLAGS` copies of the program, run by uid 1000 whose process has
    /// the machine's bounding set and no inheritable capability, none in its bounding set,
    /// cap_net_raw inheritable, or no_new_privs; ofdoctor, run the same way, reads them from
    /// its own /proc/self/status. (`=ep` outside the bounding set is left out: execve refuses
    /// it with EPERM, which check does not model.)
    @Test("file capabilities: secure mode only when the exec raises the user's privileges, as the kernel decides",
          .enabled(if: available && FileManager.default.isExecutableFile(atPath: "/usr/sbin/setcap"),
                   "\(RealLoader.setIDUnavailableReason), gcc, setpriv, setcap, and a directory uid 1000 can reach"))
    func fileCapabilities() throws {
        let setup = Self.flags.map { "cp prog prog-\($0); setcap cap_net_raw=\($0) prog-\($0)" }.joined(separator: "\n")
        let work = try Self.makeDirectory(setup: setup)
        defer { try? FileManager.default.removeItem(atPath: work) }
        var outcomes: [String: Bool] = [:]
        for (name, options) in [("plain", [String]()), ("bounding", ["--bounding-set=-net_raw"]), ("inheritable", ["--inh-caps=+net_raw"]),
                                ("nnp", ["--no-new-privs"])] {
            for flag in Self.flags where !(name == "bounding" && flag == "ep") {
                outcomes["\(name) \(flag)"] = try Self.compare(work, program: "prog-" + flag, setpriv: options + Self.asUser).started
            }
        }
        // The cases the old rule (any capability: secure) had wrong, started as the kernel says.
        #expect(outcomes["plain i"] == true && outcomes["bounding p"] == true && outcomes["nnp p"] == true, "\(outcomes)")
        // --user: the process's sets are not ofdoctor's; assumed full bounding, none inheritable.
        for flag in Self.flags {
            _ = try Self.compare(work, program: "prog-" + flag, setpriv: Self.asUser, checkOptions: [], checkArguments: ["--user", "1000:1000"])
        }
    }
}

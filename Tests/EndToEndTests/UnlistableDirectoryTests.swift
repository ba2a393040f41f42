import Foundation
import Testing

/// A directory a user may search but not read (mode 0711 or 0311): the loader never lists a
/// directory, it opens each name in it, and opens succeed there. ofdoctor, run as that user,
/// cannot list it either; it took the denied listing for an empty directory and called a
/// library the program loads "not found" (exit 2 on a program that starts). Each case runs
/// the program and `check` as uid 1000 on this machine's `/` and compares: whether it starts,
/// which copy it loads (the directory's own, or the one in its `glibc-hwcaps/x86-64-v2`
/// subdirectory, which the loader prefers where the CPU has that level), and the loader's
/// message when it does not start.
@Suite("A directory the user may search but not list, as the loader treats it", .serialized)
struct UnlistableDirectoryTests {
    static var available: Bool { HostSecureExecutionTests.available }

    /// `lib/libfoo.so` (foo = 1) and `lib/glibc-hwcaps/x86-64-v2/libfoo.so` (foo = 2), `prog`
    /// reaching them through LD_LIBRARY_PATH, `prog-runpath` through `DT_RUNPATH` `$ORIGIN/lib`;
    /// then `lib` (and its subdirectories) given `mode`.
    static func makeDirectory(mode: String) throws -> String {
        try HostSecureExecutionTests.makeDirectory(setup: """
            mkdir -p lib/glibc-hwcaps/x86-64-v2
            echo 'int foo(void) { return 2; }' > foo2.c
            gcc -shared -fPIC -o lib/glibc-hwcaps/x86-64-v2/libfoo.so -Wl,-soname,libfoo.so foo2.c
            gcc -o prog-runpath main.c -Llib -lfoo -Wl,--enable-new-dtags,-rpath,'$ORIGIN/lib'
            chmod \(mode) lib lib/glibc-hwcaps lib/glibc-hwcaps/x86-64-v2
            """)
    }

    /// Runs `program` and `check` of it as uid 1000 (LD_LIBRARY_PATH `llp` for both, if given)
    /// and expects them to agree; returns whether it started.
    static func compare(_ work: String, program: String, llp: String?, mode: String,
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
        let label = "lib mode \(mode), \(program)\(llp.map { " LD_LIBRARY_PATH=" + $0 } ?? "")"
        let environment = llp.map { ["LD_LIBRARY_PATH=" + $0] } ?? []
        let run = Command.run("/usr/bin/setpriv", HostSecureExecutionTests.asUser + ["/usr/bin/env", "-i"] + environment + [work + "/" + program])
        let check = HostSecureExecutionTests.ofdoctorAsUser(["check", "--format", "json"] + (llp.map { ["--env", "LD_LIBRARY_PATH=" + $0] } ?? [])
                                                            + [work + "/" + program])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any],
                                "\(label): \(check.stdout)\(check.stderr)", sourceLocation: sourceLocation)
        let started = run.status == 0
        // (not starting, it is fixable when the search finds a copy the user may open elsewhere
        // on this machine: another test's scratch directory, say)
        #expect(started ? check.status == 0 : [1, 2].contains(check.status),
                "\(label): the program exits \(run.status) (\(run.stderr)); check: \(check.stdout)", sourceLocation: sourceLocation)
        if started {
            let loaded = (json["objects"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }.filter { $0.hasSuffix("/libfoo.so") }
            let expected = work + (run.stdout == "foo=2\n" ? "/lib/glibc-hwcaps/x86-64-v2/libfoo.so" : "/lib/libfoo.so")
            #expect(loaded == [expected], "\(label): the program printed \(run.stdout); check loads \(loaded)", sourceLocation: sourceLocation)
        } else {
            let findings = json["findings"] as? [[String: Any]] ?? []
            let messages = findings.compactMap { $0["loaderMessage"] as? String }
            #expect(messages.first.map { run.stderr.hasPrefix($0) } == true,
                    "\(label): the loader says \(run.stderr); check predicts \(messages)", sourceLocation: sourceLocation)
            // What the candidate search saw of the directory: not listed (no read permission),
            // or a copy there the user may not open (no search permission), named as such.
            let search = json["candidateSearch"] as? [String: Any] ?? [:]
            let unreadable = (search["unreadable"] as? [[String: Any]] ?? []).filter { $0["path"] as? String == work + "/lib" }
            let candidates = findings.flatMap { $0["candidates"] as? [[String: Any]] ?? [] }.filter { $0["path"] as? String == work + "/lib/libfoo.so" }
            if mode.dropFirst(2) == "0" {
                #expect(unreadable.map { $0["error"] as? String } == ["Permission denied (EACCES)"], "\(label): \(search)",
                        sourceLocation: sourceLocation)
            } else {
                #expect(unreadable.isEmpty && !candidates.isEmpty, "\(label): \(search)", sourceLocation: sourceLocation)
            }
            for candidate in candidates {
                #expect(candidate["usable"] as? Bool == false && (candidate["note"] as? String ?? "").contains("may not search \(work)/lib (mode 0\(mode)"),
                        "\(label): \(candidate)", sourceLocation: sourceLocation)
            }
        }
        return started
    }

    @Test("search and no read (0711, 0311): the program starts and check loads what it loads; no search (0700, 0744): both fail alike",
          .enabled(if: available, "\(RealLoader.setIDUnavailableReason), gcc, setpriv, and a directory uid 1000 can reach"),
          arguments: [("711", true), ("311", true), ("700", false), ("744", false), ("755", true)])
    func modes(mode: String, starts: Bool) throws {
        let work = try Self.makeDirectory(mode: mode)
        defer {
            _ = Command.run("/bin/chmod", ["-R", "u+rwx", work])
            try? FileManager.default.removeItem(atPath: work)
        }
        for (program, llp) in [("prog", Optional(work + "/lib")), ("prog-runpath", nil)] {
            let started = try Self.compare(work, program: program, llp: llp, mode: mode)
            #expect(started == starts, "lib mode \(mode), \(program): the real loader \(started ? "started" : "did not start") it")
        }
    }
}

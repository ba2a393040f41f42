import Foundation
import Testing
@testable import LinkerDoctor

/// With the real `ldconfig -r` on a root built by Tests/Fixtures/lib.sh.
@Suite("PlanApplier with the real ldconfig",
       .enabled(if: ApplyEnvironment.hasLdconfig && ApplyEnvironment.hasGcc, "needs /sbin/ldconfig and gcc"))
struct ApplyLdconfigTests {
    /// mkroot, libfoo.so.1.2 (SONAME libfoo.so.1) in /opt/lib, a dangling soname link in
    /// the multiarch directory, /var/cache for the aux cache, and a cache from `ldconfig -r`.
    private func makeRoot(_ dir: String) throws {
        let script = """
            . '\(applyFixturesLib)'
            R='\(dir)/root'
            mkroot "$R"
            echo 'int foo(void) { return 1; }' > '\(dir)/foo.c'
            solib "$R/opt/lib/libfoo.so.1.2" libfoo.so.1 '\(dir)/foo.c'
            ln -s libgone.so.1.0 "$R/$MULTIARCH/libgone.so.1"
            mkdir -p "$R/var/cache"
            cache "$R"
            rm -rf "$R/var/cache/ldconfig"
            """
        let (status, output) = applyShell(script)
        try #require(status == 0, "building the root failed: \(output)")
    }

    private let scanned: @Sendable () throws -> [RootPath] = {
        ["/usr/local/lib", "/usr/local/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/opt/lib"]
            .map { RootPath($0) }
    }

    @Test("conf + ldconfig: the cache lists the new directory's library; undo restores cache, links and aux cache")
    func confAndLdconfigThenUndo() throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        try makeRoot(temp.path)
        let root = temp.path + "/root"
        let before = applyTreeSnapshot(root)
        let plan = FixPlan([
            PlannedAction(.conf(path: RootPath("/etc/ld.so.conf.d/ofdoctor.conf"), directories: ["/opt/lib"]), fixes: ["OF001"]),
            PlannedAction(.ldconfig, fixes: ["OF001"]),
        ])
        let applier = PlanApplier(root: try LocalRoot(directory: root), ldconfig: SystemLdconfig(), scannedDirectories: scanned)
        let report = try applier.apply(plan)
        #expect(report.ldconfig?.command.hasSuffix("ldconfig -r \(root)") == true)
        #expect(report.ldconfig?.succeeded == true)

        // The real ldconfig is the judge of what the apply achieved.
        let (status, printed) = applyShell("ldconfig -r '\(root)' -p")
        #expect(status == 0)
        #expect(printed.contains("libfoo.so.1 (libc6,x86-64) => /opt/lib/libfoo.so.1"))
        let fm = FileManager.default
        #expect(try fm.destinationOfSymbolicLink(atPath: root + "/opt/lib/libfoo.so.1") == "libfoo.so.1.2")
        #expect(!fm.fileExists(atPath: root + "/usr/lib/x86_64-linux-gnu/libgone.so.1"))
        #expect(fm.fileExists(atPath: root + "/var/cache/ldconfig/aux-cache"))

        let undo = try applier.undo()
        #expect(undo.leftAlone.isEmpty)
        #expect(applyTreeDiff(before, applyTreeSnapshot(root)) == [])
        let (_, after) = applyShell("ldconfig -r '\(root)' -p")
        #expect(!after.contains("libfoo.so.1 "))
    }

    @Test("ldconfig that cannot run (a root without ld.so.conf's includes is fine; a missing binary is not) is reported")
    func missingLdconfigIsReported() throws {
        struct Missing: LdconfigRunner {
            func run(for root: LocalRoot) -> LdconfigResult {
                LdconfigResult(command: "/nonexistent/ldconfig -r \(root.label)", status: 127, stderr: "not found")
            }
        }
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        try makeRoot(temp.path)
        let root = temp.path + "/root"
        let before = applyTreeSnapshot(root)
        let applier = PlanApplier(root: try LocalRoot(directory: root), ldconfig: Missing(), scannedDirectories: scanned)
        #expect(throws: ApplyError.self) { try applier.apply(FixPlan([PlannedAction(.ldconfig, fixes: [])])) }
        let journal = try applyReadJournal(root)
        #expect(journal.entries.first?.phase == .failed)
        #expect(journal.entries.first?.ldconfig?.status == 127)
        _ = try applier.undo()
        #expect(applyTreeDiff(before, applyTreeSnapshot(root)) == [])
    }
}

import Foundation
import Testing
@testable import Apply
@testable import Doctor
@testable import RootFS

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
        let applier = PlanApplier(root: try LocalRoot(directory: root), ldconfig: SystemLdconfig(), scannedDirectories: scanned, journalKey: applyTestKey)
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
        let applier = PlanApplier(root: try LocalRoot(directory: root), ldconfig: Missing(), scannedDirectories: scanned, journalKey: applyTestKey)
        #expect(throws: ApplyError.self) { try applier.apply(FixPlan([PlannedAction(.ldconfig, fixes: [])])) }
        let journal = try applyReadJournal(root)
        #expect(journal.entries.first?.phase == .failed)
        #expect(journal.entries.first?.ldconfig?.status == 127)
        _ = try applier.undo()
        #expect(applyTreeDiff(before, applyTreeSnapshot(root)) == [])
    }

    private let confPlan = FixPlan([
        PlannedAction(.conf(path: RootPath("/etc/ld.so.conf.d/ofdoctor.conf"), directories: ["/opt/lib"]), fixes: ["OF001"]),
        PlannedAction(.ldconfig, fixes: ["OF001"]),
    ])

    @Test("undo reverts only the links ldconfig changed and are still as it left them; a package's, a user's and a repointed link are kept and listed")
    func undoKeepsLinksMadeSince() throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        try makeRoot(temp.path)
        let root = temp.path + "/root"
        let (built, log) = applyShell(". '\(applyFixturesLib)'; echo 'int bar(void) { return 2; }' > '\(temp.path)/bar.c'; solib '\(root)/opt/lib/libbar.so.2.0' libbar.so.2 '\(temp.path)/bar.c'")
        try #require(built == 0, "\(log)")
        let applier = PlanApplier(root: try LocalRoot(directory: root), ldconfig: SystemLdconfig(), scannedDirectories: scanned, journalKey: applyTestKey)
        _ = try applier.apply(confPlan)
        let fm = FileManager.default
        // ldconfig made /opt/lib/libfoo.so.1 -> libfoo.so.1.2 and libbar.so.2 -> libbar.so.2.0.
        #expect(try fm.destinationOfSymbolicLink(atPath: root + "/opt/lib/libfoo.so.1") == "libfoo.so.1.2")
        #expect(try fm.destinationOfSymbolicLink(atPath: root + "/opt/lib/libbar.so.2") == "libbar.so.2.0")
        // Since then: a package's new link, a user's link, and ldconfig's link repointed by a person.
        let multiarch = root + "/usr/lib/x86_64-linux-gnu"
        try fm.createSymbolicLink(atPath: multiarch + "/libnewpkg.so.3", withDestinationPath: "libnewpkg.so.3.0.1")
        try fm.createSymbolicLink(atPath: root + "/usr/local/lib/libmine.so.1", withDestinationPath: "libmine.so.1.0")
        try fm.removeItem(atPath: root + "/opt/lib/libfoo.so.1")
        try fm.createSymbolicLink(atPath: root + "/opt/lib/libfoo.so.1", withDestinationPath: "libfoo.so.1.2.patched")

        let undo = try applier.undo()
        #expect(try fm.destinationOfSymbolicLink(atPath: multiarch + "/libnewpkg.so.3") == "libnewpkg.so.3.0.1")
        #expect(try fm.destinationOfSymbolicLink(atPath: root + "/usr/local/lib/libmine.so.1") == "libmine.so.1.0")
        #expect(try fm.destinationOfSymbolicLink(atPath: root + "/opt/lib/libfoo.so.1") == "libfoo.so.1.2.patched")
        #expect(undo.leftAlone == ["/opt/lib/libfoo.so.1: changed since fix --apply (now -> libfoo.so.1.2.patched); kept"])
        // What ldconfig made and nobody touched since goes.
        #expect(!fm.fileExists(atPath: root + "/opt/lib/libbar.so.2"))
        #expect(!fm.fileExists(atPath: root + "/etc/ld.so.conf.d/ofdoctor.conf"))
    }

    /// ldconfig descends into a scanned directory's legacy hwcap subdirectories (`x86_64`,
    /// `tls`, …) and its `glibc-hwcaps/*`, making soname links and dropping dangling ones
    /// there too. Only the links saved before it ran can be put back: the standard applier
    /// must save those subdirectories' (it saved only ld.so.conf's own directories, and undo
    /// left /opt/lib/x86_64/libbar.so.1 behind).
    /// makeRoot, then `script` (R is the root, W the scratch directory, lib.sh sourced); the
    /// conf plan applied with the standard applier, `check` called on the applied root, then
    /// undo, which must leave the tree as it was before the apply.
    private func applyStandardThenUndo(_ script: String, check: (String) throws -> Void) throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        try makeRoot(temp.path)
        let root = temp.path + "/root"
        try #require(applyShell(". '\(applyFixturesLib)'; R='\(root)'; W='\(temp.path)'\n" + script).0 == 0)
        let before = applyTreeSnapshot(root)
        let applier = PlanApplier.standard(root: try LocalRoot(directory: root), journalKey: applyTestKey)
        _ = try applier.apply(confPlan)
        try check(root)
        let undo = try applier.undo()
        #expect(undo.leftAlone.isEmpty, "\(undo.leftAlone)")
        #expect(applyTreeDiff(before, applyTreeSnapshot(root)) == [])
    }

    /// ldconfig descends into a scanned directory's legacy hwcap subdirectories (`x86_64`,
    /// `tls`, …) and its `glibc-hwcaps/*`, making soname links and dropping dangling ones
    /// there too. Only the links saved before it ran can be put back: the standard applier
    /// must save those subdirectories' (it saved only ld.so.conf's own directories, and undo
    /// left /opt/lib/x86_64/libbar.so.1 behind).
    @Test("undo puts back the links ldconfig made and removed in hwcap subdirectories of a new conf directory")
    func undoCoversHWCapSubdirectories() throws {
        try applyStandardThenUndo("""
            echo 'int bar(void) { return 2; }' > "$W/bar.c"
            solib "$R/opt/lib/x86_64/libbar.so.1.0" libbar.so.1 "$W/bar.c"
            solib "$R/opt/lib/tls/libbaz.so.1.0" libbaz.so.1 "$W/bar.c"
            ln -s libgone.so.1.0 "$R/opt/lib/tls/libgone.so.1"
            mkdir -p "$R/opt/lib/glibc-hwcaps/x86-64-v2"
            ln -s ../../libnothere.so.1.0 "$R/opt/lib/glibc-hwcaps/x86-64-v2/libnothere.so.1"
            """) { root throws in
            // The real ldconfig did change the subdirectories: a link made, dangling ones dropped.
            let fm = FileManager.default
            #expect(try fm.destinationOfSymbolicLink(atPath: root + "/opt/lib/x86_64/libbar.so.1") == "libbar.so.1.0")
            #expect((try? fm.destinationOfSymbolicLink(atPath: root + "/opt/lib/tls/libgone.so.1")) == nil)
        }
    }

    /// The ldconfig `fix --apply --root` runs is the host's: on a glibc 2.31 root (which
    /// scans no glibc-hwcaps/) a 2.36 host's ldconfig still descends into them and drops a
    /// dangling link there. The links saved before it ran must include those directories too
    /// (a generated glibc 2.31 root lost such a link for good).
    @Test("undo puts back what the host's newer ldconfig dropped in glibc-hwcaps/ of an older-glibc root",
          .enabled(if: FileManager.default.fileExists(atPath: "/var/cache/ofdoctor-bullseye/lib/x86_64-linux-gnu/libc.so.6"),
                   "needs the bullseye root (glibc 2.31): bash scripts/debian-root.sh bullseye"))
    func undoCoversTheHostLdconfigsScanOfAnOlderRoot() throws {
        try applyStandardThenUndo("""
            rm "$R/usr/lib/x86_64-linux-gnu/libc.so.6"
            cp -L /var/cache/ofdoctor-bullseye/lib/x86_64-linux-gnu/libc.so.6 "$R/usr/lib/x86_64-linux-gnu/libc.so.6"
            mkdir -p "$R/opt/lib/glibc-hwcaps/x86-64-v2"
            ln -s libgone.so.1.0 "$R/opt/lib/glibc-hwcaps/x86-64-v2/libgone.so.1"
            """) { root throws in
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: root + "/opt/lib/glibc-hwcaps/x86-64-v2/libgone.so.1")) == nil,
                    "the host's ldconfig no longer drops it: this test shows nothing")
        }
    }

    @Test("an /etc/ld.so.cache that was a symbolic link comes back a symbolic link; the tree is restored exactly")
    func cacheLinkComesBackALink() throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        try makeRoot(temp.path)
        let root = temp.path + "/root"
        try #require(applyShell("mkdir -p '\(root)/var/cache/ld' && mv '\(root)/etc/ld.so.cache' '\(root)/var/cache/ld/ld.so.cache' && ln -s ../var/cache/ld/ld.so.cache '\(root)/etc/ld.so.cache'").0 == 0)
        let before = applyTreeSnapshot(root)
        let applier = PlanApplier(root: try LocalRoot(directory: root), ldconfig: SystemLdconfig(), scannedDirectories: scanned, journalKey: applyTestKey)
        _ = try applier.apply(confPlan)
        // ldconfig's rename(2) put a regular file where the link was.
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: root + "/etc/ld.so.cache")) == nil)
        let undo = try applier.undo()
        #expect(undo.leftAlone.isEmpty, "\(undo.leftAlone)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/etc/ld.so.cache") == "../var/cache/ld/ld.so.cache")
        #expect(applyTreeDiff(before, applyTreeSnapshot(root)) == [])
    }

    @Test("ldconfig failing with ENOSPC (a full tmpfs) leaves no etc/ld.so.cache~; undo restores the tree",
          .enabled(if: ApplyEnvironment.isRoot, "mounting a tmpfs needs root"))
    func fullFilesystemLeavesNoCacheTemporary() throws {
        let temp = ApplyTempDirectory()
        defer { applyShell("umount '\(temp.path)/mnt' 2>/dev/null"); temp.remove() }
        // Libraries with long paths make a cache of some 20 KB; the filesystem is then
        // filled to within a few pages, enough for the journal but not for the cache.
        let script = """
            . '\(applyFixturesLib)'
            M='\(temp.path)/mnt'
            R="$M/root"
            mkdir -p "$M" && mount -t tmpfs -o size=8m tmpfs "$M"
            mkroot "$R"
            echo 'int f(void) { return 0; }' > '\(temp.path)/f.c'
            gcc -shared -fPIC -o '\(temp.path)/f.so' '\(temp.path)/f.c'
            D="$R/opt/$(printf 'a-directory-with-a-rather-long-name-%.0s' 1 2 3)"
            mkdir -p "$D"
            for i in $(seq 1 60); do cp '\(temp.path)/f.so' "$D/lib-with-a-long-name-number-$i.so.1"; done
            """
        let (status, output) = applyShell(script)
        try #require(status == 0, "building the root failed: \(output)")
        let root = temp.path + "/mnt/root"
        let directory = try #require(try FileManager.default.contentsOfDirectory(atPath: root + "/opt").first)
        let plan = FixPlan([
            PlannedAction(.conf(path: RootPath("/etc/ld.so.conf.d/ofdoctor.conf"), directories: ["/opt/" + directory]), fixes: []),
            PlannedAction(.ldconfig, fixes: []),
        ])
        // Fill the filesystem, leaving 12 KiB.
        let fill = applyShell("avail=$(df --output=avail -B1 '\(root)' | tail -1); head -c $((avail - 12288)) /dev/zero > '\(root)/filler' || true; df -B1 '\(root)' | tail -1")
        let before = applyTreeSnapshot(root)
        let applier = PlanApplier(root: try LocalRoot(directory: root), ldconfig: SystemLdconfig(),
                                  scannedDirectories: { [RootPath("/opt/" + directory)] }, journalKey: applyTestKey)
        let caught = applyCatch { _ = try applier.apply(plan) }
        guard case .incomplete(_, .ldconfigFailed(let result))? = caught else {
            Issue.record("expected ldconfig to fail for want of space, got \(String(describing: caught)) (\(fill.1))")
            return
        }
        // glibc reports a short write(2) with a stale errno ("Writing of cache data failed: No such file…").
        #expect(result.stderr.contains("Writing of cache data failed"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/etc/ld.so.cache~"))
        _ = try applier.undo()
        #expect(applyTreeDiff(before, applyTreeSnapshot(root)) == [])
    }
}

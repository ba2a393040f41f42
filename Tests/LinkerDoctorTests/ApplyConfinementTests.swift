import Foundation
import Testing
@testable import Apply
@testable import Doctor
@testable import RootFS

/// Issue 15, items 1, 7 and 8 at the library level: journals that lead out of the root,
/// a directory swapped for a link at the moment of use, an apply killed before its
/// ldconfig, and the checks made before the first change.
@Suite("PlanApplier: confinement, owed ldconfig, preflight")
struct ApplyConfinementTests {
    private func applier(_ dir: String, ldconfig: some LdconfigRunner = ApplyFakeLdconfig(),
                         writer: some FileSystemWriter = POSIXWriter(),
                         stepHook: (@Sendable (Int) -> StepDecision)? = nil) throws -> PlanApplier {
        PlanApplier(root: try LocalRoot(directory: dir), ldconfig: ldconfig, scannedDirectories: applySmallScan,
                    writer: writer, journalKey: applyTestKey, stepHook: stepHook)
    }

    /// A root at `temp/root` and a sentinel at `temp/sentinel` holding a file and a link.
    private func scene(_ temp: ApplyTempDirectory) -> (root: String, sentinel: String) {
        let root = temp.path + "/root", sentinel = temp.path + "/sentinel"
        applyMakeSmallRoot(root)
        applyWrite("original\n", to: sentinel + "/victim")
        applyLink(sentinel + "/libfoo.so.1", to: "libfoo.so.1.2")
        return (root, sentinel)
    }

    private func writeJournal(_ root: String, _ changes: [JournalChange]) throws {
        try FileManager.default.createDirectory(atPath: root + "/var/lib/ofdoctor", withIntermediateDirectories: true)
        let inode = (try FileManager.default.attributesOfItem(atPath: root + "/var/lib/ofdoctor")[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
        var records = [Journal.headerLine(createdDirectories: [], directoryInode: inode)]
        for (n, change) in changes.enumerated() {
            records.append(Journal.recordLine(seq: n + 1, phase: .intent, change: change))
            records.append(Journal.recordLine(seq: n + 1, phase: .done))
        }
        try Data(JournalFile.encode(records, secret: applyTestKey.secret ?? [])).write(to: URL(fileURLWithPath: root + "/var/lib/ofdoctor/journal"))
    }

    static let hostileChanges: [(String, JournalChange)] = [
        ("`..` in a link", .link(path: "/../sentinel/libfoo.so.1", target: "libfoo.so.1.2", previousTarget: nil, temporary: nil)),
        ("`..` in a file", .file(path: "/../sentinel/victim", contents: "original\n", mode: 0o644, previous: "pwned\n",
                                 temporary: "/../sentinel/.victim.ofdoctor-tmp", environment: nil)),
        ("a temporary elsewhere", .file(path: "/etc/x", contents: "a", mode: 0o644, previous: nil,
                                        temporary: "/etc/passwd", environment: nil)),
        ("a NUL", .directory(path: "/opt/a\u{0}b")),
        ("a relative path", .directory(path: "opt/vendor")),
        ("a `//`", .directory(path: "//opt")),
        ("`..` in a snapshot", .ldconfig(snapshot: LdconfigSnapshot(files: [], absentDirectories: [],
                                                                    links: ["/usr/lib": [:], "/../sentinel": [:]]))),
        ("a link name with a slash", .ldconfig(snapshot: LdconfigSnapshot(files: [], absentDirectories: [],
                                                                          links: ["/usr/lib": ["../../sentinel/libfoo.so.1": "x"]]))),
    ]

    @Test("a journal naming a path that is not a plain real path inside the root is refused whole by apply and undo; nothing changes",
          arguments: 0..<hostileChanges.count)
    func hostileJournalIsRefused(_ index: Int) throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        let (root, sentinel) = scene(temp)
        // A harmless change first: refused whole means it is not reverted either.
        try writeJournal(root, [.link(path: "/usr/lib/x86_64-linux-gnu/libbar.so.3", target: "libbar.so.3.0", previousTarget: nil, temporary: nil),
                                Self.hostileChanges[index].1])
        applyLink(root + "/usr/lib/x86_64-linux-gnu/libbar.so.3", to: "libbar.so.3.0")
        let before = applyTreeSnapshot(temp.path)
        for run in [{ _ = try self.applier(root).undo() }, { _ = try self.applier(root).apply(applyFullPlan) }] {
            let caught = applyCatch(run)
            guard case .journalOutsideRoot(let journal, _, _)? = caught else {
                Issue.record("\(Self.hostileChanges[index].0): expected .journalOutsideRoot, got \(String(describing: caught))")
                continue
            }
            #expect(journal == "/var/lib/ofdoctor/journal")
            #expect(caught?.description.contains("changed nothing") == true)
            #expect(caught?.description.contains("\u{0}") == false, "control bytes are escaped in the message")
        }
        #expect(applyTreeDiff(before, applyTreeSnapshot(temp.path)) == [], "\(Self.hostileChanges[index].0)")
        _ = sentinel
    }

    /// Swaps the directory of the first link it makes for an absolute link to the sentinel,
    /// just before making it: the race a `lstat`-then-`symlink` on host paths loses.
    final class SwappingWriter: FileSystemWriter, @unchecked Sendable {
        let real = POSIXWriter()
        let directory: String
        let sentinel: String
        private var swapped = false
        init(directory: String, sentinel: String) {
            self.directory = directory
            self.sentinel = sentinel
        }
        func symlink(_ target: String, at: ConfinedName) throws(WriteFailure) {
            if !swapped {
                swapped = true
                _ = Foundation.rename(directory, directory + ".moved")
                _ = Foundation.symlink(sentinel, directory)
            }
            try real.symlink(target, at: at)
        }
        func makeDirectory(_ at: ConfinedName, mode: UInt32) throws(WriteFailure) { try real.makeDirectory(at, mode: mode) }
        func removeDirectory(_ at: ConfinedName) throws(WriteFailure) { try real.removeDirectory(at) }
        func createFile(_ at: ConfinedName, contents: [UInt8], mode: UInt32) throws(WriteFailure) {
            try real.createFile(at, contents: contents, mode: mode)
        }
        func link(_ existing: ConfinedName, as new: ConfinedName) throws(WriteFailure) { try real.link(existing, as: new) }
        func rename(_ from: ConfinedName, to: ConfinedName) throws(WriteFailure) { try real.rename(from, to: to) }
        func unlink(_ at: ConfinedName) throws(WriteFailure) { try real.unlink(at) }
        func syncDirectory(_ at: ConfinedName) throws(WriteFailure) { try real.syncDirectory(at) }
    }

    @Test("a directory swapped for an absolute link to the host between resolving and writing: nothing is written outside, and apply stops")
    func directorySwappedAtTheMomentOfUse() throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        let (root, sentinel) = scene(temp)
        try FileManager.default.removeItem(atPath: sentinel + "/libfoo.so.1")
        let before = applyTreeSnapshot(sentinel)
        let writer = SwappingWriter(directory: root + "/usr/lib/x86_64-linux-gnu", sentinel: sentinel)
        let caught = applyCatch { _ = try self.applier(root, writer: writer).apply(applyFullPlan) }
        #expect(applyTreeDiff(before, applyTreeSnapshot(sentinel)) == [], "written outside the root")
        guard case .incomplete(_, .linkInPath(let path))? = caught else {
            Issue.record("expected a refused link on the way, got \(String(describing: caught))")
            return
        }
        #expect(path == "/usr/lib/x86_64-linux-gnu")
        // The link went where the directory really was, inside the root.
        #expect(FileManager.default.fileExists(atPath: root + "/usr/lib/x86_64-linux-gnu.moved/libfoo.so.1"))
    }

    @Test("killed after its links and before ldconfig finished, a second apply runs ldconfig even when the new plan does not ask for it")
    func killedBeforeLdconfigThenApplyRunsIt() throws {
        let withoutLdconfig = FixPlan(applyFullPlan.actions.filter { $0.action != .ldconfig })
        var tried = 0
        for point in 0..<200 {
            let temp = ApplyTempDirectory()
            defer { temp.remove() }
            applyMakeSmallRoot(temp.path)
            let caught = applyCatch {
                _ = try self.applier(temp.path, stepHook: { $0 == point ? .crash : .proceed }).apply(applyFullPlan)
            }
            guard caught != nil else { break }
            let journal = (try? applyReadJournal(temp.path)) ?? Journal(createdDirectories: [])
            guard journal.ldconfigOwed else { continue }
            tried += 1
            let ldconfig = ApplyFakeLdconfig()
            let report = try applier(temp.path, ldconfig: ldconfig).apply(withoutLdconfig)
            #expect(ldconfig.count == 1, "kill at point \(point): ldconfig not rerun")
            #expect(report.ldconfig?.succeeded == true)
            #expect(try !applyReadJournal(temp.path).ldconfigOwed)
            // And a third apply has nothing left to do.
            #expect(try applier(temp.path, ldconfig: ldconfig).apply(withoutLdconfig).changedNothing)
            #expect(ldconfig.count == 1)
        }
        #expect(tried > 10, "only \(tried) kill points left ldconfig owed")
    }

    struct Unrunnable: LdconfigRunner {
        let runs = ApplyLog()
        func run(for root: LocalRoot) -> LdconfigResult {
            runs.add("run")
            return LdconfigResult(command: "ldconfig", status: 1, stderr: "")
        }
        func preflight(for root: LocalRoot) -> String? { "/sbin/ldconfig -r \(root.label) cannot run (exit 1: Can't chroot)" }
    }

    @Test("a plan whose ldconfig cannot run for the root changes nothing and says why")
    func unrunnableLdconfigChangesNothing() throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        applyMakeSmallRoot(temp.path)
        let before = applyTreeSnapshot(temp.path)
        let ldconfig = Unrunnable()
        let caught = applyCatch { _ = try self.applier(temp.path, ldconfig: ldconfig).apply(applyFullPlan) }
        #expect(caught == .cannotApply(reasons: ["/sbin/ldconfig -r \(temp.path) cannot run (exit 1: Can't chroot)"]))
        #expect(ldconfig.runs.lines.isEmpty)
        #expect(applyTreeDiff(before, applyTreeSnapshot(temp.path)) == [])
        // A plan without ldconfig does not need it.
        let links = FixPlan([applyFullPlan.actions[0]])
        #expect(try !applier(temp.path, ldconfig: ldconfig).apply(links).changedNothing)
    }

    @Test("the real ldconfig's dry run (-N -X) passes on a root it can use and writes nothing",
          .enabled(if: ApplyEnvironment.hasLdconfig && ApplyEnvironment.isRoot, "needs /sbin/ldconfig and root (it chroots)"))
    func realLdconfigPreflight() throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        applyMakeSmallRoot(temp.path)
        let before = applyTreeSnapshot(temp.path)
        #expect(SystemLdconfig().preflight(for: try LocalRoot(directory: temp.path)) == nil)
        #expect(applyTreeDiff(before, applyTreeSnapshot(temp.path)) == [])
    }
}

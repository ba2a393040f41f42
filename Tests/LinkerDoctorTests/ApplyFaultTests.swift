import Foundation
import Testing
@testable import Apply
@testable import Doctor
@testable import RootFS
@testable import Support

@Suite("PlanApplier: kills, failing writes, real EROFS and ENOSPC")
struct ApplyFaultTests {
    private func applier(_ dir: String, writer: some FileSystemWriter = POSIXWriter(),
                         stepHook: (@Sendable (Int) -> StepDecision)? = nil) throws -> PlanApplier {
        PlanApplier(root: try LocalRoot(directory: dir), ldconfig: ApplyFakeLdconfig(), scannedDirectories: applySmallScan,
                    writer: writer, journalKey: applyTestKey, stepHook: stepHook)
    }

    /// The tree without the journal (or its staged copy), whose bytes differ between runs
    /// that end the same.
    private func withoutJournal(_ tree: [String: ApplyTreeEntry]) -> [String: ApplyTreeEntry] {
        tree.filter { !$0.key.hasSuffix("ofdoctor/journal") }
    }

    @Test("killed at any point of apply: undo restores the tree, or a new apply completes it")
    func killedApplyAtEveryPoint() throws {
        let reference = ApplyTempDirectory()
        defer { reference.remove() }
        applyMakeSmallRoot(reference.path)
        _ = try applier(reference.path).apply(applyFullPlan)
        let applied = withoutJournal(applyTreeSnapshot(reference.path))

        var point = 0
        while point < 200 {
            // Two roots killed at the same point: one undone, one completed. (Not one root
            // undone and then rebuilt as it was killed: a rebuilt journal directory is
            // another directory, and its journal is refused as written in another root.)
            let temp = ApplyTempDirectory(), again = ApplyTempDirectory()
            defer { temp.remove(); again.remove() }
            applyMakeSmallRoot(temp.path)
            applyMakeSmallRoot(again.path)
            let before = applyTreeSnapshot(temp.path)
            let stopAt = point
            var stopped = false
            do {
                _ = try applier(temp.path, stepHook: { $0 == stopAt ? .crash : .proceed }).apply(applyFullPlan)
            } catch {
                #expect(error as? ApplyError == .stoppedByHook(point: stopAt))
                stopped = true
            }
            if !stopped { break }   // every point has been tried
            let killed = applyTreeSnapshot(temp.path)
            #expect(throws: ApplyError.stoppedByHook(point: stopAt)) {
                _ = try applier(again.path, stepHook: { $0 == stopAt ? .crash : .proceed }).apply(applyFullPlan)
            }
            // (the journals differ: each names the inode of its own directory)
            #expect(applyTreeDiff(withoutJournal(killed), withoutJournal(applyTreeSnapshot(again.path))) == [],
                    "two kills at point \(stopAt) left different trees")

            _ = try applier(temp.path).undo()
            #expect(applyTreeDiff(before, applyTreeSnapshot(temp.path)) == [], "undo after a kill at point \(stopAt)")

            let report = try applier(again.path).apply(applyFullPlan)
            #expect(applyTreeDiff(applied, withoutJournal(applyTreeSnapshot(again.path))) == [],
                    "re-apply after a kill at point \(stopAt)")
            #expect(report.steps.count >= applyFullPlan.actions.count - 1)
            _ = try applier(again.path).undo()
            #expect(applyTreeDiff(before, applyTreeSnapshot(again.path)) == [], "undo after completing, kill at \(stopAt)")
            point += 1
        }
        #expect(point > 20)
    }

    @Test("killed at any point of undo: a new undo finishes it")
    func killedUndoAtEveryPoint() throws {
        var point = 0
        while point < 200 {
            let temp = ApplyTempDirectory()
            defer { temp.remove() }
            applyMakeSmallRoot(temp.path)
            let before = applyTreeSnapshot(temp.path)
            _ = try applier(temp.path).apply(applyFullPlan)
            let stopAt = point
            var stopped = false
            do {
                _ = try applier(temp.path, stepHook: { $0 == stopAt ? .crash : .proceed }).undo()
            } catch {
                #expect(error as? ApplyError == .stoppedByHook(point: stopAt))
                stopped = true
            }
            if !stopped { break }
            // An interrupted undo must be finished before anything new is applied.
            if FileManager.default.fileExists(atPath: temp.path + "/var/lib/ofdoctor/journal"),
               try applyReadJournal(temp.path).undoStarted {
                #expect(throws: ApplyError.undoIncomplete(journal: "/var/lib/ofdoctor/journal")) {
                    try applier(temp.path).apply(applyFullPlan)
                }
            }
            _ = try applier(temp.path).undo()
            #expect(applyTreeDiff(before, applyTreeSnapshot(temp.path)) == [], "undo after a kill of undo at point \(stopAt)")
            point += 1
        }
        #expect(point > 10)
    }

    @Test("a write failing with EROFS, EACCES or ENOSPC at any call stops apply with a message naming path and errno; undo restores",
          arguments: [EROFS, EACCES, ENOSPC])
    func failingWriteAtEveryCall(_ code: Int32) throws {
        var call = 0
        while call < 300 {
            let temp = ApplyTempDirectory()
            defer { temp.remove() }
            applyMakeSmallRoot(temp.path)
            let before = applyTreeSnapshot(temp.path)
            let writer = ApplyFaultyWriter(failAt: call, errno: code)
            var caught: ApplyError?
            caught = applyCatch { _ = try applier(temp.path, writer: writer).apply(applyFullPlan) }
            guard let caught else { break }   // the plan needs fewer calls: every one has failed once
            guard case .incomplete(_, let cause) = caught else {
                Issue.record("call \(call): expected .incomplete, got \(caught)")
                break
            }
            switch (code, cause) {
            case (EROFS, .readOnly(let path, _)), (EACCES, .permissionDenied(let path, _, _)), (ENOSPC, .noSpace(let path, _, _)):
                #expect(path.hasPrefix("/"))
                #expect(caught.description.contains(path))
            default:
                Issue.record("call \(call): errno \(code) became \(cause)")
            }
            #expect(caught.description.contains(Errno.describe(code)))
            _ = try applier(temp.path).undo()
            #expect(applyTreeDiff(before, applyTreeSnapshot(temp.path)) == [], "undo after call \(call) failed")
            call += 1
        }
        #expect(call > 20)
    }
}

/// Real read-only and full filesystems: a tiny tmpfs mounted at a temporary directory.
@Suite("PlanApplier on a real tmpfs", .serialized,
       .enabled(if: ApplyEnvironment.isRoot, "mounting a tmpfs needs root"))
struct ApplyMountTests {
    private func withTmpfs(size: String, _ body: (String) throws -> Void) throws {
        let mount = ApplyTempDirectory("ofd-tmpfs")
        defer { applyShell("umount '\(mount.path)'"); mount.remove() }
        let (status, output) = applyShell("mount -t tmpfs -o size=\(size) tmpfs '\(mount.path)'")
        try #require(status == 0, "mount: \(output)")
        try body(mount.path)
    }

    @Test("on a read-only root apply is refused before its first change, naming EROFS, and writes nothing")
    func readOnlyRoot() throws {
        try withTmpfs(size: "1m") { dir in
            applyMakeSmallRoot(dir)
            let before = applyTreeSnapshot(dir)
            try #require(applyShell("mount -o remount,ro '\(dir)'").0 == 0)
            let applier = PlanApplier(root: try LocalRoot(directory: dir), ldconfig: ApplyFakeLdconfig(),
                                      scannedDirectories: applySmallScan, journalKey: applyTestKey)
            var caught: ApplyError?
            caught = applyCatch { _ = try applier.apply(applyFullPlan) }
            guard case .cannotApply(let reasons)? = caught else {
                Issue.record("expected a refusal before the first change, got \(String(describing: caught))")
                return
            }
            // The link's directory, /opt (for /opt/vendor), /etc (profile.d, cache), /etc/ld.so.conf.d, / (the journal's /var).
            #expect(reasons.count == 5, "\(reasons)")
            #expect(reasons.allSatisfy { $0.contains("EROFS") })
            #expect(caught?.description.contains("nothing was changed") == true)
            #expect(applyTreeDiff(before, applyTreeSnapshot(dir)) == [])
            #expect(try applier.undo().nothingToUndo)
        }
    }

    @Test("on a full filesystem apply fails with ENOSPC; undo restores the tree")
    func fullFilesystem() throws {
        try withTmpfs(size: "64k") { dir in
            applyMakeSmallRoot(dir)
            let before = applyTreeSnapshot(dir)
            let huge = (0..<4000).map { "/opt/a-rather-long-directory-name-\($0)" }
            let plan = FixPlan([
                PlannedAction(.symlink(path: RootPath("/usr/lib/x86_64-linux-gnu/libfoo.so.1"), target: "libfoo.so.1.2"), fixes: []),
                PlannedAction(.conf(path: RootPath("/etc/ld.so.conf.d/ofdoctor.conf"), directories: huge), fixes: []),
            ])
            let applier = PlanApplier(root: try LocalRoot(directory: dir), ldconfig: ApplyFakeLdconfig(),
                                      scannedDirectories: applySmallScan, journalKey: applyTestKey)
            var caught: ApplyError?
            caught = applyCatch { _ = try applier.apply(plan) }
            guard case .incomplete(let completed, .noSpace)? = caught else {
                Issue.record("expected ENOSPC, got \(String(describing: caught))")
                return
            }
            #expect(completed.count == 1)
            #expect(caught?.description.contains("ENOSPC") == true)
            _ = try applier.undo()
            #expect(applyTreeDiff(before, applyTreeSnapshot(dir)) == [])
        }
    }
}

import Foundation
import Synchronization
import Testing
@testable import Apply
@testable import Doctor
@testable import RootFS

@Suite("PlanApplier: apply and undo")
struct ApplyTests {
    private func applier(_ dir: String, ldconfig: some LdconfigRunner = ApplyFakeLdconfig(),
                         stepHook: (@Sendable (Int) -> StepDecision)? = nil) throws -> PlanApplier {
        PlanApplier(root: try LocalRoot(directory: dir), ldconfig: ldconfig, scannedDirectories: applySmallScan,
                    journalKey: applyTestKey, stepHook: stepHook)
    }

    @Test("apply makes links, the profile script, the conf file and runs ldconfig; undo restores the tree exactly")
    func applyThenUndoRestoresTree() throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        applyMakeSmallRoot(temp.path)
        let before = applyTreeSnapshot(temp.path)
        let ldconfig = ApplyFakeLdconfig()
        let report = try applier(temp.path, ldconfig: ldconfig).apply(applyFullPlan)

        let lib = temp.path + "/usr/lib/x86_64-linux-gnu"
        let fm = FileManager.default
        #expect(try fm.destinationOfSymbolicLink(atPath: lib + "/libfoo.so.1") == "libfoo.so.1.2")
        #expect(try fm.destinationOfSymbolicLink(atPath: temp.path + "/opt/vendor/lib/libfoo.so")
                == "/usr/lib/x86_64-linux-gnu/libfoo.so.1.2")
        let script = String(decoding: fm.contents(atPath: temp.path + "/etc/profile.d/ofdoctor.sh") ?? Data(), as: UTF8.self)
        #expect(script == "# Written by ofdoctor fix --apply; `ofdoctor undo` removes it.\n"
                + "export LD_LIBRARY_PATH='/opt/it'\\''s here'\nunset LD_PRELOAD\n")
        #expect(report.environmentScript == script)
        let conf = String(decoding: fm.contents(atPath: temp.path + "/etc/ld.so.conf.d/ofdoctor.conf") ?? Data(), as: UTF8.self)
        #expect(conf.hasSuffix("\n/opt/vendor/lib\n"))
        #expect(ldconfig.count == 1)
        #expect(report.ldconfig?.succeeded == true)
        #expect(!report.changedNothing)
        #expect(fm.fileExists(atPath: lib + "/libbar.so.3"))
        #expect(!fm.fileExists(atPath: lib + "/libgone.so.1"))
        let journal = try applyReadJournal(temp.path)
        #expect(journal.createdDirectories == ["/var", "/var/lib", "/var/lib/ofdoctor"])
        #expect(journal.entries.allSatisfy { $0.phase == .done })
        #expect(journal.entries.contains { $0.change == .directory(path: "/etc/profile.d") })

        let undo = try applier(temp.path).undo()
        #expect(!undo.nothingToUndo)
        #expect(undo.leftAlone.isEmpty)
        #expect(undo.reverted.count == journal.entries.count)
        let after = applyTreeSnapshot(temp.path)
        #expect(applyTreeDiff(before, after) == [])
    }

    @Test("a second apply of the same plan changes nothing, not even the journal")
    func applyIsIdempotent() throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        applyMakeSmallRoot(temp.path)
        let ldconfig = ApplyFakeLdconfig()
        _ = try applier(temp.path, ldconfig: ldconfig).apply(applyFullPlan)
        let once = applyTreeSnapshot(temp.path)
        let again = try applier(temp.path, ldconfig: ldconfig).apply(applyFullPlan)
        #expect(again.changedNothing)
        #expect(again.ldconfig == nil)
        #expect(ldconfig.count == 1)
        #expect(applyTreeDiff(once, applyTreeSnapshot(temp.path)) == [])
    }

    @Test("links that already exist as planned, made by someone else, are left alone by apply and undo")
    func existingLinkAsPlannedIsNotClaimed() throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        applyMakeSmallRoot(temp.path)
        applyLink(temp.path + "/usr/lib/x86_64-linux-gnu/libfoo.so.1", to: "libfoo.so.1.2")
        let before = applyTreeSnapshot(temp.path)
        let plan = FixPlan([PlannedAction(.symlink(path: RootPath("/usr/lib/x86_64-linux-gnu/libfoo.so.1"),
                                                   target: "libfoo.so.1.2"), fixes: [])])
        let report = try applier(temp.path).apply(plan)
        #expect(report.changedNothing)
        #expect(applyTreeDiff(before, applyTreeSnapshot(temp.path)) == [])
        #expect(try applier(temp.path).undo().nothingToUndo)
    }

    @Test("a second undo with nothing left is a no-op and says so")
    func secondUndoIsNoop() throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        applyMakeSmallRoot(temp.path)
        _ = try applier(temp.path).apply(applyFullPlan)
        _ = try applier(temp.path).undo()
        let after = applyTreeSnapshot(temp.path)
        let second = try applier(temp.path).undo()
        #expect(second.nothingToUndo)
        #expect(second.summary.contains("nothing to undo"))
        #expect(applyTreeDiff(after, applyTreeSnapshot(temp.path)) == [])
    }

    @Test("apply refuses to replace what it did not create, before writing anything",
          arguments: ["file", "link", "profile"])
    func refusesToOverwrite(_ what: String) throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        applyMakeSmallRoot(temp.path)
        let lib = temp.path + "/usr/lib/x86_64-linux-gnu"
        let expected: String
        switch what {
        case "file":
            applyWrite("mine", to: lib + "/libfoo.so.1")
            expected = "/usr/lib/x86_64-linux-gnu/libfoo.so.1"
        case "link":
            applyLink(lib + "/libfoo.so.1", to: "libfoo.so.1.0-other")
            expected = "/usr/lib/x86_64-linux-gnu/libfoo.so.1"
        default:
            applyWrite("export PATH=/mine\n", to: temp.path + "/etc/profile.d/ofdoctor.sh")
            expected = "/etc/profile.d/ofdoctor.sh"
        }
        let before = applyTreeSnapshot(temp.path)
        #expect(throws: ApplyError.exists(path: expected)) { try applier(temp.path).apply(applyFullPlan) }
        #expect(applyTreeDiff(before, applyTreeSnapshot(temp.path)) == [])
        #expect(ApplyError.exists(path: expected).description
                .contains("exists and fix --apply did not create it (it is not in ofdoctor's journal), so ofdoctor leaves it alone; remove or rename it yourself"))
    }

    @Test("a parent symlink to /../../tmp/x stays inside the root; nothing is written outside")
    func parentSymlinkStaysInsideRoot() throws {
        let temp = ApplyTempDirectory()
        let sentinel = ApplyTempDirectory("ofd-sentinel")
        defer { temp.remove(); sentinel.remove() }
        applyMakeSmallRoot(temp.path)
        applyWrite("untouched", to: sentinel.path + "/x/keep")
        let outside = applyTreeSnapshot(sentinel.path)
        let escape = "/../../" + sentinel.path.dropFirst() + "/x"
        applyLink(temp.path + "/opt/escape", to: escape)
        let plan = FixPlan([PlannedAction(.symlink(path: RootPath("/opt/escape/libx.so.1"), target: "libx.so.1.0"), fixes: [])])

        // Inside the root the link leads to a missing directory: refused, not followed out.
        #expect(throws: ApplyError.notADirectory(path: "/opt/escape")) { try applier(temp.path).apply(plan) }
        #expect(applyTreeDiff(outside, applyTreeSnapshot(sentinel.path)) == [])

        // Once the directory exists inside the root, the link is made there and journaled as such.
        let inside = String(sentinel.path.dropFirst())
        try FileManager.default.createDirectory(atPath: temp.path + "/" + inside + "/x", withIntermediateDirectories: true)
        let before = applyTreeSnapshot(temp.path)
        let report = try applier(temp.path).apply(plan)
        let real = "/" + inside + "/x/libx.so.1"
        #expect(report.steps.map(\.change) == [.link(path: real, target: "libx.so.1.0", previousTarget: nil, temporary: nil)])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: temp.path + real) == "libx.so.1.0")
        #expect(applyTreeDiff(outside, applyTreeSnapshot(sentinel.path)) == [])
        _ = try applier(temp.path).undo()
        #expect(applyTreeDiff(before, applyTreeSnapshot(temp.path)) == [])
        #expect(applyTreeDiff(outside, applyTreeSnapshot(sentinel.path)) == [])
    }

    @Test("a parent that is a regular file is refused")
    func parentFileIsRefused() throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        applyMakeSmallRoot(temp.path)
        applyWrite("x", to: temp.path + "/opt/file")
        let plan = FixPlan([PlannedAction(.symlink(path: RootPath("/opt/file/sub/l"), target: "t"), fixes: [])])
        #expect(throws: ApplyError.notADirectory(path: "/opt/file")) { try applier(temp.path).apply(plan) }
    }

    @Test("a second plan may repoint a link ofdoctor made; undo unwinds both applies")
    func repointsOwnLink() throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        applyMakeSmallRoot(temp.path)
        let before = applyTreeSnapshot(temp.path)
        let path = RootPath("/usr/lib/x86_64-linux-gnu/libfoo.so.1")
        _ = try applier(temp.path).apply(FixPlan([PlannedAction(.symlink(path: path, target: "libfoo.so.1.2"), fixes: []),
                                                  PlannedAction(.env(name: "A", value: "1"), fixes: [])]))
        let second = try applier(temp.path).apply(FixPlan([PlannedAction(.symlink(path: path, target: "libbar.so.3.0"), fixes: []),
                                                           PlannedAction(.env(name: "B", value: nil), fixes: [])]))
        #expect(second.steps.first?.change == .link(path: path.string, target: "libbar.so.3.0", previousTarget: "libfoo.so.1.2",
                                                     temporary: "/usr/lib/x86_64-linux-gnu/.libfoo.so.1.ofdoctor-tmp"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: temp.path + path.string) == "libbar.so.3.0")
        #expect(second.environmentScript?.hasSuffix("export A='1'\nunset B\n") == true)
        _ = try applier(temp.path).undo()
        #expect(applyTreeDiff(before, applyTreeSnapshot(temp.path)) == [])
    }

    @Test("a link repointed since to a target canonically equivalent to ours (other bytes) is not ours: undo keeps it")
    func canonicallyEquivalentTargetIsNotOurs() throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        applyMakeSmallRoot(temp.path)
        let path = RootPath("/usr/lib/x86_64-linux-gnu/libfoo.so.1")
        _ = try applier(temp.path).apply(FixPlan([PlannedAction(.symlink(path: path, target: "lib\u{e9}.so.1"), fixes: [])]))
        // Someone repoints it to the other spelling: another file to the kernel.
        try FileManager.default.removeItem(atPath: temp.path + path.string)
        try FileManager.default.createSymbolicLink(atPath: temp.path + path.string, withDestinationPath: "libe\u{301}.so.1")
        let undone = try applier(temp.path).undo()
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: temp.path + path.string)
        #expect(Array(target.utf8) == Array("libe\u{301}.so.1".utf8), "the other spelling's link is kept")
        #expect(undone.leftAlone.contains { $0.contains("changed since fix --apply") }, "\(undone.leftAlone)")
    }

    @Test("a second apply or undo while one runs fails with the lock error")
    func concurrentApplyIsLockedOut() throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        applyMakeSmallRoot(temp.path)
        let root = try LocalRoot(directory: temp.path)
        let seen = ApplyLog()
        let hook: @Sendable (Int) -> StepDecision = { point in
            guard point == 0 else { return .proceed }
            let other = PlanApplier(root: root, ldconfig: ApplyFakeLdconfig(), scannedDirectories: applySmallScan, journalKey: applyTestKey)
            if let error = applyCatch({ _ = try other.apply(applyFullPlan) }) { seen.add(error.description) }
            if let error = applyCatch({ _ = try other.undo() }) { seen.add(error.description) }
            return .proceed
        }
        _ = try applier(temp.path, stepHook: hook).apply(applyFullPlan)
        let messages = seen.lines
        #expect(messages.count == 2)
        #expect(messages.allSatisfy { $0.contains("another ofdoctor fix --apply or undo is running") })
        // The lock goes with the run: a later apply proceeds.
        #expect(try applier(temp.path).apply(applyFullPlan).changedNothing)
    }

    @Test("a failing ldconfig is reported and journaled, and undo restores the tree")
    func failingLdconfigIsReportedAndJournaled() throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        applyMakeSmallRoot(temp.path)
        let before = applyTreeSnapshot(temp.path)
        let failing = ApplyFakeLdconfig(status: 1)
        var caught: ApplyError?
        caught = applyCatch { _ = try applier(temp.path, ldconfig: failing).apply(applyFullPlan) }
        guard case .incomplete(let completed, let cause)? = caught else {
            Issue.record("expected .incomplete, got \(String(describing: caught))")
            return
        }
        #expect(cause == .ldconfigFailed(LdconfigResult(command: "fake-ldconfig", status: 1,
                                                        stderr: "fake-ldconfig: cannot write cache\n")))
        #expect(caught?.description.contains("exited with status 1: fake-ldconfig: cannot write cache") == true)
        #expect(caught?.description.contains("ofdoctor undo") == true)
        // link; /opt/vendor, /opt/vendor/lib, link; /etc/profile.d, script; conf; ldconfig
        #expect(completed.count == 8)
        let entry = try applyReadJournal(temp.path).entries.last
        #expect(entry?.phase == .failed)
        #expect(entry?.ldconfig?.stderr == "fake-ldconfig: cannot write cache\n")
        // ldconfig never succeeded: the next apply runs it again.
        _ = try? applier(temp.path, ldconfig: failing).apply(applyFullPlan)
        #expect(failing.count == 2)
        _ = try applier(temp.path).undo()
        #expect(applyTreeDiff(before, applyTreeSnapshot(temp.path)) == [])
    }

    @Test("a journal with one changed byte, cut short, or missing a line is refused by apply and undo before any change, kept, and its changes listed",
          arguments: ["byte", "cut", "cut-at-line", "drop-line"])
    func damagedJournalIsRefused(_ damage: String) throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        applyMakeSmallRoot(temp.path)
        _ = try applier(temp.path).apply(applyFullPlan)
        let path = temp.path + "/var/lib/ofdoctor/journal"
        let good = Array(FileManager.default.contents(atPath: path) ?? Data())
        var lines = good.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        var bad = good
        switch damage {
        case "byte":
            // A digit in the middle of the file (inside a record's JSON), as a bad sector would.
            let at = try #require(good.indices.dropFirst(good.count / 2).first { good[$0] == UInt8(ascii: "1") })
            bad[at] = UInt8(ascii: "2")
        case "cut": bad = Array(good.prefix(good.count - 40))
        case "cut-at-line":
            lines.removeLast(3)   // the empty piece, the closing line, the last record
            bad = Array(lines.joined(separator: [UInt8(ascii: "\n")])) + [UInt8(ascii: "\n")]
        default:
            lines.remove(at: 3)
            bad = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
        }
        try Data(bad).write(to: URL(fileURLWithPath: path))
        let damaged = applyTreeSnapshot(temp.path)
        for run in [{ _ = try self.applier(temp.path).undo() }, { _ = try self.applier(temp.path).apply(applyFullPlan) }] {
            let caught = applyCatch(run)
            guard case .journalCorrupt(let journal, _, let reason, let holds)? = caught else {
                Issue.record("\(damage): expected .journalCorrupt, got \(String(describing: caught))")
                continue
            }
            #expect(journal == "/var/lib/ofdoctor/journal")
            #expect(!reason.isEmpty)
            #expect(holds.contains { $0.contains("linked /usr/lib/x86_64-linux-gnu/libfoo.so.1 -> libfoo.so.1.2") }, "\(holds)")
            #expect(caught?.description.contains("nothing was changed") == true)
        }
        #expect(applyTreeDiff(damaged, applyTreeSnapshot(temp.path)) == [], "\(damage): something changed")
    }

    @Test("the profile script's quoting gives the shell back each value byte for byte",
          arguments: ["plain", "it's", "a b\tc", "$(touch /tmp/ofd-pwned)`x`", "back\\slash", "'", "new\nline"])
    func shellQuoting(_ value: String) throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        let script = try ProfileScript.contents([EnvironmentSetting(name: "V", value: value)])
        applyWrite(script, to: temp.path + "/s.sh")
        let (status, output) = applyShell(". '\(temp.path)/s.sh'; printf '%s' \"$V\"")
        #expect(status == 0)
        #expect(output == value)
    }

    @Test("the profile script's reader takes only what ofdoctor writes: another first line, a command, an expansion, an open quote or a bad name is not ofdoctor's script",
          arguments: ["#!/bin/sh\nexport V='a'\n",
                      "# Written by ofdoctor\necho hi\n",
                      "# Written by ofdoctor\nexport V=$(id)\n",
                      "# Written by ofdoctor\nexport V=\"a\"\n",
                      "# Written by ofdoctor\nexport V='a\n",
                      "# Written by ofdoctor\nexport V='a' W='b'\n",
                      "# Written by ofdoctor\nexport 1V='a'\n",
                      "# Written by ofdoctor\nunset V W\n"])
    func profileReaderRefuses(_ text: String) {
        #expect(ProfileScript.settings(parsing: Array(text.utf8)) == nil)
    }

    @Test("a profile script past a mebibyte is not ofdoctor's: not copied, not read")
    func profileReaderSizeBound() throws {
        let temp = ApplyTempDirectory()
        defer { temp.remove() }
        try FileManager.default.createDirectory(atPath: temp.path + "/etc/profile.d", withIntermediateDirectories: true)
        let line = "export V='x'\n"
        let small = ProfileScript.header + "\n" + line
        let large = small + String(repeating: "#" + String(repeating: "x", count: 1023) + "\n", count: 1024)
        for (text, readable) in [(small, true), (large, false)] {
            applyWrite(text, to: temp.path + "/etc/profile.d/ofdoctor.sh")
            let settings = ProfileScript.settings(in: RootView(try LocalRoot(directory: temp.path)))
            #expect((settings == [EnvironmentSetting(name: "V", value: "x")]) == readable, "\(text.utf8.count) bytes: \(String(describing: settings))")
        }
    }

    @Test("the profile script's reader follows the shell: comments and blank lines between commands, a quoted newline inside a value, a backslash-newline that is none, a last line without its newline")
    func profileReaderReads() throws {
        let text = "# Written by ofdoctor fix --apply\n\n# note\nexport A='x\ny'\nunset B\nexport C=a\\\nb\\ c\nexport A=''"
        let settings = try #require(ProfileScript.settings(parsing: Array(text.utf8)))
        #expect(settings == [EnvironmentSetting(name: "A", value: "x\ny"), EnvironmentSetting(name: "B", value: nil),
                             EnvironmentSetting(name: "C", value: "ab c"), EnvironmentSetting(name: "A", value: "")])
        let bash = applyShell(". /dev/stdin <<'END'\n\(text)\nEND\nprintf '%s|%s|%s' \"$A\" \"${B-unset}\" \"$C\"")
        #expect(bash.0 == 0 && bash.1 == "|unset|ab c", "\(bash)")
    }

    @Test("a variable name a shell would reject is refused", arguments: ["1X", "A-B", "", "A B", "É"])
    func badVariableName(_ name: String) throws {
        #expect(throws: ApplyError.invalidAction("\(name) is not a variable name a shell accepts")) {
            _ = try PlanApplier.work(for: FixPlan([PlannedAction(.env(name: name, value: "x"), fixes: [])]))
        }
    }
}

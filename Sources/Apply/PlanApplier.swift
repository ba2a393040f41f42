#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Doctor
import ELFInspect
import RootFS

/// Carries out a `FixPlan` on a root: the only code in ofdoctor that writes.
///
/// It never overwrites or deletes a file it did not create, never writes outside the
/// root (every parent is resolved inside it by `RootView`; a write through a symlinked
/// parent happens, and is journaled, at the real place), makes each link or file appear
/// atomically, and journals each change before and after making it (`Journal`), so that
/// `undo` can put the root back exactly, even after a kill. Running the same plan again
/// changes nothing. One apply or undo at a time holds the root's lock.
public struct PlanApplier: Sendable {
    public let root: LocalRoot
    let ldconfig: any LdconfigRunner
    let scannedDirectories: @Sendable () throws -> [RootPath]
    let writer: any FileSystemWriter
    let journalKey: JournalKey
    let stepHook: (@Sendable (Int) -> StepDecision)?
    /// This process may change what only root may: a refusal for want of permission then
    /// says how to go on (a plan for root to run).
    var runsAsRoot = geteuid() == 0

    /// - Parameters:
    ///   - scannedDirectories: the directories ldconfig will scan (from ld.so.conf);
    ///     their symlinks are saved before it runs. The trusted directories are added.
    ///   - writer: the system calls that write (tests inject failures).
    ///   - journalKey: seals the journal this writes and checks the one it finds.
    ///   - stepHook: called at each point between two writes, numbered from 0; `.crash`
    ///     stops the run there as a kill would (tests only).
    public init(root: LocalRoot, ldconfig: some LdconfigRunner,
                scannedDirectories: @escaping @Sendable () throws -> [RootPath],
                writer: some FileSystemWriter = POSIXWriter(), journalKey: JournalKey,
                stepHook: (@Sendable (Int) -> StepDecision)? = nil) {
        self.root = root
        self.ldconfig = ldconfig
        self.scannedDirectories = scannedDirectories
        self.writer = writer
        self.journalKey = journalKey
        self.stepHook = stepHook
    }

    /// What one plan asks for, once its `env` actions are gathered into one file.
    enum Work: Equatable {
        case link(RootPath, target: String)
        case conf(RootPath, contents: String)
        case environment([EnvironmentSetting])
        case ldconfig
    }

    /// Applies `plan`. Conflicts are found before anything is written; an error part-way
    /// is `.incomplete`, listing the changes made (all journaled, so `undo` reverts them).
    public func apply(_ plan: FixPlan) throws(ApplyError) -> ApplyReport {
        let lock = try RootLock(root)
        defer { withExtendedLifetime(lock) {} }
        let session = try ApplySession(root: root, writer: writer, key: journalKey, hook: stepHook)
        _ = try session.loadJournal()
        if session.journal.undoStarted, let path = session.journalPath { throw .undoIncomplete(journal: path.string) }
        var work = try Self.work(for: plan)
        // A killed apply made links and never got to ldconfig; the plan computed now (the
        // links in place) may not ask for it, but the journal knows it is owed.
        if !work.contains(.ldconfig), session.journal.ldconfigOwed { work.append(.ldconfig) }
        var evaluations: [Evaluation] = []
        for item in work where item != .ldconfig {
            evaluations.append(try evaluate(item, session))   // refuse a conflict before any write
        }
        try preflight(work, evaluations: evaluations, session)
        var report = ApplyReport(steps: [], ldconfig: nil, environmentScript: nil)
        var changedLinks = false
        do throws(ApplyError) {
            for item in work {
                if item == .ldconfig {
                    guard changedLinks || session.journal.ldconfigIsStale else {
                        report.steps.append(AppliedStep(change: .ldconfig(snapshot: .empty), outcome: .alreadyPresent))
                        continue
                    }
                    let (change, result, effect) = try runLdconfig(session)
                    report.ldconfig = result
                    report.ldconfigEffect = effect
                    report.steps.append(AppliedStep(change: change, outcome: .applied))
                    guard result.succeeded else { throw .ldconfigFailed(result) }
                    changedLinks = false
                    continue
                }
                let evaluation = try evaluate(item, session)
                if case .environment = item, case .file(_, let contents, _, _, _, _) = evaluation.last {
                    report.environmentScript = contents
                }
                guard evaluation.needed else {
                    report.steps += evaluation.changes.map { AppliedStep(change: $0, outcome: .alreadyPresent) }
                    continue
                }
                for change in evaluation.changes {
                    try make(change, session)
                    report.steps.append(AppliedStep(change: change, outcome: .applied))
                    if case .environment = item {} else { changedLinks = true }
                }
            }
        } catch {
            if case .stoppedByHook = error { throw error }
            throw .incomplete(completed: report.steps.filter { $0.outcome == .applied && $0.change.isComplete(in: session.journal) },
                              cause: error)
        }
        return report
    }

    /// The plan's actions in order, its `env` actions gathered at the first one's place.
    static func work(for plan: FixPlan) throws(ApplyError) -> [Work] {
        var result: [Work] = []
        var settings: [EnvironmentSetting] = []
        for planned in plan.actions {
            switch planned.action {
            case .symlink(let path, let target):
                guard !target.isEmpty, !target.contains("\0") else {
                    throw .invalidAction("the link \(path) needs a target without NUL bytes")
                }
                result.append(.link(path, target: target))
            case .conf(let path, let directories):
                guard directories.allSatisfy({ !$0.contains("\n") && !$0.contains("\0") }) else {
                    throw .invalidAction("a directory for \(path) contains a newline or NUL")
                }
                result.append(.conf(path, contents: ConfFile.contents(directories: directories)))
            case .env(let name, let value):
                guard ProfileScript.isValidName(name) else {
                    throw .invalidAction("\(name) is not a variable name a shell accepts")
                }
                guard !(value ?? "").contains("\0") else { throw .invalidAction("the value of \(name) contains NUL") }
                if settings.isEmpty { result.append(.environment([])) }
                settings = ProfileScript.merged(settings, with: [EnvironmentSetting(name: name, value: value)])
            case .ldconfig:
                result.append(.ldconfig)
            }
        }
        return result.map { $0 == .environment([]) ? .environment(settings) : $0 }
    }

    /// The changes one work item needs now, or the change that is already in place.
    struct Evaluation {
        var changes: [JournalChange]
        var needed: Bool
        var last: JournalChange? { changes.last }
    }

    private func evaluate(_ item: Work, _ session: ApplySession) throws(ApplyError) -> Evaluation {
        switch item {
        case .link(let path, let target):
            let place = try session.locate(path)
            if place.missing.isEmpty, let found = try session.entry(place.real) {
                guard found.kind == .symlink else { throw .exists(path: place.real.string) }
                let current = try session.linkTarget(place.real)
                if current.hasSameBytes(as: target) {
                    return Evaluation(changes: [.link(path: place.real.string, target: target, previousTarget: nil, temporary: nil)],
                                      needed: false)
                }
                guard session.journal.madeLink(place.real.string, target: current) else { throw .exists(path: place.real.string) }
                return Evaluation(changes: [.link(path: place.real.string, target: target, previousTarget: current,
                                                  temporary: session.temporary(for: place.real).string)], needed: true)
            }
            return Evaluation(changes: place.missing.map { .directory(path: $0.string) }
                                + [.link(path: place.real.string, target: target, previousTarget: nil, temporary: nil)],
                              needed: true)
        case .conf(let path, let contents):
            return try evaluateFile(path, contents: contents, environment: nil, session)
        case .environment(let settings):
            let place = try session.locate(ProfileScript.path)
            let merged = ProfileScript.merged(session.journal.environment(at: place.real.string), with: settings)
            return try evaluateFile(ProfileScript.path, contents: ProfileScript.contents(merged), environment: merged, session)
        case .ldconfig:
            return Evaluation(changes: [], needed: true)
        }
    }

    private func evaluateFile(_ path: RootPath, contents: String, environment: [EnvironmentSetting]?,
                              _ session: ApplySession) throws(ApplyError) -> Evaluation {
        let place = try session.locate(path)
        let temporary = session.temporary(for: place.real).string
        if place.missing.isEmpty, let found = try session.entry(place.real) {
            guard found.kind == .file else { throw .exists(path: place.real.string) }
            let current = ByteString.decode(try session.bytes(place.real))
            // (text canonically equal is other bytes) A file `fix --format sh` or the Dockerfile
            // lines wrote has their header, which says no journal undoes it: with the same lines
            // below it, it is in place already, and stays the script's.
            let same = current.hasSameBytes(as: contents) || Self.sameBelowHeader(current, contents)
            let change = JournalChange.file(path: place.real.string, contents: contents, mode: 0o644,
                                            previous: same ? nil : current,
                                            temporary: temporary, environment: environment)
            if same, found.mode == 0o644 { return Evaluation(changes: [change], needed: false) }
            guard session.journal.madeFile(place.real.string, contents: current) else { throw .exists(path: place.real.string) }
            return Evaluation(changes: [change], needed: true)
        }
        return Evaluation(changes: place.missing.map { .directory(path: $0.string) }
                            + [.file(path: place.real.string, contents: contents, mode: 0o644, previous: nil,
                                     temporary: temporary, environment: environment)],
                          needed: true)
    }

    /// Both texts start with an ofdoctor header (`FileHeader.mark`) and are the same bytes
    /// after that first line.
    static func sameBelowHeader(_ a: String, _ b: String) -> Bool {
        let (x, y) = (ByteString.bytes(a), ByteString.bytes(b))
        let mark = Array(FileHeader.mark.utf8), newline = UInt8(ascii: "\n")
        guard x.starts(with: mark), y.starts(with: mark),
              let endX = x.firstIndex(of: newline), let endY = y.firstIndex(of: newline) else { return false }
        return x[endX...].elementsEqual(y[endY...])
    }

    /// Journals `change`, makes it, journals it done.
    private func make(_ change: JournalChange, _ session: ApplySession) throws(ApplyError) {
        let seq = try session.begin(change)
        do throws(ApplyError) {
            switch change {
            case .directory(let path):
                try session.makeDirectory(RootPath(path))
            case .link(let path, let target, let previous, let temporary):
                if previous != nil, let temporary {
                    try session.replaceLink(RootPath(path), target: target, temporary: RootPath(temporary))
                } else {
                    try session.createLink(RootPath(path), target: target)
                }
            case .file(let path, let contents, let mode, let previous, let temporary, _):
                if previous == nil {
                    try session.createFile(RootPath(path), contents: ByteString.bytes(contents), mode: mode, temporary: RootPath(temporary))
                } else {
                    try session.replaceFile(RootPath(path), contents: ByteString.bytes(contents), mode: mode, temporary: RootPath(temporary))
                }
            case .ldconfig:
                break
            }
        } catch {
            try? session.end(seq, phase: .failed, error: error.description)
            throw error
        }
        try session.checkpoint()
        try session.end(seq, phase: .done)
    }

    /// Saves what ldconfig may change, journals it, runs ldconfig, journals the result.
    private func runLdconfig(_ session: ApplySession) throws(ApplyError) -> (JournalChange, LdconfigResult, LdconfigEffect?) {
        let scanned: [RootPath]
        do { scanned = try scannedDirectories() } catch {
            throw .invalidAction("cannot list the directories ldconfig scans: \(error)")
        }
        let snapshot = try session.captureSnapshot(scanned: scanned)
        let change = JournalChange.ldconfig(snapshot: snapshot)
        let seq = try session.begin(change)
        let result = ldconfig.run(for: root)
        try session.checkpoint()
        if !result.succeeded { try session.removeLeftovers(of: snapshot) }
        let effect = try session.measureEffect(since: snapshot)
        try session.end(seq, phase: result.succeeded ? .done : .failed, ldconfig: result, effect: effect,
                        error: result.succeeded ? nil : "ldconfig exited with status \(result.status)")
        return (change, result, effect)
    }
}

extension LdconfigSnapshot {
    static let empty = LdconfigSnapshot(files: [], absentDirectories: [], links: LinkTable())
}

extension JournalChange {
    /// True unless the journal shows this change failed (a failed ldconfig did run).
    func isComplete(in journal: Journal) -> Bool {
        guard let entry = journal.entries.last(where: { $0.change == self }) else { return false }
        return entry.phase == .done || (entry.phase == .failed && entry.ldconfig != nil)
    }
}

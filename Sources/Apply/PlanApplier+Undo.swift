import ELFInspect
import RootFS

extension PlanApplier {
    /// Reverts every journaled change, newest first, then removes the journal and the
    /// directories made for it. With no journal it does nothing and says so. Killed
    /// part-way, it resumes where it stopped (each revert is journaled `undone`).
    public func undo() throws(ApplyError) -> UndoReport {
        let lock = try RootLock(root)
        defer { withExtendedLifetime(lock) {} }
        let session = try ApplySession(root: root, writer: writer, key: journalKey, hook: stepHook)
        guard try session.loadJournal() else { return UndoReport(reverted: [], leftAlone: [], nothingToUndo: true) }
        var report = UndoReport(reverted: [], leftAlone: [], nothingToUndo: false)
        for entry in session.journal.entries.reversed() where !entry.undone {
            let kept = try revert(entry, session)
            try session.checkpoint()
            try session.end(entry.seq, phase: .undone)
            // (a change someone else's since is not put back: it is not counted as reverted)
            if kept.isEmpty { report.reverted.append(entry.change) } else { report.kept.append(entry.change) }
            report.leftAlone += kept
        }
        report.leftAlone += try session.removeJournal()
        return report
    }

    /// Puts back what `change` changed, if it did; leaves alone (and says so) whatever
    /// someone else changed since. Running it twice is harmless.
    private func revert(_ entry: Journal.Entry, _ session: ApplySession) throws(ApplyError) -> [String] {
        switch entry.change {
        case .directory(let directory):
            let path = RootPath(directory)
            guard try session.entry(path)?.kind == .directory else { return [] }
            return try session.removeDirectory(path) ? [] : ["\(directory): not empty; left in place"]

        case .link(let link, let target, let previous, let temporary):
            let path = RootPath(link)
            if let temporary, try session.entry(RootPath(temporary))?.kind == .symlink {
                try session.unlink(RootPath(temporary))
            }
            guard let found = try session.entry(path) else {
                return previous == nil ? [] : ["\(link): gone since fix --apply; not recreated"]
            }
            let current = found.kind == .symlink ? try session.linkTarget(path) : nil
            if current?.hasSameBytes(as: target) == true {
                if let previous {
                    try session.replaceLink(path, target: previous, temporary: session.temporary(for: path), ours: true)
                } else {
                    try session.unlink(path)
                }
                return []
            }
            return current != nil && current.hasSameBytes(as: previous) ? [] : ["\(link): changed since fix --apply; left as it is"]

        case .file(let file, let contents, let mode, let previous, let temporary, _):
            let path = RootPath(file)
            if try session.entry(RootPath(temporary))?.kind == .file { try session.unlink(RootPath(temporary)) }
            guard let found = try session.entry(path) else {
                return previous == nil ? [] : ["\(file): gone since fix --apply; not recreated"]
            }
            let current = found.kind == .file ? ByteString.decode(try session.bytes(path)) : nil
            if current?.hasSameBytes(as: contents) == true {
                if let previous {
                    try session.replaceFile(path, contents: ByteString.bytes(previous), mode: mode,
                                            temporary: RootPath(temporary), ours: true)
                } else {
                    try session.unlink(path)
                }
                return []
            }
            return current != nil && current.hasSameBytes(as: previous) ? [] : ["\(file): changed since fix --apply; left as it is"]

        case .ldconfig(let snapshot):
            return try session.restore(snapshot, effect: entry.effect)
        }
    }
}

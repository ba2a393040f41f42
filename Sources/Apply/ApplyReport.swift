import Support

/// One change `apply` considered, and what became of it.
public struct AppliedStep: Equatable, Sendable {
    public enum Outcome: Equatable, Sendable {
        /// Done now (and journaled).
        case applied
        /// Already exactly as planned; nothing written.
        case alreadyPresent
    }

    public var change: JournalChange
    public var outcome: Outcome

    public init(change: JournalChange, outcome: Outcome) {
        self.change = change
        self.outcome = outcome
    }
}

/// What `PlanApplier.apply` did.
public struct ApplyReport: Equatable, Sendable {
    public var steps: [AppliedStep]
    /// The `ldconfig` run, when one was needed.
    public var ldconfig: LdconfigResult?
    /// The lines `/etc/profile.d/ofdoctor.sh` holds, when the plan sets the environment.
    public var environmentScript: String?
    /// What that `ldconfig` run changed in the directories it scans, measured after it.
    public var ldconfigEffect: LdconfigEffect? = nil

    /// True when the root was already as planned (a second `fix --apply`).
    public var changedNothing: Bool { steps.allSatisfy { $0.outcome == .alreadyPresent } }
}

/// What `PlanApplier.undo` did.
public struct UndoReport: Equatable, Sendable {
    /// Changes reverted, most recent first.
    public var reverted: [JournalChange]
    /// Paths left as they are because someone changed them after `fix --apply`, and why.
    public var leftAlone: [String]
    /// True when there was no journal: nothing to undo.
    public var nothingToUndo: Bool
    /// Changes not (wholly) put back because someone changed what they made since: the
    /// paths are in `leftAlone`.
    public var kept: [JournalChange] = []

    public var summary: String {
        if nothingToUndo { return "nothing to undo: no ofdoctor journal in this root" }
        let total = reverted.count + kept.count
        let counted = kept.isEmpty ? "\(total)" : "\(reverted.count) of \(total)"
        var lines = ["reverted \(counted) change\(total == 1 ? "" : "s")"]
        lines += leftAlone.map { "left alone: \($0)" }
        return lines.joined(separator: "\n")
    }
}

/// The step hook's answer at each point between two writes.
public enum StepDecision: Sendable {
    case proceed
    /// Return at once, with no cleanup and the lock released, as if the process were killed.
    case crash
}

extension LdconfigEffect {
    /// The soname links ldconfig removed (a dangling one: its target gone) and the ones it
    /// made or repointed, as `directory/name -> target` (the target before, for a removal):
    /// it writes in directories the plan never named, and a person should hear of it.
    public var linkLines: (removed: [String], made: [String]) {
        var removed: [String] = [], made: [String] = []
        for directory in links.directories {
            for link in directory.links {
                let path = directory.path + "/" + link.name
                switch (link.value.before, link.value.after) {
                case (let before?, nil): removed.append("\(path) -> \(before)")
                case (_, let after?): made.append("\(path) -> \(after)")
                case (nil, nil): break
                }
            }
        }
        return (removed, made)
    }
}

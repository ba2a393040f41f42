import Apply


extension CommandFailure {
    /// The exit code of a failed `fix --apply` or `undo`: a journal refused before any
    /// change (damaged, cut short, not sealed by this user's key, naming a path outside the
    /// root), a journal key that cannot be used, or a root that cannot be read is input
    /// ofdoctor cannot analyse (3); anything else is a plan or an action that
    /// could not be carried out (4), with what was done journaled.
    static func applying(_ error: ApplyError) -> CommandFailure {
        switch error {
        case .journalCorrupt, .journalElsewhere, .journalOutsideRoot, .journalKey, .root: return .analysis(error.description)
        default: return .apply(error.description)
        }
    }
}

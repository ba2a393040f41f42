import LoaderModel
import RootFS

extension PlanApplier {
    /// The applier of `fix --apply` and `undo`: the system's ldconfig, and, saved before it
    /// runs, the links in the directories the root's ld.so.conf makes it scan (read then).
    public static func standard(root: LocalRoot, journalKey: JournalKey,
                                stepHook: (@Sendable (Int) -> StepDecision)? = nil) -> PlanApplier {
        let view = RootView(root)
        return PlanApplier(root: root, ldconfig: SystemLdconfig(), scannedDirectories: {
            LdSoConf(root: view).directories.map { RootPath($0.path) }
        }, journalKey: journalKey, stepHook: stepHook)
    }
}

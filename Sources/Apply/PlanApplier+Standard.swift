import LoaderModel
import RootFS

extension PlanApplier {
    /// The applier of `fix --apply` and `undo`: the system's ldconfig, and, saved before it
    /// runs, the links in every directory it will scan (read then): ld.so.conf's, their
    /// `glibc-hwcaps/` subdirectories and the legacy hwcap subdirectories (`x86_64`, `tls`,
    /// …) ldconfig descends into, where it makes and removes links as anywhere else.
    public static func standard(root: LocalRoot, journalKey: JournalKey,
                                stepHook: (@Sendable (Int) -> StepDecision)? = nil) -> PlanApplier {
        let view = RootView(root)
        return PlanApplier(root: root, ldconfig: SystemLdconfig(), scannedDirectories: {
            LdconfigModel(root: view).scannedDirectories.map { RootPath($0.path) }
        }, journalKey: journalKey, stepHook: stepHook)
    }
}

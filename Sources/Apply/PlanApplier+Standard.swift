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
            // The ldconfig that runs is the host's (`ldconfig -r`): it scans as its own glibc
            // does, which may be newer than the root's (from 2.33 it also descends into
            // glibc-hwcaps/ and drops dangling links there). Save what either would scan.
            // (Each run models the whole of ldconfig, parsing every library: once for a
            // host and a root of the same glibc.)
            let own = GlibcVersion.read(root: view)?.version
            var versions = [own]   // nil: unreadable, the model's fallback
            if !root.directory.isEmpty, let host = GlibcVersion.host(), host != own { versions.append(host) }
            var seen = Set<String>()
            var directories: [RootPath] = []
            for glibc in versions {
                for directory in LdconfigModel(root: view, glibc: glibc).scannedDirectories where seen.insert(directory.path).inserted {
                    directories.append(RootPath(directory.path))
                }
            }
            return directories
        }, journalKey: journalKey, stepHook: stepHook)
    }
}

import ArgumentParser
import LinkerDoctor

struct Undo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo",
        abstract: "Revert the last applied plan from its journal, restoring the root exactly.",
        discussion: """
        Examples:
          ofdoctor undo
          ofdoctor undo --root /srv/image
        The program, --env and --env-from are accepted, as by every command, and do not matter: \
        undo reverts what the root's journal records. A second undo with nothing left to revert changes nothing.
        """)

    /// The common options, so a pasted `fix` line works with `undo` too; only the root
    /// matters: undo reverts the journal whatever the program and environment.
    @OptionGroup var target: TargetOptions

    func run() throws {
        try reportingFailures {
            let local = try target.localRoot()
            let view = RootView(local)
            let applier = PlanApplier(root: local, ldconfig: SystemLdconfig(), scannedDirectories: {
                LdSoConf(root: view).directories.map { RootPath($0.path) }
            }, stepHook: FaultInjection.hook())
            do {
                let report = try applier.undo()
                print(report.summary)
            } catch {
                throw CommandFailure.apply("\(error)")
            }
        }
    }
}

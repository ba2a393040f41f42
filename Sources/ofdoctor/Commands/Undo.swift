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
        A second undo with nothing left to revert changes nothing.
        Exit 0: everything reverted; 2: reverted, but changes made by others since fix --apply \
        (a link repointed, a package's new link, a cache rebuilt) were kept and are listed; \
        3: the journal was refused (damaged, cut short, or naming a path outside the root): \
        nothing changed, the journal is kept; 4: a revert failed (run undo again).
        """)

    @Option(name: .long, help: ArgumentHelp("The root filesystem the plan was applied to.", valueName: "DIR"))
    var root: String = "/"

    func run() throws {
        try reportingFailures {
            let local: LocalRoot
            do throws(RootError) { local = try LocalRoot(directory: root) } catch { throw CommandFailure.analysis(error.description) }
            let view = RootView(local)
            let applier = PlanApplier(root: local, ldconfig: SystemLdconfig(), scannedDirectories: {
                LdSoConf(root: view).directories.map { RootPath($0.path) }
            }, stepHook: FaultInjection.hook())
            let report: UndoReport
            do throws(ApplyError) { report = try applier.undo() } catch { throw CommandFailure.applying(error) }
            print(report.summary)
            if !report.leftAlone.isEmpty { throw ExitCode(2) }
        }
    }
}

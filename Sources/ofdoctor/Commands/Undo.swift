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
            do {
                let report = try applier.undo()
                print(report.summary)
            } catch {
                throw CommandFailure.apply("\(error)")
            }
        }
    }
}

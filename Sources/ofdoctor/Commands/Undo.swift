import Apply
import ArgumentParser
import Quoting

struct Undo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo",
        abstract: "Revert what fix --apply changed in the root, from its journal, restoring the root exactly.",
        discussion: """
        Examples:
          ofdoctor undo
          ofdoctor undo --root /srv/image

        The program, --env and --env-from are accepted, as by every command, and do not matter: \
        undo reverts what the root's journal records — every plan applied in the root since the last undo, \
        the latest change first, not only the last plan or one program's. \
        A second undo with nothing left to revert changes nothing.
        Exit 0: everything reverted; 2: reverted, but changes made by others since fix --apply \
        (a link repointed, a package's new link, a cache rebuilt) were kept and are listed; \
        3: the journal was refused (damaged, cut short, not sealed with this user's journal key, \
        naming a path outside the root, or written in another root: a copy of the root, or a journal \
        copied into it): nothing changed, the journal is kept; \
        4: a revert failed (run undo again).
        Journals are sealed with a key kept outside the root ($XDG_STATE_HOME/ofdoctor/journal-key, \
        else ~/.local/state/ofdoctor/journal-key), so undo as the user, and on the machine or in the \
        container, that ran fix --apply.
        """)

    /// The common options, so a pasted `fix` line works with `undo` too; only the root
    /// matters: undo reverts the journal whatever the program and environment.
    @OptionGroup var target: TargetOptions

    func validate() throws {
        // Nothing was applied to an image (fix --apply refuses one): a usage conflict.
        if target.image != nil {
            throw ValidationError("--image is read-only, so nothing was applied to undo: undo works on a root (/ or --root DIR)")
        }
    }

    func run() throws {
        try reportingFailures {
            let root = try target.localRoot()
            let report: UndoReport
            do throws(ApplyError) {
                let key = try JournalKey.load(environment: ProcessEnvironment.journalKeyVariables)
                report = try PlanApplier.standard(root: root, journalKey: key, stepHook: FaultInjection.hook()).undo()
            } catch { throw CommandFailure.applying(error) }
            // (each line escaped alone: the summary's own line breaks are not the root's bytes)
            print(report.summary.split(separator: "\n", omittingEmptySubsequences: false)
                    .map { TerminalEscape.visible(String($0)) }.joined(separator: "\n"))
            if !report.leftAlone.isEmpty { throw ExitStatus.needsPerson }
        }
    }
}

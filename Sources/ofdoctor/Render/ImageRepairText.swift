import Apply
import Doctor
import Quoting
import Support

/// What `fix --image IN --output OUT` wrote, for a person: the plan, the new layer, the
/// config's Env, the check of OUT as written, and how to load it. Text from the image is
/// made safe for a terminal.
struct ImageRepairText {
    let report: DoctorReport
    let outcome: ImageRepair.Outcome
    let input: String
    let program: ProgramLocation

    var lines: [String] {
        let staged = outcome.staged
        var lines: [String] = []
        let plan = report.plan ?? FixPlan()
        switch report.status {
        case .healthy:
            lines.append("\(program.path.string): nothing to fix; \(staged.output) is a copy of \(input).")
        case .unfixable where plan.isEmpty:
            lines.append("\(program.path.string): no automatic fix; \(staged.output) is a copy of \(input).")
        case .fixable, .unfixable:
            lines.append("Plan for \(program.path.string) (proven on a virtual copy of the image), written into \(staged.output):")
            for (n, planned) in plan.actions.enumerated() {
                lines.append("  \(n + 1). \(PlanText.describe(planned.action))   [fixes \(planned.fixes.map(\.rawValue).joined(separator: ", "))]")
            }
        }
        if let layer = staged.layerDigest {
            lines.append("New layer \(layer) (\(outcome.layerEntries.count) entries):")
            lines += outcome.layerEntries.map { entry in
                entry.hasSuffix("ld.so.cache") && outcome.cacheEntries != nil
                    ? "  \(entry) (\(outcome.cacheEntries ?? 0) entries, as the image's ldconfig writes it)" : "  \(entry)"
            }
            if !outcome.environment.isEmpty {
                let env = outcome.environment.map { change in change.value.map { "\(change.name)=\($0)" } ?? "\(change.name) unset" }
                lines.append("Config Env: \(env.joined(separator: ", ")) (docker run, docker exec and every process of the container see it)")
            }
        }
        if !report.blockers.isEmpty {
            lines.append("A person must still:")
            lines += report.blockers.map { "  • \($0.description)" }
        }
        let recheck = outcome.recheck
        let ld = recheck.environment.loaderVariables.map { "\($0.key)=\($0.value)" }.sorted()
        let verdict = recheck.status == .healthy ? "the loader will \(VerdictWords(recheck).infinitive) \(program.path.string)"
            : "only the person's findings are left: \(recheck.findings.filter(\.isProblem).map(\.id.rawValue).joined(separator: ", "))"
        lines.append("re-check of \(staged.output) as written (its config's Env: \(ld.isEmpty ? "no LD_ variables" : ld.joined(separator: " "))): \(verdict)")
        let added = staged.layerDigest == nil ? "" : " (\(staged.layerCount - 1) of \(input) unchanged + 1 by ofdoctor)"
        lines.append("wrote \(staged.output): \(staged.format.rawValue)\(staged.isGzip ? ", gzip'd" : ""), \(staged.layerCount) layers\(added); \(input) is unchanged.")
        var shown = lines.map(TerminalEscape.visible)
        if staged.format == .dockerArchive {
            // A command to paste: its quoting's backslashes stay single (`TerminalEscape.command`).
            shown.append("Load it: docker load -i " + TerminalEscape.command(ShellQuote.display(staged.output)))
        }
        return shown
    }
}

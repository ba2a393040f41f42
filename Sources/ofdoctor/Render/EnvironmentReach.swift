import Doctor
import Quoting
import Support
import TextLayout


/// Who sees an environment fix: no file in the root changes the environment of every
/// process, so a plan that needs one says plainly where it reaches and where it does not.
struct EnvironmentReach {
    let plan: FixPlan
    let next: Invocation

    func write(to page: inout TextPage) {
        let changes = plan.environment.sorted { $0.key < $1.key }
        let described = changes.map { name, value in value.map { "\(name)=\($0)" } ?? "\(name) unset" }.joined(separator: ", ")
        let label = "  " + "login shells:".padding(to: 15)
        // An image's environment is its config's Env: every process of its containers gets
        // it, docker exec and cron included; no shell or profile script is involved.
        if next.isImage {
            page.paragraph(TerminalEscape.visible("The plan changes the image's environment (\(described)): its config's Env, which every process of its containers gets, docker exec included; the repaired copy (fix --output) and the Dockerfile lines (fix --format dockerfile) both set it."))
            return
        }
        page.paragraph(TerminalEscape.visible("The plan changes the environment (\(described)); nothing in the root can do that for every process:"))
        // `eval "$(…)"`: a backslash-newline inside the double quotes is a line continuation too.
        var eval = next.words("env")
        eval[0] = "\"$(" + eval[0]
        eval[eval.count - 1] += ")\""
        page.command(["eval"] + eval, first: "  " + "this shell:".padding(to: 15))
        page.paragraph("/etc/profile.d/ofdoctor.sh in the root (a step of the plan)", first: label,
                       indent: String.blanks(label.count))
        page.paragraph("docker exec, cron, non-login shells: not reached. Where the image's ENV sets it, rebuild with the lines of",
                       first: "  ", indent: String.blanks(label.count))
        let indent = String.blanks(label.count)
        page.command(next.words("env", "--format", "dockerfile"), first: indent)
        let dockerExec = changes.flatMap { name, value in ["-e", ShellQuote.display("\(name)=\(value ?? "")")] }
        page.paragraph("or run", first: indent)
        page.command(["docker", "exec"] + dockerExec + ["CONTAINER", "…"], first: indent)
    }
}

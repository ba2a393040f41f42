import Doctor
import Quoting


/// Who sees an environment fix: no file in the root changes the environment of every
/// process, so a plan that needs one says plainly where it reaches and where it does not.
struct EnvironmentReach {
    let plan: FixPlan
    let next: Invocation

    var lines: [String] {
        let changes = plan.environment.sorted { $0.key < $1.key }
        let described = changes.map { name, value in value.map { "\(name)=\($0)" } ?? "\(name) unset" }.joined(separator: ", ")
        let dockerExec = changes.map { name, value in "-e \(ShellQuote.display("\(name)=\(value ?? "")"))" }.joined(separator: " ")
        return [
            "The plan changes the environment (\(described)); nothing in the root can do that for every process:",
            "  this shell:    eval \"$(\(next.command("env")))\"",
            "  login shells:  /etc/profile.d/ofdoctor.sh in the root (written by fix --apply)",
            "  docker exec, cron, non-login shells: not reached; where the image's ENV sets it, rebuild with the",
            "                 lines of `\(next.command("env", "--format", "dockerfile"))`, or run `docker exec \(dockerExec) CONTAINER …`",
        ].map(TerminalEscape.visible)
    }
}

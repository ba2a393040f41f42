import LinkerDoctor

/// `check` as text, like `brew doctor`: a verdict line, then each finding with its id,
/// what the loader will say, why, and the fix.
struct TextReport {
    let report: DoctorReport
    let root: String
    let system: TargetSystem
    let style: Style
    let next: Invocation
    /// `fix --apply` already wrote the environment fix to the root's profile script.
    var environmentOnlyLeft = false

    func render() -> String {
        var lines: [String] = []
        let errors = report.findings.filter(\.isProblem)
        let program = report.program.path.string
        // Model files and companions opened at run time do not stop the loader: say so.
        let later: Set<Rule> = [.modelFileMissing, .modelFileCorrupt, .runtimeCompanionMissing]
        let verb = errors.allSatisfy { later.contains($0.rule) } ? "starts but will fail" : "will not start"
        switch report.status {
        case .healthy:
            lines.append(style.green("✓ ") + style.bold("\(program): the loader will start it") +
                         (report.findings.isEmpty ? "" : " (\(report.findings.count) note\(report.findings.count == 1 ? "" : "s"))"))
        case .fixable where environmentOnlyLeft:
            lines.append(style.red("✗ ") + style.bold("\(program) \(verb) with this environment: the root is fixed, the environment is not"))
            lines += EnvironmentReach(plan: report.plan ?? FixPlan(), next: next).lines
        case .fixable:
            lines.append(style.red("✗ ") + style.bold("\(program) \(verb): \(count(errors.count, "problem")), all fixable") +
                         " — " + next.fixSteps)
        case .unfixable:
            let fixable = errors.filter(\.fixable).count
            lines.append(style.red("✗ ") + style.bold("\(program) \(verb): \(count(errors.count, "problem")), \(errors.count - fixable) need\(errors.count - fixable == 1 ? "s" : "") a person") +
                         (report.plan == nil ? "" : " — the plan fixes the other \(fixable): " + next.fixSteps))
        }
        lines.append(style.dim("  root \(root) · \(environmentText(report.environment)) · \(system.glibcSource) · \(report.diagnosis.graph.objects.count) objects"))
        for note in system.notes { lines.append(style.dim("  note: \(note)")) }
        for finding in report.findings {
            lines.append("")
            let mark: String
            switch finding.severity {
            case .error: mark = style.red("✗")
            case .warning: mark = style.yellow("!")
            case .info: mark = style.blue("i")
            }
            lines.append("\(mark) \(style.bold(finding.id))  \(finding.summary)")
            if let message = finding.loaderMessage { lines.append("    loader: \(style.dim(message))") }
            lines.append("    why:    \(finding.explanation)")
            let fixes = (report.plan?.actions ?? []).filter { $0.fixes.contains(finding.id) }
            if !fixes.isEmpty {
                lines.append("    fix:    " + fixes.map { PlanText.describe($0.action) }.joined(separator: "; "))
            } else if let remedy = finding.remedy {
                lines.append("    fix:    \(remedy)")
            }
            for candidate in finding.candidates {
                lines.append("    candidate: \(candidate.path) (\(candidate.kind.rawValue))\(candidate.note.map { ": \($0)" } ?? "")")
            }
        }
        if !report.blockers.isEmpty {
            lines.append("")
            lines.append(style.bold("A person must:"))
            for blocker in report.blockers { lines.append("  • \(blocker)") }
        }
        return lines.joined(separator: "\n")
    }

    func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    func environmentText(_ environment: LoaderEnvironment) -> String {
        let vars = environment.variables.filter { $0.key.hasPrefix("LD_") }.sorted { $0.key < $1.key }
        return vars.isEmpty ? "no LD_ variables" : vars.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}

/// Plans as text, shell, and Dockerfile lines.
enum PlanText {
    static func describe(_ action: FixAction) -> String {
        switch action {
        case .symlink(let path, let target): return "ln -s \(target) \(path.string)"
        case .ldconfig: return "ldconfig"
        case .env(let name, let value?): return "\(name)=\(value)"
        case .env(let name, nil): return "unset \(name)"
        case .conf(let path, let dirs): return "write \(path.string) (\(dirs.joined(separator: ", ")))"
        }
    }

    static func quote(_ text: String) -> String {
        // Byte by byte: matching `'` as a Character misses one followed by a combining
        // mark (`'` + U+0301 is one grapheme), which would leave the quote open.
        var bytes: [UInt8] = [UInt8(ascii: "'")]
        for byte in text.utf8 {
            if byte == UInt8(ascii: "'") {
                bytes += Array("'\\''".utf8)
            } else {
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "'"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// An idempotent POSIX sh script; with another root, paths are under `$ROOT`.
    static func shell(_ plan: FixPlan, root: String, hostRoot: Bool) -> String {
        var lines = ["#!/bin/sh", "# ofdoctor fix plan: safe to run twice.", "set -eu"]
        let prefix = hostRoot ? "" : "$ROOT"
        if !hostRoot { lines.append("ROOT=${ROOT:-\(quote(root))}") }
        for planned in plan.actions {
            lines.append("# fixes \(planned.fixes.joined(separator: ", "))")
            switch planned.action {
            case .symlink(let path, let target):
                let link = prefix + path.string
                lines.append("[ -L \"\(link)\" ] || ln -s \(quote(target)) \"\(link)\"")
            case .ldconfig:
                lines.append(hostRoot ? "ldconfig" : "ldconfig -r \"$ROOT\"")
            case .env(let name, let value):
                let file = prefix + "/etc/profile.d/ofdoctor.sh"
                lines.append("mkdir -p \"\(prefix)/etc/profile.d\"")
                let line = value.map { "export \(name)=\(quote($0))" } ?? "unset \(name)"
                lines.append("grep -qxF \(quote(line)) \"\(file)\" 2>/dev/null || echo \(quote(line)) >> \"\(file)\"")
            case .conf(let path, let dirs):
                let file = prefix + path.string
                lines.append("[ -e \"\(file)\" ] || printf '%s\\n' \(dirs.map(quote).joined(separator: " ")) > \"\(file)\"")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `RUN` and `ENV` lines for the image's Dockerfile.
    static func dockerfile(_ plan: FixPlan) -> String {
        var run: [String] = []
        var env: [String] = []
        for planned in plan.actions {
            switch planned.action {
            case .symlink(let path, let target): run.append("{ [ -L \(path.string) ] || ln -s \(target) \(path.string); }")
            case .ldconfig: run.append("ldconfig")
            case .conf(let path, let dirs): run.append("printf '%s\\n' \(dirs.map(quote).joined(separator: " ")) > \(path.string)")
            case .env(let name, let value): env.append("ENV \(name)=\(value.map(dockerQuote) ?? "")")
            }
        }
        var lines = ["# ofdoctor fix plan"]
        if !run.isEmpty { lines.append("RUN " + run.joined(separator: " \\\n && ")) }
        lines += env
        return lines.joined(separator: "\n")
    }

    /// A Dockerfile `ENV` value: bare when plain, else double-quoted with `\`, `"` and `$`
    /// escaped (Docker substitutes `$VAR` in `ENV`, and a bare space splits the value).
    static func dockerQuote(_ text: String) -> String {
        let special: Set<UInt8> = [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\""), UInt8(ascii: "\\"),
                                   UInt8(ascii: "$"), UInt8(ascii: "'")]
        guard text.utf8.contains(where: special.contains) else { return text }
        var out = "\""
        for scalar in text.unicodeScalars {
            if scalar == "\"" || scalar == "\\" || scalar == "$" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(scalar)
        }
        return out + "\""
    }
}

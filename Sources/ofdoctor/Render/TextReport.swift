import Doctor
import LoaderModel
import Quoting
import Support
import TextLayout


/// `check` as text, like `brew doctor`: a verdict line, then each finding with its id,
/// what the loader will say, why, what it breaks and the fix, wrapped to the output's
/// width. Every text from the root or the caller shows its control bytes escaped
/// (`TerminalEscape`): a file name can hold ESC.
struct TextReport {
    let report: DoctorReport
    let root: String
    let system: TargetSystem
    let next: Invocation
    /// `fix --apply` already wrote the environment fix to the root's profile script.
    var environmentOnlyLeft = false

    func render(on page: TextPage) -> String {
        var page = page
        let style = page.style
        let errors = report.findings.filter(\.isProblem)
        let program = v(report.program.path.string)
        // Model files and companions opened at run time, and functions bound at their first
        // call, do not stop the loader: say so. An array, not a `Set`: a set of `Rule` made
        // the runtime scan every conformance record of the binary for `Hashable`.
        let later: [Rule] = [.modelFileMissing, .modelFileCorrupt, .runtimeCompanionMissing, .stubLibraryLoaded, .libraryCutShort]
        // (what the program does now: not what a fix uncovers, "once the other fixes are made")
        let present = errors.filter { finding in report.diagnosis.findings.contains { $0.key == finding.key } }
        let startsFirst = present.allSatisfy { later.contains($0.rule) || $0.failsAtFirstCall || $0.programStartsFirst }
        let words = VerdictWords(report)
        let verb = words.failing(startsFirst: startsFirst, uncertain: present.contains(where: \.startIsUncertain))
        var steps = false
        switch report.status {
        case .healthy:
            page.paragraph(style.bold("\(program): \(words.healthy)") +
                           (report.findings.isEmpty ? "" : " (\(count(report.findings.count, "note")))"),
                           first: style.green("✓ "), indent: "  ")
        case .fixable where environmentOnlyLeft:
            page.paragraph(style.bold("\(program) \(verb) with this environment: the root is fixed, the environment is not"),
                           first: style.red("✗ "), indent: "  ")
        case .fixable:
            page.paragraph(style.bold("\(program) \(verb): \(count(errors.count, "problem")), all fixable"),
                           first: style.red("✗ "), indent: "  ")
            steps = true
        case .unfixable:
            let fixable = errors.filter(\.fixable).count
            let person = errors.count - fixable
            page.paragraph(style.bold("\(program) \(verb): \(count(errors.count, "problem")), \(person) need\(person == 1 ? "s" : "") a person") +
                           (report.plan == nil ? "" : "; the plan fixes the other \(fixable)"),
                           first: style.red("✗ "), indent: "  ")
            steps = report.plan != nil
        }
        page.paragraph(style.dim("root \(v(root)) · \(environmentText(report.environment))\(preloadFileText(report.diagnosis.graph))\(secureText(report.diagnosis.graph))\(userText(report)) · \(v(system.glibcSource)) · \(count(report.diagnosis.graph.objects.count, "object"))"),
                       first: "  ", indent: "    ")
        for note in system.notes + report.notes { page.paragraph(style.dim("note: \(v(note))"), first: "  ", indent: "        ") }
        if let search = report.candidateSearch {
            var read = "candidate search read \(search.summary)"
            if !search.unreadable.isEmpty {
                // (a copy may be there: a user other than root should know where it did not look)
                read += "; it could not read " + page.list(search.unreadable.map { "\(v($0.path)) (\(Errno.name($0.errno)))" },
                                                        limit: 2, noun: "directory", plural: "directories")
                if let reader = report.environment.reader, reader.uid != 0, search.unreadable.contains(where: \.isDenied) {
                    read += " (ofdoctor runs as \(reader): as root it would search them too)"
                }
            }
            page.paragraph(style.dim(read), first: "  ", indent: "    ")
        }
        if steps {
            for step in next.fixSteps { page.command(step.words, first: "  " + step.label.padding(to: 14)) }
        }
        if report.status == .fixable && environmentOnlyLeft {
            EnvironmentReach(plan: report.plan ?? FixPlan(), next: next).write(to: &page)
        }
        let ambiguous = FindingLabels(report.findings)
        for finding in report.findings {
            page.blank()
            let mark: String
            switch finding.severity {
            case .error: mark = style.red("✗")
            case .warning: mark = style.yellow("!")
            case .info: mark = style.blue("i")
            }
            page.paragraph(v(finding.summary), first: "\(mark) \(style.bold(v(finding.id.rawValue)))  ",
                           indent: String.blanks(TextPage.margin.count))
            if let message = finding.loaderMessage { page.labelled("loader:", style.dim(v(message))) }
            page.labelled("why:", v(finding.explanation))
            writeLists(finding, on: &page)
            let fixes = report.actions(clearing: finding)
            if !fixes.isEmpty {
                // An image's steps are commands inside it, not for this machine: labelled so.
                let fixLabel = next.isImage ? "in image:" : "fix:"
                for (n, fix) in fixes.enumerated() {
                    let label = TextPage.margin + (n == 0 ? fixLabel : "").padding(to: TextPage.labelWidth)
                    page.command(next.actionWords(fix.action), first: label, indent: String.blanks(label.count + 2))
                }
                // What the same change also clears (an environment change met by several
                // findings); ldconfig, which every link needs, is left out of it.
                let others = Set(fixes.filter { $0.action != .ldconfig }.flatMap { ambiguous.labels(clearedBy: $0, in: report.findings) })
                    .subtracting([ambiguous.label(finding)]).sorted()
                if !others.isEmpty { page.labelled("", "(also clears \(others.joined(separator: ", ")))") }
            } else if let remedy = finding.remedy {
                page.labelled("fix:", v(remedy))
            }
            for candidate in finding.candidates {
                page.labelled("candidate:", "\(v(candidate.path)) (\(candidate.kind.rawValue))\(candidate.note.map { ": \(v($0))" } ?? "")")
            }
        }
        if !report.blockers.isEmpty {
            page.blank()
            page.paragraph(style.bold("A person must:"))
            for blocker in report.blockers { page.paragraph(v(blocker.description), first: "  • ", indent: "    ") }
        }
        return page.text
    }

    /// What the finding breaks and where the loader looked: lists a person reads at a glance
    /// (shortened unless `--verbose`; JSON has them whole).
    func writeLists(_ finding: Finding, on page: inout TextPage) {
        if !finding.searched.isEmpty {
            var groups = finding.searched.map { "\($0.via): " + page.list($0.directories.map(v), limit: 3, noun: "directory", plural: "directories") }
            // (a preload in secure-execution mode is looked for without the cache)
            let securePreload = finding.rule == .preloadIgnored && report.diagnosis.graph.secureExecution != nil
            // The cache without an entry for it, where the loader asks it: before the default path.
            // (One with an entry that failed is a group of its own already.)
            let cache = SearchSource.cache.label
            // (nor one the program's user may not read)
            // (and for a library looked for: LD008's are the directories others may change)
            if system.cache != nil && !securePreload && report.diagnosis.graph.cacheDenial == nil
                && finding.rule != .unsafeSearchPath && !finding.searched.contains(where: { $0.via == cache }) {
                let at = finding.searched.firstIndex { $0.via == SearchSource.defaultDirectories.label } ?? groups.count
                groups.insert(cache, at: at)
            }
            page.labelled("searched:", groups.joined(separator: "; "))
        }
        let verbose = page.verbose
        func name(_ path: String) -> String { verbose ? v(path) : v(FindingLabels.fileName(path)) }
        if !finding.versions.isEmpty {
            var byRequester: [(String, [String])] = []
            for reference in finding.versions {
                if let i = byRequester.firstIndex(where: { $0.0 == reference.requester }) {
                    byRequester[i].1.append(reference.name)
                } else {
                    byRequester.append((reference.requester, [reference.name]))
                }
            }
            let rows = byRequester.map { "\(name($0.0)) needs \(page.list($0.1.map(v), limit: 3, noun: "version"))" }
            let shown = page.verbose || rows.count <= 4 ? rows : Array(rows.prefix(3)) + ["and \(rows.count - 3) more objects"]
            if shown.count < rows.count { page.noteShortened() }
            page.labelled("versions:", shown.joined(separator: "\n"))
        } else if finding.neededBy.count > 2 && finding.symbols.isEmpty {
            page.labelled("needed by:", page.list(finding.neededBy.map(v), limit: 3, noun: "object"))
        }
        if !finding.symbols.isEmpty {
            var names: [String] = []
            for reference in finding.symbols where !names.contains(reference.qualifiedName) { names.append(reference.qualifiedName) }
            let requesters = Set(finding.symbols.map(\.requester))
            let whose = finding.versions.isEmpty && requesters.count > 1 ? " (in \(count(requesters.count, "object")))" : ""
            // A library the loader cannot find: its references wait for it (ldd -r, going on, lists them).
            let verb: String
            if finding.rule == .libraryNotFound || finding.rule == .staleCache {
                verb = (finding.symbols.count == 1 ? "waits" : "wait") + (finding.coveredLibraries.count > 1 ? " for them" : " for it")
            } else {
                verb = "cannot bind"
            }
            page.labelled("symbols:", "\(count(finding.symbols.count, "reference")) \(verb)\(whose): "
                          + page.list(names.map(v), limit: 4, noun: "symbol"))
        }
    }

    /// Text from the root or the caller, made safe for a terminal.
    func v(_ text: String) -> String { TerminalEscape.visible(text) }

    func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// ` · 2 names in /etc/ld.so.preload` when the root's file preloads anything (a source of
    /// objects no variable shows).
    func preloadFileText(_ graph: LoadGraph) -> String {
        let loaded = graph.objects.filter { if case .preload(_, .file) = $0.foundVia { return true } else { return false } }.count
        let names = loaded + graph.failedPreloads.filter { $0.preloadList == .file }.count
        return names == 0 ? "" : " · \(count(names, "name")) in \(PreloadFile.path.string)"
    }

    /// ` · secure-execution mode (set-group-ID …)` for a program the kernel starts so: the
    /// loader then ignores the environment's library paths, whatever else the check finds.
    /// A set-ID program that no_new_privs keeps out of that mode says so.
    func secureText(_ graph: LoadGraph) -> String {
        if let waived = graph.secureExecutionWaived { return " · no secure-execution mode (\(waived.waiverSummary))" }
        return graph.secureExecution.map { " · secure-execution mode (\($0.summary))" } ?? ""
    }

    /// ` · as uid 1000 (gid 1000)` for a user other than root, whose permissions the check
    /// applied (secure-execution mode's text names the user already).
    func userText(_ report: DoctorReport) -> String {
        let identity = report.environment.identity
        return identity.uid == 0 || report.diagnosis.graph.secureExecution != nil ? "" : " · as \(identity)"
    }

    func environmentText(_ environment: LoaderEnvironment) -> String {
        let vars = environment.loaderVariables.sorted { $0.key < $1.key }
        return vars.isEmpty ? "no LD_ variables" : vars.map { v("\($0.key)=\($0.value)") }.joined(separator: " ")
    }
}

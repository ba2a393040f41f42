import LoaderModel
import RootFS
import Support

extension FindingCatalog {
    // MARK: - audit-interface

    /// `audit-interface`: each audit interface the loader is asked to load (`AuditInterface`).
    /// One it will load may change what the check found, which is said as a warning; one it
    /// cannot open (a path the root lacks) or drops (a path, in secure-execution mode) changes
    /// nothing, which is said as a note with the loader's line.
    static func auditFindings(_ graph: LoadGraph, system: TargetSystem) -> [Finding] {
        guard !graph.interpreterMissing else { return [] }
        return AuditInterface.requested(by: graph).map { audit in
            let name = audit.name
            let source = audit.source.label
            let loadedFirst = "The loader loads the audit interfaces (rtld-audit(7)) \(source) names before the program's libraries, each in a namespace of its own"
            if audit.ignoredInSecureMode {
                return Finding(
                    id: .auditInterface, rule: .auditInterface, severity: .info,
                    summary: "\(source) names the audit interface \(name), which secure-execution mode ignores",
                    explanation: "\(loadedFirst); in secure-execution mode it drops a name with a slash without a word, so \(name) is not loaded and changes nothing.",
                    library: name, neededBy: [graph.executable.path],
                    remedy: "Nothing to do for the program. To audit it, install the interface set-user-ID in a system directory and name it without a slash.")
            }
            if audit.isPath, !name.utf8.contains(UInt8(ascii: "$")), isAbsent(name, graph: graph, system: system) {
                return Finding(
                    id: .auditInterface, rule: .auditInterface, severity: .info,
                    summary: "\(source) names the audit interface \(name), which is not in the root: the loader says so and goes on",
                    explanation: "\(loadedFirst). \(name) is not there, so it prints its error line and starts the program without it.",
                    loaderMessage: audit.cannotOpenMessage,
                    library: name, neededBy: [graph.executable.path],
                    remedy: audit.source == .environment ? "Take \(name) out of LD_AUDIT, or install it."
                                                         : "Install \(name), or relink the program without it (ld's --audit and --depaudit add these).")
            }
            return Finding(
                id: .auditInterface, rule: .auditInterface, severity: .warning,
                summary: "\(source) loads the audit interface \(name), which can change what loads",
                explanation: "\(loadedFirst). An auditor can change which file each library name loads (la_objsearch), refuse one, and change what a function binds to; ofdoctor does not run it, so the check judges the program as if it changed nothing.",
                library: name, neededBy: [graph.executable.path],
                remedy: "Run the program to see what it does with the auditor (`ofdoctor verify` runs it with the same options)"
                    + (audit.source == .environment ? "; for the check without it, add --env LD_AUDIT= to the same command." : "."))
        }
    }

    /// Whether `name` (a path, relative ones from the working directory) leads to no file of
    /// the root: the loader's open fails. A loop or an unreadable directory is not called
    /// absent (whatever the loader meets there, ofdoctor does not claim its words).
    private static func isAbsent(_ name: String, graph: LoadGraph, system: TargetSystem) -> Bool {
        let path = name.startsWithSlash ? name : graph.environment.workingDirectory + "/" + name
        do { return try system.root.resolve(RootPath(path)) == nil } catch { return false }
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Apply
import Doctor
import LoaderModel
import Support

/// The JSON documents (schema 1), described field by field in docs/json.md. Field names
/// are the design's contract; fields may be added, never renamed; every field is always
/// present, `null` when it has no value.
enum JSONReport {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return String(decoding: compactingEmptyContainers(Array(data)), as: UTF8.self)
    }

    /// Foundation's pretty printer writes an empty object or array as a bracket, a blank
    /// line and the closing bracket on a line of its own; they are written `{}` and `[]`.
    /// Outside strings only: a string keeps its bytes.
    static func compactingEmptyContainers(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var inString = false
        var escaped = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            out.append(byte)
            index += 1
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            if byte == UInt8(ascii: "\"") { inString = true; continue }
            guard byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") else { continue }
            var next = index
            while next < bytes.count, bytes[next] == UInt8(ascii: " ") || bytes[next] == UInt8(ascii: "\n") { next += 1 }
            let closer = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            if next < bytes.count, bytes[next] == closer {
                out.append(closer)
                index = next + 1
            }
        }
        return out
    }

    struct Object: Encodable {
        var path: String
        var realPath: String
        @NullWhenAbsent var soname: String?
        var foundVia: String
        @NullWhenAbsent var directory: String?
        var neededBy: [String]
        /// The objects that name it in `DT_FILTER` or `DT_AUXILIARY`.
        var filterOf: [String]
        var names: [String]
        /// The ids of the findings about this object (empty when none).
        var findings: [String]

        init(_ object: LoadedObject, in graph: LoadGraph, findings: [String]) {
            path = object.path
            realPath = object.realPath
            soname = object.soname
            foundVia = object.foundVia.label
            if case .search(_, let dir) = object.foundVia { directory = dir }
            neededBy = object.neededBy.map { graph.objects[$0].path }
            filterOf = object.filterOf.map { graph.objects[$0].path }
            names = object.names
            self.findings = findings
        }
    }

    /// The objects, each with the ids of the findings placed on it (the program's own too).
    static func objects(_ graph: LoadGraph, findings: [Finding]) -> [Object] {
        let byPlace = FindingPlacement.map(findings, in: graph)
        func ids(_ index: Int) -> [String] {
            var seen = Set<String>()
            let here = (byPlace[.object(index)] ?? []) + (index == 0 ? byPlace[.program] ?? [] : [])
            return here.map(\.id.rawValue).filter { seen.insert($0).inserted }
        }
        return graph.objects.map { Object($0, in: graph, findings: ids($0.index)) }
    }

    struct Loader: Encodable {
        var glibc: String
        var rules: String
        var defaultDirectories: [String]
        var glibcHWCaps: [String]
        var legacyHWCapSubdirectories: [String]
        var cache: String
        /// What could not be read about the machine and what was assumed instead, then what
        /// the plan could not do as usual (ldconfig refused on the root's configuration).
        var notes: [String]

        /// - Parameter graph: the resolution, whose hwcap subdirectories are the ones searched
        ///   (`GLIBC_TUNABLES` and `LD_HWCAP_MASK` may take some of the CPU's away).
        ///   `planNotes`: what the plan could not do as usual, after the machine's notes.
        init(_ system: TargetSystem, graph: LoadGraph, planNotes: [String] = []) {
            glibc = system.platform.glibc.description
            rules = system.glibcSource
            defaultDirectories = system.platform.defaultDirectories
            glibcHWCaps = graph.platform.glibcHWCaps
            legacyHWCapSubdirectories = graph.platform.legacySubdirectories
            cache = system.cacheProblem ?? (system.cache == nil ? "absent" : "read")
            notes = system.notes + planNotes
        }
    }

    struct FindingJSON: Encodable {
        var id: String
        var rule: String
        var severity: String
        @NullWhenAbsent var library: String?
        @NullWhenAbsent var symbol: String?
        @NullWhenAbsent var version: String?
        var neededBy: [String]
        @NullWhenAbsent var resolvedTo: String?
        var summary: String
        var explanation: String
        @NullWhenAbsent var loaderMessage: String?
        var failsAtFirstCall: Bool
        var candidates: [CandidateJSON]
        var fixable: Bool
        @NullWhenAbsent var remedy: String?
        var symbols: [SymbolJSON]
        var versions: [VersionJSON]
        var searched: [SearchedJSON]

        init(_ finding: Finding) {
            id = finding.id.rawValue
            rule = finding.rule.rawValue
            severity = finding.severity.rawValue
            library = finding.library
            symbol = finding.symbol
            version = finding.version
            neededBy = finding.neededBy
            resolvedTo = finding.resolvedTo
            summary = finding.summary
            explanation = finding.explanation
            loaderMessage = finding.loaderMessage
            failsAtFirstCall = finding.failsAtFirstCall
            candidates = finding.candidates.map(CandidateJSON.init)
            fixable = finding.fixable
            remedy = finding.remedy
            symbols = finding.symbols.map(SymbolJSON.init)
            versions = finding.versions.map { VersionJSON(name: $0.name, requester: $0.requester) }
            searched = finding.searched.map { SearchedJSON(via: $0.via, directories: $0.directories) }
        }
    }

    /// `{"name", "version", "requester"}`: `version` is null for an unversioned reference
    /// (encoded, not left out: `ldd -r`'s lines compare field by field).
    struct SymbolJSON: Encodable {
        var name: String
        var version: String?
        var requester: String

        init(_ reference: SymbolReference) {
            name = reference.name
            version = reference.version
            requester = reference.requester
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(version, forKey: .version)
            try container.encode(requester, forKey: .requester)
        }

        enum CodingKeys: String, CodingKey { case name, version, requester }
    }

    struct VersionJSON: Encodable {
        var name: String
        var requester: String
    }

    struct SearchedJSON: Encodable {
        var via: String
        var directories: [String]
    }

    struct CandidateJSON: Encodable {
        var path: String
        @NullWhenAbsent var soname: String?
        var kind: String
        var usable: Bool
        @NullWhenAbsent var note: String?
        init(_ candidate: Candidate) {
            path = candidate.path
            soname = candidate.soname
            kind = candidate.kind.rawValue
            usable = candidate.usable
            note = candidate.note
        }
    }

    /// One plan step; the fields another kind has are `null` (`unset` is `false`).
    struct ActionJSON: Encodable {
        var kind: String
        @NullWhenAbsent var path: String?
        @NullWhenAbsent var target: String?
        @NullWhenAbsent var name: String?
        @NullWhenAbsent var value: String?
        var unset = false
        @NullWhenAbsent var directories: [String]?
        var fixes: [String]

        init(_ planned: PlannedAction) {
            kind = planned.action.kind
            fixes = planned.fixes.map(\.rawValue)
            switch planned.action {
            case .symlink(let p, let t):
                path = p.string
                target = t
            case .ldconfig:
                break
            case .env(let n, let v):
                name = n
                value = v
                unset = v == nil
            case .conf(let p, let dirs):
                path = p.string
                directories = dirs
            }
        }
    }

    /// `tree --format json`: the objects in load order, each with the ids of its findings,
    /// and the same findings and status as `check`.
    struct TreeDocument: Encodable {
        var schema = 1
        var binary: String
        var root: String
        var environment: [String: String]
        var status: String
        var loader: Loader
        /// Why the kernel starts the program in secure-execution mode; null when it does not.
        @NullWhenAbsent var secureExecution: String?
        /// Why a set-ID program is not started in that mode: the starting process's no_new_privs.
        @NullWhenAbsent var secureExecutionWaived: String?
        var user: UserJSON
        var objects: [Object]
        var findings: [FindingJSON]

        init(_ report: DoctorReport, root: String, system: TargetSystem) {
            let graph = report.diagnosis.graph
            binary = graph.executable.path
            self.root = root
            environment = graph.environment.loaderVariables
            status = report.status.rawValue
            loader = Loader(system, graph: graph, planNotes: report.notes)
            secureExecution = graph.secureExecution?.summary
            secureExecutionWaived = graph.secureExecutionWaived?.waiverSummary
            user = UserJSON(report.environment.identity)
            objects = JSONReport.objects(graph, findings: report.findings)
            findings = report.findings.map(FindingJSON.init)
        }
    }
}

extension JSONReport {
    struct CheckDocument: Encodable {
        var schema = 1
        var binary: String
        var root: String
        var environment: [String: String]
        var status: String
        var loader: Loader
        /// Why the kernel starts the program in secure-execution mode; null when it does not.
        @NullWhenAbsent var secureExecution: String?
        /// Why a set-ID program is not started in that mode: the starting process's no_new_privs.
        @NullWhenAbsent var secureExecutionWaived: String?
        var user: UserJSON
        var findings: [FindingJSON]
        var plan: [ActionJSON]
        /// What the plan leaves to a person: `{"finding", "summary", "remedy"}` each.
        var personSteps: [PersonStep]
        /// The LD_ variables the program is to run with once the plan is made: today's
        /// when the plan changes none (or there is no plan).
        var correctedEnvironment: [String: String]
        /// `fix --apply` already wrote the plan's environment change to the root's profile
        /// script: only the caller's environment is left to change.
        var onlyEnvironmentLeft: Bool
        var objects: [Object]
        /// How much of the root the search for missing libraries read (absent when none was missing).
        @NullWhenAbsent var candidateSearch: CandidateSearchJSON?

        struct CandidateSearchJSON: Encodable {
            struct StageJSON: Encodable {
                var stage: String
                var directories: Int
            }
            struct UnreadableJSON: Encodable {
                var path: String
                var error: String
            }
            var directories: Int
            var stages: [StageJSON]
            var unreadable: [UnreadableJSON]
        }

        struct PersonStep: Encodable {
            var finding: String
            var summary: String
            @NullWhenAbsent var remedy: String?
        }

        init(_ report: DoctorReport, root: String, system: TargetSystem) {
            onlyEnvironmentLeft = report.isOnlyEnvironmentLeft(profile: ProfileScript.settings(in: system.root))
            binary = report.program.path.string
            self.root = root
            environment = report.environment.loaderVariables
            status = report.status.rawValue
            loader = Loader(system, graph: report.diagnosis.graph, planNotes: report.notes)
            secureExecution = report.diagnosis.graph.secureExecution?.summary
            secureExecutionWaived = report.diagnosis.graph.secureExecutionWaived?.waiverSummary
            user = UserJSON(report.environment.identity)
            findings = report.findings.map(FindingJSON.init)
            plan = (report.plan?.actions ?? []).map(ActionJSON.init)
            personSteps = report.blockers.map { PersonStep(finding: $0.findingID.rawValue, summary: $0.summary, remedy: $0.remedy) }
            correctedEnvironment = (report.correctedEnvironment ?? report.environment).loaderVariables
            objects = JSONReport.objects(report.diagnosis.graph, findings: report.findings)
            candidateSearch = report.candidateSearch.map { record in
                CandidateSearchJSON(directories: record.directories,
                                    stages: record.stages.map { .init(stage: $0.stage.rawValue, directories: $0.directories) },
                                    unreadable: record.unreadable.map { .init(path: $0.path, error: Errno.describe($0.errno)) })
            }
        }
    }
}

extension JSONReport {
    /// Who starts the program, as the check judged it: its permissions, and whether a set-ID
    /// program changes who runs it, follow from these numbers.
    struct UserJSON: Encodable {
        var uid: UInt32
        var gid: UInt32
        var groups: [UInt32]

        init(_ identity: ProcessIdentity) {
            uid = identity.uid
            gid = identity.gid
            groups = identity.groups
        }
    }
}

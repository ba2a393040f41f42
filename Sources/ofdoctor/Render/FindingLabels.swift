import Doctor
import Quoting

/// How a plan step names the findings it clears: by id, with the library added where
/// several findings share the id (`LD002 (libfoo.so.1)`), so every finding is named.
struct FindingLabels {
    /// Ids by their text: a set of `FindingID`, used nowhere else, cost a quarter of a million
    /// instructions at run time to set up (the runtime looks its `Hashable` conformance up).
    private let shared: Set<String>

    init(_ findings: [Finding]) {
        var seen = Set<String>(), shared = Set<String>()
        for finding in findings where !seen.insert(finding.id.rawValue).inserted { shared.insert(finding.id.rawValue) }
        self.shared = shared
    }

    func label(_ finding: Finding) -> String {
        guard shared.contains(finding.id.rawValue) else { return finding.id.rawValue }
        return finding.id.rawValue + " (" + TerminalEscape.visible(Self.fileName(finding.library ?? finding.resolvedTo ?? finding.summary)) + ")"
    }

    /// Every finding `action` clears, labelled; its ids alone for an action that records none.
    func labels(clearedBy action: PlannedAction, in findings: [Finding]) -> [String] {
        let cleared = findings.filter { action.clears($0) }
        var labels: [String] = []
        for label in cleared.map(label) where !labels.contains(label) { labels.append(label) }
        for id in action.fixes where !cleared.contains(where: { $0.id == id }) && !labels.contains(id.rawValue) {
            labels.append(id.rawValue)
        }
        return labels
    }

    static func fileName(_ path: String) -> String {
        path.slashSeparated().last ?? path
    }
}

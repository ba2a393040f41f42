import Doctor
import LoaderModel
import Quoting
import Support


/// The load graph for Graphviz: one node per object, labelled with the name the loader
/// looked for (not the file's own soname: conda's `libffi.so.7` is a link to a file whose
/// soname is `libffi.so.8`) and the rule that found it. A node a finding is about carries
/// its id and the finding's colour: red for an error, orange for a warning.
struct TreeDot {
    let graph: LoadGraph
    var findings: [Finding] = []

    func render() -> String {
        let byPlace = FindingPlacement.map(findings, in: graph)
        var lines = ["digraph ofdoctor {", "  rankdir=LR;", "  node [shape=box, fontname=\"monospace\"];"]
        for object in graph.objects {
            let name = object.index == 0 ? object.path : object.names.first ?? object.soname ?? object.path
            var label = escape(name) + "\\n" + escape(TreeText.rule(object))
            if let soname = object.soname, object.index != 0, soname != name { label += "\\n(soname " + escape(soname) + ")" }
            let place: FindingPlacement = object.index == 0 ? .program : .object(object.index)
            let here = (byPlace[place] ?? []) + (object.index == 0 ? byPlace[.object(0)] ?? [] : [])
            lines.append("  n\(object.index) [label=\"\(label)\(ids(here))\", tooltip=\"\(escape(object.path))\"\(colour(here))];")
        }
        for (m, miss) in graph.missing.enumerated() {
            let here = byPlace[.missing(miss.name)] ?? []
            lines.append("  m\(m) [label=\"\(escape(miss.name))\\nnot found\(ids(here))\", color=red, fontcolor=red];")
        }
        for (p, miss) in graph.failedPreloads.enumerated() {
            let here = byPlace[.preload(miss.name)] ?? []
            lines.append("  p\(p) [label=\"\(escape(miss.name))\\nLD_PRELOAD, ignored\(ids(here))\"\(colour(here, otherwise: "orange"))];")
            lines.append("  n0 -> p\(p) [style=dashed\(colour(here, otherwise: "orange"))];")
        }
        for object in graph.objects {
            if case .preload = object.foundVia { lines.append("  n0 -> n\(object.index) [style=dashed];") }
            let needed = object.elf.dynamic?.needed ?? []
            for (position, name) in needed.enumerated() {
                let target = position < object.dependencies.count ? object.dependencies[position] : nil
                if let target {
                    lines.append("  n\(object.index) -> n\(target);")
                } else if let m = graph.missing.firstIndex(where: { $0.name.hasSameBytes(as: name) }) {
                    lines.append("  n\(object.index) -> m\(m) [color=red];")
                }
            }
            for (position, entry) in (object.elf.dynamic?.filtees ?? []).enumerated() {
                let kind = entry.isAuxiliary ? "auxiliary filter" : "filter"
                if position < object.filtees.count, let target = object.filtees[position] {
                    lines.append("  n\(object.index) -> n\(target) [label=\"\(kind)\"];")
                } else if !entry.isAuxiliary, let m = graph.missing.firstIndex(where: { $0.name.hasSameBytes(as: entry.name) }) {
                    lines.append("  n\(object.index) -> m\(m) [color=red, label=\"\(kind)\"];")
                } else if entry.isAuxiliary {
                    // Absent, and the loader goes on without it.
                    lines.append("  a\(object.index)_\(position) [label=\"\(escape(entry.name))\\nnot found, ignored\", color=gray, fontcolor=gray];")
                    lines.append("  n\(object.index) -> a\(object.index)_\(position) [style=dashed, color=gray, label=\"\(kind)\"];")
                }
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    /// `\n✗ LD003, OF004`: the ids of the findings on a node.
    private func ids(_ findings: [Finding]) -> String {
        guard !findings.isEmpty else { return "" }
        var seen = Set<String>()
        return "\\n" + findings.filter { seen.insert($0.id.rawValue).inserted }.map { escape($0.id.rawValue) }.joined(separator: ", ")
    }

    /// The worst finding's colour as node attributes.
    private func colour(_ findings: [Finding], otherwise: String? = nil) -> String {
        let name: String?
        if findings.contains(where: { $0.severity == .error }) {
            name = "red"
        } else if findings.contains(where: { $0.severity == .warning }) {
            name = "orange"
        } else {
            name = otherwise
        }
        return name.map { ", color=\($0), fontcolor=\($0)" } ?? ""
    }

    /// A DOT double-quoted string's inside: `"` and `\` escaped (a name ending in `\`
    /// would otherwise swallow the closing quote), control bytes shown as `\xHH` text.
    private func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where TerminalEscape.visible(String(scalar)) != String(scalar): out += "\\" + TerminalEscape.visible(String(scalar))
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

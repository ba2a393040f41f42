import LoaderModel
import Quoting


/// The load graph for Graphviz: one node per object labelled with the rule that found it,
/// missing libraries in red.
struct TreeDot {
    let graph: LoadGraph

    func render() -> String {
        var lines = ["digraph ofdoctor {", "  rankdir=LR;", "  node [shape=box, fontname=\"monospace\"];"]
        for object in graph.objects {
            let label = escape(object.soname ?? object.path) + "\\n" + escape(TreeText.rule(object))
            lines.append("  n\(object.index) [label=\"\(label)\", tooltip=\"\(escape(object.path))\"];")
        }
        for (m, miss) in graph.missing.enumerated() {
            lines.append("  m\(m) [label=\"\(escape(miss.name))\\nnot found\", color=red, fontcolor=red];")
        }
        for object in graph.objects {
            let needed = object.elf.dynamic?.needed ?? []
            for (position, name) in needed.enumerated() {
                let target = position < object.dependencies.count ? object.dependencies[position] : nil
                if let target {
                    lines.append("  n\(object.index) -> n\(target);")
                } else if let m = graph.missing.firstIndex(where: { $0.name == name }) {
                    lines.append("  n\(object.index) -> m\(m) [color=red];")
                }
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n")
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

import LinkerDoctor

/// The load graph for Graphviz: one node per object labelled with the rule that found it,
/// missing libraries in red.
struct TreeDot {
    let graph: LoadGraph

    func render() -> String {
        var lines = ["digraph ofdoctor {", "  rankdir=LR;", "  node [shape=box, fontname=\"monospace\"];"]
        for object in graph.objects {
            let label = "\(object.soname ?? object.path)\\n\(TreeText.rule(object))"
            lines.append("  n\(object.index) [label=\"\(escape(label))\", tooltip=\"\(escape(object.path))\"];")
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

    private func escape(_ text: String) -> String {
        text.replacing("\"", with: "\\\"")
    }
}

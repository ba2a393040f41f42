import LinkerDoctor

/// The load graph as an indented tree, like libtree: each library once (its first
/// appearance in depth-first order), with the rule that found it; missing ones marked
/// with every place tried.
struct TreeText {
    let graph: LoadGraph
    let style: Style
    let showAll: Bool

    /// The whole tree as one string (tests, small graphs).
    func render() -> String {
        var lines: [String] = []
        write { lines.append($0) }
        return lines.joined(separator: "\n")
    }

    /// Hands each line to `emit` as it is made: a deep closure's tree is never held whole.
    func write(_ emit: @escaping (String) -> Void) {
        var lines = LineSink(emit: emit)
        let exe = graph.executable
        var head = style.bold(v(exe.path))
        if graph.interpreterMissing, let interp = graph.interpreterPath {
            head += " " + style.red("(interpreter \(v(interp)) not found in the root)")
        } else if exe.elf.dynamic == nil {
            head += style.dim(" (statically linked)")
        }
        lines.append(head)
        var seen = Set<Int>([0])
        var firstEdges = Set<Edge>()
        markFirstOccurrences(0, seen: &seen, edges: &firstEdges)
        var shown = Set<Int>([0])
        walk(0, prefix: "", firstEdges: firstEdges, shown: &shown, lines: &lines)
    }

    /// Collects nothing: passes each appended line on.
    struct LineSink {
        let emit: (String) -> Void
        mutating func append(_ line: String) { emit(line) }
    }

    private struct Edge: Hashable {
        var parent: Int
        var position: Int
    }

    /// Depth-first, as printed: which edge shows each library for the first time.
    private func markFirstOccurrences(_ index: Int, seen: inout Set<Int>, edges: inout Set<Edge>) {
        for (position, target) in graph.objects[index].dependencies.enumerated() {
            guard let target, !seen.contains(target) else { continue }
            seen.insert(target)
            edges.insert(Edge(parent: index, position: position))
            markFirstOccurrences(target, seen: &seen, edges: &edges)
        }
    }

    private func walk(_ index: Int, prefix: String, firstEdges: Set<Edge>, shown: inout Set<Int>, lines: inout LineSink) {
        // Fields read one by one: copying a whole `LoadedObject` per line retains and
        // releases every one of its references.
        let needed = graph.objects[index].elf.dynamic?.needed ?? []
        let dependencies = graph.objects[index].dependencies
        var entries: [(name: String, target: Int?)] = []
        for (position, name) in needed.enumerated() {
            let target = position < dependencies.count ? dependencies[position] : nil
            if target != nil, !showAll, !firstEdges.contains(Edge(parent: index, position: position)) { continue }
            entries.append((name, target))
        }
        for (n, entry) in entries.enumerated() {
            let last = n == entries.count - 1
            let branch = last ? "└── " : "├── "
            let childPrefix = prefix + (last ? "    " : "│   ")
            guard let target = entry.target else {
                let miss = graph.missing.first { $0.name == entry.name }
                lines.append(prefix + branch + style.red("\(v(entry.name)) not found") +
                             style.dim(miss.map { " (\(v($0.reason)))" } ?? ""))
                for attempt in (miss?.trail ?? []) where attempt.outcome != .absent || showAll {
                    lines.append(childPrefix + style.dim("tried \(v(attempt.path)): \(v(attempt.outcome.description))"))
                }
                if let miss, !showAll {
                    let dirs = miss.trail.filter { $0.outcome == .absent }.count
                    if dirs > 0 { lines.append(childPrefix + style.dim("absent in \(dirs) places searched (--all lists them)")) }
                }
                continue
            }
            let firstTime = shown.insert(target).inserted
            var text = v(entry.name)
            let childPath = graph.objects[target].path
            if childPath != entry.name { text += " => " + v(childPath) }
            lines.append(prefix + branch + text + " " + style.blue("[" + v(TreeText.rule(graph.objects[target])) + "]"))
            if firstTime { walk(target, prefix: childPrefix, firstEdges: firstEdges, shown: &shown, lines: &lines) }
        }
    }

    /// A name or path from the root, made safe for a terminal (it can hold ESC).
    private func v(_ text: String) -> String { TerminalEscape.visible(text) }

    static func rule(_ object: LoadedObject) -> String {
        switch object.foundVia {
        case .search(.rpath(let owner), _): return "rpath of \(owner)"
        case .search(.runpath(let owner), _): return "runpath of \(owner)"
        case .search(let source, _): return source.label
        case .preload(let source): return "LD_PRELOAD" + (source.map { ", \($0.label)" } ?? "")
        case .directPath: return "direct path"
        case .interpreter: return "interpreter"
        case .executable: return "executable"
        }
    }
}

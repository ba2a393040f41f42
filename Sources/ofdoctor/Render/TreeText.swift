import LoaderModel
import Quoting


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
        var firstEdges = FirstEdges(count: graph.objects.count)
        firstEdges.mark(0, in: graph)
        var shown = [Bool](repeating: false, count: graph.objects.count)
        shown[0] = true
        walk(0, prefix: "", firstEdges: firstEdges, shown: &shown, lines: &lines)
    }

    /// Collects nothing: passes each appended line on.
    struct LineSink {
        let emit: (String) -> Void
        mutating func append(_ line: String) { emit(line) }
    }

    /// Depth-first, as printed: the edge (parent, position in its DT_NEEDED list) that shows
    /// each library for the first time. Each library has one such edge: two arrays by
    /// object index, no hashing.
    private struct FirstEdges {
        var parent: [Int]
        var position: [Int]

        init(count: Int) {
            parent = [Int](repeating: -1, count: count)
            position = [Int](repeating: -1, count: count)
        }

        mutating func mark(_ index: Int, in graph: LoadGraph) {
            parent[index] = index   // the root of the walk is seen
            visit(index, in: graph)
        }

        private mutating func visit(_ index: Int, in graph: LoadGraph) {
            for (at, target) in graph.objects[index].dependencies.enumerated() {
                guard let target, parent[target] < 0 else { continue }
                parent[target] = index
                position[target] = at
                visit(target, in: graph)
            }
        }

        func isFirst(_ target: Int, from index: Int, at position: Int) -> Bool {
            parent[target] == index && self.position[target] == position
        }
    }

    private func walk(_ index: Int, prefix: String, firstEdges: FirstEdges, shown: inout [Bool], lines: inout LineSink) {
        // Fields read one by one: copying a whole `LoadedObject` per line retains and
        // releases every one of its references.
        let needed = graph.objects[index].elf.dynamic?.needed ?? []
        let dependencies = graph.objects[index].dependencies
        var entries: [(name: String, target: Int?)] = []
        for (position, name) in needed.enumerated() {
            let target = position < dependencies.count ? dependencies[position] : nil
            if let target, !showAll, !firstEdges.isFirst(target, from: index, at: position) { continue }
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
                    lines.append(childPrefix + style.dim("tried \(v(attempt.path)): \(v(TreeText.describe(attempt.outcome)))"))
                }
                if let miss, !showAll {
                    let dirs = miss.trail.filter { $0.outcome == .absent }.count
                    if dirs > 0 { lines.append(childPrefix + style.dim("absent in \(dirs) places searched (--all lists them)")) }
                }
                continue
            }
            let firstTime = !shown[target]
            shown[target] = true
            let childPath = graph.objects[target].path
            let rule = style.blue(Self.joined("[", v(TreeText.rule(graph.objects[target].foundVia)), "]"))
            lines.append(childPath == entry.name ? Self.joined(prefix, branch, v(entry.name), " ", rule)
                                                 : Self.joined(prefix, branch, v(entry.name), " => ", v(childPath), " ", rule))
            if firstTime { walk(target, prefix: childPrefix, firstEdges: firstEdges, shown: &shown, lines: &lines) }
        }
    }

    /// A name or path from the root, made safe for a terminal (it can hold ESC).
    private func v(_ text: String) -> String { TerminalEscape.visible(text) }

    /// `parts` as one string, sized once: a chain of `+` copies every prefix again.
    private static func joined(_ parts: String...) -> String {
        var out = ""
        out.reserveCapacity(parts.reduce(0) { $0 + $1.utf8.count })
        for part in parts { out += part }
        return out
    }

    static func rule(_ object: LoadedObject) -> String { rule(object.foundVia) }

    static func rule(_ foundVia: FoundVia) -> String {
        switch foundVia {
        case .search(.rpath(let owner), _): return "rpath of \(owner)"
        case .search(.runpath(let owner), _): return "runpath of \(owner)"
        case .search(let source, _): return source.label
        case .preload(let source): return "LD_PRELOAD" + (source.map { ", \($0.label)" } ?? "")
        case .directPath: return "direct path"
        case .interpreter: return "interpreter"
        case .executable: return "executable"
        }
    }

    static func describe(_ outcome: Attempt.Outcome) -> String {
        switch outcome {
        case .absent: return "absent"
        case .danglingLink(let target): return "dangling symlink to \(target)"
        case .wrongClass(let cls): return "wrong ELF class (\(cls)), skipped"
        case .wrongMachine(let machine): return "wrong machine (e_machine \(machine)), skipped"
        case .symlinkLoop: return "symlink loop; the rest of this search list is skipped"
        case .fatal(let message): return message
        case .taken: return "taken"
        case .staleCacheEntry: return "named by ld.so.cache but gone (stale cache)"
        case .nodeflib: return "in a default directory, skipped for a DF_1_NODEFLIB requester"
        }
    }
}
